"""The webhook pages of a consultancy's administrator: add (the secret shown once), rotate,
remove, a test event and its delivery log with each attempt; errors in Korean and English."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select, update

from assess.extensions import db
from assess.jobs import tasks
from assess.models import Webhook, WebhookDelivery, utcnow
from tests.conftest import csrf_token
from tests.jobs.test_webhooks import Receiver
from tests.web.test_auth import make_user, sign_in

SECRET_RE = re.compile(r"data-webhook-secret>([^<]+)<")


@pytest.fixture
def admin(app, client):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    make_user(app, "lee@consult.kr", org=("한빛컨설팅", "consultancy"), role="org_admin")
    assert sign_in(client, "lee@consult.kr").status_code == 303
    return client


def add(client, url: str, lang: str = "en"):
    page = client.get(f"/organisation/webhooks?lang={lang}")
    return client.post("/organisation/webhooks", data={"csrf_token": csrf_token(page.text),
                                                       "url": url})  # fmt: skip


def button(client, action: str):
    page = client.get("/organisation/webhooks")
    return client.post(action, data={"csrf_token": csrf_token(page.text)})


def test_an_internal_address_is_refused_on_the_form_in_either_language(admin):
    response = add(admin, "https://127.0.0.1/hooks", "ko")
    assert response.status_code == 422
    text = unescape(response.text)
    assert "127.0.0.1은(는) 루프백·사설·예약 주소입니다" in text
    response = add(admin, "http://hooks.example.com/ax", "en")
    assert response.status_code == 422
    assert "The address must start with https://" in unescape(response.text)


def test_the_secret_is_shown_once_and_a_new_one_replaces_it(app, admin):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    response = add(admin, "http://127.0.0.1:9/hooks")
    assert response.status_code == 200
    with app.app_context():
        webhook = db.session.scalar(select(Webhook))
        first, webhook_id = webhook.secret, webhook.id
    assert SECRET_RE.findall(response.text) == [first]
    again = admin.get("/organisation/webhooks")
    assert first not in again.text and "http://127.0.0.1:9/hooks" in again.text
    assert "hmac.compare_digest" in again.text  # how to check a delivery
    rotated = button(admin, f"/organisation/webhooks/{webhook_id}/secret")
    [second] = SECRET_RE.findall(rotated.text)
    assert second != first and first not in rotated.text
    removed = button(admin, f"/organisation/webhooks/{webhook_id}/remove")
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Webhook)) is None


def test_a_test_event_and_its_attempts_show_on_the_delivery_log(app, admin):
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_DELAYS=(60.0,))
    receiver = Receiver([500, 200])
    try:
        add(admin, receiver.url)
        with app.app_context():
            webhook_id = db.session.scalar(select(Webhook.id))
        response = button(admin, f"/organisation/webhooks/{webhook_id}/test")
        assert response.headers["Location"] == f"/organisation/webhooks/{webhook_id}"
        with app.app_context():
            delivery_id = db.session.scalar(select(WebhookDelivery.id))
            tasks.deliver_webhook(delivery_id)  # what the worker does, in this process
            db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
            db.session.commit()
            tasks.deliver_webhook(delivery_id)
        log = unescape(admin.get(f"/organisation/webhooks/{webhook_id}?lang=en").text)
        assert f"Delivery {delivery_id}: Test event — Delivered" in log
        assert log.index("HTTP 200") < log.index("HTTP 500")  # newest first
        ko = unescape(admin.get(f"/organisation/webhooks/{webhook_id}?lang=ko").text)
        assert "전달됨" in ko and "시험 이벤트" in ko
    finally:
        receiver.close()
    assert [r["headers"]["X-AX-Delivery"] for r in receiver.received] == [str(delivery_id)] * 2


def test_an_agency_administrator_has_no_webhooks(app, client):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    make_user(app, "park@agency.kr", org=("지원기관", "agency"), role="org_admin")
    sign_in(client, "park@agency.kr")
    assert client.get("/organisation/webhooks").status_code == 404
