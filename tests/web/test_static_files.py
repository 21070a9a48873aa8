"""Static files: content-hashed addresses, cached for a year only at their current hash, with the
security headers and without cookies."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for

from assess.static_files import LONG_CACHE, SHORT_CACHE

STATIC = Path(__file__).resolve().parents[2] / "assess" / "static"


def short_hash(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_url_for_static_carries_the_content_hash(app):
    with app.test_request_context():
        assert url_for("static", filename="app.css") == f"/static/app.css?v={short_hash('app.css')}"
        assert url_for("static", filename="job.js").endswith(f"?v={short_hash('job.js')}")
        # No such file: no version, and nothing breaks.
        assert url_for("static", filename="missing.css") == "/static/missing.css"
        assert url_for("static", filename="../config.py") == "/static/../config.py"


def test_pages_link_the_hashed_stylesheet(client):
    html = client.get("/").get_data(as_text=True)
    assert f'href="/static/app.css?v={short_hash("app.css")}"' in html


def test_current_version_is_cached_for_a_year_with_security_headers(client):
    response = client.get(f"/static/app.css?v={short_hash('app.css')}")
    response.close()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_other_versions_and_no_version_are_cached_briefly(client):
    for url in ("/static/app.css", "/static/app.css?v=000000000000", "/static/app.css?v="):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == SHORT_CACHE, url


def test_a_missing_file_is_not_cached_for_long(client):
    response = client.get("/static/missing.css?v=000000000000")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_signed_in_visitor_gets_no_cookie_from_static_files(client):
    client.get("/login")  # a session cookie exists now (the CSRF token)
    response = client.get(f"/static/app.css?v={short_hash('app.css')}")
    response.close()
    assert "Set-Cookie" not in response.headers
