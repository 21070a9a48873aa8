"""Database models: firms, their assessments, the denormalised results and consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..questionnaire.schema import DIMENSION_IDS
from .base import intpk, score, timestamp, utcnow

# One column per dimension of the result table, named as the questionnaires name them.
DIMENSION_COLUMNS = DIMENSION_IDS


class Firm(db.Model):
    """A manufacturer being assessed; its profile as last given."""

    __tablename__ = "firm"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(20))
    employees: Mapped[int | None]
    annual_sales_mkrw: Mapped[int | None]
    founded_year: Mapped[int | None]
    ceo_age: Mapped[int | None]
    created_at: Mapped[timestamp]
    # The consultancy that keeps this firm as a client (None: a firm that came on its own).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="firm", order_by="Assessment.id"
    )

    def __repr__(self) -> str:
        return f"<Firm {self.id} {self.name!r}>"


class Assessment(db.Model):
    """One filling of a questionnaire version for a firm, from draft to submitted."""

    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[intpk]
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    # Indexed, as every column that refers to an assessment: deleting one (a purge) checks it.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int]
    language: Mapped[str] = mapped_column(String(2), default="ko")
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Answers carried over from the firm's previous assessment that the respondent has not yet
    # looked at again (question ids): each is marked on its page until its page is saved.
    to_review: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Bumped on every save; a save that names an older revision is a conflict (409).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Only the SHA-256 of the resume token is stored: the link itself is the credential.
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The consultant who filled it on the client's behalf (None: the firm itself).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A client firm may withdraw its consultancy's sight of an assessment it filled itself.
    consultancy_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Stored through the API with an Idempotency-Key: the SHA-256 of the organisation and the key,
    # so that a replayed request finds this assessment instead of storing it twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    firm: Mapped[Firm | None] = relationship(back_populates="assessments")
    result: Mapped[AssessmentResult | None] = relationship(back_populates="assessment")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="assessment", order_by="Consent.id"
    )

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.status} rev={self.revision}>"


class AssessmentResult(db.Model):
    """Scores of one submitted assessment, kept flat so aggregates never rescore."""

    __tablename__ = "assessment_result"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int]
    industry: Mapped[str | None] = mapped_column(String(3), index=True)
    region: Mapped[str | None] = mapped_column(String(20), index=True)
    size_band: Mapped[str | None] = mapped_column(String(16), index=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    submitted_at: Mapped[timestamp]
    overall: Mapped[score]
    level: Mapped[int]
    confidence: Mapped[score]
    dx_ax: Mapped[score | None]
    roi: Mapped[score | None]
    infra: Mapped[score | None]
    export: Mapped[score | None]
    succession: Mapped[score | None]

    assessment: Mapped[Assessment] = relationship(back_populates="result")

    def __repr__(self) -> str:
        return f"<AssessmentResult {self.assessment_id} overall={self.overall:.1f}>"


class Consent(db.Model):
    """A respondent's choice to share results with a support agency, and its withdrawal.

    The record outlives the assessment: when the assessment is purged the consent is detached
    (``assessment_id`` NULL, ``data_purged_at`` set) and kept, without any answer or score, for
    ``CONSENT_RECORD_DAYS`` after it ended, so that who agreed to share what with whom, and
    when, can still be shown (see docs/privacy.md)."""

    __tablename__ = "consent"

    id: Mapped[intpk]
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))
    # The agency the firm agreed to share with (None: consents given before agencies were named,
    # which no agency sees).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    scope: Mapped[str] = mapped_column(String(32), default="results")
    text_version: Mapped[str] = mapped_column(String(16))
    # Who agreed and with whom, as named when the consent was given: the record still says so
    # once the firm's data is purged or the agency renamed.
    firm_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    given_at: Mapped[timestamp]
    # The end of the term the firm agreed to (CONSENT_YEARS after it was given, at that time).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the assessment it covered was purged: nothing is shared from then on.
    data_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    assessment: Mapped[Assessment | None] = relationship(back_populates="consents")

    def __repr__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"<Consent {self.id} {self.recipient} {state}>"
