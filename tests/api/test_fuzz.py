"""Schemathesis against the OpenAPI document, in process: generated requests to every operation,
with a consultancy's and an agency's token, find no 5xx and no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from assess.extensions import db
from assess.services import accounts
from assess.services.demo import seed_demo_firms
from tests.api.conftest import bearer

# No 5xx; a response's body, status and content type as the document says.
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance,
          schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance]  # fmt: skip


@pytest.fixture
def tokens(app):
    with app.app_context():
        consultancy = accounts.create_organisation("퍼즈컨설팅", "consultancy")
        agency = accounts.create_organisation("퍼즈기관", "agency")
        consultant = accounts.create_user("fuzz-c@example.org", organisation=consultancy,
                                          role="consultant")  # fmt: skip
        analyst = accounts.create_user("fuzz-a@example.org", organisation=agency, role="analyst")
        made = {"consultant": accounts.create_token(consultant, 5)[1],
                "analyst": accounts.create_token(analyst, 5)[1]}  # fmt: skip
        db.session.commit()
        return made


def test_no_server_error_and_every_response_matches_the_document(app, tokens):
    """Each operation gets generated requests (hypothesis, bounded); an agency's token for the
    aggregates, a consultancy's for the rest."""
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    with app.app_context():
        seed_demo_firms(8, seed=2)
        db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:
        fuzz_operation(operation, tokens["analyst" if operation.path.endswith("/aggregates")
                                          else "consultant"])  # fmt: skip


def fuzz_operation(operation, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def fuzz(case):
        case.headers = {**(case.headers or {}), **bearer(token)}
        case.validate_response(case.call(), checks=CHECKS)

    fuzz()
