"""A consultancy's webhooks and their deliveries: each delivery of an event to one webhook, with
one row per attempt, so that the administrator sees what was sent, when, and what came back.

Like batches, the state lives in these rows, not in the queue: a restarted worker finds the
deliveries still pending and sends them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import intpk, timestamp

DELIVERY_STATUSES = ("pending", "delivered", "failed")
EVENTS = ("assessment.submitted", "webhook.test")
URL_LENGTH = 2000
WEBHOOK_ERROR_LENGTH = 300


class Webhook(db.Model):
    """Where a consultancy wants to be told that a client submitted an assessment.

    The secret is kept in clear: an HMAC must be computed with the secret itself, so it cannot be
    hashed like a password (see docs/decisions.md).
    """

    __tablename__ = "webhook"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[timestamp]
    # Kept when the account is removed later: the webhook still belongs to the organisation.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Webhook {self.id} organisation={self.organisation_id} active={self.active}>"


class WebhookDelivery(db.Model):
    """One event for one webhook: pending until a 2xx answer (delivered) or the last attempt
    (failed)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    )

    id: Mapped[intpk]
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhook.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    # The submitted assessment the event is about (None for a test event), so that a client who
    # withdraws its consultancy's sight before the delivery leaves stops it.
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL"), index=True
    )
    # The JSON body exactly as sent, so that every attempt signs and sends the same bytes.
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(WEBHOOK_ERROR_LENGTH))
    # When the next attempt is due; while an attempt is in flight, when its lease runs out.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[timestamp]

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id.desc()",
        cascade="all, delete-orphan", passive_deletes=True,
    )  # fmt: skip

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} webhook={self.webhook_id} {self.event} {self.status}>"


class WebhookAttempt(db.Model):
    """One POST of a delivery: when, how long, and the status code or why there was none."""

    __tablename__ = "webhook_attempt"

    id: Mapped[intpk]
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[timestamp]
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(WEBHOOK_ERROR_LENGTH))

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")

    def __repr__(self) -> str:
        return f"<WebhookAttempt {self.id} delivery={self.delivery_id} #{self.number}>"
