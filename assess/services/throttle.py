"""Sign-in throttling shared by every worker and host: failed attempts are counted per account
and per client address in the database, or in Redis when ``REDIS_URL`` is set.

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
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginFailure


class Throttled(Exception):
    """Too many failed sign-ins; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins; retry after {retry_after} s")
        self.retry_after = retry_after


def keys_for(email: str, address: str) -> list[tuple[str, int]]:
    """(key, allowed failures in the window): a tight limit per account, a wider one per address
    (an office behind one address has many people)."""
    config = current_app.config
    return [(f"account:{email.strip().lower()}", config["LOGIN_MAX_FAILURES"]),
            (f"address:{address}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]  # fmt: skip


def check(email: str, address: str) -> None:
    """:raise Throttled: when either key has used up its failures in the window."""
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    backend = _backend()
    waits = [backend.retry_after(key, limit, window) for key, limit in keys_for(email, address)]
    wait = max(waits)
    if wait > 0:
        raise Throttled(wait)


def failed(email: str, address: str) -> None:
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    backend = _backend()
    for key, _ in keys_for(email, address):
        backend.add(key, window)


def succeeded(email: str) -> None:
    """A correct password clears the account's count (not the address's)."""
    _backend().clear(keys_for(email, "")[0][0])


def _backend() -> DatabaseCounter | RedisCounter | FallbackCounter:
    url = current_app.config.get("REDIS_URL")
    return FallbackCounter(url) if url else DatabaseCounter()


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


class DatabaseCounter:
    """Failures as rows; committed with the request (a failed sign-in request commits them)."""

    def add(self, key: str, window: int) -> None:
        db.session.add(LoginFailure(key=key))
        cutoff = datetime.now(UTC) - timedelta(seconds=window)
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == key,
                                                      LoginFailure.at < cutoff))  # fmt: skip
        db.session.flush()

    def retry_after(self, key: str, limit: int, window: int) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=window)
        where = (LoginFailure.key == key, LoginFailure.at >= cutoff)
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(*where)
        ).one()
        if count < limit or oldest is None:
            return 0
        if oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=UTC)
        return max(1, math.ceil((oldest + timedelta(seconds=window) - datetime.now(UTC))
                                .total_seconds()))  # fmt: skip

    def clear(self, key: str) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisCounter:
    """Failures as a sorted set of timestamps per key, expiring with the window."""

    PREFIX = "assess:login:"

    def __init__(self, client):
        self.client = client

    def add(self, key: str, window: int) -> None:
        now = time.time()
        name = self.PREFIX + key
        pipe = self.client.pipeline()
        pipe.zadd(name, {f"{now:.6f}": now})
        pipe.zremrangebyscore(name, 0, now - window)
        pipe.expire(name, window)
        pipe.execute()

    def retry_after(self, key: str, limit: int, window: int) -> int:
        now = time.time()
        name = self.PREFIX + key
        entries = self.client.zrangebyscore(name, now - window, "+inf", withscores=True)
        if len(entries) < limit:
            return 0
        oldest = entries[0][1]
        return max(1, math.ceil(oldest + window - now))

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

    def add(self, key: str, window: int) -> None:
        self._call("add", key, window)

    def retry_after(self, key: str, limit: int, window: int) -> int:
        return self._call("retry_after", key, limit, window)

    def clear(self, key: str) -> None:
        self._call("clear", key)

    def _call(self, name: str, *args):
        import redis

        if time.monotonic() >= _redis_down_until.get(self.url, 0.0):
            try:
                return getattr(RedisCounter(_redis(self.url)), name)(*args)
            except redis.RedisError as exc:
                _redis_down_until[self.url] = time.monotonic() + REDIS_RETRY_SECONDS
                current_app.logger.warning("sign-in throttling: Redis unreachable (%s); counting "
                                           "failed sign-ins in the database", exc)  # fmt: skip
        return getattr(self.database, name)(*args)
