"""Security headers on every response; no caching of pages that show firm data; the request id."""

from __future__ import annotations

import uuid

from flask import Flask, current_app, g, request, url_for

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


REQUEST_ID_HEADER = "X-Request-ID"


def request_id() -> str:
    """This request's id, in the audit log, the logs and the response: a proxy's X-Request-ID
    when it looks like one, else a new one. Made on first use, so that a log line written
    before the request's own hooks run carries it too."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        ok = 8 <= len(given) <= 64 and all(c.isalnum() or c in "-_" for c in given)
        g.request_id = given if ok else uuid.uuid4().hex
    return g.request_id


def init_app(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        request_id()

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        if "request_id" in g:
            headers[REQUEST_ID_HEADER] = g.request_id
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure or app.config["PUBLIC_URL"].startswith("https://"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if g.get("firm_data"):
            headers["Cache-Control"] = "no-store"
        return response


def public_url(endpoint: str, **values) -> str:
    """An absolute link for people to keep (resume links, mails), built from ``PUBLIC_URL``:
    a forged Host header cannot change where it points."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def mark_firm_data() -> None:
    """Call from a view that shows a firm's answers or results: the response is never cached."""
    g.firm_data = True
