"""Two-step sign-in: a code of an authenticator app (TOTP, RFC 6238, with pyotp) after the
password, or one of ten single-use recovery codes.

The seed is made with ``secrets`` (160 bits) and kept in the database as it is (see
docs/security.md#two-step-sign-in); recovery codes are kept only as argon2id hashes. A code is
taken once: the time step of the last one taken is remembered, and no code of that step or an
earlier one is taken again. Every guess of a code counts like a failed sign-in (services/throttle).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from ..extensions import db
from ..models import RecoveryCode, User
from . import audit, throttle
from .accounts import InvalidCredentials, hasher

ISSUER = "AX-readiness"
RECOVERY_CODES = 10
# Crockford's base32 letters: no i, l, o or u to mistake for 1, 0 or v.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_GROUPS, GROUP_CHARS = 4, 4  # 16 characters of 5 bits: 80 bits; the first group finds it
# A code of the step before or after the server's clock is taken too (a phone's clock drifts).
DRIFT_STEPS = 1


class WrongCode(Exception):
    """The code is not one of the app's (or was taken already)."""


def totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(user.two_step_secret or "", issuer=ISSUER, name=user.email)


def begin_setup(user: User) -> None:
    """A new seed for an account that has not turned the second step on yet; the setup page
    shows it until a code of it is confirmed (reloading the page keeps the same one)."""
    if user.two_step_enabled:
        return
    if user.two_step_secret is None:
        user.two_step_secret = pyotp.random_base32()
        db.session.flush()


def setup_uri(user: User) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return totp(user).provisioning_uri()


def qr_code(user: User) -> str:
    """The setup QR code as a ``data:`` SVG image (the page's CSP allows ``data:`` images)."""
    return segno.make(setup_uri(user), error="m").svg_data_uri(scale=5, dark="#1a1a1a")


def spaced_secret(user: User) -> str:
    """The seed in groups of four, for typing into an app by hand."""
    secret = user.two_step_secret or ""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))  # fmt: skip


def enable(user: User, code: str) -> list[str]:
    """Turn the second step on once ``code`` shows the app holds the seed.

    :return: the recovery codes, in plain text only here.
    :raise WrongCode: when the code is not the app's.
    """
    if user.two_step_enabled or user.two_step_secret is None:
        raise WrongCode()
    if not _take_app_code(user, code):
        raise WrongCode()
    user.two_step_enabled_at = datetime.now(UTC)
    codes = _new_recovery_codes(user)
    audit.record("two_step.enable", f"user:{user.id}", user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    h = hasher()
    codes, selectors = [], set()
    while len(codes) < RECOVERY_CODES:
        code = "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(GROUP_CHARS))
                        for _ in range(RECOVERY_GROUPS))  # fmt: skip
        selector = code[:GROUP_CHARS]
        if selector in selectors:  # the first group finds the row: one row per group
            continue
        selectors.add(selector)
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, selector=selector,
                                    code_hash=h.hash(_normal(code))))  # fmt: skip
    db.session.flush()
    return codes


def _normal(code: str) -> str:
    """A code as typed, without spaces and hyphens, lower case (recovery codes) ."""
    return "".join(c for c in code.lower() if c not in " -\u00a0")


def _take_app_code(user: User, code: str) -> bool:
    """Whether ``code`` is the app's for now (give or take ``DRIFT_STEPS``) and of a later time
    step than the last one taken; if so it is now the last one taken."""
    code = _normal(code)
    if not (code.isdigit() and len(code) == 6 and user.two_step_secret):
        return False
    generator = totp(user)
    now = int(time.time())
    current = generator.timecode(datetime.fromtimestamp(now, UTC))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(generator.generate_otp(step), code):
            if user.two_step_last_step is not None and step <= user.two_step_last_step:
                return False  # taken already (or an older one): a replay
            user.two_step_last_step = step
            db.session.flush()
            return True
    return False


def _take_recovery_code(user: User, code: str) -> bool:
    code = _normal(code)
    if len(code) != RECOVERY_GROUPS * GROUP_CHARS:
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.selector == code[:GROUP_CHARS],
        RecoveryCode.used_at.is_(None)))  # fmt: skip
    try:
        ok = row is not None and hasher().verify(row.code_hash, code)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        return False
    row.used_at = datetime.now(UTC)
    db.session.flush()
    audit.record("two_step.recovery_code_used", f"user:{user.id}", user,
                 left=recovery_codes_left(user))  # fmt: skip
    return True


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())  # fmt: skip


def take_code(user: User, code: str) -> str | None:
    """``"app"`` or ``"recovery_code"`` when ``code`` is one of the user's and not taken yet (it
    is taken now), else None."""
    if not user.two_step_enabled:
        return None
    if _take_app_code(user, code):
        return "app"
    if _take_recovery_code(user, code):
        return "recovery_code"
    return None


def finish_sign_in(user: User, code: str, address: str) -> None:
    """The second step of a sign-in whose password was right.

    :raise throttle.Throttled: after too many failures for the account or the address (wrong
        passwords and wrong codes count together).
    :raise InvalidCredentials: for a wrong or replayed code.
    """
    attempt = throttle.reserve(user.email, address)
    how = take_code(user, code) if user.active else None
    if how is None:  # the reservation stays, as the failure it now records
        audit.record("login.failed", f"user:{user.id}", None, email=user.email, step="code")
        raise InvalidCredentials()
    throttle.succeeded(attempt)
    user.last_login_at = datetime.now(UTC)
    audit.record("login", f"user:{user.id}", user, second_step=how)
    db.session.flush()


def disable(user: User, password: str, code: str, address: str) -> None:
    """Turn the second step off, proven by the current password or a code.

    :raise throttle.Throttled: after too many failures (counted like failed sign-ins).
    :raise InvalidCredentials: when neither proves it is the account's owner.
    """
    attempt = throttle.reserve(user.email, address)
    ok = False
    if password:
        try:
            ok = hasher().verify(user.password_hash or "", password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok and code:
        ok = take_code(user, code) is not None
    if not ok:
        audit.record("two_step.disable_failed", f"user:{user.id}", user)
        raise InvalidCredentials()
    throttle.succeeded(attempt)
    _turn_off(user)
    audit.record("two_step.disable", f"user:{user.id}", user)


def reset(user: User, actor: User | None = None) -> None:
    """Turn the second step off for someone who lost their app and their recovery codes, once
    an administrator has made sure who they are; their sessions end."""
    from .accounts import end_sessions

    _turn_off(user)
    end_sessions(user)
    audit.record("two_step.reset", f"user:{user.id}", actor)


def _turn_off(user: User) -> None:
    user.two_step_secret = None
    user.two_step_enabled_at = None
    user.two_step_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
