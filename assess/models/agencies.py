"""A support agency's side: the findings of each submitted assessment (for the most common gaps,
counted without rescoring) and the agency's own support programmes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation
from .base import intpk, timestamp, utcnow


class ResultFinding(db.Model):
    """One rule that fired for a submitted assessment, stored at submit beside its scores."""

    __tablename__ = "result_finding"

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_result.assessment_id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    dimension: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))


class Programme(db.Model):
    """A support programme an agency runs, with its eligibility in the questionnaire's condition
    language. The product ships none: demo programmes are marked as samples."""

    __tablename__ = "programme"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    # As the analyst wrote it (YAML), and parsed: the check runs on the parsed form.
    eligibility_text: Mapped[str] = mapped_column(Text)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
