"""Use cases of a support agency: the firms that consented to it, its support programmes and who
they fit. Aggregates over all firms live in ``aggregates``; nothing here reaches a firm that did
not consent to this agency, except as a count that the caller must pass through disclosure
control."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    DIMENSION_COLUMNS,
    Assessment,
    AssessmentResult,
    Consent,
    Organisation,
    Programme,
    User,
)
from ..questionnaire import get_questionnaire
from ..questionnaire.conditions import Facts
from ..questionnaire.eligibility import eligibility_test, parse_eligibility
from ..scoring.answers import N_, has_control_characters
from ..scoring.engine import facts_profile
from . import audit
from .consents import active_consents, in_force
from .questionnaires import current_questionnaire, questionnaire_of

MAX_NAME, MAX_DESCRIPTION, MAX_LINK, MAX_ELIGIBILITY = 200, 4000, 500, 4000


class ProgrammeError(ValueError):
    """A programme that cannot be saved as written; ``field`` names the input at fault."""

    def __init__(self, field: str, template: str, **params: Any):
        self.field, self.template, self.params = field, template, params
        self.message = template % params if params else template
        super().__init__(self.message)


# Consenting firms.


def consented(agency: Organisation):
    """The condition for an assessment shared with ``agency`` by a consent in force (neither
    withdrawn nor past its term)."""
    return Assessment.id.in_(select(Consent.assessment_id).where(
        Consent.organisation_id == agency.id, in_force()))  # fmt: skip


def consenting_results(agency: Organisation) -> list[tuple[Assessment, AssessmentResult]]:
    """Every submitted assessment shared with ``agency``, newest first."""
    return list(db.session.execute(
        select(Assessment, AssessmentResult)
        .join(AssessmentResult, AssessmentResult.assessment_id == Assessment.id)
        .where(consented(agency))
        .order_by(AssessmentResult.submitted_at.desc())))  # fmt: skip


def facts_of(assessment: Assessment, result: AssessmentResult) -> Facts:
    """What an eligibility condition looks at, from what was stored at submit (never rescored)."""
    q = questionnaire_of(assessment)
    return Facts(assessment.answers, facts_profile(q, assessment.profile),
                 {d: getattr(result, d) for d in DIMENSION_COLUMNS})  # fmt: skip


# Programmes.


def _checked(name: str, description: str, link: str, eligibility_text: str) -> dict[str, Any]:
    name, description, link = (name or "").strip(), (description or "").strip(), (link or "").strip()
    eligibility_text = eligibility_text or ""
    if not name or len(name) > MAX_NAME:
        raise ProgrammeError("name", N_("Give a name of 1 to %(max)s characters"), max=MAX_NAME)
    if has_control_characters(name):
        raise ProgrammeError("name", N_("Remove the control characters (such as tabs, line "
                                        "breaks or direction marks) from this text"))  # fmt: skip
    if len(description) > MAX_DESCRIPTION:
        raise ProgrammeError("description", N_("Use at most %(max)s characters"),
                             max=MAX_DESCRIPTION)  # fmt: skip
    for field, text in (("description", description), ("eligibility", eligibility_text)):
        if has_control_characters(text, multiline=True):
            raise ProgrammeError(field, N_("Remove the control characters"))
    if len(eligibility_text) > MAX_ELIGIBILITY:
        raise ProgrammeError("eligibility", N_("Use at most %(max)s characters"),
                             max=MAX_ELIGIBILITY)  # fmt: skip
    if link:
        parts = urlsplit(link)
        if (parts.scheme not in ("http", "https") or not parts.netloc or len(link) > MAX_LINK
                or any(c.isspace() for c in link) or has_control_characters(link)):
            raise ProgrammeError("link", N_("Give a web address starting with https://"))
    condition = parse_eligibility(eligibility_text, current_questionnaire())
    return {"name": name, "description": description, "link": link or None,
            "eligibility_text": eligibility_text.strip(), "eligibility": condition}  # fmt: skip


def create_programme(agency: Organisation, actor: User | None, *, name: str, description: str,
                     link: str, eligibility_text: str, sample: bool = False) -> Programme:
    """:raise ProgrammeError or EligibilityError: naming what is wrong."""
    programme = Programme(organisation_id=agency.id, sample=sample,
                          **_checked(name, description, link, eligibility_text))  # fmt: skip
    db.session.add(programme)
    db.session.flush()
    audit.record("programme.create", f"programme:{programme.id}", actor)
    return programme


def update_programme(programme: Programme, actor: User, *, name: str, description: str,
                     link: str, eligibility_text: str) -> None:
    for key, value in _checked(name, description, link, eligibility_text).items():
        setattr(programme, key, value)
    audit.record("programme.update", f"programme:{programme.id}", actor)
    db.session.flush()


def remove_programme(programme: Programme, actor: User) -> None:
    programme.active = False
    audit.record("programme.remove", f"programme:{programme.id}", actor)
    db.session.flush()


def programmes_of(agency: Organisation) -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(
        Programme.organisation_id == agency.id, Programme.active.is_(True))
        .order_by(Programme.name)))  # fmt: skip


def eligible_count(programme: Programme, where: list | None = None) -> int:
    """How many submitted assessments (of all firms, filtered by ``where``) meet the programme's
    conditions: a count for the dashboard, to be passed through disclosure control."""
    return eligible_stats([programme], where)[programme.id][0]


def eligible_stats(programmes: list[Programme], where: list | None = None,
                   session: Session | None = None) -> dict[int, tuple[int, int]]:  # fmt: skip
    """Programme id → (how many firms meet its conditions, the sum of their overall index in
    hundredths of a point, as aggregates adds it up), over all firms: one pass over the results,
    each firm's facts built once for every programme. ``session``: where to read them (the
    dashboard's own state of the data), else the request's."""
    tests = [(p.id, eligibility_test(p.eligibility)) for p in programmes]
    stats = {p.id: (0, 0) for p in programmes}
    if not tests:
        return stats
    query = (select(Assessment.questionnaire_id, Assessment.questionnaire_version,
                    Assessment.profile, Assessment.answers, AssessmentResult)
             .join(AssessmentResult, AssessmentResult.assessment_id == Assessment.id)
             .where(*(where or [])).execution_options(yield_per=1000))  # fmt: skip
    config = current_app.config["QUESTIONNAIRE_DIR"]
    for qid, version, profile, answers, result in (session or db.session).execute(query):
        q = get_questionnaire(config, qid, version)
        facts = Facts(answers, facts_profile(q, profile),
                      {d: getattr(result, d) for d in DIMENSION_COLUMNS})  # fmt: skip
        score = round(result.overall * 100)
        for programme_id, test in tests:
            if test(facts):
                count, total = stats[programme_id]
                stats[programme_id] = (count + 1, total + score)
    return stats


def eligible_consenting(programme: Programme) -> list[tuple[Assessment, AssessmentResult]]:
    """The firms that consented to the programme's agency and meet its conditions."""
    test = eligibility_test(programme.eligibility)
    return [(a, r) for a, r in consenting_results(programme.organisation)
            if test(facts_of(a, r))]  # fmt: skip


def programmes_for(assessment: Assessment) -> list[Programme]:
    """The programmes of the agencies this firm shares with, that fit it (for its results)."""
    result = db.session.get(AssessmentResult, assessment.id)
    if result is None:
        return []
    agency_ids = list(active_consents(assessment))
    if not agency_ids:
        return []
    facts = facts_of(assessment, result)
    candidates = db.session.scalars(select(Programme).where(
        Programme.organisation_id.in_(agency_ids), Programme.active.is_(True))
        .order_by(Programme.name))  # fmt: skip
    return [p for p in candidates if eligibility_test(p.eligibility)(facts)]
