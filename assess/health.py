"""Health checks for load balancers and process supervisors, in JSON, without cookies.

``/healthz``: the process is alive and answering (touches nothing else), for a liveness probe.
``/readyz``: it can do its work: the database answers ``SELECT 1`` and the job queue's storage is
reachable (Redis answers a ping, or Huey's SQLite file can be read); 503 names what failed, for a
load balancer to stop sending requests here until it recovers.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db
from .jobs import check_queue
from .permissions import PUBLIC, access

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access(PUBLIC)
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
@access(PUBLIC)
def readyz():
    checks: dict[str, str] = {}
    for name, check in (("database", _database), ("queue", _queue)):
        try:
            check()
            checks[name] = "ok"
        except Exception as error:  # whatever it is, this dependency is not usable now
            # The reason goes to the log, not to the world (it may name hosts and users).
            current_app.logger.warning("readiness check %s failed: %r", name, error)
            checks[name] = "failed"
    failed = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not failed else "unavailable", "checks": checks}
    if failed:
        body["failed"] = failed
    return _no_store(jsonify(body)), 503 if failed else 200


def _database() -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _queue() -> None:
    check_queue(current_app._get_current_object())  # type: ignore[attr-defined]


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
