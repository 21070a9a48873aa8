"""Open redirects: every route, GET and POST (with its CSRF token, so that it does what it does),
given ``next`` and its usual aliases pointing to another site, in the query string and in the
body, redirects only to this site. The sign-in form follows ``next`` only on this site, and the
language link of every page stays on this site whatever the path. (tests/web/test_auth.py checks
the sign-in's own ``next`` list; this covers every route and more spellings.)"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from tests.security.routes import ROUTES

EVIL = ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)",
        "\\\\evil.example", "/\t/evil.example", "http:evil.example", "https:/\\evil.example",
        " //evil.example", "////evil.example", "%2F%2Fevil.example", "/%0d%0a//evil.example",
        "data:text/html,<script>alert(1)</script>", "http://localhost@evil.example",
        "/login?next=//evil.example", "ｈttps://evil.example", "//evil.example/%2e%2e"]  # fmt: skip
NAMES = ("next", "return_to", "redirect", "redirect_to", "url", "continue", "target", "dest")
LANGUAGE_LINK = re.compile(r'class="lang-switch" href="([^"]*)"')


def on_site(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site: it drops leading spaces
    and control characters and reads a backslash as a slash."""
    target = re.sub(r"^[\x00-\x20]+", "", location).replace("\\", "/")
    target = re.sub(r"[\t\r\n]", "", target)
    if target.startswith("//"):  # any number of slashes: the host follows
        return False
    parts = urlsplit(target)
    if not parts.scheme:
        return not parts.netloc
    # With a scheme, only this host: "http:evil.example" on an https site goes to evil.example.
    return parts.scheme in ("http", "https") and parts.netloc == "localhost"


def leaves(response) -> list[str]:
    """Where the response sends the browser, if off this site."""
    places = [response.headers.get("Location", ""), response.headers.get("Refresh", "")]
    return [p for p in places if p and not on_site(p.split("url=")[-1])]


def test_the_check_itself_knows_another_site():
    # Relative paths here, however they look: percent-encoded slashes, a full-width letter.
    here = {"%2F%2Fevil.example", "/%0d%0a//evil.example", "/login?next=//evil.example",
            "ｈttps://evil.example"}  # fmt: skip
    assert [t for t in EVIL if t not in here and on_site(t)] == []
    assert all(on_site(t) for t in ("/account", "/clients?q=x", "http://localhost/a", "x"))


def test_no_route_redirects_to_another_site(site):
    """Every route, with each usual name given another spelling of another site, then all of
    them the plainest one (the sign-in, the one route that reads ``next``, gets every spelling
    in the next test)."""
    tries = [dict(zip(NAMES, EVIL, strict=False)), dict.fromkeys(NAMES, EVIL[0])]
    wrong = []
    for endpoint, route in ROUTES.items():
        methods = [m for m, on in (("GET", route.get), ("POST", route.post)) if on is not None]
        for method in methods:
            # A POST does its work once: the first spellings, in the query and in the body.
            for query in tries if method == "GET" else tries[:1]:
                client = site.client_for(endpoint)
                body = {**query, **site.body(route, client)} if method == "POST" else None
                url = site.url(endpoint, query=query)
                response = site.send(endpoint, method, client=client, url=url, body=body)
                if response.status_code >= 500 or leaves(response):
                    wrong.append((endpoint, method, response.status_code,
                                  response.headers.get("Location")))  # fmt: skip
    assert wrong == []


def test_signing_in_follows_next_only_on_this_site(site):
    wrong = []
    for target in EVIL:
        client = site.app.test_client()
        url = "/login?next=" + quote(target, safe="")
        page = client.get(url)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        response = client.post(url, data={"email": "a@example.org", "password":
                                          "matrix-password-1", "csrf_token": token})  # fmt: skip
        if response.status_code != 303 or not on_site(response.headers["Location"]):
            wrong.append((target, response.status_code, response.headers.get("Location")))
    assert wrong == []


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_on_this_site_only(site):
    """The way back after signing in is the page asked for, whatever its query holds."""
    client = site.app.test_client()
    response = client.get("/account?next=//evil.example")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login" and on_site(location)
    page = client.get(location)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = client.post(location, data={"email": "a@example.org", "password":
                                           "matrix-password-1", "csrf_token": token})  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == "/account?next=//evil.example"  # a path here


def test_the_language_link_stays_on_this_site_whatever_the_path(site):
    paths = ["//evil.example", "/\\evil.example", "/\\\\evil.example", "/%5Cevil.example",
             "/%2F%2Fevil.example", "/./evil.example", "//evil.example/r/x/profile"]  # fmt: skip
    wrong = []
    for path in paths:
        for query in ("", "?_external=1", "?_scheme=https&_external=1&_anchor=x",
                      "?endpoint=x&_method=POST"):  # fmt: skip
            response = site.visitor("anonymous").get(
                "/", environ_overrides={"PATH_INFO": path, "QUERY_STRING": query[1:]},
                headers={"Host": "evil.example"})
            links = LANGUAGE_LINK.findall(response.text)
            if response.status_code >= 500 or not links or not all(
                    on_site(link) and not link.startswith(("http:", "https:")) for link in links):
                wrong.append((path, query, response.status_code, links))
    assert wrong == []
