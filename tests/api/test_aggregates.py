"""GET /api/v1/aggregates: an agency's cells under the dashboard's disclosure control."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import AssessmentResult, AuditEvent, Firm
from assess.services import aggregates
from assess.services.aggregates import Filters
from assess.services.demo import seed_demo_firms
from assess.services.questionnaires import current_questionnaire
from tests.api.conftest import bearer
from tests.disclosure.attacker import audit

API = "/api/v1/aggregates"


@pytest.fixture
def population(app, world):
    with app.app_context():
        seed_demo_firms(120, seed=7, spread=True)
        db.session.commit()
    return world


def _get(client, world, query: str, role: str = "analyst"):
    return client.get(f"{API}?{query}", headers=bearer(world.tokens[role]))


def _four_firms_in_an_empty_region(app) -> str:
    """Move exactly four firms to a region that had none; return it."""
    with app.app_context():
        used = set(db.session.scalars(select(AssessmentResult.region).distinct()))
        region = next(r for r in current_questionnaire().regions if r not in used)
        ids = db.session.scalars(select(AssessmentResult.assessment_id)
                                 .order_by(AssessmentResult.assessment_id).limit(4)).all()
        for result in db.session.scalars(select(AssessmentResult)
                                         .where(AssessmentResult.assessment_id.in_(ids))):
            result.region = region
        db.session.commit()
    return region


@pytest.mark.parametrize(("role", "status"), [("analyst", 200), ("consultant_a", 403),
                                              ("org_admin", 403), ("site_admin", 403)])
def test_only_an_agency_token_gets_aggregates(client, world, role, status):
    response = _get(client, world, "by=industry", role)
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert response.get_json()["error"] == "forbidden"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer axr_nothing"},
                                     {"Authorization": "Basic YTpi"}])
def test_no_or_an_invalid_token_is_401(client, world, headers):
    response = client.get(f"{API}?by=industry", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_four_firm_cell_is_suppressed_without_figures(app, client, population):
    region = _four_firms_in_an_empty_region(app)
    response = _get(client, population, "by=region")
    assert response.status_code == 200
    body = response.get_json()
    assert body["k"] == 5
    cells = {c["region"]: c for c in body["cells"]}
    assert cells[region] == {"region": region, "suppressed": True}
    # Every region of the questionnaire is listed; an empty one looks exactly like a hidden one.
    with app.app_context():
        used = set(db.session.scalars(select(AssessmentResult.region).distinct()))
        empty = [r for r in current_questionnaire().regions if r not in used]
        assert set(cells) == {*current_questionnaire().regions, "total"}
    for label in empty:
        assert cells[label] == {"region": label, "suppressed": True}
    total = cells["total"]
    assert total["n"] == 120 and total["suppressed"] is False
    assert set(total) == {"region", "n", "overall", "dimensions", "suppressed"}
    assert 0 <= total["overall"]["mean"] <= 100
    for cell in body["cells"]:
        if not cell["suppressed"]:
            assert cell["n"] >= 5
            assert set(cell["dimensions"]) == set(aggregates.DIMENSION_COLUMNS)


def test_two_way_cells_have_margins_and_pass_the_lp_audit(app, client, population):
    response = _get(client, population, "by=industry,size")
    assert response.status_code == 200
    cells = response.get_json()["cells"]
    keys = {(c["industry"], c["size"]) for c in cells}
    assert ("total", "total") in keys
    with app.app_context():
        q = current_questionnaire()
        for industry in q.industries:
            assert (industry, "total") in keys
        for band in q.profile.size_bands:
            assert ("total", band.id) in keys
        table = aggregates.cross_table(["industry", "size"], Filters())
        audit(table.table, table.published)  # HiGHS: no hidden cell can be narrowed
        # The response is exactly the protected table: shown cells with their counts.
        for cell in cells:
            labels = (cell["industry"], cell["size"])
            cell_id = aggregates.N if labels == ("total", "total") else labels
            assert cell.get("n") == table.published.count(cell_id)
            if not cell["suppressed"]:
                mean = table.published.mean(cell_id) / aggregates.SCALE
                assert cell["overall"]["mean"] == round(mean, 1)
                n_scored = db.session.scalar(
                    select(func.count(AssessmentResult.dx_ax)).where(*_where(labels)))
                if n_scored >= 5:
                    expected = db.session.scalar(
                        select(func.avg(AssessmentResult.dx_ax)).where(*_where(labels)))
                    assert cell["dimensions"]["dx_ax"] == round(expected, 1)


def _where(labels):
    industry, size = labels
    out = []
    if industry != "total":
        out.append(AssessmentResult.industry == industry)
    if size != "total":
        out.append(AssessmentResult.size_band == size)
    return out


def test_one_way_by_quarter_with_filters_passes_the_audit(app, client, population):
    with app.app_context():
        region = db.session.execute(select(AssessmentResult.region, func.count())
                                    .group_by(AssessmentResult.region)
                                    .order_by(func.count().desc())).first()[0]
        table = aggregates.cross_table(["quarter"], Filters(region=region))
        if table.publishable:
            audit(table.table, table.published)
    response = _get(client, population, f"by=quarter&region={region}")
    assert response.status_code == 200


def test_no_firm_name_or_answer_in_any_response(app, client, population):
    with app.app_context():
        names = db.session.scalars(select(Firm.name)).all()
    for query in ["by=industry", "by=region", "by=industry,region", "by=size,quarter",
                  "by=quarter&region=busan", "by=industry&size=small"]:
        response = _get(client, population, query)
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 422), (query, text)
        assert not any(name and name in text for name in names), query
        assert "answers" not in text and "firm" not in text


def test_an_unpublishable_population_publishes_nothing(app, client, population):
    region = _four_firms_in_an_empty_region(app)
    response = _get(client, population, f"by=industry&region={region}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cells"] == [] and body["k"] == 5 and body["message"]


@pytest.mark.parametrize(("query", "field"), [
    ("", "by"),
    ("by=industry,region,size", "by"),
    ("by=colour", "by"),
    ("by=industry,industry", "by"),
    ("by=industry&industry=X99", "industry"),
    ("by=industry&region=atlantis", "region"),
    ("by=industry&size=giant", "size"),
    ("by=industry&from=2025-01", "from"),
    ("by=industry&to=2025Q5", "to"),
])  # fmt: skip
def test_invalid_queries_are_422_naming_the_field(client, world, query, field):
    response = _get(client, world, query)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    assert error["error"] == "invalid" and error["field"] == field
    if query == "by=industry,region,size":
        assert "two-way" in error["message"]


def test_each_call_is_audited(app, client, population):
    assert _get(client, population, "by=industry&region=busan").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "aggregates.api")).all()
        assert [(e.actor, e.detail["by"], e.detail["filters"]) for e in events] == [
            ("c@example.org", ["industry"], {"region": "busan"})]


def test_the_openapi_document_explains_the_limit(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/aggregates"]["get"]
    by = next(p for p in operation["parameters"] if p["name"] == "by")
    assert "two-way" in by["description"]
    assert "security" in operation
