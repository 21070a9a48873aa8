"""A respondent's consent to share results with a support agency: given, withdrawn, recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from ..extensions import db
from ..models import Assessment, Consent

CONSENT_TEXT_VERSION = "2026-11"
CONSENT_RECIPIENT = "support-agency"


def active_consent(assessment: Assessment) -> Consent | None:
    return next((c for c in assessment.consents if c.withdrawn_at is None), None)


def give_consent(assessment: Assessment) -> Consent:
    consent = active_consent(assessment)
    if consent is None:
        consent = Consent(assessment=assessment, recipient=CONSENT_RECIPIENT,
                          text_version=CONSENT_TEXT_VERSION)  # fmt: skip
        db.session.add(consent)
        db.session.flush()
    return consent


def withdraw_consent(assessment: Assessment) -> None:
    consent = active_consent(assessment)
    if consent is not None:
        consent.withdrawn_at = datetime.now(UTC)
        db.session.flush()
