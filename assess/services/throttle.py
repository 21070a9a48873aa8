"""Sign-in throttling shared by every worker and host: failed attempts are counted per account
and per client address in the database, or in Redis when ``REDIS_URL`` is set."""

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


def _backend() -> DatabaseCounter | RedisCounter:
    url = current_app.config.get("REDIS_URL")
    return RedisCounter(_redis(url)) if url else DatabaseCounter()


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
