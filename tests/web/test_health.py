"""/healthz and /readyz: JSON, public, no cookies, never cached; readyz names what is down, checked
against really unreachable servers (a closed local port), not mocks."""

from __future__ import annotations

import socket

import pytest

from assess import create_app


def closed_port() -> int:
    """A local port nothing listens on: bound for a moment, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_plain(response) -> None:
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    check_plain(response)


def test_readyz_checks_database_and_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "queue": "ok"}}  # fmt: skip
    check_plain(response)


def test_readyz_with_redis_queue(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    response = app.test_client().get("/readyz")
    if response.status_code == 503:
        pytest.skip("no Redis on 127.0.0.1:6379")
    assert response.get_json()["checks"] == {"database": "ok", "queue": "ok"}


def test_readyz_is_503_when_postgresql_is_unreachable(tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/nowhere"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite")})  # fmt: skip
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # alive all the same: no database touched
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "failed": ["database"],
                                   "checks": {"database": "failed", "queue": "ok"}}  # fmt: skip
    check_plain(response)


def test_readyz_is_503_when_redis_is_unreachable(app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "failed": ["queue"],
                                   "checks": {"database": "ok", "queue": "failed"}}  # fmt: skip
    check_plain(response)


def test_health_checks_need_no_csrf_and_take_only_get(client):
    assert client.head("/readyz").status_code == 200
    assert client.post("/healthz").status_code == 405
