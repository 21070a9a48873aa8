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
        ForeignKey("assessment_result.assessment_id", ondelete="CASCADE"), index=True)  # fmt: skip
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


class ProgrammeMatch(db.Model):
    """A submitted result that meets an active programme's eligibility: kept so that the
    dashboard counts a programme's firms with one grouped query, instead of evaluating its
    conditions on every result's answers on every view.

    Written at submission for every active programme, and rewritten for one programme when it is
    created, its eligibility changes or it is removed (services.agencies); a match goes with its
    result (a purge) or its programme, by the cascades."""

    __tablename__ = "programme_match"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)  # fmt: skip
    # Indexed, as every column that refers to a result: deleting one (a purge) looks it up.
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_result.assessment_id", ondelete="CASCADE"), primary_key=True,
        index=True)  # fmt: skip
