"""Signed-in sessions, one row each: listed on the account page, ended one by one or all but
the current one. The cookie holds a random token (only its SHA-256 is stored) next to the
account's session epoch, so ending every session at once still only bumps the epoch.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from ..extensions import db
from ..models import User, UserSession
from . import audit

# A row's last-seen time is rewritten at most this often (one write a minute, not one a request).
SEEN_EVERY_SECONDS = 60
# (pattern in the User-Agent, name shown), first match wins: Edge and Opera say "Chrome" too.
BROWSERS = ((r"Edg/", "Edge"), (r"OPR/", "Opera"), (r"SamsungBrowser/", "Samsung Internet"),
            (r"Firefox/", "Firefox"), (r"Chrome/", "Chrome"), (r"Safari/", "Safari"))  # fmt: skip
SYSTEMS = ((r"iPhone|iPad", "iOS"), (r"Android", "Android"), (r"Windows", "Windows"),
           (r"Mac OS X", "macOS"), (r"CrOS", "ChromeOS"), (r"Linux", "Linux"))  # fmt: skip


def now() -> datetime:
    """The time as the session cookie's clock reads it (``time.time``)."""
    return datetime.fromtimestamp(time.time(), UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_of(user_agent: str) -> str:
    """"Chrome · Windows": the browser and system named in a User-Agent, or "" for neither."""
    names = [next((name for pattern, name in table if re.search(pattern, user_agent)), "")
             for table in (BROWSERS, SYSTEMS)]  # fmt: skip
    return " · ".join(name for name in names if name)


def open_session(user: User, user_agent: str, address: str) -> str:
    """A row for a new signed-in session; the token for its cookie (shown nowhere else)."""
    _forget_expired(user)
    token = secrets.token_urlsafe(32)
    moment = now()
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=moment,
                               last_seen_at=moment, device=device_of(user_agent or "")[:80],
                               address=(address or "")[:64]))  # fmt: skip
    db.session.flush()
    return token


def find(user_id: int, token: object) -> UserSession | None:
    """The live row of a cookie's token, or None (ended, or never made)."""
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.user_id == user_id,
                                                       UserSession.token_hash == _hash(token)))


def seen(row: UserSession) -> bool:
    """Record that the session was used now, if the last record is a minute old or more;
    whether it wrote anything."""
    moment = now()
    if (moment - _aware(row.last_seen_at)).total_seconds() < SEEN_EVERY_SECONDS:
        return False
    row.last_seen_at = moment
    db.session.flush()
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not expired, the most recently used first."""
    config = current_app.config
    moment = now()
    return list(db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.created_at > moment - timedelta(hours=config["SESSION_MAX_HOURS"]),
            UserSession.last_seen_at > moment - timedelta(
                minutes=config["SESSION_IDLE_MINUTES"] + 1))  # seen is a minute coarse
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))  # fmt: skip


def _forget_expired(user: User) -> None:
    """Rows whose cookies can no longer work go when the user next signs in."""
    config = current_app.config
    moment = now()
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.created_at <= moment - timedelta(hours=config["SESSION_MAX_HOURS"]),
            UserSession.last_seen_at <= moment - timedelta(
                minutes=config["SESSION_IDLE_MINUTES"] + 1))))  # fmt: skip


def end(row: UserSession, actor: User) -> None:
    """End one session: its cookie is refused from its next request."""
    audit.record("session.end", f"user:{row.user_id}", actor, session=row.id)
    db.session.delete(row)
    db.session.flush()


def end_others(user: User, keep: UserSession) -> int:
    """End every session of ``user`` but ``keep``; how many ended."""
    ended = db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.id != keep.id)).rowcount  # fmt: skip
    audit.record("session.end_others", f"user:{user.id}", user, ended=ended)
    return ended


def end_all(user: User) -> None:
    """Forget every session row of ``user`` (the epoch has moved on: none of them works)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
