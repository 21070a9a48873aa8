"""Text that looks like a format string (``%s``, ``%(name)s``, ``{0}``, ``{name}``) is only ever
an argument of one: stored through the forms and the API it reads back exactly as typed, on the
pages, in the flash messages that name it, in exports and in the API; typed where it is refused,
the error message quotes it as typed (or not at all) and nothing fails.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assess.models import Organisation
from tests.scoring.documents import BASE_FIRM
from tests.security.routes import ELIGIBLE, PROFILE, ROUTES, Q, document, token_for
from tests.web.journey import revision_of

# Every kind of placeholder of %-formatting, str.format and Babel, with the names our own
# messages use (name, email, agency, link, host, n).
FORMAT = "%s %d %(name)s %(email)s %(agency)s %(link)s %% {0} {name} {host!r} ${n} %n"
RESOLVED = re.compile(r"None|\bKeyError\b|not enough arguments|Traceback")


def shown(response, text: str = FORMAT) -> bool:
    return text in response.get_data(as_text=True)


def created(response) -> str:
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def test_format_strings_typed_into_free_text_read_back_as_typed(site):
    consultant = site.visitor("consultant_a")
    send = site.send
    page = consultant.get(created(send("consult.new_client", "POST", client=consultant,
                                       body={**PROFILE, "name": "N " + FORMAT})))
    assert page.status_code == 200 and shown(page)
    assert shown(consultant.get("/clients"))
    assert shown(consultant.get("/clients.csv"))
    note = send("consult.assessment", "POST", body={"overall": FORMAT,
                                                     **{d.id: FORMAT for d in Q.dimensions}})
    assert shown(consultant.get(created(note)))
    analyst = site.visitor("analyst")
    programme = send("agency.programmes", "POST", body={
        "name": "P " + FORMAT, "description": FORMAT, "link": "", "eligibility": ELIGIBLE})
    assert shown(analyst.get(created(programme)))
    assert shown(analyst.get("/agency/programmes"))
    # An agency named like a format string, named in the flash of a respondent's consent.
    admin = site.visitor("site_admin")
    created(send("admin.organisations", "POST", body={"name": "A " + FORMAT, "kind": "agency"}))
    assert shown(admin.get("/admin/organisations"))
    [(agency_id,)] = site.rows(select(Organisation.id).where(Organisation.name == "A " + FORMAT))
    holder = site.visitor("resume_holder")
    consent = holder.post(f"/r/{site.values['$token_done']}/consent", data={
        "agency": agency_id, "share": "y", "csrf_token": token_for(holder)})  # fmt: skip
    assert shown(holder.get(created(consent)), "A " + FORMAT)
    # The respondent's own firm name.
    ready = site.values["$token_ready"]
    profile = holder.get(f"/r/{ready}/profile").text
    saved = holder.post(f"/r/{ready}/profile", data={
        **PROFILE, "name": "R " + FORMAT, "revision": revision_of(profile), "action": "next",
        "csrf_token": token_for(holder)})  # fmt: skip
    assert saved.status_code == 302
    assert shown(holder.get(f"/r/{ready}/check"))
    # Through the API.
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    stored = api.post("/api/v1/assessments", headers=headers,
                      json=document(firm={**BASE_FIRM, "name": FORMAT}))
    assert stored.status_code == 201
    again = api.get(f"/api/v1/assessments/{stored.get_json()['id']}", headers=headers)
    assert again.get_json()["firm"]["name"] == FORMAT


TIGHT = "%s%(name)s%(email)s{0}{name}%n"  # where spaces are refused anyway


@pytest.mark.parametrize("endpoint, body", [
    ("auth.login", {"email": TIGHT + "@example.org", "password": FORMAT}),
    ("members.index", {"email": TIGHT + "@example.org", "role": "consultant"}),
    ("admin.users", {"email": TIGHT, "organisation": "", "role": ""}),
    ("consult.webhooks_list", {"url": f"https://{TIGHT}.invalid/{TIGHT}"}),
    ("consult.webhooks_list", {"url": f"https://x/{TIGHT}"}),
    ("agency.programmes", {"name": "P", "description": "", "link": f"https://x/{TIGHT}",
                           "eligibility": f"{{dimension: roi, lt: '{TIGHT}'}}"}),
    ("agency.programmes", {"name": "P", "description": "", "link": "",
                           "eligibility": f"{{dimension: {TIGHT}, lt: 1}}"}),
    ("members.set_accent", {"accent_colour": TIGHT}),
    ("consult.new_client", {**PROFILE, "name": "C", "employees": TIGHT}),
])  # fmt: skip
def test_format_strings_typed_where_they_may_be_refused_are_quoted_whole_or_not_at_all(
        site, endpoint, body):  # fmt: skip
    """A refusal's message quotes the typed text whole; an address the form takes (a valid
    e-mail address may hold these characters) is shown whole on the next page."""
    client = site.fresh(ROUTES[endpoint].role)
    response = site.send(endpoint, "POST", client=client, body=body)
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    assert response.status_code in (200, 401, 422), response.status_code
    text = re.sub(r'value="[^"]*"|<textarea[^>]*>[^<]*', "", response.get_data(as_text=True))
    assert not RESOLVED.search(text)
    left = text.replace(TIGHT, "").replace(FORMAT, "")
    assert [p for p in ("%s", "%(name)s", "%(email)s", "{0}", "{name}") if p in left] == []
