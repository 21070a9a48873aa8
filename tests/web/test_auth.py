"""Signing in and out through HTTP: throttling (database and Redis), session renewal and
invalidation, safe ``next`` redirects, password reset through a real local SMTP server, argon2
rehashing, CSRF on every form, smuggled fields, and the audit trail."""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from assess import create_app
from assess.extensions import db
from assess.models import AuditEvent, LoginFailure, User
from assess.services import accounts
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple tray elephant"
# Cheap argon2 for tests; the production cost is checked by the rehash test.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8}
WRONG = {
    "ko": "이메일 또는 비밀번호가 올바르지 않습니다.",
    "en": "The email or password is not right.",
}
EXPIRED = {
    "ko": "받으신 비밀번호는 기한이 지났습니다.",
    "en": "The password you were given has expired.",
}


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(FAST_HASHING)


def make_user(app, email: str = "kim@example.kr", password: str | None = PASSWORD,
              *, org: tuple[str, str] | None = None, role: str | None = None,
              site_admin: bool = False) -> int:  # fmt: skip
    """A user made through the service; ``org`` is (name, kind), created when missing."""
    with app.app_context():
        organisation = None
        if org is not None:
            organisation = accounts.find_organisation(org[0]) or accounts.create_organisation(*org)
        user = accounts.create_user(email, password, organisation=organisation, role=role,
                                    site_admin=site_admin)  # fmt: skip
        db.session.commit()
        return user.id


def load_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def sign_in(client, email: str = "kim@example.kr", password: str = PASSWORD, *,
            next: str | None = None, lang: str = "en", **extra: str):  # fmt: skip
    url = f"/login?lang={lang}" + (f"&next={quote(next, safe='')}" if next is not None else "")
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password, **extra}
    return client.post(url, data=data)


def signed_in(client) -> bool:
    """Whether the client's session is that of a signed-in user (the account page opens)."""
    response = client.get("/account")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/login"
        return False
    assert response.status_code == 200
    return True


def replay(app, cookie_value: str):
    """A second client (another browser) presenting a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def sign_out(client):
    page = client.get("/account")
    return client.post("/logout", data={"csrf_token": csrf_token(page.text)})


def audit_rows(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


# A real SMTP server on 127.0.0.1 (shared with the browser tests).


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))  # fmt: skip
        return "250 Message accepted for delivery"

    def last_link(self, to: str) -> str:
        """The password link in the latest mail to ``to``."""
        mails = [m for m in self.messages if m["To"] == to]
        assert mails, f"no mail to {to}; got {[m['To'] for m in self.messages]}"
        match = re.search(r"https?://\S+/password/\w+/\S+", mails[-1].get_content())
        assert match, mails[-1].get_content()
        return match.group(0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    """A local SMTP server: (its inbox, the MAIL_URL that reaches it)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:
    with smtp_server() as (received, url):
        app.config["MAIL_URL"] = url
        yield received


# Signing in.


def test_sign_in_goes_to_the_account_page(app, client):
    make_user(app)
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200
    assert "kim@example.kr" in page.text
    assert "no-store" in page.headers["Cache-Control"]


def test_site_admin_lands_on_the_admin_area(app, client):
    make_user(app, "admin@example.kr", site_admin=True)
    response = sign_in(client, "admin@example.kr")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


def test_email_is_matched_whatever_its_case_and_spaces(app, client):
    make_user(app)
    assert sign_in(client, "  Kim@Example.KR ").status_code == 303


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_unknown_email_gets_the_same_answer_as_a_wrong_password(app, client, lang):
    make_user(app)
    wrong = sign_in(client, password="not the password", lang=lang)
    unknown = sign_in(client, "nobody@example.kr", lang=lang)
    assert wrong.status_code == 401
    assert unknown.status_code == 401
    assert WRONG[lang] in unescape(wrong.text)
    assert WRONG[lang] in unescape(unknown.text)
    assert not signed_in(client)


def test_unknown_email_costs_as_much_hashing_as_a_wrong_password(app):
    """No timing oracle: an unknown email is verified against a real hash of the same cost."""
    # Attempts are counted when made, so the limits are raised out of the measurement's way.
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16 * 1024, LOGIN_MAX_FAILURES=100,
                      LOGIN_MAX_FAILURES_PER_ADDRESS=100)  # fmt: skip
    make_user(app)

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(5):
            with app.test_request_context():
                start = time.perf_counter()
                with pytest.raises(accounts.InvalidCredentials):
                    accounts.authenticate(email, "not the password", "192.0.2.1")
                times.append(time.perf_counter() - start)
                db.session.rollback()
        return sorted(times)[2]

    median_seconds("nobody@example.kr")  # the first call also makes the stand-in hash
    known, unknown = median_seconds("kim@example.kr"), median_seconds("nobody@example.kr")
    assert unknown > 0.5 * known, (known, unknown)


def test_disabled_account_cannot_sign_in_and_gets_the_same_answer(app, client):
    user_id = make_user(app)
    with app.app_context():
        admin = db.session.get(User, make_user(app, "admin@example.kr", site_admin=True))
        accounts.set_active(db.session.get(User, user_id), False, admin)
        db.session.commit()
    response = sign_in(client)
    assert response.status_code == 401
    assert WRONG["en"] in unescape(response.text)


def test_account_without_a_password_yet_cannot_sign_in(app, client):
    make_user(app, password=None)
    assert sign_in(client, password="").status_code == 422  # the form asks for a password
    assert sign_in(client, password=PASSWORD).status_code == 401


def test_empty_form_is_422_with_the_fields_named(app, client):
    response = sign_in(client, "", "")
    assert response.status_code == 422
    assert "Enter your email address" in response.text
    assert "Enter your password" in response.text


# Throttling.


def fail(client, email: str = "kim@example.kr", times: int = 1, **kwargs) -> list[int]:
    return [sign_in(client, email, "not the password", **kwargs).status_code for _ in range(times)]


def test_too_many_failures_for_an_account_are_429_with_retry_after(app, client):
    make_user(app)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert fail(client, times=limit) == [401] * limit
    response = sign_in(client)  # even the right password now waits
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= app.config["LOGIN_WINDOW_SECONDS"]
    assert "Too many failed attempts" in response.text
    assert not signed_in(client)


def test_unknown_email_is_throttled_like_a_known_one(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert fail(client, "nobody@example.kr", times=limit) == [401] * limit
    assert fail(client, "nobody@example.kr") == [429]


def test_a_correct_password_clears_the_account_count(app, client):
    make_user(app)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert fail(client, times=limit - 1) == [401] * (limit - 1)
    assert sign_in(client).status_code == 303
    sign_out(client)
    assert fail(client, times=limit - 1) == [401] * (limit - 1)  # counting starts again


def test_failures_expire_with_the_window(app, client):
    make_user(app)
    app.config["LOGIN_WINDOW_SECONDS"] = 1
    limit = app.config["LOGIN_MAX_FAILURES"]
    fail(client, times=limit)
    assert fail(client) == [429]
    time.sleep(2.1)
    assert sign_in(client).status_code == 303


def test_too_many_failures_from_one_address_across_accounts_are_429(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    statuses = [fail(client, f"guess{n}@example.kr")[0] for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert fail(other_address, "guess9@example.kr") == [401]


@pytest.fixture
def second_app(app, database_url, tmp_path) -> Iterator:
    """Another instance of the app (another worker or host) on the same database."""
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PDF_CACHE_DIR": str(tmp_path / "pdf-cache-2"),
            **FAST_HASHING,
        }
    )
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_throttling_holds_across_two_app_instances_sharing_a_database(app, client, second_app):
    make_user(app)
    limit = app.config["LOGIN_MAX_FAILURES"]
    elsewhere = second_app.test_client()
    first_half = limit // 2
    assert fail(client, times=first_half) == [401] * first_half
    assert fail(elsewhere, times=limit - first_half) == [401] * (limit - first_half)
    assert sign_in(client).status_code == 429
    assert sign_in(elsewhere).status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) > 0


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs Redis at {REDIS_URL}: {exc}", pytrace=False)
        pytest.skip(
            f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server to run this"
        )
    yield client
    client.close()


def test_throttling_on_redis_holds_across_two_app_instances(app, client, second_app,
                                                            redis_client):  # fmt: skip
    # A unique account and address, so that other runs sharing this Redis are not disturbed.
    email = f"redis-{uuid.uuid4().hex[:12]}@example.kr"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    keys = [f"assess:login:account:{email}", f"assess:login:address:{address}"]
    for instance in (app, second_app):
        instance.config["REDIS_URL"] = REDIS_URL
    make_user(app, email)
    here, elsewhere = client, second_app.test_client()
    for c in (here, elsewhere):
        c.environ_base["REMOTE_ADDR"] = address
    try:
        limit = app.config["LOGIN_MAX_FAILURES"]
        assert fail(here, email, times=limit - 1) == [401] * (limit - 1)
        assert fail(elsewhere, email) == [401]
        response = sign_in(here, email)
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"]
        assert redis_client.zcard(keys[0]) == limit
        assert 0 < redis_client.ttl(keys[0]) <= app.config["LOGIN_WINDOW_SECONDS"]
        with app.app_context():  # counted in Redis, not in the database
            assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    finally:
        redis_client.delete(*keys)


def guess_in_parallel(apps, email: str, address: str, guesses: int) -> list[int]:
    """``guesses`` wrong passwords sent at once, spread over the app instances (workers)."""
    barrier = threading.Barrier(guesses)

    def guess(n: int) -> int:
        client = apps[n % len(apps)].test_client()
        client.environ_base["REMOTE_ADDR"] = address
        barrier.wait()
        return sign_in(client, email, "not the password").status_code

    with ThreadPoolExecutor(guesses) as pool:
        return sorted(pool.map(guess, range(guesses)))


def test_parallel_guesses_never_get_more_tries_than_the_limit(app, second_app):
    """Each attempt is counted before its password is checked: of many guesses sent at once, at
    most the limit are checked and the rest refused (when all arrive before any is counted, even
    fewer are checked); the refused ones are not counted."""
    make_user(app)
    limit = app.config["LOGIN_MAX_FAILURES"]
    burst = guess_in_parallel([app, second_app], "kim@example.kr", "192.0.2.50", 16)
    checked = burst.count(401)
    assert checked <= limit and burst.count(429) == 16 - checked, burst
    with app.app_context():  # the refused ones were not counted: the window is not stretched
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)
                                 .where(LoginFailure.key == "account:kim@example.kr")) == checked
    # Whatever the burst got, the limit holds over the whole window.
    client = second_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert fail(client, times=limit - checked + 1) == [401] * (limit - checked) + [429]


def test_parallel_guesses_on_redis_never_get_more_tries_than_the_limit(app, second_app,
                                                                       redis_client):  # fmt: skip
    email = f"redis-{uuid.uuid4().hex[:12]}@example.kr"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    for instance in (app, second_app):
        instance.config["REDIS_URL"] = REDIS_URL
    make_user(app, email)
    try:
        limit = app.config["LOGIN_MAX_FAILURES"]
        burst = guess_in_parallel([app, second_app], email, address, 16)
        checked = burst.count(401)
        assert checked <= limit and burst.count(429) == 16 - checked, burst
        assert redis_client.zcard(f"assess:login:account:{email}") == checked
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        assert fail(client, email, times=limit - checked + 1) == [401] * (limit - checked) + [429]
    finally:
        redis_client.delete(f"assess:login:account:{email}", f"assess:login:address:{address}")


# Sessions.


def test_session_is_renewed_at_sign_in(app, client):
    make_user(app)
    client.get("/login")
    before = session_cookie(client)
    assert sign_in(client).status_code == 303
    after = session_cookie(client)
    assert after != before
    assert signed_in(client)
    # A cookie planted or captured before sign-in is not signed in (session fixation).
    assert not signed_in(replay(app, before))
    assert signed_in(replay(app, after))


def test_sign_out_ends_every_session_of_the_user(app, client):
    make_user(app)
    sign_in(client)
    laptop_cookie = session_cookie(client)
    phone = app.test_client()
    assert sign_in(phone).status_code == 303
    response = sign_out(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)
    assert not signed_in(replay(app, laptop_cookie))  # a copied cookie is refused
    assert not signed_in(phone)  # and so is the session on the other device


def test_sign_out_page_says_so(app, client):
    make_user(app)
    sign_in(client)
    page = client.get("/account?lang=en")
    response = client.post("/logout", data={"csrf_token": csrf_token(page.text)},
                           follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert "You are signed out." in response.text


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD, **extra: str):
    page = client.get("/account")
    data = {"csrf_token": csrf_token(page.text), "current": current, "password": new,
            "confirm": new, **extra}  # fmt: skip
    return client.post("/account", data=data)


def make_temporary_user(app, email: str = "kim@example.kr") -> str:
    """An account whose password was made up and printed for it (the command line, the demo)."""
    with app.app_context():
        password = accounts.generated_password()
        organisation = accounts.create_organisation("정밀컨설팅", "consultancy")
        accounts.create_user(email, password, organisation=organisation, role="consultant",
                             temporary=True)  # fmt: skip
        db.session.commit()
        return password


def test_a_printed_password_opens_only_the_page_to_choose_ones_own(app, client):
    printed = make_temporary_user(app)
    assert len(printed) * 6 >= 128  # URL-safe characters carry 6 random bits each
    assert sign_in(client, password=printed).status_code == 303
    for path in ("/clients", "/clients/new", "/organisation/members", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/account"
    page = client.get("/account?lang=ko")
    assert page.status_code == 200
    assert "계속하기 전에 직접 쓰실 비밀번호를 정하세요" in page.text
    assert "Choose a password of your own before going on" in client.get("/account?lang=en").text
    assert change_password(client, current=printed).status_code == 303
    assert client.get("/clients").status_code == 200
    assert "data-own-password" not in client.get("/account").text
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_printed_password_expires_after_invitation_hours(app, client, monkeypatch, lang):
    printed = make_temporary_user(app)
    hours = app.config["INVITATION_HOURS"]
    with app.app_context():
        user = accounts.find_user("kim@example.kr")
        expires = user.password_expires_at
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)  # SQLite: naive UTC
        assert abs(expires - datetime.now(UTC) - timedelta(hours=hours)) < timedelta(minutes=1)
        user.password_expires_at = expires - timedelta(hours=hours, minutes=1)  # time passes
        db.session.commit()
    response = sign_in(client, password=printed, lang=lang)
    assert response.status_code == 401
    assert EXPIRED[lang] in unescape(response.text)
    assert not signed_in(client)
    assert [row.action for row in audit_rows(app)][-1] == "login.expired"
    assert sign_in(client, password="wrong password here", lang=lang).status_code == 401
    assert EXPIRED[lang] not in unescape(client.get(f"/login?lang={lang}").text)


def test_password_change_ends_every_other_session(app, client):
    make_user(app)
    sign_in(client)
    before_change = session_cookie(client)
    phone = app.test_client()
    sign_in(phone)
    response = change_password(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert signed_in(client)  # this session goes on
    assert not signed_in(phone)
    assert not signed_in(replay(app, before_change))
    assert sign_in(app.test_client()).status_code == 401  # the old password no longer works
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_password_change_with_a_wrong_current_password_is_refused(app, client):
    make_user(app)
    sign_in(client)
    response = change_password(client, current="not the password")
    assert response.status_code == 422
    assert "The current password is not right." in response.text
    assert sign_in(app.test_client()).status_code == 303


def test_guessing_the_current_password_on_the_account_page_is_throttled(app, client):
    """A borrowed session must not let anyone try passwords without limit."""
    make_user(app)
    sign_in(client)
    limit = app.config["LOGIN_MAX_FAILURES"]
    statuses = [change_password(client, current=f"guess {i}").status_code for i in range(limit)]
    assert statuses == [422] * limit
    response = change_password(client)  # even the right password now waits
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_SECONDS"]
    assert sign_in(app.test_client()).status_code == 429  # the account's count is shared
    assert len(audit_rows(app, "password.change_failed")) == limit


def test_password_change_checks_the_new_password(app, client):
    make_user(app)
    sign_in(client)
    assert change_password(client, new="short").status_code == 422
    page = client.get("/account")
    response = client.post("/account", data={
        "csrf_token": csrf_token(page.text), "current": PASSWORD, "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD + "x"})  # fmt: skip
    assert response.status_code == 422
    assert "The two passwords are not the same" in response.text


def test_signed_out_visitor_is_sent_to_sign_in_and_then_back(app, client):
    response = client.get("/account?lang=en")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/account?lang=en"]}
    make_user(app)
    page = client.get(response.headers["Location"])
    response = client.post(
        response.headers["Location"],
        data={"csrf_token": csrf_token(page.text), "email": "kim@example.kr", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account?lang=en"


# Where sign-in leads.


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
    "/\t/evil.example", "///evil.example", "http:/evil.example", "\\\\evil.example",
])  # fmt: skip
def test_next_to_another_site_lands_on_the_default_page(app, client, target):
    make_user(app)
    response = sign_in(client, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


def test_next_on_this_site_is_followed(app, client):
    make_user(app)
    response = sign_in(client, next="/password/forgot?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == "/password/forgot?lang=en"


# Password reset.


def ask_for_reset(client, email: str = "kim@example.kr", lang: str = "en"):
    page = client.get(f"/password/forgot?lang={lang}")
    assert page.status_code == 200
    return client.post("/password/forgot", data={"csrf_token": csrf_token(page.text),
                                                  "email": email})  # fmt: skip


def choose_password(client, link: str, password: str = NEW_PASSWORD, **extra: str):
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "password": password, "confirm": password,
            **extra}  # fmt: skip
    return client.post(path, data=data)


def test_password_reset_by_mail_works_once(app, client, inbox):
    user_id = make_user(app)
    old_session = app.test_client()
    sign_in(old_session)
    response = ask_for_reset(client)
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert "data-reset-link" not in response.text  # mailed, not shown
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "kim@example.kr"
    assert mail["From"] == app.config["MAIL_FROM"]
    link = inbox.last_link("kim@example.kr")
    assert link.startswith(app.config["PUBLIC_URL"] + "/password/reset/")

    response = choose_password(client, link)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert signed_in(client)  # the link signs its user in
    assert not signed_in(old_session)  # and ends every earlier session

    again = client.get(urlsplit(link).path + "?lang=en")
    assert again.status_code == 404
    assert "This link no longer works" in again.text
    assert sign_in(app.test_client()).status_code == 401
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert load_user(app, user_id).session_epoch > 1


def test_a_form_opened_before_the_link_was_used_cannot_use_it_after(app, client, inbox):
    make_user(app)
    ask_for_reset(client)
    path = urlsplit(inbox.last_link("kim@example.kr")).path
    other_tab = app.test_client()
    stale = other_tab.get(path)
    assert stale.status_code == 200
    assert choose_password(client, path).status_code == 303
    response = other_tab.post(path, data={
        "csrf_token": csrf_token(stale.text), "password": "a third password here",
        "confirm": "a third password here"})  # fmt: skip
    assert response.status_code == 404
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_reset_mail_is_in_the_visitors_language(app, client, inbox):
    make_user(app)
    ask_for_reset(client, lang="ko")
    mail = inbox.messages[-1]
    assert mail["Subject"] == "비밀번호 재설정"
    assert "비밀번호" in mail.get_content()


def test_reset_for_an_unknown_email_sends_nothing_and_says_the_same(app, client, inbox):
    make_user(app)
    known = ask_for_reset(client)
    unknown = ask_for_reset(client, "nobody@example.kr")
    assert unknown.status_code == known.status_code == 200
    assert "If an account exists for that address" in unknown.text
    assert [m["To"] for m in inbox.messages] == ["kim@example.kr"]


def test_mail_server_down_gets_the_same_answer_as_an_unknown_email(app, client, caplog):
    """A failure only for existing accounts would tell which addresses have one."""
    make_user(app)
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    known = ask_for_reset(client)
    unknown = ask_for_reset(client, "nobody@example.kr")
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists for that address" in known.text
    assert any("could not mail" in record.getMessage() for record in caplog.records)


def test_expired_reset_link_is_404(app, client, inbox, monkeypatch):
    make_user(app)
    hours = app.config["PASSWORD_RESET_HOURS"]
    issued = int(time.time()) - hours * 3600 - 60
    with monkeypatch.context() as m:  # the link was asked for just over its lifetime ago
        m.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
        ask_for_reset(client)
    link = inbox.last_link("kim@example.kr")
    response = client.get(urlsplit(link).path + "?lang=en")
    assert response.status_code == 404
    assert "This link no longer works" in response.text


def test_forged_or_truncated_reset_links_are_404(app, client, inbox):
    make_user(app)
    ask_for_reset(client)
    path = urlsplit(inbox.last_link("kim@example.kr")).path
    assert client.get(path[:-3]).status_code == 404
    assert client.get(path.replace("/reset/", "/invitation/")).status_code == 404
    assert client.get("/password/reset/not-a-token").status_code == 404


def test_reset_link_is_voided_by_a_password_change(app, client, inbox):
    make_user(app)
    ask_for_reset(client)
    link = inbox.last_link("kim@example.kr")
    sign_in(client)
    assert change_password(client).status_code == 303
    assert client.get(urlsplit(link).path).status_code == 404


def test_without_mail_in_development_the_link_is_shown_and_never_logged(app, client, caplog):
    assert app.config["MAIL_URL"] is None
    assert app.config["ENV_NAME"] in ("development", "testing")
    make_user(app)
    response = ask_for_reset(client)
    assert response.status_code == 200
    assert "No mail server is configured" in response.text
    match = re.search(r'href="([^"]+)" data-reset-link', response.text)
    assert match
    link = unescape(match.group(1))
    # The log says a link was shown, not the link: whoever reads it could set the password.
    notes = [r.getMessage() for r in caplog.records if "mail is not configured" in r.getMessage()]
    assert notes and not any(urlsplit(link).path.rsplit("/", 1)[1] in n for n in notes)
    assert choose_password(client, link).status_code == 303


def test_without_mail_in_production_the_forgot_page_says_mail_is_not_configured(app, client):
    app.config.update(ENV_NAME="production", MAIL_URL=None)
    make_user(app)
    page = client.get("/password/forgot?lang=en")
    assert page.status_code == 200
    assert "no mail server configured" in page.text
    assert 'name="email"' not in page.text
    ko = client.get("/password/forgot?lang=ko")
    assert "메일 서버가 설정되어 있지 않습니다" in ko.text


def test_invited_member_sets_a_password_from_the_mailed_link(app, client, inbox):
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    sign_in(client, "boss@example.kr")
    page = client.get("/organisation/members?lang=ko")
    assert page.status_code == 200
    response = client.post(
        "/organisation/members",
        data={"csrf_token": csrf_token(page.text), "email": "new@example.kr", "role": "consultant"},
    )
    assert response.status_code == 303
    mail = inbox.messages[-1]
    assert mail["To"] == "new@example.kr"
    assert mail["Subject"] == "정밀컨설팅에 초대되었습니다"
    assert "boss@example.kr" in mail.get_content()
    link = inbox.last_link("new@example.kr")
    assert urlsplit(link).path.startswith("/password/invitation/")

    newcomer = app.test_client()
    page = newcomer.get(urlsplit(link).path + "?lang=en")
    assert "You are invited to 정밀컨설팅" in page.text
    response = choose_password(newcomer, link)
    assert response.status_code == 303
    account = newcomer.get("/account?lang=en")
    assert account.status_code == 200
    assert "정밀컨설팅" in account.text
    assert "Consultant" in account.text
    assert newcomer.get(urlsplit(link).path).status_code == 404  # used
    assert sign_in(app.test_client(), "new@example.kr", NEW_PASSWORD).status_code == 303
    assert [row.action for row in audit_rows(app)].count("password.invitation") == 1


def test_invitation_with_the_mail_server_down_still_makes_the_member_and_shows_the_link(
        app, client):
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    sign_in(client, "boss@example.kr")
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    page = client.get("/organisation/members?lang=en")
    response = client.post("/organisation/members", data={
        "csrf_token": csrf_token(page.text), "email": "new@example.kr", "role": "consultant"})
    assert response.status_code == 200  # the page answering the POST shows the link
    assert "The mail server could not be reached" in response.text
    link = re.search(r"(http://localhost/password/invitation/[^\s<\"]+)", response.text).group(1)
    assert choose_password(app.test_client(), unescape(link)).status_code == 303
    assert sign_in(app.test_client(), "new@example.kr", NEW_PASSWORD).status_code == 303


def session_cookie_contents(app, response) -> str:
    """What the session cookies a response sets hold, decoded as the app reads them."""
    serializer = app.session_interface.get_signing_serializer(app)
    prefix = app.config["SESSION_COOKIE_NAME"] + "="
    values = [header.split(";", 1)[0][len(prefix):]
              for header in response.headers.getlist("Set-Cookie") if header.startswith(prefix)]
    return " ".join(repr(serializer.loads(value)) for value in values if value)


# Who shows a set-password link on the page, how the mail fails, and the request that does it.
SHOWN_LINKS = {
    "member invited, mail server down": ("members", "down"),
    "user added, no mail server": ("admin", None),
    "password link sent, mail server down": ("admin-reset", "down"),
}


@pytest.mark.parametrize("case", SHOWN_LINKS)
def test_a_password_link_shown_to_an_administrator_is_never_in_the_session_cookie(app, client,
                                                                                  case):
    """The account is made and the link shown by the response to the POST itself, once; it never
    travels in the (signed, not encrypted) session cookie, as a flash message would."""
    page_path, mail = SHOWN_LINKS[case]
    if page_path == "members":
        make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
        url, data, wanted = "/organisation/members", {"role": "consultant"}, "/password/invitation/"
    else:
        make_user(app, "boss@example.kr", site_admin=True)
        url, data, wanted = "/admin/users", {"organisation": "", "role": ""}, "/password/invitation/"
    sign_in(client, "boss@example.kr")
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}" if mail == "down" else None
    page = client.get(url + "?lang=en")
    if page_path == "admin-reset":
        user_id = make_user(app, "new@example.kr")
        url, data, wanted = f"/admin/users/{user_id}/reset", {}, "/password/reset/"
    else:
        data["email"] = "new@example.kr"
    response = client.post(url, data={"csrf_token": csrf_token(page.text), **data})
    assert response.status_code == 200
    shown = re.search(r'http://localhost/password/(?:invitation|reset)/[^\s<"]+', response.text)
    link = unescape(shown.group(0))
    assert wanted in link
    token = urlsplit(link).path.rsplit("/", 1)[1]
    reason = "could not be reached" if mail == "down" else "No mail server is configured"
    assert reason in response.text and "new@example.kr" in response.text
    later = client.get("/organisation/members" if page_path == "members" else "/admin/users")
    assert later.status_code == 200 and token not in later.text  # shown once
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    with app.test_request_context():
        stored = repr(app.session_interface.get_signing_serializer(app).loads(cookie.value))
    for contents in (session_cookie_contents(app, response), session_cookie_contents(app, later),
                     stored):  # fmt: skip
        assert token not in contents and "/password/" not in contents
    assert choose_password(app.test_client(), link).status_code == 303
    assert sign_in(app.test_client(), "new@example.kr", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(("lang", "expected"), [
    ("ko", "new@example.kr 님은 이미 다른 조직의 구성원입니다"),
    ("en", "new@example.kr is a member of an organisation already"),
])
def test_a_refused_invitation_says_why_in_the_readers_language(app, client, lang, expected):
    make_user(app, "new@example.kr", org=("다른컨설팅", "consultancy"), role="consultant")
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    sign_in(client, "boss@example.kr")
    page = client.get(f"/organisation/members?lang={lang}")
    response = client.post("/organisation/members", data={
        "csrf_token": csrf_token(page.text), "email": "new@example.kr", "role": "consultant"})
    assert response.status_code == 422
    assert expected in unescape(response.text)


# Password hashing.


def test_hash_is_argon2id_and_rehashed_when_the_cost_changes(app, client):
    user_id = make_user(app)
    first = load_user(app, user_id).password_hash
    assert first.startswith("$argon2id$")
    assert "t=1," in first
    app.config["ARGON2_TIME_COST"] = 2
    assert sign_in(client).status_code == 303
    second = load_user(app, user_id).password_hash
    assert second != first
    assert second.startswith("$argon2id$")
    assert "t=2," in second
    assert sign_in(app.test_client()).status_code == 303  # the new hash verifies
    assert load_user(app, user_id).password_hash == second  # and is not redone needlessly


# CSRF on every form of signing in.


def with_valid_link(app, purpose: str) -> str:
    with app.app_context():
        user = db.session.get(User, make_user(app, f"{purpose}@example.kr", password=None if
                                              purpose == "invitation" else PASSWORD))  # fmt: skip
        return f"/password/{purpose}/{accounts.password_link_token(user, purpose)}"


AUTH_FORMS = ["login", "logout", "forgot", "reset", "invitation", "account"]


def form_post(app, client, form: str) -> tuple[str, dict]:
    """The URL and a complete, valid body (without its CSRF token) of one form."""
    if form == "login":
        return "/login", {"email": "kim@example.kr", "password": PASSWORD}
    if form == "forgot":
        return "/password/forgot", {"email": "kim@example.kr"}
    if form in ("reset", "invitation"):
        return with_valid_link(app, form), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    sign_in(client)
    if form == "logout":
        return "/logout", {}
    return "/account", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("form", AUTH_FORMS)
def test_every_auth_form_refuses_a_missing_or_wrong_csrf_token(app, client, form, token):
    user_id = make_user(app)
    url, data = form_post(app, client, form)
    hash_before = load_user(app, user_id).password_hash
    if token == "wrong":
        data["csrf_token"] = "IjEyMzQ1Njc4OTAi.not-a-token.signature"
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert load_user(app, user_id).password_hash == hash_before
    if form in ("logout", "account"):
        assert signed_in(client)  # still signed in: nothing happened
    if form == "login":
        assert not signed_in(client)


def test_csrf_token_of_another_session_is_refused(app, client):
    make_user(app)
    other = app.test_client()
    foreign = csrf_token(other.get("/login").text)
    client.get("/login")
    response = client.post("/login", data={"csrf_token": foreign, "email": "kim@example.kr",
                                           "password": PASSWORD})  # fmt: skip
    assert response.status_code == 400


def test_a_csrf_token_signed_with_hmac_sha1_is_refused(app, client):
    """Tokens are signed by HMAC-SHA256; one signed the way Flask-WTF does by default (SHA-1),
    for this very session's secret, is refused."""
    make_user(app)
    token = csrf_token(client.get("/login").text)
    with client.session_transaction() as session:
        secret = session["csrf_token"]
    key = app.config["SECRET_KEY"]
    sha256 = URLSafeTimedSerializer(key, salt="wtf-csrf-token",
                                    signer_kwargs={"digest_method": hashlib.sha256})  # fmt: skip
    assert sha256.loads(token) == secret
    sha1 = URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(secret)
    data = {"email": "kim@example.kr", "password": PASSWORD}
    assert client.post("/login", data={**data, "csrf_token": sha1}).status_code == 400
    assert not signed_in(client)
    assert client.post("/login", data={**data, "csrf_token": token}).status_code == 303


def test_every_form_of_the_app_signs_its_csrf_token_with_hmac_sha256(app):
    """Flask-WTF's own form would sign with SHA-1: every form derives from the app's."""
    from flask_wtf import FlaskForm

    from assess.forms import Form
    from assess.signing import SignedCSRF

    def subclasses(cls) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *subclasses(direct)]]

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("assess.")]
    assert len(ours) >= 15  # the app's forms were found
    assert [cls for cls in ours if not issubclass(cls, Form)] == []
    with app.test_request_context("/"):
        assert Form().meta.csrf_class is SignedCSRF


# Fields smuggled into the forms.


SMUGGLED = {
    "role": "org_admin",
    "org": "1",
    "organisation": "1",
    "organisation_id": "1",
    "site_admin": "y",
    "active": "y",
    "email": "boss@example.kr",
    "user_id": "1",
}


def assert_unprivileged(app, user_id: int, email: str = "kim@example.kr") -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.email == email
        assert not user.site_admin
        assert user.membership is None


def test_role_org_and_site_admin_smuggled_into_sign_in_are_ignored(app, client):
    user_id = make_user(app)
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    response = sign_in(client, **{k: v for k, v in SMUGGLED.items() if k != "email"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert_unprivileged(app, user_id)
    assert client.get("/admin/").status_code == 403


def test_role_org_and_site_admin_smuggled_into_the_account_form_are_ignored(app, client):
    user_id = make_user(app)
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    sign_in(client)
    response = change_password(client, **SMUGGLED)
    assert response.status_code == 303
    assert_unprivileged(app, user_id)
    assert client.get("/admin/").status_code == 403
    assert client.get("/organisation/members").status_code == 403


def test_role_org_and_site_admin_smuggled_into_a_reset_are_ignored(app, client, inbox):
    user_id = make_user(app)
    make_user(app, "boss@example.kr", org=("정밀컨설팅", "consultancy"), role="org_admin")
    ask_for_reset(client)
    response = choose_password(client, inbox.last_link("kim@example.kr"), **SMUGGLED)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert_unprivileged(app, user_id)


# The audit trail.


def test_sign_in_out_failures_and_password_changes_are_audited_without_passwords(
    app, client, inbox
):
    user_id = make_user(app)
    fail(client)
    fail(client, "nobody@example.kr")
    sign_in(client)
    change_password(client)
    sign_out(client)
    ask_for_reset(client)
    choose_password(client, inbox.last_link("kim@example.kr"), password="yet another password")

    rows = audit_rows(app)
    actions = [row.action for row in rows]
    for action in ("login.failed", "login", "password.change", "logout",
                   "password.reset_requested", "password.reset"):  # fmt: skip
        assert action in actions, actions
    failed = [row for row in rows if row.action == "login.failed"]
    assert [row.detail["email"] for row in failed] == ["kim@example.kr", "nobody@example.kr"]
    assert failed[0].target == f"user:{user_id}"
    assert failed[1].target == ""
    assert all(row.actor_id is None for row in failed)
    login = next(row for row in rows if row.action == "login")
    assert (login.actor_id, login.actor, login.target) == (user_id, "kim@example.kr",
                                                           f"user:{user_id}")  # fmt: skip
    assert login.client_address == "127.0.0.1"
    assert login.at is not None
    logout = next(row for row in rows if row.action == "logout")
    assert logout.actor_id == user_id

    everything = json.dumps([[r.action, r.actor, r.target, r.detail] for r in rows],
                            ensure_ascii=False, default=str)  # fmt: skip
    for secret in (PASSWORD, NEW_PASSWORD, "yet another password", "not the password"):
        assert secret not in everything
    assert "$argon2" not in everything


def test_audit_rows_carry_the_request_id(app, client):
    make_user(app)
    response = sign_in(client)
    login = audit_rows(app, "login")[0]
    assert login.request_id
    assert login.request_id == response.headers["X-Request-ID"]


def test_a_session_ends_after_it_has_been_idle_too_long(app, client, monkeypatch):
    make_user(app)
    assert sign_in(client).status_code == 303
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + idle - 30)
    assert signed_in(client)  # a request inside the idle time keeps it going...
    monkeypatch.setattr(time, "time", lambda: now + 2 * idle - 60)
    assert signed_in(client)  # ...from that request on
    monkeypatch.setattr(time, "time", lambda: now + 3 * idle)
    assert not signed_in(client)


def test_a_session_ends_at_its_maximum_age_however_busy(app, client, monkeypatch):
    make_user(app)
    assert sign_in(client).status_code == 303
    now = time.time()
    step = app.config["SESSION_IDLE_MINUTES"] * 60 - 60
    last = now + app.config["SESSION_MAX_HOURS"] * 3600
    moment = now
    while moment + step < last:
        moment += step
        monkeypatch.setattr(time, "time", lambda m=moment: m)
        assert signed_in(client)
    monkeypatch.setattr(time, "time", lambda: last + 1)
    assert not signed_in(client)


def test_in_production_the_session_cookie_is_host_only_secure_and_http_only(database_url,
                                                                            tmp_path,
                                                                            monkeypatch):  # fmt: skip
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr")
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                             "PDF_CACHE_DIR": str(tmp_path), **FAST_HASHING})  # fmt: skip
    try:
        make_user(production)
        client = production.test_client()
        page = client.get("/login", base_url="https://assess.example.kr")
        response = client.post("/login", base_url="https://assess.example.kr", data={
            "csrf_token": csrf_token(page.text), "email": "kim@example.kr",
            "password": PASSWORD}, headers={"Referer": "https://assess.example.kr/login"})  # fmt: skip
        assert response.status_code == 303
        cookie = next(v for k, v in response.headers.items()
                      if k == "Set-Cookie" and v.startswith("__Host-session="))  # fmt: skip
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "path", "samesite"} <= flags
        assert "domain" not in flags and "Path=/;" in cookie + ";"
    finally:
        with production.app_context():
            db.session.remove()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()


# Mail over TLS.


def test_mail_over_tls_refuses_a_server_whose_certificate_is_not_trusted(app, tmp_path):
    """STARTTLS to a server with a self-signed certificate: nothing is sent (a password link
    never goes to a server that only claims the name)."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port, tls_context=server_tls)
    controller.start()
    try:
        app.config["MAIL_URL"] = f"smtp+starttls://127.0.0.1:{port}"
        with app.app_context(), pytest.raises(ssl.SSLCertVerificationError):
            from assess.services import mail

            mail.send("kim@example.kr", "제목", "본문")
    finally:
        controller.stop()
    assert received.messages == []


def test_outside_development_a_link_shown_on_screen_is_not_written_to_the_log(app, caplog):
    from assess.auth.links import deliver_password_link

    user_id = make_user(app)
    app.config.update(ENV_NAME="production", MAIL_URL=None)
    with app.test_request_context():
        link = deliver_password_link(db.session.get(User, user_id), "reset")
    assert link and "/password/reset/" in link
    assert "shown on the page" in caplog.text
    assert link not in caplog.text
