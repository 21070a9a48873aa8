"""A consultancy's webhooks: register, remove, rotate the secret; a signed POST to each when one
of its clients submits an assessment, retried with growing delays, every attempt logged.

Services flush; the caller commits. A delivery is queued only once its row is committed (see
``assess.jobs``). Deliveries are at least once: a receiver tells repeats apart by X-AX-Delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import (
    Assessment,
    Organisation,
    User,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    utcnow,
)
from ..models.webhooks import WEBHOOK_ERROR_LENGTH
from ..scoring.answers import N_
from . import audit, outbound
from .batches import _enqueue_at_commit

SUBMITTED = "assessment.submitted"
TEST_EVENT = "webhook.test"
MAX_WEBHOOKS = 5
TOP_FINDINGS = 5
PAGE_SIZE = 20
# An attempt in flight holds its delivery this long (well over the POST's timeout); a worker
# killed mid-attempt leaves it to be picked up again once the lease has run out.
LEASE = timedelta(seconds=60)


class WebhookError(ValueError):
    """A change to a webhook that cannot be made as asked; ``field`` names the input at fault,
    ``template`` (marked for translation) and ``params`` the message."""

    def __init__(self, field: str, template: str, **params: Any):
        self.field = field
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


def webhooks_of(organisation: Organisation) -> list[Webhook]:
    return list(db.session.scalars(
        select(Webhook).where(Webhook.organisation_id == organisation.id).order_by(Webhook.id)))


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


def register(organisation: Organisation, url: str, actor: User | None) -> Webhook:
    """A new active webhook with a fresh secret.

    :raise WebhookError: not a consultancy, too many webhooks, or an address that is not an
        https URL of a public internet host (see ``outbound``).
    """
    if organisation.kind != "consultancy":
        raise WebhookError("url", N_("Only a consultancy can have webhooks"))
    if len(webhooks_of(organisation)) >= MAX_WEBHOOKS:
        raise WebhookError("url", N_("An organisation can have at most %(n)d webhooks"),
                           n=MAX_WEBHOOKS)  # fmt: skip
    allow_private = current_app.config["WEBHOOK_ALLOW_PRIVATE"]
    try:
        outbound.resolve(outbound.parse_target(url, allow_private), allow_private)
    except outbound.AddressError as exc:
        raise WebhookError("url", exc.template, **exc.params) from None
    webhook = Webhook(organisation_id=organisation.id, url=url.strip(), secret=new_secret(),
                      active=True, created_by_id=actor.id if actor else None)  # fmt: skip
    db.session.add(webhook)
    db.session.flush()
    audit.record("webhook.register", f"webhook:{webhook.id}", actor, url=webhook.url)
    return webhook


def remove(webhook: Webhook, actor: User | None) -> None:
    """Delete the webhook with its secret and its deliveries (the audit log keeps the fact)."""
    audit.record("webhook.remove", f"webhook:{webhook.id}", actor, url=webhook.url)
    db.session.delete(webhook)
    db.session.flush()


def rotate_secret(webhook: Webhook, actor: User | None) -> str:
    """A new secret; deliveries still waiting are signed with it when they are sent."""
    webhook.secret = new_secret()
    audit.record("webhook.rotate", f"webhook:{webhook.id}", actor)
    db.session.flush()
    return webhook.secret


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# Events.


def summary(assessment: Assessment, result: dict) -> dict:
    """What a consultancy is told of a submitted assessment: scores and the findings' rule ids,
    never the answers."""
    firm = assessment.firm
    return {
        "event": SUBMITTED,
        "assessment": {
            "id": assessment.id,
            "submitted_at": _iso(assessment.submitted_at),
            "questionnaire": dict(result["questionnaire"]),
            "overall": {"score": result["overall"]["score"], "level": result["overall"]["level"]},
            "dimensions": [{"id": d["id"], "status": d["status"], "score": d["score"],
                            "level": d["level"]} for d in result["dimensions"]],  # fmt: skip
            "findings": [f["rule"] for f in result["findings"][:TOP_FINDINGS]],
        },
        "firm": {"id": firm.id, "name": firm.name} if firm else None,
    }


def on_submitted(assessment: Assessment, result: dict | None = None) -> list[WebhookDelivery]:
    """Queue a delivery to each active webhook of the client's consultancy, unless the client
    withdrew the consultancy's sight of this assessment. ``result`` spares a rescore."""
    firm = assessment.firm
    if firm is None or firm.organisation_id is None or assessment.consultancy_revoked_at:
        return []
    webhooks = list(db.session.scalars(
        select(Webhook).join(Organisation, Organisation.id == Webhook.organisation_id)
        .where(Webhook.organisation_id == firm.organisation_id, Webhook.active.is_(True),
               Organisation.kind == "consultancy").order_by(Webhook.id)))  # fmt: skip
    if not webhooks:
        return []
    if result is None:
        from .submission import result_of  # submission calls this module

        result = result_of(assessment)[2]
    body = _json(summary(assessment, result))
    return [_deliver(webhook, SUBMITTED, body, assessment.id) for webhook in webhooks]


def send_test(webhook: Webhook, actor: User | None) -> WebhookDelivery:
    """A test event, signed like the real ones, so that a receiver can be tried out."""
    audit.record("webhook.test", f"webhook:{webhook.id}", actor)
    return _deliver(webhook, TEST_EVENT, _json({"event": TEST_EVENT, "webhook": webhook.id,
                                                "sent_at": _iso(utcnow())}), None)  # fmt: skip


def _deliver(webhook: Webhook, event: str, body: str, assessment_id: int | None):
    delivery = WebhookDelivery(webhook_id=webhook.id, event=event, payload=body,
                               assessment_id=assessment_id, status="pending", attempts=0,
                               next_attempt_at=utcnow())  # fmt: skip
    db.session.add(delivery)
    db.session.flush()
    _enqueue_at_commit([("webhook", delivery.id)])
    return delivery


def deliveries_page(webhook: Webhook, page: int) -> tuple[list[WebhookDelivery], int]:
    """One page of the webhook's deliveries, newest first, and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                              .where(WebhookDelivery.webhook_id == webhook.id)) or 0  # fmt: skip
    deliveries = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(deliveries), max(1, -(-total // PAGE_SIZE))


# What the worker does with one delivery; the task commits between the steps, so that no
# transaction stays open while the far end takes its time.


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    url: str
    secret: str
    body: bytes


def claim(delivery_id: int) -> Outgoing | None:
    """Take a due delivery for one attempt; None when it is not due, finished, or another worker
    has it (a task may run twice: after a restart, or a retry)."""
    now = utcnow()
    claimed = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now).values(
        attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + LEASE))  # fmt: skip
    if claimed.rowcount != 1:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    assert delivery is not None
    withdrawn = delivery.assessment_id is not None and db.session.scalar(
        select(Assessment.consultancy_revoked_at).where(Assessment.id == delivery.assessment_id))
    if withdrawn or not delivery.webhook.active:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "withdrawn: not sent" if withdrawn else "inactive: not sent"
        db.session.flush()
        return None
    return Outgoing(delivery.id, delivery.webhook.url, delivery.webhook.secret,
                    delivery.payload.encode())  # fmt: skip


def send(outgoing: Outgoing) -> outbound.Outcome:
    """POST the delivery once, signed now."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "AX-Readiness-Webhook/1",
        "X-AX-Timestamp": str(timestamp),
        "X-AX-Signature": signature(outgoing.secret, timestamp, outgoing.body),
        "X-AX-Delivery": str(outgoing.delivery_id),
    }
    config = current_app.config
    return outbound.post(outgoing.url, outgoing.body, headers, config["WEBHOOK_TIMEOUT_SECONDS"],
                         config["WEBHOOK_ALLOW_PRIVATE"])  # fmt: skip


def record(outgoing: Outgoing, outcome: outbound.Outcome) -> None:
    """Log the attempt; delivered on a 2xx, else another attempt later or, after the last, failed."""
    delivery = db.session.get(WebhookDelivery, outgoing.delivery_id, populate_existing=True)
    if delivery is None:
        return  # the webhook was removed meanwhile
    now = utcnow()
    error = outcome.error[:WEBHOOK_ERROR_LENGTH] if outcome.error else None
    db.session.add(WebhookAttempt(delivery_id=delivery.id, number=delivery.attempts,
                                  started_at=now - timedelta(milliseconds=outcome.duration_ms),
                                  duration_ms=outcome.duration_ms, status_code=outcome.status,
                                  error=error))  # fmt: skip
    delivery.last_status_code, delivery.last_error = outcome.status, error
    delays = retry_delays()
    if outcome.delivered:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.attempts > len(delays):
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delay = delays[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        _enqueue_at_commit([("webhook", delivery.id, delay)])
    db.session.flush()


def release(delivery_id: int) -> None:
    """An attempt that stopped half-way (worker stopped, database away): due again at once."""
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
        .values(next_attempt_at=utcnow()))  # fmt: skip


def waiting_deliveries() -> list[tuple[str, int, float]]:
    """Every pending delivery with the seconds until it is due, for a worker that starts."""
    now = utcnow()
    rows = db.session.execute(select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
                              .where(WebhookDelivery.status == "pending"))  # fmt: skip
    return [("webhook", ident, max(0.0, (_aware(at) - now).total_seconds()) if at else 0.0)
            for ident, at in rows]  # fmt: skip


def retry_delays() -> list[int]:
    """Seconds before the 2nd, 3rd... attempt; one attempt more than there are delays."""
    return list(current_app.config["WEBHOOK_RETRY_DELAYS"])


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite gives naive UTC back


def _iso(at: datetime | None) -> str | None:
    return _aware(at).isoformat(timespec="seconds") if at else None


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
