"""Sign-in throttling shared by every worker and host: attempts are counted per account and per
client address in the database, or in Redis when ``REDIS_URL`` is set.

An attempt is *reserved* before the password is verified, and the reservation is visible to every
other worker at once (its own committed transaction, or one Redis command). Checking first and
counting after would let many parallel guesses all pass the check before any of them is counted;
reserving first means at most the limit's worth of guesses are ever verified in one window. A
correct password gives its reservation back; a wrong one leaves it in place as the failure.

When Redis cannot be reached, the count falls back to the database (a warning is logged) rather
than failing: refusing every sign-in (failing closed) would lock everyone out for as long as Redis
is down, and not counting at all (failing open) would let a password be guessed meanwhile. The
database is shared by every worker and host just as Redis is, so the limits still hold; failures
counted there during the outage are not seen by Redis afterwards, which at worst allows one more
window of attempts per account.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Connection, delete, func, insert, select

from ..extensions import db
from ..models import LoginFailure
from ..models.base import as_utc


class Throttled(Exception):
    """Too many failed sign-ins; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Attempt:
    """The reservations one sign-in attempt holds: (key, reservation) pairs."""

    email: str
    held: list[tuple[str, object]] = field(default_factory=list)


def keys_for(email: str, address: str) -> list[tuple[str, int]]:
    """(key, allowed failures in the window): a tight limit per account, a wider one per address
    (an office behind one address has many people)."""
    config = current_app.config
    return [(f"account:{email.strip().lower()}", config["LOGIN_MAX_FAILURES"]),
            (f"address:{address}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]  # fmt: skip


def reserve(email: str, address: str) -> Attempt:
    """Count this attempt before verifying anything.

    :raise Throttled: when either key has used up its failures in the window; the attempt is
        then not counted, so waiting out the window is enough.
    """
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    backend = _backend()
    attempt = Attempt(email)
    wait = 0
    for key, limit in keys_for(email, address):
        reservation, count, oldest = backend.reserve(key, window)
        attempt.held.append((key, reservation))
        if count > limit:
            wait = max(wait, _seconds_until(oldest + window))
    if wait > 0:
        release(attempt)
        raise Throttled(wait)
    return attempt


def succeeded(attempt: Attempt) -> None:
    """A correct password gives its reservations back and clears the account's count (not the
    address's: one right password from an address says nothing about its other guesses)."""
    release(attempt)
    _backend().clear(keys_for(attempt.email, "")[0][0])


def release(attempt: Attempt) -> None:
    backend = _backend()
    for key, reservation in attempt.held:
        backend.release(key, reservation)
    attempt.held.clear()


def _seconds_until(moment: float) -> int:
    return max(1, math.ceil(moment - time.time()))


def _backend() -> DatabaseCounter | FallbackCounter:
    url = current_app.config.get("REDIS_URL")
    return FallbackCounter(url) if url else DatabaseCounter()


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


class DatabaseCounter:
    """Attempts as rows.

    On PostgreSQL each attempt is written on a connection of its own and committed at once, so
    other workers see it while this one checks the password. On SQLite it is written in the
    request's own transaction: SQLite has one writer at a time, so the attempt's row holds the
    write lock until the request commits, and the next attempt, in any worker, waits for it and
    counts it (a second connection would only wait on this request's own lock)."""

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        if db.engine.dialect.name == "sqlite":
            yield db.session.connection()
        else:
            with db.engine.begin() as conn:
                yield conn

    def reserve(self, key: str, window: int) -> tuple[int, int, float]:
        """:return: the reservation, the attempts in the window counting it, and when the oldest
            of them was made (epoch seconds)."""
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=window)
        with self._writing() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.key == key,
                                                    LoginFailure.at < cutoff))  # fmt: skip
            reservation = conn.execute(
                insert(LoginFailure).values(key=key, at=now).returning(LoginFailure.id)
            ).scalar_one()
        # Counted once the attempt is committed (PostgreSQL), so that of two attempts made at
        # once, the later to count sees both.
        with self._writing() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(LoginFailure.at))
                .where(LoginFailure.key == key, LoginFailure.at >= cutoff)
            ).one()
        return reservation, count, as_utc(oldest).timestamp()

    def release(self, key: str, reservation: int) -> None:
        with self._writing() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.id == reservation))

    def clear(self, key: str) -> None:
        with self._writing() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisCounter:
    """Attempts as a sorted set of timestamps per key, expiring with the window; one
    transaction adds the attempt and counts the window, so parallel attempts are ordered."""

    PREFIX = "assess:login:"

    def __init__(self, client):
        self.client = client

    def reserve(self, key: str, window: int) -> tuple[str, int, float]:
        now = time.time()
        name = self.PREFIX + key
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(name, {member: now})
        pipe.zremrangebyscore(name, 0, now - window)
        pipe.expire(name, window)
        pipe.zcard(name)
        pipe.zrange(name, 0, 0, withscores=True)
        *_, count, oldest = pipe.execute()
        return member, count, oldest[0][1] if oldest else now

    def release(self, key: str, reservation: str) -> None:
        self.client.zrem(self.PREFIX + key, reservation)

    def clear(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)


# After Redis failed, the database counts for this long before Redis is tried again, so that an
# outage costs a sign-in one connection timeout at most every so often, not one per call.
REDIS_RETRY_SECONDS = 30.0
_redis_down_until: dict[str, float] = {}  # Redis URL → when to try it again


class FallbackCounter:
    """Redis, or the database while Redis cannot be reached (see the module's docstring)."""

    def __init__(self, url: str):
        self.url = url
        self.database = DatabaseCounter()

    def reserve(self, key: str, window: int):
        return self._call("reserve", key, window)

    def release(self, key: str, reservation) -> None:
        # A reservation is given back where it was made: a database row id, or a Redis member.
        if isinstance(reservation, int):
            self.database.release(key, reservation)
        else:
            self._call("release", key, reservation, redis_only=True)

    def clear(self, key: str) -> None:
        self.database.clear(key)  # failures counted there during an outage go too
        self._call("clear", key, redis_only=True)

    def _call(self, name: str, *args, redis_only: bool = False):
        import redis

        if time.monotonic() >= _redis_down_until.get(self.url, 0.0):
            try:
                return getattr(RedisCounter(_redis(self.url)), name)(*args)
            except redis.RedisError as exc:
                _redis_down_until[self.url] = time.monotonic() + REDIS_RETRY_SECONDS
                current_app.logger.warning("sign-in throttling: Redis unreachable (%s); counting "
                                           "sign-in attempts in the database", exc)  # fmt: skip
        if redis_only:
            return None
        return getattr(self.database, name)(*args)
