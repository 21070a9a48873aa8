"""The audit log, and the failed sign-ins that login throttling counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import intpk, utcnow


class AuditEvent(db.Model):
    """Who did what to which target, when, from where. Never answers, never passwords."""

    __tablename__ = "audit_event"

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Kept as text too: the log must still say who it was after the account is gone.
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(254), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} by {self.actor!r}>"


class LoginFailure(db.Model):
    """One failed sign-in, counted per account and per client address by the throttle; shared
    by every worker and host that uses the database."""

    __tablename__ = "login_failure"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<LoginFailure {self.key!r} {self.at:%Y-%m-%d %H:%M:%S}>"
