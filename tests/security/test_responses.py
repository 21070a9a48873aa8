"""What every response of every route says about itself, for every kind of visitor of the seeded
world: a body type with its charset, no CORS permission for another site, no change to any row
from a GET, and no directory listing anywhere.

The walk: every route of tests/security/routes.py (checked against ``app.url_map`` by
test_routes.py) opened with GET by each visitor of tests/world.py and by the API's token
holders, plus the error responses; a route that takes no GET answers 405, which is a response
too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent
from tests.security.routes import ROUTES
from tests.world import ROLES

# Every person of the world, and two API token holders (the API takes no cookie).
VISITORS = [*ROLES, "api:consultant_a", "api:analyst"]
# Records of reading, not changes of what was read: an export is written to the audit log (ASVS
# V16.2) and an API token notes when it was last used (shown to administrators).
RECORDS_OF_READING = {"audit_event": None, "api_token": {"last_used_at"}}
# Types whose body is text and so must say its charset; JSON is UTF-8 by definition (RFC 8259).
TEXT_TYPES = ("text/",)
CONTENT_SNIFF = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "application/zip": b"PK\x03\x04",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": b"PK\x03\x04",
}
STATIC_FILES = sorted(p.name for p in (Path(__file__).parents[2] / "assess" / "static").iterdir())
# A site that is not this one, asking as a browser would.
ORIGIN = "https://attacker.example"


def walk(site, visitors=VISITORS, client=None) -> Iterator[tuple[str, str, object]]:
    """(visitor, endpoint, response) for a GET of every route by every visitor (with
    ``client``, the one visitor's client)."""
    for role in visitors:
        browser = client or site.fresh(role)
        for endpoint in ROUTES:  # signing out is a POST: a GET of it is a 405 like any other
            response = browser.get(site.url(endpoint),
                                  headers={**site.headers(role), "Origin": ORIGIN})  # fmt: skip
            yield role, endpoint, response
            response.close()  # static files and downloads are streamed from open files


def errors(site) -> Iterator[tuple[str, object]]:
    """One response of each kind of error, in HTML and in JSON."""
    client = site.app.test_client()
    big = b"x" * (site.app.config["MAX_CONTENT_LENGTH"] + 1)
    yield "404 page", client.get("/no-such-page")
    yield "404 api", client.get("/api/v1/no-such-thing")
    yield "404 static", client.get("/static/no-such-file.css")
    yield "405 page", client.delete("/healthz")
    yield "405 api", client.delete("/api/v1/score")
    yield "400 csrf", client.post("/start")
    yield "413 page", client.post("/start", data=big,
                                  content_type="application/x-www-form-urlencoded")
    yield "413 api", client.post("/api/v1/score", data=big, content_type="application/json")
    yield "422 api", client.post("/api/v1/score", json={})
    yield "401 api", client.get("/api/v1/assessments")


def type_problems(response) -> list[str]:
    """What is wrong with the body's declared type: missing, text without a charset, or a
    body that is not what the type says."""
    body = response.get_data()
    content_type = response.headers.get("Content-Type")
    if content_type is None:
        return [] if not body else ["a body without a Content-Type"]
    mimetype, charset = response.mimetype, response.mimetype_params.get("charset", "")
    wrong = []
    if mimetype.startswith(TEXT_TYPES) and charset.lower() != "utf-8":
        wrong.append(f"{content_type!r}: text without charset=utf-8")
    if mimetype.startswith(TEXT_TYPES) or mimetype == "application/json":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            wrong.append(f"{content_type!r}: the body is not UTF-8")
            text = ""
        if mimetype == "application/json":
            try:
                json.loads(text)
            except ValueError:
                wrong.append(f"{content_type!r}: the body is not JSON")
        if mimetype == "text/html" and body and not text.lstrip().lower().startswith(
                ("<!doctype html>", "<html")):  # fmt: skip
            wrong.append(f"{content_type!r}: the body is not an HTML document")
    elif mimetype in CONTENT_SNIFF and not body.startswith(CONTENT_SNIFF[mimetype]):
        wrong.append(f"{content_type!r}: the body starts {body[:8]!r}")
    elif not mimetype.startswith(TEXT_TYPES) and mimetype not in {*CONTENT_SNIFF,
                                                                  "application/json"}:
        wrong.append(f"{content_type!r}: a type no route is meant to send")
    return wrong


def test_every_response_says_its_type_and_the_charset_of_text(site):
    wrong: dict[str, list[str]] = {}
    seen_types = set()
    for role, endpoint, response in walk(site):
        seen_types.add(response.mimetype)
        problems = type_problems(response)
        if problems:
            wrong[f"{role} GET {endpoint} → {response.status_code}"] = problems
    for name, response in errors(site):
        seen_types.add(response.mimetype)
        problems = type_problems(response)
        if problems:
            wrong[name] = problems
    assert wrong == {}
    # The walk met pages, JSON, a stylesheet and a PDF (the type check is not vacuous).
    assert {"text/html", "application/json", "text/css", "application/pdf"} <= seen_types


def cors_headers(response) -> list[str]:
    return [f"{name}: {value}" for name, value in response.headers.items()
            if name.lower().startswith("access-control-")]  # fmt: skip


def test_no_response_lets_another_site_read_it(site):
    """No ``Access-Control-*`` header on any route for any visitor, asked from another origin,
    nor on a preflight (OPTIONS) for a POST with credentials."""
    wrong = {}
    for role, endpoint, response in walk(site):
        if cors_headers(response):
            wrong[f"{role} GET {endpoint}"] = cors_headers(response)
    client = site.app.test_client()
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    for endpoint in ROUTES:
        response = client.options(site.url(endpoint), headers=preflight)
        if cors_headers(response):
            wrong[f"OPTIONS {endpoint}"] = cors_headers(response)
    for name, response in errors(site):
        if cors_headers(response):
            wrong[name] = cors_headers(response)
    assert wrong == {}


def rows_of_every_table(site) -> dict[str, list[tuple]]:
    """Every row of every table, but the records of reading."""
    rows = {}
    for table in db.metadata.sorted_tables:
        ignored = RECORDS_OF_READING.get(table.name, set())
        if ignored is None:
            continue
        columns = [c for c in table.columns if c.name not in ignored]
        order = list(table.primary_key.columns) or columns
        rows[table.name] = [tuple(row) for row in site.rows(select(*columns).order_by(*order))]
    return rows


@pytest.mark.parametrize("role", VISITORS)
def test_no_get_of_any_route_changes_a_row(site, role):
    """Every table's rows are the same after each GET as before it."""
    client = site.fresh(role)  # signing in writes rows; from then on, nothing may
    changed = {}
    before = rows_of_every_table(site)
    for _, endpoint, response in walk(site, [role], client):
        after = rows_of_every_table(site)
        tables = sorted(t for t in after if after[t] != before[t])
        if tables:
            changed[f"GET {endpoint} → {response.status_code}"] = tables
        before = after
    assert changed == {}


def test_what_a_get_writes_to_the_audit_log_is_a_new_record_of_reading(site):
    """The audit log, left out above, only grows on a GET: with exports (and the sign-ins of
    the walk itself)."""
    columns = list(AuditEvent.__table__.columns)
    before = site.rows(select(*columns).order_by(AuditEvent.id))
    list(walk(site, ["consultant_a", "analyst", "site_admin", "api:analyst"]))
    after = site.rows(select(*columns).order_by(AuditEvent.id))
    assert after[: len(before)] == before
    assert {row.action for row in after[len(before):]} == {
        "login", "clients.export", "aggregates.export", "aggregates.api"}


@pytest.mark.parametrize("path", [
    "/static/", "/static", "/static/.", "/static/..", "/static/%2e%2e/", "/static/../",
    "/static//", "/static/./", "/r/", "/api/v1/", "/api/", "/password/",
])  # fmt: skip
def test_asking_for_a_directory_lists_nothing(site, path):
    """The static folder and the prefixes of other routes, however spelt: not found, and the
    not-found page names no file."""
    response = site.visitor("consultant_a").get(path)
    response.close()
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    listed = [f for f in STATIC_FILES if f">{f}<" in body or f'href="{f}"' in body]
    assert listed == [] and "Index of" not in body
