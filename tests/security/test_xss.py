"""Stored and reflected XSS and template injection: markup and template syntax typed into every
free-text field, through the forms and the API, is printed literally on every page that shows
it and in the PDF reports (and the batch ZIP), never run: no raw tag reaches a page, ``{{7*7}}``
stays ``{{7*7}}``. Hostile query parameters (every one a view reads, url_for's own names and
random ones) and hostile path segments are never echoed unescaped.
"""

from __future__ import annotations

import csv
import io
import random
import re
import string
import zipfile

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import update

from assess.extensions import db
from assess.jobs import queue_of
from assess.models import Organisation
from tests.reports.conftest import pdf_text, squash
from tests.scoring.documents import BASE_FIRM
from tests.security.routes import ELIGIBLE, PROFILE, ROUTES, Q, document, raw_path, token_for
from tests.web.journey import revision_of

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}{% raw %}${7*7}'
ESCAPED = str(escape(HOSTILE))
# A client stored through the API; its name also starts like a spreadsheet formula.
API_NAME = "=API " + HOSTILE
# In places that take no spaces (an email address, a URL).
TIGHT = '<script>alert(1)</script>"><svg/onload=alert(1)>{{7*7}}'
TIGHT_EMAIL = TIGHT.lower() + "@xss.example"
# What only unescaped markup looks like: the tags as typed.
RAW = ("<script>alert(1)", "<img src=x onerror", "<svg/onload", "\"><img", "\"><svg")
# url_for's own argument names, names views read elsewhere, and a few nobody reads.
GENERIC = ("q", "next", "lang", "page", "sort", "new", "x", "callback", "redirect", "url",
           "endpoint", "values", "_external", "_anchor", "_method", "_scheme", "filename",
           "token", "firm_id")  # fmt: skip


def raw_markup(response) -> list[str]:
    """The unescaped markers in an HTML response (other content types are not run as pages)."""
    if "html" not in (response.content_type or ""):
        return []
    return [marker for marker in RAW if marker in response.text]


def created_id(response) -> int:
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture(scope="module")
def stored(site):
    """Hostile text stored in every free-text field, through the forms and the API."""
    values = dict(site.values)
    send = site.send
    consultant = site.visitor("consultant_a")
    with site.app.app_context():  # no form renames an organisation: seeded as it would be
        for key, name in (("$org_a", "A " + HOSTILE), ("$agency_c", "C " + HOSTILE)):
            db.session.execute(update(Organisation).where(Organisation.id == values[key])
                               .values(name=name))  # fmt: skip
        db.session.commit()
    statuses = {
        "edit client": send("consult.edit_client", "POST", body={**PROFILE, "name": HOSTILE}),
        "note": send("consult.assessment", "POST", body={
            "overall": HOSTILE, **{d.id: HOSTILE for d in Q.dimensions}}),
        "programme": send("agency.programme", "POST", body={
            "name": HOSTILE, "description": HOSTILE, "link": "https://example.org/?" + TIGHT,
            "eligibility": ELIGIBLE + "  # " + HOSTILE}),
        "organisation": send("admin.organisations", "POST",
                             body={"name": "O " + HOSTILE, "kind": "agency"}),
        "user": send("admin.users", "POST",
                     body={"email": TIGHT_EMAIL, "organisation": "", "role": ""}),
        "member": send("members.index", "POST",
                       body={"email": "m" + TIGHT_EMAIL, "role": "consultant"}),
        "webhook": send("consult.webhooks_list", "POST",
                        body={"url": "http://127.0.0.1:9/" + TIGHT}),
        "failed login": send("auth.login", "POST", client=site.fresh("anonymous"),
                             body={"email": TIGHT_EMAIL, "password": "wrong password"}),
    }
    new_client = send("consult.new_client", "POST", client=consultant,
                      body={**PROFILE, "name": "N " + HOSTILE})
    statuses["new client"] = new_client
    values["$new_client"] = created_id(new_client)
    # The respondent's own firm name, submitted, and shared with agency C.
    holder = site.visitor("resume_holder")
    ready = values["$token_ready"]
    page = holder.get(f"/r/{ready}/profile").text
    statuses["profile"] = holder.post(f"/r/{ready}/profile", data={
        **PROFILE, "name": "R " + HOSTILE, "revision": revision_of(page),
        "csrf_token": token_for(holder)})  # fmt: skip
    statuses["submit"] = holder.post(f"/r/{ready}/submit", data={"csrf_token": token_for(holder)})
    statuses["consent"] = holder.post(f"/r/{ready}/consent", data={
        "agency": values["$agency_c"], "share": "y", "csrf_token": token_for(holder)})
    # A client and its submitted assessment stored through the API, with notes.
    api = site.app.test_client()
    response = api.post("/api/v1/assessments", headers=site.headers("api:consultant_a"),
                        json=document(firm={**BASE_FIRM, "name": API_NAME}))
    statuses["api"] = response
    values["$api_assessment"] = response.get_json()["id"]
    api_assessment = api.get(f"/api/v1/assessments/{values['$api_assessment']}",
                             headers=site.headers("api:consultant_a")).get_json()
    values["$api_client"] = api_assessment["firm_id"]
    statuses["api note"] = send("consult.assessment", "POST", client=consultant, body={
        "overall": HOSTILE, **{d.id: HOSTILE for d in Q.dimensions}},
        url=f"/clients/{values['$api_client']}/assessments/{values['$api_assessment']}")
    refused = {what: r.status_code for what, r in statuses.items()
               if r.status_code not in (200, 201, 302, 303, 401)}
    assert refused == {}, "a hostile text was refused, so nothing would show it"
    reflected = [(what, raw_markup(r)) for what, r in statuses.items() if raw_markup(r)]
    assert reflected == []
    return values


def shown_pages(values) -> list[tuple[str, str, tuple[str, ...]]]:
    """(visitor, URL, escaped texts it must show) for every page that shows stored text."""
    client_a, submitted = values["$client_a"], values["$submitted_a"]
    api_client, api_assessment = values["$api_client"], values["$api_assessment"]
    ready, done = values["$token_ready"], values["$token_done"]
    tight = str(escape(TIGHT))
    return [
        ("consultant_a", "/clients", (ESCAPED,)),
        ("consultant_a", f"/clients/{client_a}", (ESCAPED,)),
        ("consultant_a", f"/clients/{client_a}/edit", (ESCAPED,)),
        ("consultant_a", f"/clients/{values['$new_client']}", (ESCAPED,)),
        ("consultant_a", f"/clients/{client_a}/assessments/{submitted}", (ESCAPED,)),
        ("consultant_a", f"/clients/{api_client}/assessments/{api_assessment}", (ESCAPED,)),
        ("consultant_a", f"/compare?client={client_a}&client={api_client}", (ESCAPED,)),
        ("consultant_a", "/account", (ESCAPED,)),  # the organisation's name
        ("analyst", "/agency/programmes", (ESCAPED,)),
        ("analyst", f"/agency/programmes/{values['$programme_c']}", (ESCAPED, tight)),
        ("analyst", "/agency/firms", (ESCAPED,)),
        ("site_admin", "/admin/organisations", (ESCAPED,)),
        ("site_admin", "/admin/users", (ESCAPED, tight)),
        ("org_admin", "/organisation/members", (ESCAPED, tight)),
        ("org_admin", "/organisation/webhooks", (ESCAPED, tight)),
        ("org_admin", "/organisation/branding", (ESCAPED,)),
        ("resume_holder", f"/r/{ready}/results", (ESCAPED,)),  # its name; agency C's name
        ("resume_holder", f"/r/{done}/results", (ESCAPED,)),
        ("anonymous", f"/invitation/{values['$invitation']}", (ESCAPED,)),
    ]


def test_stored_text_is_shown_escaped_on_every_page_that_shows_it(site, stored):
    wrong = []
    for role, url, texts in shown_pages(stored):
        response = site.visitor(role).get(url)
        if response.status_code != 200:
            wrong.append((url, response.status_code))
            continue
        wrong += [(url, "raw", marker) for marker in raw_markup(response)]
        wrong += [(url, "not shown", text[:30]) for text in texts if text not in response.text]
    assert wrong == []


def test_no_page_of_any_route_carries_stored_markup_unescaped(site, stored):
    wrong = []
    for endpoint, route in ROUTES.items():
        if route.get is None:
            continue
        response = site.send(endpoint)
        if response.status_code >= 500:
            wrong.append((endpoint, response.status_code))
        wrong += [(endpoint, marker) for marker in raw_markup(response)]
    assert wrong == []


def active_content(pdf: bytes) -> list[str]:
    """Links, scripts, actions and attachments anywhere in a PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    found = [f"attachment {name}" for name in reader.attachments]
    root = reader.trailer["/Root"]
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        if key in root:
            found.append(key)
    names = root.get("/Names", {})
    found += [f"names {key}" for key in ("/JavaScript", "/EmbeddedFiles") if key in names]
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A", {})
            if action.get("/S") not in (None, "/GoTo"):  # a link inside the report is fine
                found.append(f"{annotation.get('/Subtype')} {action.get('/S')} {action.get('/URI')}")
    return found


def test_the_pdf_reports_print_stored_text_literally_and_link_nowhere(site, stored):
    """The consultant's PDF (firm name from the API, the consultancy's name, notes) and the
    respondent's (the firm name typed on the profile page)."""
    consultant = site.visitor("consultant_a")
    consult = consultant.get(f"/clients/{stored['$api_client']}/assessments/"
                             f"{stored['$api_assessment']}/report-ko.pdf")  # fmt: skip
    respondent = site.visitor("resume_holder").get(f"/r/{stored['$token_ready']}/report-en.pdf")
    for response, at_least in ((consult, 2 + 1 + len(Q.dimensions)), (respondent, 2)):
        assert response.status_code == 200
        assert response.content_type == "application/pdf"
        text = squash(pdf_text(response.data))
        assert text.count(squash(HOSTILE)) >= at_least
        assert "{{7*7}}" in text and "${7*7}" in text
        assert active_content(response.data) == []


def test_the_batch_zip_names_and_prints_stored_text_safely(site, stored):
    consultant = site.visitor("consultant_a")
    queue_of(site.app).huey.immediate = True  # the batch renders as it is queued
    try:
        response = site.send("consult.start_batch", "POST", client=consultant,
                             body={"client": stored["$api_client"], "language": "ko"})
    finally:
        queue_of(site.app).huey.immediate = False
    assert response.status_code == 303
    download = consultant.get(response.headers["Location"] + "/download")
    data = download.data
    download.close()  # sent from an open file
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert len(names) == 2 and "status.csv" in names
    pdf_name = next(n for n in names if n != "status.csv")
    assert not set('<>/\\"') & set(pdf_name), pdf_name
    assert squash(HOSTILE) in squash(pdf_text(archive.read(pdf_name)))
    assert active_content(archive.read(pdf_name)) == []
    rows = list(csv.reader(io.StringIO(archive.read("status.csv").decode("utf-8-sig"))))
    assert rows[1][0] == "'" + API_NAME  # and as text, not a formula (test_exports.py)


def random_names(count: int = 5) -> list[str]:
    chance = random.Random(20261122)  # the same names every run: a failure can be repeated
    return ["".join(chance.choices(string.ascii_lowercase + "_", k=8)) for _ in range(count)]


def test_hostile_query_parameters_are_never_echoed_unescaped(site):
    """Every GET route with every parameter its view reads set to markup, one at a time and all
    at once with url_for's own argument names and random ones."""
    wrong = []
    names = (*GENERIC, *random_names())
    for endpoint, route in ROUTES.items():
        if route.get is None:
            continue
        tries = [{name: HOSTILE} for name in route.query]
        tries.append(dict.fromkeys((*route.query, *names), HOSTILE))
        # Paged lists link to their other pages with the parameters they were given.
        tries.append({**dict.fromkeys(names, HOSTILE), "page": "2"})
        for query in tries:
            response = site.send(endpoint, query=query)
            if response.status_code >= 500:
                wrong.append((endpoint, sorted(query)[:3], response.status_code))
            wrong += [(endpoint, sorted(query)[:3], marker) for marker in raw_markup(response)]
    assert wrong == []


def test_hostile_path_segments_are_never_echoed_unescaped(site):
    wrong = []
    paths = ["/" + HOSTILE, "/r/" + HOSTILE + "/profile", "/clients/" + HOSTILE]
    for rule in site.app.url_map.iter_rules():
        texts = [n for n, c in rule._converters.items()
                 if type(c).__name__ in ("UnicodeConverter", "PathConverter")]  # fmt: skip
        route = ROUTES[rule.endpoint]
        good = {k: site.values.get(v, v) if isinstance(v, str) else v
                for k, v in route.args.items()}  # fmt: skip
        paths += [raw_path(rule.rule, {**good, name: HOSTILE}) for name in texts]
    for path in paths:
        for role in ("anonymous", "consultant_a"):
            response = site.visitor(role).get(path)
            if response.status_code != 404 or raw_markup(response):
                wrong.append((path[:40], role, response.status_code, raw_markup(response)))
    assert wrong == []


def test_a_programme_link_is_a_web_address_or_nothing(site):
    """The one typed text that becomes a link (on the respondent's results): never a script."""
    wrong = []
    for link in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                 "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                 "vbscript:msgbox(1)", "//evil.example/x", "https:alert(1)",
                 "https://exa mple.org/"):  # fmt: skip
        response = site.send("agency.programmes", "POST", client=site.visitor("analyst"),
                             body={"name": "Linked", "description": "", "link": link,
                                   "eligibility": ELIGIBLE})  # fmt: skip
        if response.status_code != 422 or 'id="link-error1"' not in response.text:
            wrong.append((link, response.status_code))
    assert wrong == []
