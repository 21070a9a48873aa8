"""Mass assignment: ``role``, the organisation, ``firm_id``, ``status``, ``site_admin``,
``created_by`` and ``submitted_at`` (and their likely spellings) added to every form POST and
every API body. Forms ignore them: the request does what it does without them, and no row's
owner, role, status or author changes, nor does any new row belong to anyone but the visitor.
The API refuses them: 422 naming the field, nothing stored.
"""

from __future__ import annotations

from sqlalchemy import select

from assess.extensions import db
from tests.security.routes import ROUTES, document

# Who owns, wrote, or may do what: the columns a smuggled field would aim at.
GUARDED = {
    "user_account": ("site_admin", "email"),
    "membership": ("user_id", "organisation_id", "role"),
    "organisation": ("kind",),
    "firm": ("organisation_id",),
    "assessment": ("firm_id", "status", "submitted_at", "created_by_id", "previous_id"),
    "assessment_note": ("assessment_id", "author_id"),
    "job": ("organisation_id", "created_by_id"),
    "webhook": ("organisation_id", "created_by_id"),
    "programme": ("organisation_id", "sample"),
    "consent": ("organisation_id", "assessment_id"),
    "api_token": ("user_id",),
    "invitation": ("organisation_id", "firm_id", "created_by_id"),
}
# What a route changes by design (its own fields, not the smuggled ones).
CHANGES = {
    "respond.submit": {("assessment", "status"), ("assessment", "submitted_at")},
    "admin.membership_role": {("membership", "role")},
    # The respondent's first profile makes the firm's own record (a new row, checked below).
    "respond.page": {("assessment", "firm_id")},
}
DELETES = {"members.remove": "membership", "admin.membership_remove": "membership",
           "consult.remove_webhook": "webhook"}  # fmt: skip
# Fields that are the form's own on these routes (an administrator sets them on purpose).
OWN_FIELDS = {"admin.users": {"site_admin", "organisation", "role"},
              "admin.organisations": {"kind"}, "admin.membership_role": {"role"},
              "members.index": {"role"}}  # fmt: skip


def smuggled(values) -> dict:
    org_b, client_b, user_b = values["$org_b"], values["$client_b"], values["$user_b"]
    return {"role": "org_admin", "org": org_b, "organisation": org_b, "organisation_id": org_b,
            "org_id": org_b, "firm_id": client_b, "firm": client_b, "status": "submitted",
            "site_admin": "y", "is_admin": "y", "created_by": user_b, "created_by_id": user_b,
            "author_id": user_b, "user_id": user_b, "submitted_at": "2000-01-01T00:00:00",
            "kind": "agency", "sample": "y", "active": "", "id": values["$submitted_b"]}  # fmt: skip


def snapshot(site) -> dict[tuple[str, int], tuple]:
    rows = {}
    with site.app.app_context():
        tables = {t.name: t for t in db.metadata.sorted_tables}
        for name, columns in GUARDED.items():
            table = tables[name]
            for row in db.session.execute(select(table.c.id, *(table.c[c] for c in columns))):
                rows[(name, row[0])] = dict(zip(columns, row[1:], strict=True))
        db.session.remove()
    return rows


def actor(site, role: str) -> tuple[int | None, int | None]:
    """(user id, organisation id) of a visitor role."""
    from assess.models import User

    email = site.world.emails.get(role)
    if email is None:
        return None, None
    with site.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        result = user.id, user.membership.organisation_id if user.membership else None
        db.session.remove()
    return result


def problems(endpoint, before, after, me, my_org, values) -> list:
    wrong = []
    allowed = CHANGES.get(endpoint, set())
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            if DELETES.get(endpoint) != key[0]:
                wrong.append((endpoint, key, "deleted"))
            continue
        for column, value in old.items():
            if new[column] != value and (key[0], column) not in allowed:
                wrong.append((endpoint, key, column, value, new[column]))
            elif new[column] != value and column == "firm_id" and (
                    value is not None or ("firm", new[column]) in before):
                wrong.append((endpoint, key, "moved to an existing firm", new[column]))
    for key in after.keys() - before.keys():
        table, row = key[0], after[key]
        if my_org is not None and table != "consent" and row.get("organisation_id") not in (
                None, my_org):
            wrong.append((endpoint, key, "belongs to", row["organisation_id"]))
        if row.get("firm_id") is not None and row["firm_id"] == values["$client_b"]:
            wrong.append((endpoint, key, "of another organisation's client"))
        for column in ("created_by_id", "author_id"):
            if row.get(column) not in (None, me):
                wrong.append((endpoint, key, column, row[column]))
        if table == "assessment" and (row["status"] != "draft" or row["submitted_at"]):
            wrong.append((endpoint, key, "new assessment", row["status"]))
        if table == "user_account" and row["site_admin"]:
            wrong.append((endpoint, key, "a new site administrator"))
        if table == "membership" and row["role"] != "consultant":
            wrong.append((endpoint, key, "a new member's role", row["role"]))
        if table == "consent" and row["organisation_id"] != values["$agency_c"]:
            wrong.append((endpoint, key, "consent to", row["organisation_id"]))
    return wrong


def test_fields_smuggled_into_every_form_are_ignored(site):
    extra = smuggled(site.values)
    wrong = []
    for endpoint, route in ROUTES.items():
        if route.post is None or route.is_api:
            continue
        client = site.client_for(endpoint)
        me, my_org = actor(site, route.role)
        body = site.body(route, client)
        own = set(body) | OWN_FIELDS.get(endpoint, set())
        body.update({k: v for k, v in extra.items() if k not in own})
        before = snapshot(site)
        response = site.send(endpoint, "POST", client=client, body=body)
        if response.status_code != route.posted:
            wrong.append((endpoint, response.status_code, route.posted))
        wrong += problems(endpoint, before, snapshot(site), me, my_org, site.values)
    assert wrong == []


def test_fields_smuggled_into_the_api_are_refused_naming_them(site):
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    extra = {k: v for k, v in smuggled(site.values).items() if k != "firm_id"}
    extra["firm_id"] = site.values["$client_b"]  # the API's own field, with their client
    wrong = []
    before = site.fingerprint(ignore=("api_token",))
    for name, value in extra.items():
        body = document(**{name: value})
        response = api.post("/api/v1/assessments", json=body, headers=headers)
        expected = (404, None) if name == "firm_id" else (422, name)
        got = (response.status_code, response.get_json().get("field"))
        if got != expected:
            wrong.append(("create", name, got))
        base = document()
        response = api.post("/api/v1/assessments", headers=headers,
                            json={**base, "firm": {**base["firm"], name: value}})  # fmt: skip
        if (response.status_code, response.get_json().get("field")) != (422, f"firm.{name}"):
            wrong.append(("firm", name, response.status_code))
        response = api.post("/api/v1/reports/batch", headers=headers, json={
            "assessments": [site.values["$submitted_a"]], "language": "ko", name: value})
        if (response.status_code, response.get_json().get("field")) != (422, name):
            wrong.append(("batch", name, response.status_code))
        response = api.post("/api/v1/score", json={**document(), name: value})
        if (response.status_code, response.get_json().get("field")) != (422, name):
            wrong.append(("score", name, response.status_code))
    assert wrong == []
    assert site.fingerprint(ignore=("api_token",)) == before  # (a token's last use is kept)
