"""SQL injection: the classic strings in every search, sort, filter and id parameter (query
strings of every page and of the API, path ids and tokens, the API's JSON bodies, the sign-in
form). Never a server error, never more rows than the visitor may see, and every table is still
there, with every row, afterwards."""

from __future__ import annotations

import re

from sqlalchemy import func, inspect, select

from assess.extensions import db
from assess.scoring.answers import field_name
from tests.security.routes import ROUTES, raw_path

INJECTIONS = ["' OR 1=1--", "' OR '1'='1", "1; DROP TABLE assessment", "1); DROP TABLE firm;--",
              "%' --", "%", "_", "\\", "’ OR ‘1’=‘1", "＇ OR 1=1--",
              "1' UNION SELECT email, password_hash FROM user_account--",
              "\" OR \"\"=\"", "1 AND SLEEP(5)", "'; SELECT pg_sleep(5);--"]  # fmt: skip
# For the loops over every parameter of every route: one of each kind.
SOME = ["' OR 1=1--", "1; DROP TABLE assessment", "%' --", "’ OR ‘1’=‘1", "\\",
        "1' UNION SELECT email, password_hash FROM user_account--"]  # fmt: skip
CLIENT_LINK = re.compile(r'href="/clients/(\d+)"')


def table_counts(site) -> dict[str, int]:
    """Every table and its number of rows (the audit log apart: exports are recorded; and the
    signed-in sessions: a visitor's first request signs it in)."""
    with site.app.app_context():
        names = set(inspect(db.engine).get_table_names())
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t))
                  for t in db.metadata.sorted_tables
                  if t.name not in ("audit_event", "user_session")}  # fmt: skip
        db.session.remove()
    return {"tables": len(names), **counts}


def test_injections_in_every_query_parameter_of_every_page_and_the_api(site):
    before = table_counts(site)
    wrong = []
    for endpoint, route in ROUTES.items():
        if route.get is None or not route.query:
            continue
        for name in route.query:
            for text in SOME:
                response = site.send(endpoint, query={name: text})
                if response.status_code >= 500:
                    wrong.append((endpoint, name, text, response.status_code))
    assert wrong == []
    assert table_counts(site) == before


def test_numbers_beyond_any_range_in_every_query_parameter(site):
    """A page number or an id a database column cannot hold is not a server error."""
    wrong = []
    for endpoint, route in ROUTES.items():
        if route.get is None or not route.query:
            continue
        for name in route.query:
            for number in ("9" * 20, "-" + "9" * 20, "1e400", "NaN", "0", "-1"):
                response = site.send(endpoint, query={name: number})
                if response.status_code >= 500:
                    wrong.append((endpoint, name, number, response.status_code))
    assert wrong == []


def test_injections_in_path_ids_and_tokens_are_not_found(site):
    before = table_counts(site)
    wrong = []
    for rule in site.app.url_map.iter_rules():
        route = ROUTES[rule.endpoint]
        names = [n for n, c in rule._converters.items()
                 if type(c).__name__ in ("RowId", "UnicodeConverter")]  # fmt: skip
        good = {k: site.values.get(v, v) if isinstance(v, str) else v
                for k, v in route.args.items()}  # fmt: skip
        method = "GET" if route.get is not None else "POST"
        for name in names:
            for text in SOME:
                url = raw_path(rule.rule, {**good, name: text})
                response = site.send(rule.endpoint, method, url=url)
                if response.status_code != 404:
                    wrong.append((rule.endpoint, name, text, response.status_code))
    assert wrong == []
    assert table_counts(site) == before


def test_a_search_never_finds_more_than_the_organisations_own_clients(site):
    """No firm's name holds these strings: every search finds nothing (and never another
    organisation's client), however it is sorted."""
    client = site.visitor("consultant_a")
    everyone = set(CLIENT_LINK.findall(client.get("/clients").text))
    assert len(everyone) == 2  # the control: the list shows the organisation's two clients
    wrong = []
    for text in INJECTIONS:
        for sort in ("name", text):
            response = client.get("/clients", query_string={"q": text, "sort": sort})
            found = set(CLIENT_LINK.findall(response.text))
            if response.status_code != 200 or found or "Client of B" in response.text:
                wrong.append((text, sort, response.status_code, found))
    assert wrong == []


def test_an_audit_filter_never_finds_rows_it_does_not_match(site):
    admin = site.visitor("site_admin")
    # The control: filtered on what they are, sign-ins are found.
    assert "<code>login</code>" in admin.get("/admin/audit?action=login").text
    wrong = []
    for text in INJECTIONS:
        for name in ("actor", "action"):
            response = admin.get("/admin/audit", query_string={name: text})
            if response.status_code != 200 or "<code>login</code>" in response.text:
                wrong.append((name, text, response.status_code))
    assert wrong == []


def test_the_api_lists_only_the_organisations_own_assessments(site):
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    mine = {site.values["$submitted_a"]}
    wrong = []
    for text in INJECTIONS:
        for name in ("page", "per_page"):
            response = api.get("/api/v1/assessments", query_string={name: text}, headers=headers)
            if response.status_code != 422 or response.get_json()["field"] != name:
                wrong.append((name, text, response.status_code))
        response = api.get(f"/api/v1/assessments?page=1&per_page=100&x={text}", headers=headers)
        ids = {item["id"] for item in response.get_json()["items"]}
        if response.status_code != 200 or ids != mine:
            wrong.append(("list", text, response.status_code, ids))
        for name in ("industry", "region", "size", "from", "to", "by"):
            response = api.get("/api/v1/aggregates", headers=site.headers("api:analyst"),
                               query_string={"by": "industry", name: text})
            if response.status_code != 422:
                wrong.append(("aggregates", name, text, response.status_code))
    assert wrong == []


def test_injections_in_the_apis_json_bodies_are_refused_naming_the_field(site):
    before = table_counts(site)
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    wrong = []
    for text in INJECTIONS:
        for field, body in (
            ("firm_id", {"firm_id": text}), ("questionnaire", {"questionnaire": text}),
            ("language", {"language": text}), ("firm.industry", {"firm": {"industry": text}}),
            (f"answers.{field_name(text)}", {"answers": {text: "x"}}),
        ):
            document = {"questionnaire": "ax-readiness", "version": 1, "answers": {},
                        "firm": {"name": "Injected"}, **body}  # fmt: skip
            response = api.post("/api/v1/assessments", json=document, headers=headers)
            if response.status_code != 422 or response.get_json()["field"] != field:
                wrong.append((field, text, response.status_code, response.get_json()))
        response = api.post("/api/v1/reports/batch", headers=headers,
                            json={"assessments": [text], "language": "ko"})
        if response.status_code != 422:
            wrong.append(("batch", text, response.status_code))
    assert wrong == []
    assert table_counts(site) == before


def test_injections_in_the_sign_in_form_sign_no_one_in(site):
    """Refused (422), a wrong password (401) or, after a few, throttled (429): never signed in.
    From an address of its own, so that the throttle does not hold back the other tests."""
    wrong = []
    for text in INJECTIONS:
        for email, password in ((text, text), ("changer@example.org", text),
                                (f"changer@example.org{text}", "x"), (f"{text}@example.org", text)):
            client = site.app.test_client()
            client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
            page = client.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = client.post("/login", data={"email": email, "password": password,
                                                    "csrf_token": token})  # fmt: skip
            if response.status_code not in (401, 422, 429) or \
                    client.get("/account").status_code != 302:
                wrong.append((email, password, response.status_code))
    assert wrong == []
