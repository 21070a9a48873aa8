"""Account use cases without HTTP: API tokens, password links, roles, members, sign-in rules."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from assess.extensions import db
from assess.models import ApiToken, AuditEvent, Membership, User
from assess.services import accounts, clients
from assess.services.accounts import AccountError
from assess.services.throttle import Throttled
from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM

PASSWORD = "correct horse battery"


@pytest.fixture
def ctx(app):
    """An app context with cheap argon2, as a CLI command or a worker would have."""
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    with app.app_context():
        yield
        db.session.rollback()


def consultancy(name: str = "정밀컨설팅"):
    return accounts.find_organisation(name) or accounts.create_organisation(name, "consultancy")


def agency(name: str = "부산중소기업지원센터"):
    return accounts.find_organisation(name) or accounts.create_organisation(name, "agency")


def make_user(email: str = "kim@example.kr", password: str | None = PASSWORD, **kwargs) -> User:
    user = accounts.create_user(email, password, **kwargs)
    db.session.commit()
    return user


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# API tokens.


def test_token_is_shown_once_and_stored_only_as_its_hash(ctx):
    user = make_user()
    token, plain = accounts.create_token(user, days=30)
    db.session.commit()
    assert plain.startswith(accounts.TOKEN_PREFIX)
    assert len(plain) >= 40
    assert token.prefix == plain[:12]
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = db.session.execute(select(ApiToken.__table__)).one()._asdict()
    assert plain not in [str(value) for value in stored.values()]
    assert "token.create" in actions()


def test_tokens_are_unique(ctx):
    user = make_user()
    plains = {accounts.create_token(user, days=1)[1] for _ in range(20)}
    assert len(plains) == 20


def test_token_expires_after_its_days(ctx):
    user = make_user()
    before = datetime.now(UTC)
    token, _ = accounts.create_token(user, days=30)
    db.session.commit()
    expires = aware(token.expires_at)
    assert before + timedelta(days=30) <= expires <= datetime.now(UTC) + timedelta(days=30)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_token_lifetime_is_bounded(ctx, days):
    user = make_user()
    with pytest.raises(AccountError) as error:
        accounts.create_token(user, days=days)
    assert error.value.field == "days"


def test_disabled_user_gets_no_token(ctx):
    admin = make_user("admin@example.kr", site_admin=True)
    user = make_user()
    accounts.set_active(user, False, admin)
    with pytest.raises(AccountError) as error:
        accounts.create_token(user, days=1)
    assert error.value.field == "email"


def test_valid_token_finds_its_user_and_notes_its_use(ctx):
    user = make_user()
    token, plain = accounts.create_token(user, days=1)
    db.session.commit()
    assert token.last_used_at is None
    assert accounts.user_for_api_token(plain) is user
    assert token.last_used_at is not None


@pytest.mark.parametrize("mangle", [
    lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),  # one character off
    lambda p: p[:12],  # the public prefix alone
    lambda p: p[len(accounts.TOKEN_PREFIX):],  # without its prefix
    lambda p: hashlib.sha256(p.encode()).hexdigest(),  # the stored hash itself
    lambda p: p + "x" * 100,  # too long
    lambda p: "",
])  # fmt: skip
def test_anything_but_the_exact_token_finds_nobody(ctx, mangle):
    user = make_user()
    _, plain = accounts.create_token(user, days=1)
    db.session.commit()
    assert accounts.user_for_api_token(mangle(plain)) is None


def test_revoked_token_finds_nobody_and_revoking_twice_is_audited_once(ctx):
    admin = make_user("admin@example.kr", site_admin=True)
    user = make_user()
    token, plain = accounts.create_token(user, days=1)
    assert accounts.find_token(token.prefix) is token
    accounts.revoke_token(token, admin)
    first = token.revoked_at
    accounts.revoke_token(token, admin)
    db.session.commit()
    assert aware(token.revoked_at) == aware(first)
    assert accounts.user_for_api_token(plain) is None
    assert actions().count("token.revoke") == 1


def test_expired_token_finds_nobody(ctx):
    user = make_user()
    token, plain = accounts.create_token(user, days=1)
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert accounts.user_for_api_token(plain) is None


def test_token_of_a_disabled_user_finds_nobody(ctx):
    admin = make_user("admin@example.kr", site_admin=True)
    user = make_user()
    _, plain = accounts.create_token(user, days=1)
    accounts.set_active(user, False, admin)
    db.session.commit()
    assert accounts.user_for_api_token(plain) is None


# Password links.


def test_password_link_leads_to_its_user_for_its_purpose_only(ctx):
    user = make_user()
    reset = accounts.password_link_token(user, "reset")
    assert accounts.user_for_password_link(reset, "reset") is user
    assert accounts.user_for_password_link(reset, "invitation") is None


def test_password_link_works_once(ctx):
    user = make_user()
    link = accounts.password_link_token(user, "reset")
    accounts.set_password(user, "a brand new password", how="reset")
    db.session.commit()
    assert accounts.user_for_password_link(link, "reset") is None


def test_invitation_link_works_once(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = accounts.invite_member(consultancy(), "new@example.kr", "consultant", admin)
    db.session.commit()
    assert user.password_hash is None
    link = accounts.password_link_token(user, "invitation")
    assert accounts.user_for_password_link(link, "invitation") is user
    accounts.set_password(user, "a brand new password", how="invitation")
    db.session.commit()
    assert accounts.user_for_password_link(link, "invitation") is None


def test_links_of_two_invited_users_are_not_interchangeable(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    first = accounts.invite_member(consultancy(), "one@example.kr", "consultant", admin)
    second = accounts.invite_member(consultancy(), "two@example.kr", "consultant", admin)
    db.session.commit()
    link = accounts.password_link_token(first, "invitation")
    accounts.set_password(first, "a brand new password", how="invitation")
    assert accounts.user_for_password_link(link, "invitation") is None
    assert accounts.user_for_password_link(
        accounts.password_link_token(second, "invitation"), "invitation") is second  # fmt: skip


def test_forged_or_tampered_links_lead_nowhere(app, ctx):
    user = make_user()
    link = accounts.password_link_token(user, "reset")
    assert accounts.user_for_password_link(link[:-2], "reset") is None
    assert accounts.user_for_password_link("garbage", "reset") is None
    secret = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another secret key entirely"
    try:
        assert accounts.user_for_password_link(link, "reset") is None
    finally:
        app.config["SECRET_KEY"] = secret


def resigned_with_sha1(app, link: str, salt: str) -> str:
    """The same link, signed the way itsdangerous does by default (HMAC-SHA1), as before."""
    key = app.config["SECRET_KEY"]
    sha256 = URLSafeTimedSerializer(key, salt=salt, signer_kwargs={"digest_method": hashlib.sha256})
    return URLSafeTimedSerializer(key, salt=salt).dumps(sha256.loads(link))


def test_links_signed_with_hmac_sha1_are_refused(app, ctx):
    member = make_user("new@example.kr", None, organisation=consultancy(), role="consultant")
    user = make_user()
    for who, purpose in ((user, "reset"), (member, "invitation")):
        link = accounts.password_link_token(who, purpose)
        assert accounts.user_for_password_link(link, purpose) is who
        old = resigned_with_sha1(app, link, accounts.PASSWORD_LINK_SALT)
        assert accounts.user_for_password_link(old, purpose) is None
    firm = clients.create_client(consultancy(), dict(BASE_FIRM), member)
    invitation, link = clients.invite_client(firm, member)
    assert clients.invitation_for(link) is invitation
    assert clients.invitation_for(resigned_with_sha1(app, link, clients.INVITATION_SALT)) is None


def issued_hours_ago(monkeypatch, user: User, purpose: str, hours: float) -> str:
    issued = int(time.time() - hours * 3600)
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
        return accounts.password_link_token(user, purpose)


def test_reset_links_expire_after_password_reset_hours(app, ctx, monkeypatch):
    user = make_user()
    hours = app.config["PASSWORD_RESET_HOURS"]
    fresh = issued_hours_ago(monkeypatch, user, "reset", hours - 0.1)
    stale = issued_hours_ago(monkeypatch, user, "reset", hours + 0.1)
    assert accounts.user_for_password_link(fresh, "reset") is user
    assert accounts.user_for_password_link(stale, "reset") is None


def test_invitation_links_live_invitation_hours(app, ctx, monkeypatch):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = accounts.invite_member(consultancy(), "new@example.kr", "consultant", admin)
    hours = app.config["INVITATION_HOURS"]
    assert hours > app.config["PASSWORD_RESET_HOURS"]
    fresh = issued_hours_ago(monkeypatch, user, "invitation", hours - 0.1)
    stale = issued_hours_ago(monkeypatch, user, "invitation", hours + 0.1)
    assert accounts.user_for_password_link(fresh, "invitation") is user
    assert accounts.user_for_password_link(stale, "invitation") is None


def test_disabled_users_links_lead_nowhere(ctx):
    admin = make_user("admin@example.kr", site_admin=True)
    user = make_user()
    link = accounts.password_link_token(user, "reset")
    accounts.set_active(user, False, admin)
    assert accounts.user_for_password_link(link, "reset") is None


# Organisations and roles.


@pytest.mark.parametrize(("kind", "role", "allowed"), [
    ("consultancy", "consultant", True),
    ("consultancy", "org_admin", True),
    ("consultancy", "analyst", False),
    ("agency", "analyst", True),
    ("agency", "org_admin", True),
    ("agency", "consultant", False),
    ("consultancy", "admin", False),
    ("agency", "site_admin", False),
    ("consultancy", "", False),
])  # fmt: skip
def test_role_for_matches_roles_to_kinds_of_organisation(ctx, kind, role, allowed):
    organisation = consultancy() if kind == "consultancy" else agency()
    if allowed:
        assert accounts.role_for(organisation, role) == role
    else:
        with pytest.raises(AccountError) as error:
            accounts.role_for(organisation, role)
        assert error.value.field == "role"


@pytest.mark.parametrize(("name", "kind", "field"), [
    ("", "consultancy", "name"),
    ("   ", "agency", "name"),
    ("x" * 201, "agency", "name"),
    ("새 기관", "ministry", "kind"),
    ("정밀컨설팅", "agency", "name"),  # exists already
])  # fmt: skip
def test_organisation_needs_a_new_name_and_a_known_kind(ctx, name, kind, field):
    consultancy()
    with pytest.raises(AccountError) as error:
        accounts.create_organisation(name, kind)
    assert error.value.field == field


@pytest.mark.parametrize(("email", "kwargs", "field"), [
    ("not-an-email", {}, "email"),
    ("kim@localhost", {}, "email"),
    ("kim @example.kr", {}, "email"),
    ("KIM@example.kr", {}, "email"),  # exists already, whatever the case
    ("lee@example.kr", {"role": "consultant"}, "org"),
    ("lee@example.kr", {"organisation": "consultancy"}, "role"),
    ("lee@example.kr", {"organisation": "consultancy", "role": "analyst"}, "role"),
    ("lee@example.kr", {"password": "too short"}, "password"),
])  # fmt: skip
def test_create_user_refuses_what_cannot_be(ctx, email, kwargs, field):
    make_user("kim@example.kr")
    if kwargs.get("organisation") == "consultancy":
        kwargs = {**kwargs, "organisation": consultancy()}
    with pytest.raises(AccountError) as error:
        accounts.create_user(email, **kwargs)
    assert error.value.field == field


def test_create_user_hashes_with_argon2id_and_audits_without_the_password(ctx):
    user = make_user("Kim@Example.kr ", organisation=consultancy(), role="consultant")
    assert user.email == "kim@example.kr"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert (user.organisation.name, user.role) == ("정밀컨설팅", "consultant")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.detail["email"] == "kim@example.kr"
    assert PASSWORD not in str(event.detail)


# Signing in.


def test_authenticate_counts_failures_and_then_throttles(app, ctx):
    make_user()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        with pytest.raises(accounts.InvalidCredentials):
            accounts.authenticate("kim@example.kr", "wrong password", "192.0.2.1")
    with pytest.raises(Throttled) as throttled:
        accounts.authenticate("kim@example.kr", PASSWORD, "192.0.2.1")
    assert 0 < throttled.value.retry_after <= app.config["LOGIN_WINDOW_SECONDS"]


def test_authenticate_returns_the_user_and_audits(ctx):
    user = make_user()
    assert accounts.authenticate(" KIM@example.kr", PASSWORD, "192.0.2.1") is user
    assert user.last_login_at is not None
    assert actions()[-1] == "login"


def test_a_password_typed_into_the_email_field_is_not_audited(ctx):
    make_user()
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("my secret passphrase", PASSWORD, "192.0.2.1")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.failed"))
    assert "my secret passphrase" not in str(event.detail)


# Members: sessions end and tokens stop when a membership changes.


def test_invited_member_has_no_password_until_they_set_one(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = accounts.invite_member(consultancy(), "New@example.kr", "consultant", admin)
    db.session.commit()
    assert (user.email, user.password_hash, user.role) == ("new@example.kr", None, "consultant")
    assert user.organisation.name == "정밀컨설팅"
    assert "membership.invite" in actions()


def test_inviting_a_member_of_another_organisation_is_refused(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    make_user("kim@example.kr", organisation=consultancy("다른컨설팅"), role="consultant")
    with pytest.raises(AccountError) as error:
        accounts.invite_member(consultancy(), "kim@example.kr", "consultant", admin)
    assert error.value.field == "email"


def test_inviting_with_a_role_the_organisation_cannot_have_is_refused(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    with pytest.raises(AccountError) as error:
        accounts.invite_member(consultancy(), "new@example.kr", "analyst", admin)
    assert error.value.field == "role"


def test_inviting_an_existing_account_ends_its_sessions_and_tokens(ctx):
    """A token made outside the organisation must not start reading the organisation's data."""
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = make_user()
    _, plain = accounts.create_token(user, days=30)
    epoch = user.session_epoch
    accounts.invite_member(consultancy(), "kim@example.kr", "consultant", admin)
    db.session.commit()
    assert user.role == "consultant"
    assert user.session_epoch > epoch
    assert accounts.user_for_api_token(plain) is None


def test_removing_a_member_ends_their_sessions_and_revokes_their_tokens(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = make_user(organisation=consultancy(), role="consultant")
    _, plain = accounts.create_token(user, days=30)
    db.session.commit()
    assert accounts.user_for_api_token(plain) is user
    epoch = user.session_epoch
    accounts.remove_member(user.membership, admin)
    db.session.commit()
    db.session.expire_all()
    assert user.membership is None
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
    assert user.session_epoch > epoch
    assert accounts.user_for_api_token(plain) is None
    assert all(token.revoked_at is not None for token in user.tokens)
    assert "membership.remove" in actions()


def test_removed_members_session_cookie_is_refused(app):
    """Through HTTP, each request in its own app context as in production."""
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    with app.app_context():
        make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
        make_user(organisation=consultancy(), role="consultant")
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(page.text), "email": "kim@example.kr", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    with app.app_context():
        admin, user = accounts.find_user("boss@example.kr"), accounts.find_user("kim@example.kr")
        accounts.remove_member(user.membership, admin)
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_changing_a_role_ends_the_members_sessions(ctx):
    admin = make_user("boss@example.kr", organisation=consultancy(), role="org_admin")
    user = make_user(organisation=consultancy(), role="consultant")
    epoch = user.session_epoch
    accounts.change_role(user.membership, "org_admin", admin)
    db.session.commit()
    assert user.role == "org_admin"
    assert user.session_epoch > epoch
    assert accounts.org_admin_count(consultancy()) == 2
    with pytest.raises(AccountError):
        accounts.change_role(user.membership, "analyst", admin)


def test_disabling_a_user_ends_their_sessions(ctx):
    admin = make_user("admin@example.kr", site_admin=True)
    user = make_user()
    epoch = user.session_epoch
    accounts.set_active(user, False, admin)
    db.session.commit()
    assert not user.is_active
    assert user.session_epoch > epoch
    assert "user.disable" in actions()


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password123", "iloveyou12"])
def test_a_common_password_is_refused(app, password):
    with app.app_context(), pytest.raises(accounts.AccountError, match="most common"):
        accounts.create_user("new@example.kr", password)


@pytest.mark.parametrize(("password", "organisation"), [
    ("minji.kim2026!", ""), ("Busan Center 2026", "Busan Center"), ("myAssess-2026", "")])
def test_a_password_built_on_the_account_or_the_service_is_refused(app, password, organisation):
    with app.app_context():
        org = accounts.create_organisation(organisation, "agency") if organisation else None
        with pytest.raises(accounts.AccountError, match="email address, your organisation"):
            accounts.create_user("minji.kim@example.kr", password, organisation=org,
                                 role="analyst" if org else None)  # fmt: skip


def test_a_long_uncommon_password_is_taken(app):
    with app.app_context():
        user = accounts.create_user("new@example.kr", "granite lantern 417 meadow")
        assert user.password_hash.startswith("$argon2id$")
