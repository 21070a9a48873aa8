"""HTTP parameter pollution: a field sent twice counts once (its first value; only the
multiple-choice answers a form defines as lists take several), and form fields are read from
the body only, so a value slipped into the query string of a POST (a link someone else made)
decides nothing.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

from tests.security.routes import FIRST_QUESTION, FIRST_SECTION, ROUTES, token_for
from tests.security.test_responses import rows_of_every_table
from tests.web.journey import revision_of
from tests.world import PASSWORD


class Checked(HTMLParser):
    """The values of the checked inputs of a page, by name."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and "checked" in attrs:
            self.values.setdefault(attrs.get("name"), []).append(attrs.get("value"))


def sign_in(site, emails: list[str]):
    client = site.app.test_client()
    response = client.post("/login", data={"email": emails, "password": PASSWORD,
                                           "csrf_token": token_for(client)})  # fmt: skip
    return client, response.status_code


def test_a_field_sent_twice_in_a_form_counts_with_its_first_value(site):
    client, status = sign_in(site, ["a@example.org", "b@example.org"])
    assert status == 303
    assert "a@example.org" in client.get("/account").text
    assert sign_in(site, ["nobody@example.org", "a@example.org"])[1] == 401
    # One answer to a single-choice question, sent twice with different options.
    holder = site.visitor("resume_holder")
    page = f"/r/{site.values['$token']}/{FIRST_SECTION}"
    first, second = (o.id for o in FIRST_QUESTION.options[:2])
    response = holder.post(f"{page}/autosave", headers={"Accept": "application/json"}, data={
        "revision": revision_of(holder.get(page).text), FIRST_QUESTION.id: [second, first],
        "csrf_token": token_for(holder)})  # fmt: skip
    assert response.status_code == 200
    assert Checked(holder.get(page).text).values[FIRST_QUESTION.id] == [second]


def test_a_query_parameter_sent_twice_counts_with_its_first_value(site):
    consultant = site.visitor("consultant_a")
    assert "둘째정밀" in consultant.get("/clients?q=둘째&q=없는회사").text
    assert "둘째정밀" not in consultant.get("/clients?q=없는회사&q=둘째").text
    api = site.app.test_client()
    pages = [api.get(f"/api/v1/assessments?page={a}&page={b}",
                     headers=site.headers("api:consultant_a")).get_json()["page"]
             for a, b in ((1, 2), (2, 1))]  # fmt: skip
    assert pages == [1, 2]


def form_routes():
    """The form POSTs whose valid body has fields (files cannot ride in a query string)."""
    return [(endpoint, route) for endpoint, route in ROUTES.items()
            if route.post is not None and not route.is_api and not route.multipart]  # fmt: skip


def post_changes(site, client, url: str, data: dict) -> tuple[int, dict[str, list]]:
    """The status of a POST and the rows it added or changed, by table."""
    before = rows_of_every_table(site)
    status = client.post(url, data={**data, "csrf_token": token_for(client)}).status_code
    after = rows_of_every_table(site)
    return status, {table: [row for row in rows if row not in before[table]]
                    for table, rows in after.items() if rows != before[table]}  # fmt: skip


def test_form_fields_in_the_query_string_of_a_post_are_not_read(site):
    """Each form's valid body moved into the query string (the CSRF token left in the body)
    does what an empty form does (a refusal, or the action with its defaults), and none of
    its values reaches a row."""
    wrong = {}
    for endpoint, route in form_routes():
        client = site.fresh(route.role)
        body = site.body(route, client)
        if not body:
            continue
        url = site.url(endpoint)
        polluted = post_changes(site, client, f"{url}{'&' if '?' in url else '?'}"
                                f"{urlencode(body, doseq=True)}", {})  # fmt: skip
        empty = post_changes(site, client, url, {})
        typed = [str(v) for v in body.values() if isinstance(v, str) and len(v) > 3]
        reached = [v for rows in polluted[1].values() for row in rows for v in typed
                   if v in repr(row)]  # fmt: skip
        if (polluted[0], sorted(polluted[1])) != (empty[0], sorted(empty[1])) or reached:
            wrong[endpoint] = (polluted[0], sorted(polluted[1]), empty[0], sorted(empty[1]),
                               reached)  # fmt: skip
    assert wrong == {}


def test_a_csrf_token_in_the_query_string_is_not_taken(site):
    taken = {}
    for endpoint, route in form_routes():
        client = site.fresh(route.role)
        body = site.body(route, client)
        url = site.url(endpoint)
        token = urlencode({"csrf_token": token_for(client)})
        response = client.post(f"{url}{'&' if '?' in url else '?'}{token}", data=body)
        if response.status_code != 400:
            taken[endpoint] = response.status_code
    assert taken == {}
