"""Security headers on every response: every route of ``app.url_map`` for every kind of visitor
(the seeded world of the route × role matrix), and the error responses (404, 405, 413, 422, 429,
500, 503) in HTML and JSON.

What is checked on each: a CSP that allows no inline script and no framing, nosniff, DENY framing,
a referrer policy that never sends a resume link's path to another site, the request id, HSTS on
HTTPS only (the test app's address is plain http), and ``Cache-Control: no-store`` on everything
that shows firm data: decided from the response itself (the areas that hold firm data, a seeded
firm's, organisation's or person's name in the body, a server error), not from the code.
"""

from __future__ import annotations

import re
import secrets

import pytest
from flask_login import login_user

from assess import create_app
from assess.extensions import db
from assess.permissions import PUBLIC, access
from assess.services import accounts
from tests import test_access_matrix
from tests.conftest import csrf_token, empty_tables
from tests.test_access_matrix import MATRIX, ROLES, route_url, rules, visitor
from tests.world import PASSWORD

world = test_access_matrix.world  # the matrix's seeded world: two consultancies, an agency, ...

# Areas whose pages and downloads hold firm data (answers, results, clients, accounts).
FIRM_AREAS = ("respond", "consult", "agency", "admin", "members", "api")
# Names only the seeded world's firms, organisations and people have.
FIRM_MARKERS = ("시험정밀", "둘째정밀", "Consultancy A", "Consultancy B", "Agency C", "Programme C",
                "@example.org")  # fmt: skip
# Policies that never send a URL's path (a resume link is a secret in the path) to another site.
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
# Inline code that a CSP without 'unsafe-inline' blocks: a page using it would be broken.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=|javascript:",
                    re.IGNORECASE)  # fmt: skip


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response, endpoint: str | None = None, https: bool = False) -> list[str]:
    """What is wrong with one response's security headers (empty: nothing)."""
    h = response.headers
    wrong = []
    csp = csp_directives(h.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if not scripts:
        wrong.append("no script-src or default-src in the CSP")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        wrong.append(f"script-src allows inline or foreign script: {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        wrong.append(f"frame-ancestors is {csp.get('frame-ancestors')}")
    if csp.get("object-src") != ["'none'"]:
        wrong.append(f"object-src is {csp.get('object-src')}")
    if h.get("X-Frame-Options") != "DENY":
        wrong.append(f"X-Frame-Options is {h.get('X-Frame-Options')}")
    if h.get("X-Content-Type-Options") != "nosniff":
        wrong.append(f"X-Content-Type-Options is {h.get('X-Content-Type-Options')}")
    if h.get("Referrer-Policy") not in REFERRER_POLICIES:
        wrong.append(f"Referrer-Policy is {h.get('Referrer-Policy')}")
    if not REQUEST_ID.match(h.get("X-Request-ID", "")):
        wrong.append(f"X-Request-ID is {h.get('X-Request-ID')}")
    hsts = h.get("Strict-Transport-Security", "")
    if https and not re.search(r"max-age=(\d{8,})", hsts):  # at least ~4 months
        wrong.append(f"HSTS on HTTPS is {hsts!r}")
    if not https and hsts:
        wrong.append("HSTS on plain http (a browser ignores it; the app thinks it is on HTTPS)")
    cache = h.get("Cache-Control", "")
    if shows_firm_data(response, endpoint) and "no-store" not in cache:
        wrong.append(f"firm data without no-store (Cache-Control: {cache!r})")
    if response.mimetype == "text/html":
        inline = INLINE.findall(response.get_data(as_text=True))
        if inline:
            wrong.append(f"inline script or style, blocked by the CSP: {inline[:3]}")
    return wrong


def shows_firm_data(response, endpoint: str | None) -> bool:
    if response.status_code >= 500:
        return True  # a cached failure page would outlast the failure
    if endpoint is not None and endpoint.split(".")[0] in FIRM_AREAS:
        return True
    if response.mimetype.startswith(("text/", "application/json")):
        body = response.get_data(as_text=True)
        return any(marker in body for marker in FIRM_MARKERS)
    return False


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_visitor_has_the_security_headers(world, role):
    app, values, emails = world
    client = visitor(app, role, emails)
    endpoints = sorted({rule.endpoint for rule in rules(app)})
    assert sorted(set(endpoints) - set(MATRIX)) == []  # every route of url_map is checked
    wrong = {}
    for endpoint in [e for e in endpoints if e != "auth.logout"] + ["auth.logout"]:  # logout last
        method = MATRIX[endpoint][0]
        response = client.open(route_url(app, endpoint, role, values), method=method)
        problems = header_problems(response, endpoint)
        response.close()  # static files are streamed from an open file
        if problems:
            wrong[f"{method} {endpoint} → {response.status_code}"] = problems
    assert wrong == {}


def test_signed_in_pages_are_not_cached_even_outside_the_firm_areas(world):
    """The home page names the signed-in person (the account menu): after signing out, the back
    button must not show it again from the cache."""
    app, _, emails = world
    response = visitor(app, "consultant_a", emails).get("/")
    assert response.status_code == 200
    assert emails["consultant_a"] in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    anonymous = app.test_client().get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")  # the public page may be


def error_responses(app, client) -> dict[str, tuple[object, int]]:
    """One request per kind of error (world app: CSRF off), in HTML and in JSON."""
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    sent = {
        "404 page": (client.get("/no-such-page"), 404),
        "404 api": (client.get("/api/v1/no-such-thing"), 404),
        "404 link": (client.get("/r/" + "x" * 30 + "/profile"), 404),
        "405 page": (client.post("/healthz"), 405),
        "405 api": (client.delete("/api/v1/score"), 405),
        "413 page": (client.post("/start", data=big,
                                 content_type="application/x-www-form-urlencoded"), 413),
        "413 api": (client.post("/api/v1/score", data=big, content_type="application/json"), 413),
        "422 page": (client.post("/login", data={"email": "", "password": ""}), 422),
        "422 api": (client.post("/api/v1/score", json={}), 422),
    }  # fmt: skip
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": "a@example.org", "password": "not-" + PASSWORD})
    sent["429 page"] = (client.post("/login", data={"email": "a@example.org",
                                                    "password": "not-" + PASSWORD}), 429)
    return sent


def test_error_responses_have_the_security_headers(world):
    app, _, _ = world
    wrong = {}
    for name, (response, status) in error_responses(app, app.test_client()).items():
        assert response.status_code == status, name
        problems = header_problems(response)
        if "api" in name:
            assert response.mimetype == "application/json", name
            assert response.get_json()["request_id"] == response.headers["X-Request-ID"], name
        else:
            assert response.mimetype == "text/html", name
        if name not in ("422 page", "429 page"):  # those are the sign-in form again, not errors
            assert response.headers["X-Request-ID"] in response.get_data(as_text=True), name
        if problems:
            wrong[name] = problems
    assert wrong == {}


def test_a_refused_csrf_token_still_gets_a_request_id(client):
    """The CSRF check runs before the views: its refusal has the headers and the id too."""
    response = client.post("/start")
    assert response.status_code == 400
    assert header_problems(response) == []
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client):
    given = "edge-0123456789abcdef"
    assert client.get("/", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    forged = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert REQUEST_ID.match(forged.headers["X-Request-ID"])


@pytest.fixture
def failing_app(database_url, tmp_path, monkeypatch):
    """The default (development) configuration, not testing: an unhandled exception becomes the
    500 page, as in production. The failing route is the test's, not the product's."""
    monkeypatch.delenv("ASSESS_ENV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite")})  # fmt: skip
    app.add_url_rule("/failing", "failing", access(PUBLIC)(failing_view))
    app.add_url_rule("/api/v1/failing", "api_failing", access(PUBLIC)(failing_view))
    return app


def failing_view():
    raise RuntimeError("an unexpected failure")


def test_server_errors_have_the_security_headers(failing_app):
    client = failing_app.test_client()
    for path in ("/failing", "/api/v1/failing"):
        response = client.get(path)
        assert response.status_code == 500
        assert header_problems(response) == []
        assert response.headers["Cache-Control"] == "no-store"


def test_hsts_on_https_only(client):
    assert header_problems(client.get("/", base_url="https://localhost"), https=True) == []
    secure = client.get("/", base_url="https://localhost")
    assert "includeSubDomains" in secure.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/").headers


# Cookies in production.


@pytest.fixture
def production_app(database_url, tmp_path, monkeypatch):
    """The app as deployed: ASSESS_ENV=production, a real secret key, an https:// address."""
    for name in ("FLASK_DEBUG", "REDIS_URL", "MAIL_URL", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HUEY_SQLITE_PATH", str(tmp_path / "jobs.sqlite"))
    monkeypatch.setenv("PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))
    monkeypatch.setenv("ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ARGON2_MEMORY_KIB", "8")
    app = create_app()
    yield app
    empty_tables(app)


def cookies_set(response) -> dict[str, set[str]]:
    """name → its attributes as sent (lower case, without values but SameSite's)."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name_value, *attributes = (part.strip() for part in header.split(";"))
        flags = set()
        for attribute in attributes:
            key, _, value = attribute.partition("=")
            flags.add(f"samesite={value.lower()}" if key.lower() == "samesite" else key.lower())
        cookies[name_value.split("=", 1)[0]] = flags
    return cookies


def test_production_cookies_are_secure_httponly_and_samesite(production_app):
    app = production_app
    with app.app_context():
        accounts.create_user("prod@example.org", PASSWORD, site_admin=True)
        db.session.commit()

    @access(PUBLIC)
    def remembered():
        """Sign in with "remember me" (Flask-Login's remember cookie), the test's own route."""
        login_user(accounts.find_user("prod@example.org"), remember=True)
        return "signed in"

    app.add_url_rule("/remembered", "remembered", remembered)
    client = app.test_client()
    https = {"base_url": "https://assess.example.kr"}
    page = client.get("/login", **https)
    assert page.status_code == 200
    signed_in = client.post("/login", data={
        "email": "prod@example.org", "password": PASSWORD,
        "csrf_token": csrf_token(page.get_data(as_text=True))},
        headers={"Referer": "https://assess.example.kr/login"}, **https)  # fmt: skip
    assert signed_in.status_code == 303
    language = client.get("/?lang=en", **https)
    remember = app.test_client().get("/remembered", **https)
    sent = {"session at the sign-in page": cookies_set(page).get("__Host-session"),
            "session at sign-in": cookies_set(signed_in).get("__Host-session"),
            "language": cookies_set(language).get("__Host-lang"),
            "remember": cookies_set(remember).get("remember_token")}  # fmt: skip
    wanted = {"secure", "httponly", "samesite=lax"}
    assert {name: wanted - (flags or set()) for name, flags in sent.items()} == dict.fromkeys(
        sent, set())


def test_in_production_the_language_cookie_is_host_only_and_the_only_one_read(production_app):
    """Deployed, the language choice is ``__Host-lang`` (Secure, Path=/, no Domain: only this
    host over HTTPS can set it); a plain ``lang`` cookie, which a sibling subdomain could plant,
    chooses nothing."""
    https = {"base_url": "https://assess.example.kr"}
    client = production_app.test_client()
    chosen = client.get("/?lang=en", **https)
    assert chosen.status_code == 200
    [header] = chosen.headers.getlist("Set-Cookie")
    name_value, *attributes = (part.strip() for part in header.split(";"))
    assert name_value == "__Host-lang=en"
    assert {a.lower() for a in attributes} >= {"secure", "path=/", "httponly", "samesite=lax"}
    assert not [a for a in attributes if a.lower().startswith("domain")]
    assert '<html lang="en"' in client.get("/", **https).text  # read back without ?lang=
    planted = production_app.test_client()
    planted.set_cookie("lang", "en", domain="assess.example.kr")
    assert '<html lang="ko"' in planted.get("/", **https).text


def test_in_development_the_language_cookie_keeps_its_plain_name(client):
    """Without HTTPS (a laptop) a ``__Host-`` cookie could not be set: the name stays ``lang``."""
    chosen = client.get("/?lang=en")
    assert chosen.headers["Set-Cookie"].startswith("lang=en;")
    assert '<html lang="en"' in client.get("/").text
