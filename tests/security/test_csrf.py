"""CSRF: every form POST of the app (from the URL map, through routes.py) refuses a request
without its session's token, with a forged one, with another session's, or with an expired one:
400, and nothing in the database changes. The same request with the right token does what the
route does, so it is the token alone that was refused.

The CSRF check runs before the access rule (assess/__init__.py binds it first), so the answer is
400 whoever sends it; the respondent's pages answer 400 too, showing the page again with what
was typed (assess/respond/views.py, csrf_expired).

The JSON API is exempt (assess/api/__init__.py): it takes bearer tokens only and never reads
or writes the session cookie (assess/permissions.py, SessionInterface), so a page on another
site that makes a browser post to it carries no credential. The last test here shows that.
"""

from __future__ import annotations

import time
from unittest import mock

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.security.routes import ROUTES, token_for

# The shape of a token, signed by no one.
FORGED = "IjEyMzQ1Njc4OTAi.Z2Vubw.not-a-signature"
FORM_POSTS = [e for e, r in ROUTES.items() if r.post is not None and not r.is_api]
API_POSTS = [e for e, r in ROUTES.items() if r.post is not None and r.is_api]


def expired_token(site, client) -> str:
    """This session's own token, signed a minute past WTF_CSRF_TIME_LIMIT ago."""
    token_for(client)  # the session now holds its raw token
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    issued = int(time.time()) - site.app.config["WTF_CSRF_TIME_LIMIT"] - 60
    with mock.patch.object(TimestampSigner, "get_timestamp", lambda self: issued):
        return URLSafeTimedSerializer(site.app.secret_key, salt="wtf-csrf-token").dumps(raw)


def test_every_post_route_is_a_protected_form_or_the_api(site):
    api = {rule.endpoint for rule in site.app.url_map.iter_rules()
           if rule.rule.startswith("/api/") and "POST" in rule.methods}  # fmt: skip
    assert sorted(API_POSTS) == sorted(api)
    assert set(FORM_POSTS) | set(API_POSTS) == {
        rule.endpoint for rule in site.app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_form_refuses_a_missing_forged_foreign_or_expired_token(site):
    foreign = token_for(site.app.test_client())  # valid, but of another session
    wrong = []
    for endpoint in FORM_POSTS:
        route = ROUTES[endpoint]
        client = site.client_for(endpoint)
        before = site.fingerprint()
        for kind, token in (("missing", None), ("forged", FORGED), ("foreign", foreign),
                            ("expired", expired_token(site, client))):  # fmt: skip
            response = site.send(endpoint, "POST", client=client, csrf=token,
                                 body=site.body(route, client))  # fmt: skip
            if response.status_code != 400:
                wrong.append((endpoint, kind, response.status_code))
        if site.fingerprint() != before:
            wrong.append((endpoint, "the database changed"))
        # The control: with its token, the same request does what the route does.
        response = site.send(endpoint, "POST", client=client, body=site.body(route, client))
        if response.status_code != route.posted:
            wrong.append((endpoint, "with its token", response.status_code, route.posted))
    assert wrong == []


def test_the_api_is_exempt_because_a_session_cookie_opens_none_of_it(site):
    """A browser signed in to the site, made to post to the API by another site, sends its
    cookie but no bearer token: refused (401, or for the public stateless scoring nothing to
    refuse), nothing stored, no cookie set."""
    browser = site.fresh("consultant_a")
    wrong = []
    for endpoint in API_POSTS:
        route = ROUTES[endpoint]
        before = site.fingerprint()
        response = browser.post(site.url(endpoint), json=site.body(route, browser))
        expected = route.posted if route.role == "api:anonymous" else 401
        if response.status_code != expected:
            wrong.append((endpoint, response.status_code, expected))
        if "Set-Cookie" in response.headers:
            wrong.append((endpoint, "set a cookie"))
        if site.fingerprint() != before:
            wrong.append((endpoint, "the database changed"))
    assert wrong == []
