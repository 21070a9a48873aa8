"""Use cases of accounts: users, passwords, sign-in, password links, organisations, API tokens.

Services flush; the caller (a view or CLI command) commits once. Every change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .. import signing
from ..extensions import db
from ..models import MEMBER_ROLES, ORGANISATION_KINDS, ApiToken, Membership, Organisation, User
from ..models.base import as_utc
from ..scoring.answers import N_, has_control_characters
from . import audit, sessions, throttle

MIN_PASSWORD_CHARS = 10
TOKEN_PREFIX = "axr_"  # noqa: S105  (a public marker, not a secret)
PASSWORD_LINK_SALT = "password-link"  # noqa: S105  (a namespace, not a secret)


class AccountError(ValueError):
    """A request that cannot be done as asked; ``field`` names the input at fault.

    ``template`` (marked for translation) and ``params`` are the message for a person, translated
    by the web layer; ``message`` is the same in English, for the command line.
    """

    def __init__(self, field: str, template: str, **params: Any):
        self.field = field
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


class InvalidCredentials(Exception):
    """Wrong email or password (never saying which)."""


class PasswordExpired(InvalidCredentials):
    """The right password, but one made up for the person that was never changed in time."""


# A password made up for someone (``generated_password``): 144 random bits, above the 128 asked
# of random secrets, as 24 URL-safe characters that survive copying from a terminal.
GENERATED_PASSWORD_BYTES = 18


def generated_password() -> str:
    """A random password to print once; the account must then be ``temporary`` (create_user)."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def hasher() -> PasswordHasher:
    """argon2id with the configured cost (tests use a cheaper one)."""
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"],
                          memory_cost=config["ARGON2_MEMORY_KIB"], parallelism=1)  # fmt: skip


def normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if (not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email)
            or has_control_characters(email)):
        raise AccountError("email", N_("%(email)s is not an email address"), email=email)
    return email


# Words anyone guessing a password for this product would try first.
PRODUCT_WORDS = ("assess", "axready", "ax-readiness", "axreadiness")


def check_password_rules(password: str, *, email: str = "", organisation: str = "") -> None:
    """Long enough, not one of the 30,000 most common passwords (zxcvbn's list, from leaked
    password sets), and not built on the account's own address, its organisation or the
    product's name. No rules about kinds of characters: length is what counts (NIST 800-63B)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError("password", N_("Use at least %(min)s characters"),
                           min=MIN_PASSWORD_CHARS)  # fmt: skip
    if len(password) > 1000:
        raise AccountError("password", N_("Use at most %(max)s characters"), max=1000)
    folded = password.casefold()
    if folded in _common_passwords():
        raise AccountError("password", N_("This password is one of the most common ones, "
                                          "which are tried first: choose another"))  # fmt: skip
    words = [*PRODUCT_WORDS, email.partition("@")[0].casefold(),
             "".join(organisation.split()).casefold()]
    if any(len(word) >= 4 and word in "".join(folded.split()) for word in words):
        raise AccountError("password", N_("Do not build the password on your email address, "
                                          "your organisation or this service's name"))  # fmt: skip


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def find_user(email: str) -> User | None:
    try:
        email = normal_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def find_organisation(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name.strip()))


def create_organisation(name: str, kind: str, actor: User | None = None) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError("name", N_("Give a name of 1 to 200 characters"))
    if has_control_characters(name):
        # A name is one line: it goes into mail subjects and PDF covers as it is.
        raise AccountError("name", N_("Remove the control characters (such as tabs, line breaks "
                                      "or direction marks) from this text"))  # fmt: skip
    if kind not in ORGANISATION_KINDS:
        raise AccountError("kind", N_("Kind must be one of %(kinds)s"),
                           kinds=", ".join(ORGANISATION_KINDS))  # fmt: skip
    if find_organisation(name):
        raise AccountError("name", N_("An organisation named %(name)s exists already"), name=name)
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.create", f"organisation:{organisation.id}", actor, kind=kind)
    return organisation


def role_for(organisation: Organisation, role: str) -> str:
    """The membership role, checked against the organisation's kind."""
    if role not in MEMBER_ROLES:
        raise AccountError("role", N_("Role must be one of %(roles)s"),
                           roles=", ".join(MEMBER_ROLES))  # fmt: skip
    if role == "consultant" and organisation.kind != "consultancy":
        raise AccountError("role", N_("Consultants belong to a consultancy"))
    if role == "analyst" and organisation.kind != "agency":
        raise AccountError("role", N_("Analysts belong to an agency"))
    return role


def create_user(
    email: str,
    password: str | None = None,
    *,
    organisation: Organisation | None = None,
    role: str | None = None,
    site_admin: bool = False,
    actor: User | None = None,
    temporary: bool = False,
) -> User:
    """A new account; without a password it can only be used after setting one from a link.

    A ``temporary`` password (one made up and printed for the person) works for
    ``INVITATION_HOURS``, like an invitation link, and only to choose one's own password.
    """
    email = normal_email(email)
    if find_user(email):
        raise AccountError("email", N_("An account for %(email)s exists already"), email=email)
    if organisation is None and role:
        raise AccountError("org", N_("A role needs an organisation"))
    if organisation is not None and not role:
        raise AccountError("role", N_("Give the member's role"))
    if organisation is not None:
        role = role_for(organisation, role)  # checked before anything is written
    user = User(email=email, site_admin=site_admin)
    if password is not None:
        check_password_rules(password, email=email,
                             organisation=organisation.name if organisation else "")  # fmt: skip
        user.password_hash = hasher().hash(password)
        if temporary:
            hours = current_app.config["INVITATION_HOURS"]
            user.password_expires_at = datetime.now(UTC) + timedelta(hours=hours)
    db.session.add(user)
    db.session.flush()
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, role=role))
        db.session.flush()
    audit.record("user.create", f"user:{user.id}", actor, email=email, role=role,
                 organisation=organisation.name if organisation else None,
                 site_admin=site_admin)  # fmt: skip
    return user


# A real hash to verify against when the email is unknown: the same work, the same time.
_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    h = hasher()
    key = (h.time_cost, h.memory_cost)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = h.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


def authenticate(email: str, password: str, address: str) -> User:
    """The user with this email and password. With ``user.two_step_enabled`` the sign-in is
    only half done: services.two_step.finish_sign_in takes the code.

    :raise throttle.Throttled: after too many failures for the account or the address.
    :raise InvalidCredentials: for a wrong password, an unknown email or a disabled account,
        after the same amount of work in each case.
    :raise PasswordExpired: for the right temporary password after its time (the attempt
        counts as a failure: the password no longer opens anything).
    """
    attempt = throttle.reserve(email, address)
    user = find_user(email)
    h = hasher()
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        h.verify(stored, password)
        ok = user is not None and user.password_hash is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:  # the attempt's reservation stays, as the failure it now records
        audit.record("login.failed", f"user:{user.id}" if user else "", None,
                     email=_typed_email(email))  # fmt: skip
        raise InvalidCredentials()
    if password_expired(user):
        audit.record("login.expired", f"user:{user.id}", None)
        raise PasswordExpired()
    if h.check_needs_rehash(user.password_hash):
        user.password_hash = h.hash(password)
    if user.two_step_enabled:
        # Half-way: the attempt is given back, but the account's failures are not cleared
        # until the code is right too, or a known password would buy endless code guesses.
        throttle.release(attempt)
        db.session.flush()
        return user
    throttle.succeeded(attempt)
    user.last_login_at = datetime.now(UTC)
    audit.record("login", f"user:{user.id}", user)
    db.session.flush()
    return user


def password_expired(user: User) -> bool:
    """Whether ``user``'s password was made up for them and has outlived its time."""
    expires = user.password_expires_at
    if expires is None:
        return False
    return as_utc(expires) <= datetime.now(UTC)


def _typed_email(email: str) -> str | None:
    """What was typed as the email, for the audit log; None when it is not an email address,
    as people now and then type their password into the email field."""
    try:
        return normal_email(email)
    except AccountError:
        return None


def end_sessions(user: User) -> None:
    """Every session cookie issued to ``user`` so far stops working."""
    user.session_epoch += 1
    sessions.end_all(user)
    db.session.flush()


def set_password(user: User, password: str, actor: User | None = None, *, how: str) -> None:
    """A new password (``how``: change, reset or invitation); ends every earlier session."""
    check_password_rules(password, email=user.email,
                         organisation=user.organisation.name if user.organisation else "")
    user.password_hash = hasher().hash(password)
    user.password_expires_at = None  # the person's own from now on
    end_sessions(user)
    audit.record(f"password.{how}", f"user:{user.id}", actor or user)


def change_password(user: User, current: str, new: str, address: str) -> None:
    """A signed-in user's own change, proven by the current password.

    Wrong guesses count like failed sign-ins, so a borrowed session cannot be used to find the
    password by trying.

    :raise throttle.Throttled: after too many failures for the account or the address.
    :raise InvalidCredentials: when ``current`` is not the password.
    """
    attempt = throttle.reserve(user.email, address)
    try:
        hasher().verify(user.password_hash or "", current)
    except (VerificationError, InvalidHashError):  # the reservation stays as the failure
        audit.record("password.change_failed", f"user:{user.id}", user)
        raise InvalidCredentials() from None
    throttle.succeeded(attempt)
    set_password(user, new, how="change")


def set_active(user: User, active: bool, actor: User) -> None:
    user.active = active
    end_sessions(user)
    audit.record("user.enable" if active else "user.disable", f"user:{user.id}", actor)


# Password links (reset and invitation) are signed, expiring, and single-use: they are bound to
# the password hash at issue, so setting a password (with this link or otherwise) voids them.


def _serializer() -> URLSafeTimedSerializer:
    return signing.serializer(PASSWORD_LINK_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def password_link_token(user: User, purpose: str) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "p": purpose})


def user_for_password_link(token: str, purpose: str) -> User | None:
    """The user a reset or invitation link is for, or None when it is forged, expired or used."""
    hours = current_app.config[
        "INVITATION_HOURS" if purpose == "invitation" else "PASSWORD_RESET_HOURS"
    ]
    try:
        data = _serializer().loads(token, max_age=hours * 3600)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def invite_member(organisation: Organisation, email: str, role: str, actor: User) -> User:
    """Add a member without a password; the caller sends them an invitation link."""
    user = find_user(email)
    if user is not None:
        if user.membership is not None:
            raise AccountError("email", N_("%(email)s is a member of an organisation already"),
                               email=user.email)  # fmt: skip
        db.session.add(Membership(user=user, organisation=organisation,
                                  role=role_for(organisation, role)))  # fmt: skip
        # What the account held before joining must not reach this organisation's data.
        end_sessions(user)
        _revoke_tokens(user)
    else:
        user = create_user(email, organisation=organisation, role=role, actor=actor)
    audit.record("membership.invite", f"user:{user.id}", actor, organisation=organisation.name,
                 role=role)  # fmt: skip
    return user


def remove_member(membership: Membership, actor: User) -> None:
    user = membership.user
    audit.record("membership.remove", f"user:{user.id}", actor,
                 organisation=membership.organisation.name, role=membership.role)  # fmt: skip
    db.session.delete(membership)
    end_sessions(user)
    _revoke_tokens(user)


def _revoke_tokens(user: User) -> None:
    """Revoke every live token of ``user``: a token is scoped to the organisation it was made in."""
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = datetime.now(UTC)
    db.session.flush()


def change_role(membership: Membership, role: str, actor: User) -> None:
    old = membership.role
    membership.role = role_for(membership.organisation, role)
    end_sessions(membership.user)
    audit.record("membership.role", f"user:{membership.user_id}", actor, old=old, new=role)
    db.session.flush()


def org_admin_count(organisation: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == organisation.id, Membership.role == "org_admin"))  # fmt: skip


# API tokens: "axr_" + 40 random characters; the first 12 characters are its public prefix.


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, days: int, actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid ``days`` days; the plain token is returned only here."""
    if not 1 <= days <= 366:
        raise AccountError("days", N_("A token lives 1 to 366 days"))
    if not user.active:
        raise AccountError("email", N_("%(email)s is disabled"), email=user.email)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user=user, prefix=plain[:12], token_hash=token_hash(plain),
                     expires_at=datetime.now(UTC) + timedelta(days=days))  # fmt: skip
    db.session.add(token)
    db.session.flush()
    audit.record("token.create", f"token:{token.prefix}", actor or user, user=user.email,
                 days=days)  # fmt: skip
    return token, plain


def find_token(prefix: str) -> ApiToken | None:
    return db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix.strip()))


def revoke_token(token: ApiToken, actor: User | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        audit.record("token.revoke", f"token:{token.prefix}", actor, user=token.user.email)
        db.session.flush()


def user_for_api_token(plain: str) -> User | None:
    """The active user behind a bearer token that is neither revoked nor expired."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plain)))
    if token is None or token.revoked_at is not None:
        return None
    if as_utc(token.expires_at) <= datetime.now(UTC) or not token.user.active:
        return None
    token.last_used_at = datetime.now(UTC)
    return token.user
