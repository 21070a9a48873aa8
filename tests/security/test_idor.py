"""Another organisation's objects: every id-bearing URL and API path, asked for by a visitor who
may open the route, with the id of another organisation's object is 404 (never 403, which would
say it exists, never 200), exactly as an id that names nothing. Ids out of range, negative, huge
or not numbers are 404 too; ids in query strings and bodies are scoped the same way.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from assess.models import Job
from tests.security.routes import LINK, ROUTES, raw_path, token_for

MISSING = 999_999
BAD_IDS = ["0", "-1", "+1", str(2**31), str(2**63), "abc", "1.5", "0x10", "1 OR 1=1", "%00"]


# What differs between two answers whatever they say: the page's own address (in the language
# link), the CSRF token of the sign-out button (signed with the second it was made) and the
# request id quoted on error pages (and in JSON errors).
VARYING = re.compile(rb'class="lang-switch" href="[^"]*"|name="csrf_token" value="[^"]*"'
                     rb'|\b[0-9a-f]{32}\b')


def invariant(page: bytes) -> bytes:
    return VARYING.sub(b"", page)


def foreign_routes():
    return [(e, r) for e, r in ROUTES.items() if r.foreign is not None]


def missing_args(route) -> dict:
    """The route's foreign values with each id replaced by one that names nothing."""
    return {k: ([MISSING, MISSING] if isinstance(v, list) else MISSING)
            if str(v).startswith("$") or isinstance(v, list) else v
            for k, v in route.foreign.items()}  # fmt: skip


def ask(site, endpoint, route, method, args, client):
    query = {k: v for k, v in args.items() if k in route.query}
    path_args = {k: v for k, v in args.items() if k not in route.query}
    url = site.url(endpoint, path_args, query)
    body = site.body(route, client) if method == "POST" else None
    return site.send(endpoint, method, client=client, url=url, body=body)


def test_another_organisations_object_is_404_like_one_that_does_not_exist(site):
    wrong = []
    for endpoint, route in foreign_routes():
        client = site.visitor(route.role)
        methods = [m for m, on in (("GET", route.get), ("POST", route.post)) if on is not None]
        for method in methods:
            before = site.fingerprint() if method == "POST" else None
            theirs = ask(site, endpoint, route, method, route.foreign, client)
            nothing = ask(site, endpoint, route, method, missing_args(route), client)
            if theirs.status_code != 404 or nothing.status_code != 404:
                wrong.append((endpoint, method, theirs.status_code, nothing.status_code))
            elif invariant(theirs.data) != invariant(nothing.data):
                wrong.append((endpoint, method, "the answer tells them apart"))
            if before is not None and site.fingerprint() != before:
                wrong.append((endpoint, method, "the database changed"))
    assert wrong == []


def test_ids_out_of_range_negative_huge_or_not_numbers_are_404(site):
    wrong = []
    for rule in site.app.url_map.iter_rules():
        route = ROUTES[rule.endpoint]
        ids = [name for name, c in rule._converters.items() if type(c).__name__ == "RowId"]
        if not ids:
            continue
        client = site.visitor(route.role)
        good = {k: site.values.get(v, v) if isinstance(v, str) else v
                for k, v in route.args.items()}  # fmt: skip
        method = "GET" if route.get is not None else "POST"
        for name in ids:
            for bad in BAD_IDS:
                url = raw_path(rule.rule, {**good, name: bad})
                response = site.send(rule.endpoint, method, client=client, url=url)
                if response.status_code != 404:
                    wrong.append((rule.endpoint, name, bad, response.status_code))
    assert wrong == []


def test_ids_in_query_strings_are_scoped_and_bounded(site):
    wrong = []
    client = site.visitor("consultant_a")
    mine = site.values["$client_a"]
    for other in (site.values["$client_b"], MISSING, 0, -1, 2**31, 2**63, "abc"):
        response = client.get(f"/compare?client={mine}&client={other}")
        if response.status_code != 404:
            wrong.append(("compare", other, response.status_code))
    assert wrong == []


def test_ids_in_form_bodies_reach_only_the_organisations_own(site):
    client = site.visitor("consultant_a")
    jobs = select(func.count()).select_from(Job)
    before = site.rows(jobs)[0][0]
    # A batch of another organisation's client: nothing of theirs is chosen, so no batch.
    response = site.send("consult.start_batch", "POST", client=client,
                         body={"client": site.values["$client_b"], "language": "ko"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/clients"
    assert site.rows(jobs)[0][0] == before
    # Comparing with another organisation's client: the comparison page is not found.
    response = site.send("consult.choose_compare", "POST", client=client, body={
        "client": [site.values["$client_a"], site.values["$client_b"]]})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 404
    # Consent to share with an organisation that is not a support agency: not found.
    holder = site.visitor("resume_holder")
    url = site.url("respond.consent")
    for agency in (site.values["$org_a"], MISSING):
        response = site.send("respond.consent", "POST", client=holder, url=url,
                             body={"agency": agency, "share": "y"})
        assert response.status_code == 404


def test_ids_in_api_bodies_reach_only_the_organisations_own(site):
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    answers = {}
    for firm_id in (site.values["$client_b"], MISSING):
        body = {**site.body(ROUTES["api.create_assessment"], api), "firm_id": firm_id}
        response = api.post("/api/v1/assessments", json=body, headers=headers)
        answers[firm_id] = (response.status_code, response.get_json()["error"])
    assert set(answers.values()) == {(404, "not_found")}
    for bad in (0, -1, 2**31, "1", 1.5, True, None):
        body = {**site.body(ROUTES["api.create_assessment"], api), "firm_id": bad}
        response = api.post("/api/v1/assessments", json=body, headers=headers)
        assert (response.status_code, response.get_json()["field"]) == (422, "firm_id"), bad
    # A batch naming another organisation's assessment is refused as one that does not exist.
    messages = []
    for assessment_id in (site.values["$submitted_b"], MISSING):
        response = api.post("/api/v1/reports/batch", headers=headers,
                            json={"assessments": [assessment_id], "language": "ko"})
        assert response.status_code == 422
        messages.append(response.get_json()["message"].replace(str(assessment_id), "ID"))
    assert messages[0] == messages[1]
    for bad in (0, -1, 2**31, "1", [1]):
        response = api.post("/api/v1/reports/batch", headers=headers,
                            json={"assessments": [bad], "language": "ko"})
        assert response.status_code == 422, bad


def test_a_link_that_is_not_one_is_404_on_every_link_route(site):
    """Resume links, invitations and password links are bearer credentials: a forged, random,
    truncated or wrong-purpose token is not found, on GET and on POST (with a valid CSRF token,
    so that the link, not the token, is what is refused)."""
    values = site.values
    others = ["not-a-link", "x" * 32, values["$token"][:-2], values["$invitation"],
              values["$reset_link"], "' OR 1=1--", "x" * 5000]  # fmt: skip
    wrong = []
    client = site.app.test_client()
    for endpoint, route in ROUTES.items():
        if route.ids != LINK:
            continue
        own = values.get(route.args["token"])
        for token in others:
            if token == own:
                continue
            url = site.url(endpoint, {**route.args, "token": token})
            for method in [m for m, on in (("GET", route.get), ("POST", route.post)) if on]:
                response = client.get(url) if method == "GET" else client.post(
                    url, data={"csrf_token": token_for(client)})
                if response.status_code != 404:
                    wrong.append((endpoint, method, token[:20], response.status_code))
    assert wrong == []
