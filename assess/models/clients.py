"""A consultancy's side of firms: invitations sent to client firms and notes on assessments.

A client firm is a ``Firm`` whose ``organisation_id`` names the consultancy that keeps it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .assessments import Assessment, Firm
from .base import intpk, timestamp, utcnow

MAX_NOTE_CHARS = 2000


class Invitation(db.Model):
    """A signed, expiring link a consultant sends a client firm to fill its own assessment.

    Used once: opening it starts an assessment tied to the client; the link then says so.
    """

    __tablename__ = "invitation"

    id: Mapped[intpk]
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)

    firm: Mapped[Firm] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    assessment: Mapped[Assessment | None] = relationship()


class AssessmentNote(db.Model):
    """A consultant's note on one dimension of an assessment, or (no dimension) the overall
    comment: seen by the consultancy only, printed in its PDF under its name."""

    __tablename__ = "assessment_note"
    __table_args__ = (
        UniqueConstraint("assessment_id", "dimension", name="one_per_dimension"),
        CheckConstraint(f"length(text) <= {MAX_NOTE_CHARS}", name="text_length"),
    )

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    # A dimension id, or "overall" for the overall comment (NULLs would not be unique).
    dimension: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)

    author: Mapped[User | None] = relationship()
