"""The list of one's signed-in sessions through HTTP: each browser listed with its device and
address, one ended alone, all others ended, another user's session not found, last-seen times
written at most once a minute, and CSRF."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import UserSession
from assess.services.sessions import device_of
from tests.conftest import csrf_token
from tests.web.test_auth import (
    FAST_HASHING,
    audit_rows,
    make_user,
    replay,
    session_cookie,
    sign_in,
    sign_out,
    signed_in,
)

LAPTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")  # fmt: skip
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")  # fmt: skip


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(FAST_HASHING)


def browser(app, user_agent: str = LAPTOP, email: str = "kim@example.kr"):
    """A client that always sends ``user_agent``, signed in as ``email``."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    assert sign_in(client, email).status_code == 303
    return client


def listed(client) -> list[str]:
    """The sessions on the list page, one line of text each."""
    page = client.get("/account/sessions?lang=en")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page.text, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for row in rows for cell in row[:1]]


def end_buttons(client) -> list[str]:
    page = client.get("/account/sessions")
    return re.findall(r'action="(/account/sessions/\d+/end)"', page.text)


def post(client, url: str):
    page = client.get("/account/sessions")
    return client.post(url, data={"csrf_token": csrf_token(page.text)})


def test_each_signed_in_browser_is_listed_and_this_one_marked(app):
    make_user(app)
    laptop = browser(app, LAPTOP)
    browser(app, PHONE)
    assert listed(laptop) == ["Safari · iOS", "Chrome · Windows (this browser)"]
    page = laptop.get("/account/sessions?lang=ko")
    assert "127.0.0.1" in page.text
    assert "지금 이 브라우저" in page.text
    assert len(end_buttons(laptop)) == 1  # not for this browser: "Sign out" is there for it
    assert "/account/sessions" in laptop.get("/account").text


def test_ending_one_session_signs_out_that_browser_only(app):
    make_user(app)
    laptop, phone = browser(app, LAPTOP), browser(app, PHONE)
    phone_cookie = session_cookie(phone)
    [end] = end_buttons(laptop)
    response = post(laptop, end)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/sessions"
    assert not signed_in(phone)
    assert not signed_in(replay(app, phone_cookie))
    assert signed_in(laptop)
    assert listed(laptop) == ["Chrome · Windows (this browser)"]
    assert post(laptop, end).status_code == 404  # ended already
    [row] = audit_rows(app, "session.end")
    assert row.actor == "kim@example.kr"


def test_ending_this_browsers_own_session_signs_it_out(app):
    make_user(app)
    laptop = browser(app)
    with app.app_context():
        own = db.session.scalar(select(UserSession.id))
    response = post(laptop, f"/account/sessions/{own}/end")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert not signed_in(laptop)


def test_signing_out_all_others_keeps_this_one(app):
    make_user(app)
    laptop = browser(app, LAPTOP)
    others = [browser(app, PHONE), browser(app, LAPTOP)]
    response = post(laptop, "/account/sessions/end-others")
    assert response.status_code == 303
    assert "Signed out everywhere else (2 sessions)." in laptop.get("/account/sessions?lang=en").text
    assert [signed_in(other) for other in others] == [False, False]
    assert signed_in(laptop)
    assert [row.detail for row in audit_rows(app, "session.end_others")] == [{"ended": 2}]


def test_another_users_session_is_not_found(app):
    make_user(app)
    make_user(app, "lee@example.kr")
    kim, lee = browser(app), browser(app, email="lee@example.kr")
    with app.app_context():
        lees = db.session.scalar(select(UserSession.id).order_by(UserSession.id.desc()))
    assert post(kim, f"/account/sessions/{lees}/end").status_code == 404
    assert signed_in(lee)


def test_the_old_behaviours_hold_sign_out_and_password_change_end_the_rows(app):
    make_user(app)
    laptop, phone = browser(app, LAPTOP), browser(app, PHONE)
    sign_out(phone)  # every session ends, the laptop's too
    assert not signed_in(laptop)
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []
    assert listed(browser(app)) == ["Chrome · Windows (this browser)"]


def test_last_seen_is_written_at_most_once_a_minute(app, monkeypatch):
    make_user(app)
    laptop = browser(app)
    now = time.time()

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at)).replace(tzinfo=None)

    first = last_seen()
    monkeypatch.setattr(time, "time", lambda: now + 50)
    assert signed_in(laptop)
    assert last_seen() == first
    monkeypatch.setattr(time, "time", lambda: now + 70)
    assert signed_in(laptop)
    assert 69 <= (last_seen() - first).total_seconds() <= 71


@pytest.mark.parametrize("url", ["/account/sessions/1/end", "/account/sessions/end-others"])
def test_ending_sessions_refuses_a_missing_csrf_token(app, url):
    make_user(app)
    laptop, phone = browser(app, LAPTOP), browser(app, PHONE)
    assert laptop.post(url).status_code == 400
    assert signed_in(phone)


@pytest.mark.parametrize(("user_agent", "device"), [
    (LAPTOP, "Chrome · Windows"),
    (PHONE, "Safari · iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge · Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Firefox · macOS"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet · Android"),
    ("curl/8.5.0", ""),
    ("", ""),
])  # fmt: skip
def test_the_device_is_named_from_the_user_agent(user_agent, device):
    assert device_of(user_agent) == device
