"""The audit log: who did what to which target, when, from where (never answers or passwords)."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from ..extensions import db
from ..models import AuditEvent, User


def client_address() -> str:
    """The client's address (the real one behind ``TRUSTED_PROXIES``), or "" outside a request."""
    return (request.remote_addr or "") if has_request_context() else ""


def record(action: str, target: str = "", actor: User | None = None, **detail: Any) -> AuditEvent:
    """Add one event; ``actor`` defaults to nobody (the command line, or an anonymous visitor)."""
    event = AuditEvent(
        action=action,
        target=target[:254],
        actor_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "",
        request_id=g.get("request_id", "") if has_request_context() else "",
        client_address=client_address(),
        detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    return event
