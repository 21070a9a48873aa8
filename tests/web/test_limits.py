"""Anti-automation limits through HTTP: a script cannot start assessments, send mail or call the
API without end; the limit is per visitor, shared through Redis, and Redis being down slows
nobody down."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import func, select

from assess import create_app
from assess.config import ConfigError
from assess.extensions import db
from assess.models import Assessment
from tests.api.conftest import bearer
from tests.conftest import csrf_token
from tests.web.test_auth import REDIS_URL, redis_client  # noqa: F401  (the fixture)


def start(client) -> int:
    page = client.get("/start")
    return client.post("/start", data={"csrf_token": csrf_token(page.text)}).status_code


def assessments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Assessment))


def test_starting_too_many_assessments_from_one_address_is_429_and_makes_nothing(app, client):
    app.config["RATE_LIMITS"]["new_assessment"] = "3/hour"
    assert [start(client) for _ in range(3)] == [302] * 3
    page = client.get("/start")
    response = client.post("/start?lang=en", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "Too many attempts" in response.text
    assert assessments(app) == 3
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert start(elsewhere) == 302  # another address has its own count


def test_the_refusal_is_in_korean_by_default(app, client):
    app.config["RATE_LIMITS"]["new_assessment"] = "1/hour"
    assert start(client) == 302
    page = client.get("/start")
    response = client.post("/start", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 429
    assert "시도 횟수가 너무 많습니다" in response.text


def test_api_calls_are_limited_per_token(app):
    from assess.services import accounts

    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    app.config["RATE_LIMITS"]["api"] = "3/minute"
    with app.app_context():
        org = accounts.create_organisation("한도컨설팅", "consultancy")
        first = accounts.create_user("first@example.org", organisation=org, role="consultant")
        second = accounts.create_user("second@example.org", organisation=org, role="consultant")
        tokens = [accounts.create_token(first, 5)[1], accounts.create_token(second, 5)[1]]
        db.session.commit()
    client = app.test_client()
    statuses = [client.get("/api/v1/assessments", headers=bearer(tokens[0])).status_code
                for _ in range(4)]  # fmt: skip
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/assessments", headers=bearer(tokens[0]))
    assert refused.get_json()["error"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/v1/assessments", headers=bearer(tokens[1])).status_code == 200


def worker(database_url, tmp_path, name: str, **config):
    """Another instance of the app: a gunicorn worker, or a web host behind the balancer."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                       "PDF_CACHE_DIR": str(tmp_path / name), **config})  # fmt: skip


def test_the_count_is_shared_by_every_worker_through_redis(app, database_url, tmp_path,
                                                           redis_client):  # noqa: F811
    prefix = f"assess-limits-test-{uuid.uuid4().hex[:8]}"
    workers = [worker(database_url, tmp_path, f"w{n}", RATE_LIMIT_STORAGE_URL=REDIS_URL,
                      RATE_LIMIT_KEY_PREFIX=prefix) for n in range(2)]  # fmt: skip
    for instance in workers:
        instance.config["RATE_LIMITS"]["new_assessment"] = "4/hour"
    try:
        clients = [instance.test_client() for instance in workers]
        assert [start(clients[n % 2]) for n in range(5)] == [302, 302, 302, 302, 429]
        assert redis_client.keys(f"{prefix}*")
    finally:
        for key in redis_client.keys(f"{prefix}*"):
            redis_client.delete(key)
        for instance in workers:
            with instance.app_context():
                db.engine.dispose()


def test_with_redis_down_the_limit_is_counted_in_the_process(app, database_url, tmp_path,
                                                             caplog):  # fmt: skip
    """Unreachable Redis: nobody is refused for it; the limit still holds, per process."""
    instance = worker(database_url, tmp_path, "down",
                      RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:6399/0")  # nothing listens there
    instance.config["RATE_LIMITS"]["new_assessment"] = "2/hour"
    client = instance.test_client()
    with caplog.at_level(logging.WARNING, logger="assess.limits"):
        assert [start(client) for _ in range(3)] == [302, 302, 429]
    assert "rate limit store unreachable" in caplog.text
    assert assessments(app) == 2
    with instance.app_context():
        db.engine.dispose()


def test_a_limit_that_does_not_parse_stops_the_app_with_its_name(database_url):
    with pytest.raises(ConfigError, match="RATE_LIMIT_MAIL"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                    "RATE_LIMITS": {"mail": "ten a day"}})  # fmt: skip
