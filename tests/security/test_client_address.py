"""The client's address, as sign-in throttling, the per-address limits, the audit log and the
security log see it: the connection's address, or behind ``TRUSTED_PROXIES`` reverse proxies
the one the nearest trusted proxy wrote. Whatever a client writes into ``X-Forwarded-For``
(or ``X-Real-IP``, ``Forwarded``) itself changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent
from tests.conftest import csrf_token, empty_tables
from tests.world import world_app

# Each request claims to come from somewhere else.
FORGED = [{"X-Forwarded-For": "203.0.113.1"}, {"X-Real-IP": "203.0.113.2"},
          {"Forwarded": "for=203.0.113.3"}, {"X-Forwarded-For": "203.0.113.4, 203.0.113.5"},
          {"X-Forwarded-For": "203.0.113.6"}]  # fmt: skip


@pytest.fixture
def make_app(database_url, tmp_path) -> Iterator:
    made = []

    def make(proxies: int):
        app = world_app(database_url, tmp_path / f"proxies{proxies}", TRUSTED_PROXIES=proxies,
                        LOGIN_MAX_FAILURES_PER_ADDRESS=3, REDIS_URL=None)  # fmt: skip
        app.config["RATE_LIMITS"]["new_assessment"] = "3/hour"
        made.append(app)
        return app

    yield make
    for app in made:
        empty_tables(app)


def fail_sign_in(client, n: int, headers: dict) -> int:
    page = client.get("/login", headers=headers)
    return client.post("/login", headers=headers, data={
        "email": f"guess{n}@example.kr", "password": "not the password",
        "csrf_token": csrf_token(page.text)}).status_code  # fmt: skip


def start(client, headers: dict) -> int:
    page = client.get("/start", headers=headers)
    return client.post("/start", headers=headers,
                       data={"csrf_token": csrf_token(page.text)}).status_code  # fmt: skip


def audited_addresses(app) -> set[str]:
    with app.app_context():
        failed = select(AuditEvent.client_address).where(AuditEvent.action == "login.failed")
        addresses = set(db.session.scalars(failed))
        db.session.remove()
    return addresses


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(make_app, caplog):
    app = make_app(0)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    with caplog.at_level(logging.WARNING, logger="assess.security"):
        statuses = [fail_sign_in(client, n, headers) for n, headers in enumerate(FORGED[:4])]
    assert statuses == [401, 401, 401, 429]  # one address's count, however it claims to vary
    assert audited_addresses(app) == {"192.0.2.10"}
    assert "address 192.0.2.10" in caplog.text and "203.0.113." not in caplog.text
    # The per-address limit of new assessments likewise.
    assert [start(client, headers) for headers in FORGED[:4]] == [302, 302, 302, 429]


def test_behind_one_trusted_proxy_the_address_it_saw_counts(make_app, caplog):
    """The proxy (10.0.0.2) appends the address it saw; what the client wrote before it is
    not believed."""
    app = make_app(1)
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    seen_by_proxy = "198.51.100.7"

    def through_proxy(forged: str) -> dict:
        return {"X-Forwarded-For": f"{forged}, {seen_by_proxy}"}

    with caplog.at_level(logging.WARNING, logger="assess.security"):
        statuses = [fail_sign_in(proxy, n, through_proxy(f"203.0.113.{n}")) for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert audited_addresses(app) == {seen_by_proxy}
    assert f"address {seen_by_proxy}" in caplog.text and "203.0.113." not in caplog.text
    # Another client behind the same proxy has its own count.
    assert fail_sign_in(proxy, 9, {"X-Forwarded-For": "198.51.100.8"}) == 401
    assert [start(proxy, through_proxy(f"203.0.113.{n}")) for n in range(4)] == [
        302, 302, 302, 429]
