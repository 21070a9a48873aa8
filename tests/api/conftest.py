"""An API world: two consultancies and an agency, each member with a real token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from assess.extensions import db
from assess.services import accounts, clients
from tests.scoring.documents import BASE_FIRM

EXAMPLE = Path(__file__).parents[2] / "examples" / "answers-ko.yaml"


@dataclass
class World:
    tokens: dict[str, str]  # role → plain token
    client_a: int  # a client firm of consultancy A
    client_b: int  # a client firm of consultancy B


def example_document() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app) -> World:
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    with app.app_context():
        a = accounts.create_organisation("컨설팅 A", "consultancy")
        b = accounts.create_organisation("컨설팅 B", "consultancy")
        agency = accounts.create_organisation("지원기관 C", "agency")
        users = {
            "consultant_a": accounts.create_user("a@example.org", organisation=a,
                                                 role="consultant"),
            "consultant_b": accounts.create_user("b@example.org", organisation=b,
                                                 role="consultant"),
            "org_admin": accounts.create_user("admin-a@example.org", organisation=a,
                                              role="org_admin"),
            "analyst": accounts.create_user("c@example.org", organisation=agency,
                                            role="analyst"),
            "site_admin": accounts.create_user("root@example.org", site_admin=True),
        }  # fmt: skip
        tokens = {role: accounts.create_token(user, 30)[1] for role, user in users.items()}
        client_a = clients.create_client(a, dict(BASE_FIRM), users["consultant_a"])
        client_b = clients.create_client(b, {**BASE_FIRM, "name": "남의정밀"},
                                         users["consultant_b"])  # fmt: skip
        db.session.commit()
        return World(tokens, client_a.id, client_b.id)


def store(client, token: str, document: dict, **extra) -> int:
    """Store ``document`` through the API and return the new assessment's id."""
    response = client.post("/api/v1/assessments", json={**document, **extra},
                           headers=bearer(token))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]
