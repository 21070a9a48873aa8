"""A respondent's consent to share results with a named support agency: given, withdrawn,
recorded. Each agency is asked separately; refusing changes nothing in the firm's results."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Assessment, Consent, Organisation
from . import audit

# Bumped whenever the consent wording changes, so a record says which text the firm agreed to.
CONSENT_TEXT_VERSION = "2026-11-agency"


def agencies() -> list[Organisation]:
    """The support agencies a firm may share with, by name."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "agency").order_by(Organisation.name)))


def active_consents(assessment: Assessment) -> dict[int, Consent]:
    """Agency id → the consent in force."""
    return {c.organisation_id: c for c in assessment.consents
            if c.withdrawn_at is None and c.organisation_id is not None}  # fmt: skip


def give_consent(assessment: Assessment, agency: Organisation) -> Consent:
    """Share ``assessment``'s results with ``agency`` (once; a repeat changes nothing)."""
    consent = active_consents(assessment).get(agency.id)
    if consent is None:
        consent = Consent(assessment=assessment, recipient=f"agency:{agency.id}",
                          organisation_id=agency.id, text_version=CONSENT_TEXT_VERSION)  # fmt: skip
        db.session.add(consent)
        db.session.flush()
        audit.record("consent.give", f"assessment:{assessment.id}", None, agency=agency.id)
    return consent


def withdraw_consent(assessment: Assessment, agency: Organisation) -> None:
    """Stop sharing with ``agency`` at once: its pages and exports no longer show the firm."""
    consent = active_consents(assessment).get(agency.id)
    if consent is not None:
        consent.withdrawn_at = datetime.now(UTC)
        db.session.flush()
        audit.record("consent.withdraw", f"assessment:{assessment.id}", None, agency=agency.id)
