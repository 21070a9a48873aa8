"""The JSON API through Flask's test client, with real tokens on a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from assess.extensions import db
from assess.models import ApiToken, AuditEvent, User
from assess.services import accounts
from tests.api.conftest import bearer, example_document, store
from tests.conftest import csrf_token

API = "/api/v1"


# Public endpoints.


def test_current_questionnaire_is_the_export_of_the_command_line(client, runner):
    response = client.get(f"{API}/questionnaires/current")
    assert response.status_code == 200
    exported = runner.invoke(args=["questionnaire", "export"])
    assert response.get_json() == json.loads(exported.output)


def test_score_equals_the_command_line(client, runner, tmp_path):
    document = example_document()
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    printed = runner.invoke(args=["score", str(path), "--format", "json"])
    assert printed.exit_code == 0, printed.output
    response = client.post(f"{API}/score", json=document)
    assert response.status_code == 200
    assert response.get_json() == json.loads(printed.output)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("body", "field"), [
    ('{"questionnaire": "ax-readiness", "version": 1,', "body"),  # not JSON
    ("[1, 2]", "body"),
    ({"questionnaire": "ax-readiness", "version": "1"}, "version"),
    ({"questionnaire": "ax-readiness"}, "version"),
    ({"questionnaire": "ax-readiness", "version": 1, "colour": "red"}, "colour"),
    ({"questionnaire": "ax-readiness", "version": 1, "firm": {"employees": "many"}},
     "firm.employees"),
    ({"questionnaire": "ax-readiness", "version": 1, "firm": {"motto": "x"}}, "firm.motto"),
    ({"questionnaire": "ax-readiness", "version": 1, "language": "fr"}, "language"),
    # Values are checked against the questionnaire, as by `assess score`.
    ({"questionnaire": "ax-readiness", "version": 1, "firm": {"employees": 10**9}},
     "firm.employees"),
    ({"questionnaire": "ax-readiness", "version": 1, "answers": {"dx_ai_use": "maybe"}},
     "answers.dx_ai_use"),
    ({"questionnaire": "ax-readiness", "version": 99}, "questionnaire"),
])  # fmt: skip
def test_invalid_documents_are_422_naming_the_field(client, body, field):
    if isinstance(body, str):
        response = client.post(f"{API}/score", data=body, content_type="application/json")
    else:
        response = client.post(f"{API}/score", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    assert error["error"] == "invalid"
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert "Traceback" not in response.get_data(as_text=True)


def test_errors_are_json_in_english_with_a_stable_code(client):
    response = client.get(f"{API}/nothing-here", headers={"Cookie": "lang=ko"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "Not found",
                                   "request_id": response.headers["X-Request-ID"]}
    response = client.delete(f"{API}/score")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


# Tokens.


def _token_row(app, plain: str) -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.prefix == plain[:12]))


def _expire(app, plain):
    _token_row(app, plain).expires_at = datetime.now(UTC) - timedelta(seconds=1)


def _revoke(app, plain):
    accounts.revoke_token(_token_row(app, plain))


def _disable(app, plain):
    _token_row(app, plain).user.active = False


@pytest.mark.parametrize("spoil", [None, "wrong", "basic", _expire, _revoke, _disable])
def test_a_missing_or_invalid_token_is_401(app, client, world, spoil):
    token = world.tokens["consultant_a"]
    headers = bearer(token)
    if spoil is None:
        headers = {}
    elif spoil == "wrong":
        headers = bearer(token[:-4] + "abcd")
    elif spoil == "basic":
        headers = {"Authorization": "Basic YTpi"}
    else:
        with app.app_context():
            spoil(app, token)
            db.session.commit()
    for method, path in [("GET", "/assessments"), ("GET", "/jobs/1"), ("POST", "/assessments"),
                         ("POST", "/reports/batch"), ("GET", "/aggregates?by=industry")]:  # fmt: skip
        response = client.open(f"{API}{path}", method=method, headers=headers, json={})
        assert response.status_code == 401, (path, response.get_json())
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_the_session_cookie_alone_is_refused_and_no_cookie_is_set(app, client, world):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "a@example.org"))
        accounts.set_password(user, "a long passphrase", how="reset")
        db.session.commit()
    form = csrf_token(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"email": "a@example.org", "csrf_token": form,
                                            "password": "a long passphrase"})  # fmt: skip
    assert signed_in.status_code == 303
    assert client.get("/clients").status_code == 200  # the cookie works on pages
    response = client.get(f"{API}/assessments")
    assert response.status_code == 401
    with_token = client.get(f"{API}/assessments", headers=bearer(world.tokens["consultant_a"]))
    assert with_token.status_code == 200
    assert "Set-Cookie" not in with_token.headers
    assert with_token.headers["Cache-Control"] == "no-store"


def test_the_tokens_last_use_is_kept(app, client, world):
    token = world.tokens["consultant_b"]
    assert client.get(f"{API}/assessments", headers=bearer(token)).status_code == 200
    with app.app_context():
        assert _token_row(app, token).last_used_at is not None


# Assessments.


def test_store_read_and_list_assessments(app, client, world):
    token = world.tokens["consultant_a"]
    document = example_document()
    scored = client.post(f"{API}/score", json=document).get_json()
    first = store(client, token, document, firm_id=world.client_a)
    second = store(client, token, {**document, "firm": {**document["firm"], "name": "새고객"}})

    response = client.get(f"{API}/assessments/{first}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == first and body["firm_id"] == world.client_a
    assert datetime.fromisoformat(body["submitted_at"]) <= datetime.now(UTC)
    assert {k: v for k, v in body.items() if k not in ("id", "firm_id", "submitted_at")} == scored

    listed = client.get(f"{API}/assessments?per_page=1", headers=bearer(token)).get_json()
    assert listed["total"] == 2 and listed["page"] == 1 and listed["per_page"] == 1
    assert [item["id"] for item in listed["items"]] == [second]  # newest first
    assert listed["items"][0]["firm"] == "새고객"
    assert listed["items"][0]["overall"] == scored["overall"]["score"]
    following = client.get(listed["next"], headers=bearer(token)).get_json()
    assert [item["id"] for item in following["items"]] == [first]
    assert following["next"] is None

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "assessment.import")).all()  # fmt: skip
        assert sorted(e.target for e in events) == [f"assessment:{first}", f"assessment:{second}"]
        assert {e.actor for e in events} == {"a@example.org"}
        created = db.session.scalars(select(AuditEvent.target).where(
            AuditEvent.action == "client.create")).all()  # fmt: skip
        assert len(created) == 3  # two made by the world, one by the second document


def test_another_organisations_assessment_and_firm_are_not_found(client, world):
    mine = store(client, world.tokens["consultant_a"], example_document(), firm_id=world.client_a)
    theirs = bearer(world.tokens["consultant_b"])
    assert client.get(f"{API}/assessments/{mine}", headers=theirs).status_code == 404
    assert client.get(f"{API}/assessments", headers=theirs).get_json()["total"] == 0
    response = client.post(f"{API}/assessments", headers=theirs,
                           json={**example_document(), "firm_id": world.client_a})  # fmt: skip
    assert response.status_code == 404
    # The same organisation's administrator sees it.
    admin = bearer(world.tokens["org_admin"])
    assert client.get(f"{API}/assessments/{mine}", headers=admin).status_code == 200


def test_a_new_client_needs_a_name(client, world):
    document = {**example_document(), "firm": {"industry": "C29"}}
    response = client.post(f"{API}/assessments", json=document,
                           headers=bearer(world.tokens["consultant_a"]))  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["field"] == "name"


def test_an_idempotency_key_stores_a_document_once(client, world):
    headers = {**bearer(world.tokens["consultant_a"]), "Idempotency-Key": "import-2026-001"}
    document = {**example_document(), "firm_id": world.client_a}
    first = client.post(f"{API}/assessments", json=document, headers=headers)
    again = client.post(f"{API}/assessments", json=document, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    other = {**document, "answers": {**document["answers"], "dx_ai_use": "none"}}
    reused = client.post(f"{API}/assessments", json=other, headers=headers)
    assert reused.status_code == 409
    assert reused.get_json()["error"] == "idempotency_key_reused"
    # Another consultancy's identical key is its own.
    theirs = {**bearer(world.tokens["consultant_b"]), "Idempotency-Key": "import-2026-001"}
    response = client.post(f"{API}/assessments", json={**document, "firm_id": world.client_b},
                           headers=theirs)  # fmt: skip
    assert response.status_code == 201
    listed = client.get(f"{API}/assessments", headers=bearer(world.tokens["consultant_a"]))
    assert listed.get_json()["total"] == 1


@pytest.mark.parametrize(("query", "field"), [("per_page=101", "per_page"), ("page=0", "page"),
                                              ("per_page=x", "per_page")])  # fmt: skip
def test_pages_are_bounded(client, world, query, field):
    response = client.get(f"{API}/assessments?{query}",
                          headers=bearer(world.tokens["consultant_a"]))  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["field"] == field


# Batches (the run through a real worker is in test_batch.py).


@pytest.mark.parametrize(("body", "field"), [
    ({"assessments": ["x"]}, "assessments.0"),
    ({"assessments": []}, "assessments"),
    ({}, "assessments"),
    ({"assessments": [1], "language": "fr"}, "language"),
    ({"assessments": [1], "extra": 1}, "extra"),
])  # fmt: skip
def test_invalid_batches_are_422_naming_the_field(client, world, body, field):
    response = client.post(f"{API}/reports/batch", json=body,
                           headers=bearer(world.tokens["consultant_a"]))  # fmt: skip
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field


def test_a_batch_takes_only_the_organisations_assessments(app, client, world):
    theirs = store(client, world.tokens["consultant_b"], example_document(),
                   firm_id=world.client_b)  # fmt: skip
    response = client.post(f"{API}/reports/batch", json={"assessments": [theirs]},
                           headers=bearer(world.tokens["consultant_a"]))  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["field"] == "assessments"
    started = client.post(f"{API}/reports/batch", json={"assessments": [theirs]},
                          headers=bearer(world.tokens["consultant_b"]))  # fmt: skip
    assert started.status_code == 202
    job = started.get_json()["job"]
    mine = bearer(world.tokens["consultant_a"])
    assert client.get(f"{API}/jobs/{job}", headers=mine).status_code == 404
    assert client.get(f"{API}/jobs/{job}/download", headers=mine).status_code == 404
    own = bearer(world.tokens["consultant_b"])
    assert client.get(f"{API}/jobs/{job}", headers=own).get_json() == {
        "status": "queued", "done": 0, "total": 1, "failed": 0}  # fmt: skip
    not_ready = client.get(f"{API}/jobs/{job}/download", headers=own)
    assert not_ready.status_code == 409
    assert not_ready.get_json()["error"] == "not_ready"
    with app.app_context():
        started_events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "batch.start")).all()  # fmt: skip
        assert [(e.target, e.actor) for e in started_events] == [(f"job:{job}", "b@example.org")]


# Who may call what, with tokens.

TOKEN_MATRIX = {  # (method, path) → status per role
    ("GET", "/assessments"): {"consultant_a": 200, "org_admin": 200, "consultant_b": 200,
                              "analyst": 403, "site_admin": 403},
    ("GET", "/assessments/$mine"): {"consultant_a": 200, "org_admin": 200, "consultant_b": 404,
                                    "analyst": 403, "site_admin": 403},
    ("POST", "/assessments"): {"consultant_a": 201, "org_admin": 201, "consultant_b": 404,
                               "analyst": 403, "site_admin": 403},
    ("POST", "/reports/batch"): {"consultant_a": 202, "org_admin": 202, "consultant_b": 422,
                                 "analyst": 403, "site_admin": 403},
    ("GET", "/jobs/$job"): {"consultant_a": 200, "org_admin": 200, "consultant_b": 404,
                            "analyst": 403, "site_admin": 403},
    ("GET", "/jobs/$job/download"): {"consultant_a": 409, "org_admin": 409, "consultant_b": 404,
                                     "analyst": 403, "site_admin": 403},
    ("GET", "/aggregates?by=industry"): {"consultant_a": 403, "org_admin": 403,
                                         "consultant_b": 403, "analyst": 200,
                                         "site_admin": 403},
    ("GET", "/questionnaires/current"): dict.fromkeys(
        ["consultant_a", "org_admin", "consultant_b", "analyst", "site_admin"], 200),
}  # fmt: skip


@pytest.mark.parametrize("role", ["consultant_a", "org_admin", "consultant_b", "analyst",
                                  "site_admin"])  # fmt: skip
def test_route_by_role_with_tokens(client, world, role):
    mine = store(client, world.tokens["consultant_a"], example_document(), firm_id=world.client_a)
    job = client.post(f"{API}/reports/batch", json={"assessments": [mine]},
                      headers=bearer(world.tokens["consultant_a"])).get_json()["job"]  # fmt: skip
    bodies = {"/assessments": {**example_document(), "firm_id": world.client_a},
              "/reports/batch": {"assessments": [mine]}}  # fmt: skip
    wrong = []
    for (method, path), expected in TOKEN_MATRIX.items():
        url = API + path.replace("$mine", str(mine)).replace("$job", str(job))
        response = client.open(url, method=method, json=bodies.get(path) if method == "POST"
                               else None, headers=bearer(world.tokens[role]))  # fmt: skip
        if response.status_code != expected[role]:
            wrong.append((method, path, response.status_code, expected[role]))
    assert wrong == []


# The OpenAPI document.


def test_the_openapi_document_is_valid_31_and_lists_exactly_the_api(app, client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1.")
    validate(spec)  # against the OpenAPI 3.1 schema
    api_rules = {rule.rule for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("api.")}  # fmt: skip
    documented = {path.replace("{", "<int:").replace("}", ">") for path in spec["paths"]}
    assert documented == api_rules
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    assert spec["servers"] == [{"url": app.config["PUBLIC_URL"],
                                "description": "this installation"}]  # fmt: skip
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items()]  # fmt: skip
    for path, method, operation in operations:
        public = path in (f"{API}/score", f"{API}/questionnaires/current")
        assert ("security" in operation) is not public, (path, method)
        assert all("schema" in c for r in operation["responses"].values()
                   for c in r.get("content", {}).values()), (path, method)  # fmt: skip
    assert client.get(f"{API}/docs").status_code == 404  # no docs UI (it would need a CDN)
    assert client.get("/docs").status_code == 404


def test_the_api_reference_page_is_rendered_here_from_the_openapi_document(client):
    page = client.get("/developers/api?lang=en")
    assert page.status_code == 200
    spec = client.get("/api/v1/openapi.json").json
    for path in spec["paths"]:
        assert path in page.text
    assert "<script" not in page.text.split("<main", 1)[1]  # no docs script, nothing from a CDN
