"""Two-step sign-in through HTTP: turning it on with a code of the app, the code after the
password (right, wrong, replayed, a recovery code once), the second step's time limit, its
throttling, a reset link that does not skip it, turning it off, CSRF and the audit trail."""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from assess.config import ConfigError, load_config
from assess.extensions import db
from assess.models import RecoveryCode, User
from assess.services import accounts
from tests.conftest import csrf_token
from tests.web.test_auth import (
    FAST_HASHING,
    PASSWORD,
    audit_rows,
    load_user,
    make_user,
    session_cookie,
    sign_in,
    signed_in,
)

STEP = 30  # seconds of one TOTP time step


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(FAST_HASHING)


class Clock:
    """``time.time`` as the app sees it, held in the middle of a time step and moved by hand,
    so that which step a code belongs to never depends on when the test runs."""

    def __init__(self, monkeypatch):
        self.now = (int(time.time()) // STEP) * STEP + STEP / 2
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def code(secret: str, clock: Clock, steps: int = 0) -> str:
    """The app's code ``steps`` time steps from the clock's now."""
    return pyotp.TOTP(secret).at(clock.now + steps * STEP)


def post_form(client, url: str, **data: str):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data})


def turn_on(client, clock: Clock) -> tuple[str, list[str]]:
    """Turn the second step on for the signed-in client: (the key, the recovery codes)."""
    page = client.get("/account/two-step/new")
    assert page.status_code == 200
    key = re.search(r'<code class="two-step-key">([A-Z2-7 ]+)</code>', page.text).group(1)
    secret = key.replace(" ", "")
    response = client.post("/account/two-step/new", data={
        "csrf_token": csrf_token(page.text), "code": code(secret, clock, -1)})  # fmt: skip
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", response.text)
    assert len(codes) == 10
    return secret, codes


def user_with_two_step(app, clock: Clock, email: str = "kim@example.kr") -> tuple[str, list[str]]:
    make_user(app, email)
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return turn_on(client, clock)


def second_step(client, answer: str, lang: str = "en"):
    return post_form(client, f"/login/code?lang={lang}", code=answer)


def test_turning_on_takes_a_code_of_the_app_and_shows_ten_recovery_codes_once(app, client,
                                                                              clock):  # fmt: skip
    user_id = make_user(app)
    sign_in(client)
    page = client.get("/account?lang=en")
    assert "Turn on two-step sign-in" in page.text
    assert client.get("/account/two-step").headers["Location"] == "/account/two-step/new"
    setup = client.get("/account/two-step/new")
    assert setup.status_code == 200
    # The QR code is an image of this page (no third party sees the key) that the CSP allows.
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml[^"]+"', setup.text)
    assert client.get("/account/two-step/new").text == setup.text  # the same key until confirmed
    secret = load_user(app, user_id).two_step_secret
    assert len(secret) == 32  # 160 bits

    wrong = client.post("/account/two-step/new", data={"csrf_token": csrf_token(setup.text),
                                                   "code": "000000"})  # fmt: skip
    assert wrong.status_code == 422
    assert not load_user(app, user_id).two_step_enabled

    _, codes = turn_on(client, clock)
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}", c) for c in codes)
    assert load_user(app, user_id).two_step_enabled
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)
                                    .where(RecoveryCode.user_id == user_id)).all()  # fmt: skip
    assert len(hashes) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)
    # Shown once: the page now says it is on, and shows no code.
    assert client.get("/account/two-step/new").headers["Location"] == "/account/two-step"
    status = client.get("/account/two-step?lang=en")
    assert status.status_code == 200
    assert "Recovery codes left: 10 of 10." in status.text
    assert not any(c in status.text for c in codes)
    assert [row.target for row in audit_rows(app, "two_step.enable")] == [f"user:{user_id}"]


def test_sign_in_asks_for_the_code_before_the_session_is_signed_in(app, clock):
    secret, _ = user_with_two_step(app, clock)
    client = app.test_client()
    response = sign_in(client, next="/account?lang=ko")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)  # the password alone signs nobody in
    assert client.get("/login/code?lang=en").status_code == 200
    response = second_step(client, code(secret, clock))
    assert response.status_code == 303
    assert response.headers["Location"] == "/account?lang=ko"  # `next` is kept
    assert signed_in(client)
    login = audit_rows(app, "login")[-1]
    assert login.detail == {"second_step": "app"}


def test_without_two_step_the_password_signs_in_at_once(app, client):
    make_user(app)
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert signed_in(client)


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "The code is not right, or was used already."),
    ("ko", "코드가 올바르지 않거나 이미 사용한 코드입니다."),
])  # fmt: skip
def test_a_wrong_code_is_refused_and_audited(app, clock, lang, message):
    secret, _ = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    wrong = f"{(int(code(secret, clock)) + 1) % 1_000_000:06d}"
    response = second_step(client, wrong, lang)
    assert response.status_code == 401
    assert message in unescape(response.text)
    assert not signed_in(client)
    failed = audit_rows(app, "login.failed")
    assert [row.detail for row in failed] == [{"email": "kim@example.kr", "step": "code"}]
    assert wrong not in str(failed[0].detail)


def test_a_code_cannot_be_used_twice(app, clock):
    secret, _ = user_with_two_step(app, clock)
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second)
    taken = code(secret, clock)
    assert second_step(first, taken).status_code == 303
    assert second_step(second, taken).status_code == 401  # seen over the shoulder: refused
    # Nor an older one still inside the clock's drift.
    assert second_step(second, code(secret, clock, -1)).status_code == 401
    assert second_step(second, code(secret, clock, 1)).status_code == 303


def test_a_recovery_code_works_once(app, clock):
    _, codes = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    typed = codes[3].upper().replace("-", " ")  # as people type them
    assert second_step(client, typed).status_code == 303
    assert signed_in(client)
    again = app.test_client()
    sign_in(again)
    assert second_step(again, codes[3]).status_code == 401
    assert second_step(again, codes[4]).status_code == 303
    used = audit_rows(app, "two_step.recovery_code_used")
    assert [row.detail for row in used] == [{"left": 9}, {"left": 8}]
    assert audit_rows(app, "login")[-1].detail == {"second_step": "recovery_code"}
    assert "Recovery codes left: 8 of 10." in again.get("/account/two-step?lang=en").text


def test_the_second_step_must_follow_the_password_within_its_minutes(app, clock):
    secret, _ = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    page = client.get("/login/code?lang=en")
    clock.advance(app.config["TWO_STEP_MINUTES"] * 60 + 1)
    response = client.post("/login/code", data={"csrf_token": csrf_token(page.text),
                                                "code": code(secret, clock)})  # fmt: skip
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "The sign-in took too long. Sign in again." in client.get("/login?lang=en").text
    assert not signed_in(client)
    assert client.get("/login/code").status_code == 302  # nothing is left waiting


def test_without_a_password_first_the_second_step_sends_to_sign_in(app, client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_sign_out_elsewhere_ends_a_second_step_in_progress(app, clock):
    secret, _ = user_with_two_step(app, clock)
    waiting = app.test_client()
    sign_in(waiting)
    with app.app_context():
        accounts.end_sessions(db.session.scalar(select(User)))
        db.session.commit()
    assert waiting.get("/login/code").status_code == 302


def test_code_guesses_count_with_wrong_passwords_and_a_right_password_clears_nothing(app, clock):
    user_with_two_step(app, clock)
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    statuses = []
    for _ in range(limit):
        # A thief who has the password signs in again and again, to guess codes without end.
        assert sign_in(client).status_code == 303
        statuses.append(second_step(client, "123456").status_code)
    assert statuses == [401] * limit
    assert sign_in(client).status_code == 429  # the account waits, the password included
    assert sign_in(app.test_client(), password="not the password").status_code == 429


def test_code_guesses_in_one_second_step_are_throttled(app, clock):
    secret, _ = user_with_two_step(app, clock)
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    sign_in(client)
    statuses = [second_step(client, f"{n:06d}").status_code for n in range(limit)]
    assert statuses == [401] * limit
    response = second_step(client, code(secret, clock))  # even the right code now waits
    assert response.status_code == 429
    # The held clock is up to half a step off the database's, which dates the failures.
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= app.config["LOGIN_WINDOW_SECONDS"] + STEP
    assert not signed_in(client)


def test_a_reset_link_does_not_skip_the_second_step(app, clock):
    secret, _ = user_with_two_step(app, clock)
    with app.app_context():
        user = db.session.scalar(select(User))
        link = f"/password/reset/{accounts.password_link_token(user, 'reset')}"
    client = app.test_client()
    response = post_form(client, link, password="a brand new password",
                         confirm="a brand new password")  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    assert second_step(client, code(secret, clock)).status_code == 303
    assert signed_in(client)


def turn_off(client, **proof: str):
    page = client.get("/account/two-step")
    data = {"csrf_token": csrf_token(page.text), "current": "", "code": "", **proof}
    return client.post("/account/two-step", data=data)


def signed_in_with_two_step(app, clock: Clock) -> tuple[object, str, list[str]]:
    secret, codes = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    assert second_step(client, code(secret, clock)).status_code == 303
    return client, secret, codes


def test_turning_off_takes_the_password(app, clock):
    client, _, _ = signed_in_with_two_step(app, clock)
    assert turn_off(client).status_code == 422  # neither given
    assert turn_off(client, current="not the password").status_code == 422
    assert [r.action for r in audit_rows(app) if r.action.startswith("two_step.disable")] == [
        "two_step.disable_failed"]  # fmt: skip
    response = turn_off(client, current=PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert not load_user(app, audit_rows(app, "two_step.disable")[0].actor_id).two_step_enabled
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).all() == []
    other = app.test_client()
    assert sign_in(other).status_code == 303
    assert signed_in(other)  # the password alone again


def test_turning_off_takes_a_code_instead(app, clock):
    client, secret, codes = signed_in_with_two_step(app, clock)
    assert turn_off(client, code=code(secret, clock)).status_code == 422  # taken at sign-in
    assert turn_off(client, code=codes[0]).status_code == 303


def test_guessing_to_turn_it_off_is_throttled(app, clock):
    client, _, _ = signed_in_with_two_step(app, clock)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert [turn_off(client, code=f"{n:06d}").status_code for n in range(limit)] == [422] * limit
    response = turn_off(client, current=PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("form", ["second_step", "turn_on", "turn_off"])
def test_the_two_step_forms_refuse_a_missing_csrf_token(app, clock, form):
    secret, codes = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    url, data = "/login/code", {"code": code(secret, clock)}
    if form != "second_step":
        assert second_step(client, code(secret, clock)).status_code == 303
        url, data = "/account/two-step", {"current": PASSWORD}
    if form == "turn_on":
        assert turn_off(client, current=PASSWORD).status_code == 303
        client.get("/account/two-step/new")
        url, data = "/account/two-step/new", {"code": "123456"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert signed_in(client) is (form != "second_step")


def test_a_session_cookie_kept_from_the_password_step_is_not_signed_in(app, clock):
    """The cookie of the first step, replayed after the second, is no signed-in session."""
    secret, _ = user_with_two_step(app, clock)
    client = app.test_client()
    sign_in(client)
    half_way = session_cookie(client)
    assert second_step(client, code(secret, clock)).status_code == 303
    other = app.test_client()
    other.set_cookie("session", half_way)
    assert not signed_in(other)


def test_the_command_line_turns_it_off_for_someone_who_lost_everything(app, clock, runner):
    client, _, _ = signed_in_with_two_step(app, clock)
    result = runner.invoke(args=["users", "two-step-off", "kim@example.kr"])
    assert result.exit_code == 0, result.output
    assert "Two-step sign-in is off for kim@example.kr" in result.output
    assert not signed_in(client)  # their sessions end
    assert sign_in(app.test_client()).status_code == 303
    assert [row.actor_id for row in audit_rows(app, "two_step.reset")] == [None]
    again = runner.invoke(args=["users", "two-step-off", "kim@example.kr"])
    assert again.exit_code == 2
    assert "has no two-step sign-in" in again.output


def test_a_required_role_opens_nothing_but_the_setup_until_it_is_on(app, clock):
    app.config["TWO_STEP_REQUIRED_ROLES"] = frozenset({"org_admin"})
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    make_user(app, "kim@example.kr", org=("정밀컨설팅", "consultancy"), role="consultant")
    consultant = app.test_client()
    sign_in(consultant)
    assert consultant.get("/clients").status_code == 200  # not a required role
    boss = app.test_client()
    assert sign_in(boss, "boss@example.kr").status_code == 303
    for path in ("/clients", "/account", "/organisation/members"):
        response = boss.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-step/new"
    page = boss.get("/account/two-step/new?lang=en")
    assert "Two-step sign-in is required for your role. Turn it on to continue." in page.text
    turn_on(boss, clock)
    assert boss.get("/organisation/members").status_code == 200


@pytest.mark.parametrize(("value", "expected"), [
    ("", frozenset()),
    ("org_admin, site_admin", frozenset({"org_admin", "site_admin"})),
])  # fmt: skip
def test_required_roles_are_read_from_the_environment(monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("TWO_STEP_REQUIRED_ROLES", value)
    assert load_config(str(tmp_path))["TWO_STEP_REQUIRED_ROLES"] == expected


def test_a_misspelt_required_role_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("TWO_STEP_REQUIRED_ROLES", "org_admin,admins")
    with pytest.raises(ConfigError, match="unknown role.*admins"):
        load_config(str(tmp_path))
