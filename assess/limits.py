"""Anti-automation: how often one visitor may use the requests that create rows, send mail or
cost a render, in one table, so that a script cannot fill the database, flood a mailbox or keep
the render workers busy.

Sign-in guesses have their own, stricter throttle (services/throttle.py); these limits are
coarse and generous, far above what a person does. Counts live in Redis when ``REDIS_URL`` is set
(shared by every worker and host), else in each process; when Redis cannot be reached the
counts fall back to the process, with a warning in the log, rather than refusing everyone.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import Flask, current_app, request
from flask_login import current_user
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis import RedisError
from werkzeug.exceptions import TooManyRequests

from .config import ConfigError

log = logging.getLogger(__name__)

# endpoint → (kind of limit, methods it applies to). Every API path counts as "api" as well.
LIMITED: dict[str, tuple[str, frozenset[str]]] = {
    # A new assessment is a row in the database.
    "respond.create": ("new_assessment", frozenset({"POST"})),
    # Mail to someone else's inbox.
    "auth.forgot": ("mail", frozenset({"POST"})),
    "consult.invite": ("mail", frozenset({"POST"})),
    # A render or a large read.
    "respond.report": ("costly", frozenset({"GET"})),
    "consult.report": ("costly", frozenset({"GET"})),
    "agency.report": ("costly", frozenset({"GET"})),
    "consult.export_clients": ("costly", frozenset({"GET"})),
    "agency.export": ("costly", frozenset({"GET"})),
    "api.score": ("costly", frozenset({"POST"})),
    "consult.start_batch": ("batch", frozenset({"POST"})),
    "consult.job_retry": ("batch", frozenset({"POST"})),
    "api.start_batch": ("batch", frozenset({"POST"})),
}


class RateLimited(TooManyRequests):
    """Too many requests of one kind; the 429's Retry-After says when to try again."""


def init_app(app: Flask) -> None:
    for kind, text in app.config["RATE_LIMITS"].items():
        try:
            parse(text)
        except ValueError:
            raise ConfigError(f"RATE_LIMIT_{kind.upper()} must read like '30/hour', "
                              f"got {text!r}") from None

    app.extensions["assess_limits"] = MovingWindowRateLimiter(_storage(app.config))
    app.extensions["assess_limits_fallback"] = MovingWindowRateLimiter(MemoryStorage())

    @app.before_request
    def limit_request() -> None:
        endpoint = request.endpoint or ""
        kinds = []
        if endpoint.startswith("api."):
            kinds.append("api")
        limited = LIMITED.get(endpoint)
        if limited is not None and request.method in limited[1]:
            kinds.append(limited[0])
        for kind in kinds:
            hit(kind, _who(kind))


def hit(kind: str, who: str) -> None:
    """Count one request of ``kind`` by ``who``.

    :raise RateLimited: when ``who`` has used up the limit; the request is then not counted.
    """
    limit = parse(current_app.config["RATE_LIMITS"][kind])
    limiter = current_app.extensions["assess_limits"]
    try:
        allowed = limiter.hit(limit, kind, who)
        reset = limiter.get_window_stats(limit, kind, who).reset_time if not allowed else 0
    except (RedisError, StorageError, OSError) as exc:
        log.warning("rate limit store unreachable (%s); counting in this process", exc)
        limiter = current_app.extensions["assess_limits_fallback"]
        allowed = limiter.hit(limit, kind, who)
        reset = limiter.get_window_stats(limit, kind, who).reset_time if not allowed else 0
    if not allowed:
        raise RateLimited(retry_after=max(1, math.ceil(reset - time.time())))


def _who(kind: str) -> str:
    """Whose requests are counted together: an API token, a signed-in person, else an address
    (the real one behind ``TRUSTED_PROXIES``)."""
    authorization = request.headers.get("Authorization", "")
    if kind == "api" and authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()[:32]
    if kind != "api" and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "address:" + (request.remote_addr or "")


def _storage(config: dict):
    """Redis when configured (tests choose it explicitly, so that their counts never meet
    another test's in a shared Redis); otherwise this process's memory."""
    url = config.get("RATE_LIMIT_STORAGE_URL")
    if url is None and not config.get("TESTING"):
        url = config.get("REDIS_URL")
    if url and url.startswith("redis"):
        return storage_from_string(url, key_prefix=config["RATE_LIMIT_KEY_PREFIX"],
                                   socket_timeout=2, socket_connect_timeout=2)  # fmt: skip
    return MemoryStorage()
