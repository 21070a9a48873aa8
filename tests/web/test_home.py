"""The home page: Korean by default, English after switching, no dead links, safe headers."""

import re


def test_home_is_korean_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "진단 시작하기" in html


def test_language_switch_to_english_sticks(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Start the assessment" in html
    # The choice is remembered for the next page without the query string.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="ko">' in client.get("/?lang=ko").get_data(as_text=True)


def test_unknown_language_falls_back_to_korean(client):
    assert '<html lang="ko">' in client.get("/?lang=xx").get_data(as_text=True)


def test_every_link_on_home_resolves(client):
    html = client.get("/").get_data(as_text=True)
    hrefs = set(re.findall(r'href="(/[^"#]*)"', html))
    assert hrefs, "home page has no internal links"
    for href in hrefs:
        with client.get(href) as response:
            assert response.status_code == 200, href


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
