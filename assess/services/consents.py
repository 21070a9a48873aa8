"""A respondent's consent to share results with a named support agency: given, withdrawn,
recorded. Each agency is asked separately; refusing changes nothing in the firm's results.

A consent is in force from when it is given until it is withdrawn or its term (CONSENT_YEARS, as
the firm was told) runs out, whichever comes first; the record itself is kept longer (see
``services.retention``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import and_, bindparam, select

from ..extensions import db
from ..models import Assessment, Consent, Organisation
from ..models.base import as_utc
from ..models.plain import PlainRead
from . import audit

# Bumped whenever the consent wording changes, so a record says which text the firm agreed to.
CONSENT_TEXT_VERSION = "2026-11-agency"


def agencies() -> list[Organisation]:
    """The support agencies a firm may share with, by name."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "agency").order_by(Organisation.name)))


def in_force(now=None):
    """The SQL condition for a consent in force: neither withdrawn nor past its term at ``now``
    (a time, a bound parameter, or by default the present)."""
    if now is None:
        now = datetime.now(UTC)
    return and_(Consent.withdrawn_at.is_(None), Consent.expires_at > now)


# Built once (the results page runs it on every view); the assessment and the time are bound.
_AGENCIES_AND_CONSENTS = PlainRead(
    select(Organisation.id, Organisation.name, Consent.given_at.label("consented_at"))
    .outerjoin(Consent, and_(Consent.organisation_id == Organisation.id,
                             Consent.assessment_id == bindparam("assessment"),
                             in_force(bindparam("now"))))
    .where(Organisation.kind == "agency")
    .order_by(Organisation.name, Organisation.id, Consent.id.desc()), "AgencyOffered",
)  # fmt: skip


def agencies_and_consents(assessment: Assessment) -> list[tuple]:
    """Every agency a firm may share with, by name: its ``id``, ``name`` and ``consented_at``,
    when this assessment's consent in force was given (None without one). What the results page
    offers, in one query."""
    rows = _AGENCIES_AND_CONSENTS.all(db.engine, assessment=assessment.id, now=datetime.now(UTC))
    seen: dict[int, tuple] = {}
    for row in rows:
        seen.setdefault(row.id, row)  # of (racing) consents in force, the latest
    return list(seen.values())


def is_in_force(consent: Consent, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return consent.withdrawn_at is None and as_utc(consent.expires_at) > now


def active_consents(assessment: Assessment) -> dict[int, Consent]:
    """Agency id → the consent in force."""
    now = datetime.now(UTC)
    return {c.organisation_id: c for c in assessment.consents
            if c.organisation_id is not None and is_in_force(c, now)}  # fmt: skip


def term_end(given_at: datetime) -> datetime:
    """The end of a consent given at ``given_at``: CONSENT_YEARS later, on the same calendar day
    (29 February becomes 28 February)."""
    years = current_app.config["CONSENT_YEARS"]
    try:
        return given_at.replace(year=given_at.year + years)
    except ValueError:
        return given_at.replace(year=given_at.year + years, day=28)


def give_consent(assessment: Assessment, agency: Organisation) -> Consent:
    """Share ``assessment``'s results with ``agency`` (once; a repeat changes nothing)."""
    consent = active_consents(assessment).get(agency.id)
    if consent is None:
        now = datetime.now(UTC)
        firm = assessment.firm
        consent = Consent(assessment=assessment, recipient=f"agency:{agency.id}",
                          organisation_id=agency.id, text_version=CONSENT_TEXT_VERSION,
                          firm_name=(firm.name if firm else "") or assessment.profile.get(
                              "name", ""), recipient_name=agency.name,
                          given_at=now, expires_at=term_end(now))  # fmt: skip
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
