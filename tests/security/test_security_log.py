"""Refused requests leave a line in the security log (who, what route, the request id), never
the path of a resume link, the query or the body."""

from __future__ import annotations

import logging

import pytest

from assess.extensions import db
from assess.services import accounts, clients, drafts
from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM
from tests.web.test_auth import make_user, sign_in


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "assess.security"]


def test_a_forbidden_area_a_missing_csrf_token_and_a_bad_api_token_are_logged(app, client,
                                                                              caplog):  # fmt: skip
    user_id = make_user(app, org=("정밀컨설팅", "consultancy"), role="consultant")
    assert sign_in(client).status_code == 303
    with caplog.at_level(logging.WARNING, logger="assess.security"):
        forbidden = client.get("/admin/")
        no_token = client.post("/logout", data={})
        api = client.get("/api/v1/assessments", headers={"Authorization": "Bearer axr_forged"})
    assert (forbidden.status_code, no_token.status_code, api.status_code) == (403, 400, 401)
    lines = refusals(caplog)
    assert len(lines) == 3, lines
    assert lines[0].startswith("refused 403 forbidden GET /admin/") and f"user {user_id}" in lines[0]
    assert lines[1].startswith("refused 400 csrf POST /logout")
    assert lines[2].startswith("refused 401 unauthenticated GET /api/v1/assessments")
    for line, response in zip(lines, (forbidden, no_token, api), strict=True):
        assert line.endswith(f"request id {response.headers['X-Request-ID']}")
    assert "axr_forged" not in caplog.text


def test_another_organisations_client_is_logged_by_route_not_by_path(app, client, caplog):
    make_user(app, org=("정밀컨설팅", "consultancy"), role="consultant")
    with app.app_context():
        other = accounts.create_organisation("남의컨설팅", "consultancy")
        theirs = clients.create_client(other, dict(BASE_FIRM), None)
        db.session.commit()
        firm_id = theirs.id
    assert sign_in(client).status_code == 303
    with caplog.at_level(logging.WARNING, logger="assess.security"):
        assert client.get(f"/clients/{firm_id}").status_code == 404
    assert refusals(caplog) and refusals(caplog)[-1].startswith(
        "refused 404 not_found GET /clients/<int:firm_id>")


def test_a_wrong_resume_link_is_logged_without_the_link(app, client, caplog):
    with app.app_context():
        _, token = drafts.start_assessment("ko")
        db.session.commit()
    guess = token[:-4] + "abcd"
    with caplog.at_level(logging.WARNING, logger="assess.security"):
        assert client.get(f"/r/{guess}/profile").status_code == 404
        page = client.get(f"/r/{token}/profile")
        assert client.post(f"/r/{token}/profile", data={"csrf_token": "forged"}).status_code == 400
    assert csrf_token(page.text)
    lines = refusals(caplog)
    assert [line.split(" ")[1:3] for line in lines] == [["404", "not_found"], ["400", "csrf"]]
    assert guess not in caplog.text and token not in caplog.text


def test_a_throttled_sign_in_is_logged(app, client, caplog):
    make_user(app)
    app.config["LOGIN_MAX_FAILURES"] = 1
    assert sign_in(client, password="not the password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="assess.security"):
        assert sign_in(client).status_code == 429
    assert refusals(caplog)[-1].startswith("refused 429 sign_in_throttled POST /login")
