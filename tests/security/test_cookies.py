"""What the browser is given to keep: two cookies (the signed session and the language), and
in the session only the signed-in user's id and session epoch, the session's own random id (its
row, listed on the account's sessions page, keeps only its hash), the session's clock, the CSRF
secret, the language and flash messages. No resume link, API token, webhook secret, password or
answer is ever in a cookie (an e-mail address only in a flash about that person, such as
"a reset link was sent to ...", which the next page shows).

Every route is opened with GET by every visitor, and every form is posted once with a valid
body; every cookie set on the way is decoded, and must not hold a set-password link either.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from assess.models import Webhook
from tests.security.routes import NEW_PASSWORD, ROUTES
from tests.security.test_responses import walk
from tests.world import PASSWORD

COOKIES = {"session", "lang"}
SESSION_KEYS = {"_user_id", "_fresh", "_id", "sid", "csrf_token", "since", "seen", "lang",
                "_flashes"}
# Flask-Login clears its remember-me cookie at sign-out (none is ever set: test_sessions.py).
CLEARED = {"remember_token"}
PASSWORD_LINK = re.compile(r"/password/(?:reset|invitation)/[\w.-]+")


def cookies_of(response) -> list[tuple[str, str, str]]:
    """(name, value, the whole header) of each Set-Cookie."""
    found = []
    for header in response.headers.getlist("Set-Cookie"):
        name, _, value = header.split(";", 1)[0].partition("=")
        found.append((name.strip(), value.strip().strip('"'), header))
    return found


def responses(site):
    """(what, response) for every GET of every visitor and one valid POST of every form."""
    for role, endpoint, response in walk(site):
        yield f"{role} GET {endpoint}", response
    for endpoint, route in ROUTES.items():
        if route.post is None or route.is_api:
            continue
        client = site.fresh(route.role)
        response = site.send(endpoint, "POST", client=client, body=site.body(route, client))
        assert response.status_code == route.posted, endpoint
        yield f"POST {endpoint}", response


def secrets_of(site) -> dict[str, str]:
    """The world's values no cookie may hold."""
    values = site.values
    secrets = {name: values[name] for name in ("$token", "$token_ready", "$token_done",
                                               "$invitation", "$invitation_b", "$reset_link")}
    secrets |= {f"API token of {role}": token for role, token in site.world.tokens.items()}
    secrets |= {"password": PASSWORD, "new password": NEW_PASSWORD}
    for (secret,) in site.rows(select(Webhook.secret)):
        secrets[f"webhook secret {secret[:4]}"] = secret
    return secrets


def test_cookies_hold_only_the_session_and_the_language_and_nothing_secret(site):
    serializer = site.app.session_interface.get_signing_serializer(site.app)
    secrets = secrets_of(site)
    wrong: dict[str, list[str]] = {}
    sessions = 0
    for what, response in responses(site):
        for name, value, header in cookies_of(response):
            if name in CLEARED and value == "" and "Expires=Thu, 01 Jan 1970" in header:
                continue
            if name not in COOKIES:
                wrong.setdefault(what, []).append(f"cookie {name}")
            elif name == "lang" and value not in ("", "ko", "en"):
                wrong.setdefault(what, []).append(f"lang={value!r}")
            elif name == "session" and value:
                sessions += 1
                session = serializer.loads(value)
                extra = set(session) - SESSION_KEYS
                text = repr(session)
                leaked = [key for key, secret in secrets.items() if secret in text]
                leaked += PASSWORD_LINK.findall(text)
                if extra or leaked:
                    wrong.setdefault(what, []).append(f"keys {sorted(extra)}, holds {leaked}")
    assert wrong == {}
    # The walk signed people in, posted forms and flashed messages (a session cookie is sent only
    # when the session changed).
    assert sessions > 30


def test_the_session_names_the_user_only_by_id_and_session_epoch(site):
    client = site.fresh("consultant_a")
    session = site.app.session_interface.get_signing_serializer(site.app).loads(
        client.get_cookie("session").value)  # fmt: skip
    assert re.fullmatch(r"\d+\.\d+", session["_user_id"])
    assert set(session) <= SESSION_KEYS
