"""Column types shared by the models of every area."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, Float, Integer
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time: SQLite hands back naive UTC, PostgreSQL aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
score = Annotated[float, mapped_column(Float)]
