"""Security headers on every response; no caching of pages that show firm data; the request id."""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, has_request_context, request, url_for

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# On every response, unless its view set one of them itself.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)

REQUEST_ID_HEADER = "X-Request-ID"

# Every page of these areas shows or takes a firm's data (answers, results, clients, shared
# assessments, accounts, the API's documents), or is a form whose answer does: none is ever kept
# in a browser's or a proxy's cache. Marking them as a whole, rather than view by view, means a
# new page of these areas cannot forget it.
FIRM_DATA_BLUEPRINTS = frozenset({"respond", "consult", "agency", "admin", "members", "api",
                                  "auth"})  # fmt: skip


def request_id() -> str:
    """This request's id (made on first use), or "" outside a request."""
    if not has_request_context():
        return ""
    made = g.get("request_id")
    if made is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        ok = 8 <= len(given) <= 64 and all(c.isalnum() or c in "-_" for c in given)
        made = g.request_id = given if ok else secrets.token_hex(16)
    return made


def init_app(app: Flask) -> None:
    def assign_request_id() -> None:
        """One id per request, in the audit log, the logs and the response; a proxy's id is kept
        when it looks like one."""
        request_id()

    # First of all: a request refused by an earlier check (an oversized body, a CSRF failure)
    # still gets its id, in its response and in the log line about it.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)

    @app.context_processor
    def request_id_context() -> dict:
        return {"request_id": request_id()}  # error pages show it as the reference to quote

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers[REQUEST_ID_HEADER] = request_id()
        # Each one unless the view set its own: one pass over the few headers there are.
        present = {key.lower() for key, _ in headers.items()}
        headers.extend([(key, value) for key, value in SECURITY_HEADERS
                        if key.lower() not in present])  # fmt: skip
        if "strict-transport-security" not in present and (
                request.is_secure or app.config["PUBLIC_URL"].startswith("https://")):
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if _never_cached(response.status_code):
            headers["Cache-Control"] = "no-store"
        return response


def _never_cached(status: int) -> bool:
    """Firm data, anything shown to a signed-in person (the page names them), and server
    errors (a cached "unavailable" page would outlast the outage)."""
    if g.get("firm_data") or request.blueprint in FIRM_DATA_BLUEPRINTS or status >= 500:
        return True
    user = g.get("_login_user")  # set by Flask-Login when the page looked at who is signed in
    return bool(user is not None and user.is_authenticated)


def public_url(endpoint: str, **values) -> str:
    """An absolute link for people to keep (resume links, mails), built from ``PUBLIC_URL``:
    a forged Host header cannot change where it points."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def mark_firm_data() -> None:
    """Call from a view that shows a firm's answers or results: the response is never cached."""
    g.firm_data = True
