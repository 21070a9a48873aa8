"""The attack suite covers every route: the table in routes.py is checked against the app's URL
map, against the forms on its pages, and against the JSON API's request schemas. A route, a
method, an id in a URL or a text field added later without an entry fails here."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from marshmallow import fields as ma_fields
from werkzeug.routing import Map

from tests.security.routes import DOWNLOADS, GLOBAL, LINK, ROUTES

# Inputs people type into, as opposed to choices (select, radio, checkbox) and hidden values.
TYPED_INPUTS = {"text", "email", "url", "search", "password", "tel", None}
# String fields of the API's request schemas that are codes checked against the questionnaire
# (or a fixed list), not free text.
API_CODES = {"questionnaire", "language", "firm.industry", "firm.region", "by", "industry",
             "region", "size", "from", "to"}  # fmt: skip


def rules_of(app) -> dict[str, list]:
    rules: dict[str, list] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, []).append(rule)
    return rules


def test_every_route_is_in_the_table(site):
    endpoints = set(rules_of(site.app))
    assert sorted(endpoints - set(ROUTES)) == [], "describe the new route in routes.py"
    assert sorted(set(ROUTES) - endpoints) == []


def test_every_method_of_every_route_is_described(site):
    wrong = []
    for endpoint, rules in rules_of(site.app).items():
        methods = set().union(*(rule.methods for rule in rules)) - {"HEAD", "OPTIONS"}
        route = ROUTES[endpoint]
        described = {m for m, on in (("GET", route.get), ("POST", route.post)) if on is not None}
        if methods != described:
            wrong.append((endpoint, sorted(methods), sorted(described)))
        if route.post is not None and route.posted is None:
            wrong.append((endpoint, "a POST body without its status"))
    assert wrong == []


def test_every_id_in_a_url_is_classified(site):
    """An int in a URL names a row: another organisation's must be tried (``foreign``), unless
    the route is a site administrator's; a token in a URL is a bearer link."""
    wrong = []
    for endpoint, rules in rules_of(site.app).items():
        route = ROUTES[endpoint]
        converters = {name: type(c).__name__ for r in rules for name, c in r._converters.items()}
        has_row_id = "RowId" in converters.values()
        has_token = "token" in converters
        if has_row_id and route.foreign is None and route.ids != GLOBAL:
            wrong.append((endpoint, "row id without foreign values"))
        if has_token and route.ids != LINK:
            wrong.append((endpoint, "token not classified as a link"))
        if route.foreign is not None and set(route.foreign) - set(converters) - set(route.query):
            wrong.append((endpoint, "foreign values for unknown arguments"))
    assert wrong == []


class FormFields(HTMLParser):
    """(form action, field name, input type) of every typed field on a page."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.action: str | None = None
        self.fields: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            method = (attr.get("method") or "get").lower()
            self.action = (attr.get("action") or self.page_url) if method == "post" else None
        elif tag in ("input", "textarea") and self.action and attr.get("name") \
                and "hidden" not in attr:  # a hidden username, for password managers only
            kind = "textarea" if tag == "textarea" else attr.get("type")
            if tag == "textarea" or kind in TYPED_INPUTS:
                self.fields.append((self.action, attr["name"], kind))

    def handle_endtag(self, tag):
        if tag == "form":
            self.action = None


def endpoint_of(app, url: str) -> str:
    adapter: Map = app.url_map.bind("localhost")
    return adapter.match(urlsplit(url).path, method="POST")[0]


def test_every_text_field_of_every_form_is_described(site):
    """Typed fields of the POST forms on every page the world shows: each must be listed as a
    text field of the route it posts to (so the XSS, control character and size attacks reach
    it)."""
    missing = set()
    seen = set()
    for endpoint, route in ROUTES.items():
        if route.get != 200 or route.is_api or endpoint in DOWNLOADS:
            continue
        url = site.url(endpoint)
        response = site.send(endpoint)
        if "text/html" not in response.content_type:
            continue
        parser = FormFields(url)
        parser.feed(response.text)
        for action, name, _kind in parser.fields:
            target = endpoint_of(site.app, action)
            seen.add((target, name))
            if name not in ROUTES[target].text:
                missing.add((target, name))
    assert sorted(missing) == []
    # The pages show the forms these tests mean: every declared field was found on some page
    # (the API's and the search box's fields apart).
    declared = {(e, n) for e, r in ROUTES.items() if not r.is_api for n in r.text}
    assert sorted(declared - seen) == []


def schema_strings(schema, prefix: str = "") -> set[str]:
    names = set()
    for name, field in schema.fields.items():
        path = prefix + (field.data_key or name)
        if isinstance(field, ma_fields.Nested):
            names |= schema_strings(field.schema, path + ".")
        elif isinstance(field, ma_fields.String):
            names.add(path)
    return names


def test_every_text_field_of_the_api_is_described(site):
    from assess.api import schemas

    inputs = {"api.score": schemas.AnswersDocument(), "api.create_assessment":
              schemas.NewAssessment(), "api.start_batch": schemas.Batch(),
              "api.aggregates_view": schemas.AggregatesQuery(), "api.assessments":
              schemas.Page()}  # fmt: skip
    wrong = []
    for endpoint, schema in inputs.items():
        for name in schema_strings(schema):
            if name not in API_CODES and name not in ROUTES[endpoint].text:
                wrong.append((endpoint, name))
    assert wrong == []


def test_every_route_answers_the_described_status_to_a_valid_get(site):
    """The table is right: each GET as described succeeds (the POSTs are checked with their
    CSRF token in test_csrf.py)."""
    wrong = []
    for endpoint, route in ROUTES.items():
        if route.get is None:
            continue
        response = site.send(endpoint)
        if response.status_code != route.get:
            wrong.append((endpoint, response.status_code, route.get))
    assert wrong == []
