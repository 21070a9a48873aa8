"""Use cases of a support agency: the firms that consented to it, its support programmes and who
they fit. Aggregates over all firms live in ``aggregates``; nothing here reaches a firm that did
not consent to this agency, except as a count that the caller must pass through disclosure
control."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Connection, delete, func, insert, null, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    DIMENSION_COLUMNS,
    Assessment,
    AssessmentResult,
    Consent,
    Organisation,
    Programme,
    ProgrammeMatch,
    User,
    utcnow,
)
from ..models.totals import hundredths
from ..questionnaire import get_questionnaire
from ..questionnaire.conditions import Facts, leaves, parse
from ..questionnaire.eligibility import eligibility_test, parse_eligibility
from ..scoring.answers import N_, has_control_characters
from ..scoring.engine import facts_profile
from . import audit
from .consents import active_consents, in_force
from .questionnaires import current_questionnaire, questionnaire_of

MAX_NAME, MAX_DESCRIPTION, MAX_LINK, MAX_ELIGIBILITY = 200, 4000, 500, 4000
MATCH_ROWS = 5000  # match rows per INSERT of a recount


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
    name, description, link = (name or "").strip(), (description or "").strip(), (link or "").strip()  # fmt: skip
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
                or any(c.isspace() for c in link) or has_control_characters(link)):  # fmt: skip
            raise ProgrammeError("link", N_("Give a web address starting with https://"))
    condition = parse_eligibility(eligibility_text, current_questionnaire())
    return {"name": name, "description": description, "link": link or None,
            "eligibility_text": eligibility_text.strip(), "eligibility": condition}  # fmt: skip


def create_programme(agency: Organisation, actor: User | None, *, name: str, description: str,
                     link: str, eligibility_text: str, sample: bool = False) -> Programme:  # fmt: skip
    """Save a new programme and store the results it fits (a pass over every result).

    :raise ProgrammeError or EligibilityError: naming what is wrong."""
    checked = _checked(name, description, link, eligibility_text)
    # A submission waits on the programmes it reads (FOR SHARE): a new one has no row to wait on
    # yet, so the table is locked against such reads until this commits (plain reads go on).
    # See ``recount``.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection().exec_driver_sql("LOCK TABLE programme IN EXCLUSIVE MODE")
    programme = Programme(organisation_id=agency.id, sample=sample, **checked)
    db.session.add(programme)
    db.session.flush()
    recount(programme)
    audit.record("programme.create", f"programme:{programme.id}", actor)
    return programme


def update_programme(programme: Programme, actor: User, *, name: str, description: str,
                     link: str, eligibility_text: str) -> None:  # fmt: skip
    """Save a programme; when its eligibility changes, store the results it now fits instead."""
    checked = _checked(name, description, link, eligibility_text)
    # Its row written first (locked by PostgreSQL as FOR UPDATE would, the database's write lock
    # taken on SQLite), then read again: the eligibility compared is the one committed last, and
    # a submission reading it waits for this transaction (see ``recount``).
    programme.updated_at = utcnow()
    db.session.flush()
    db.session.refresh(programme)
    changed = checked["eligibility"] != programme.eligibility
    for key, value in checked.items():
        setattr(programme, key, value)
    db.session.flush()
    if changed:
        recount(programme)
    audit.record("programme.update", f"programme:{programme.id}", actor)
    db.session.flush()


def remove_programme(programme: Programme, actor: User) -> None:
    """Take a programme off the agency's lists; its matches go (only active ones are kept)."""
    programme.active = False
    db.session.flush()  # the row updated (and locked) before its matches are deleted
    recount(programme)
    audit.record("programme.remove", f"programme:{programme.id}", actor)
    db.session.flush()


def recount(programme: Programme) -> int:
    """Store the results that meet ``programme``'s eligibility in place of its stored matches
    (none for a programme removed): one pass over every result, in the caller's transaction,
    after the programme's row was written. Returns how many fit.

    Why a submission made meanwhile is neither lost nor counted on the old conditions: a
    submission writes its result first, then reads the active programmes and stores its own
    matches (``match_programmes``), all in one transaction. On SQLite a transaction holds the
    single write lock from its first write to its commit, and both sides write before they
    read, so one runs entirely before the other. On PostgreSQL the submission reads the
    programmes FOR SHARE, while the programme's side holds its row locked by its UPDATE (a
    change or a removal) or the table in EXCLUSIVE mode (a new one) until it commits. Whichever
    comes second waits for the other's commit and, reading at READ COMMITTED, then sees it: a
    submission that waited reads the new conditions and stores its own matches; a recount that
    waited finds the submitted result (and its matches, which it deletes and evaluates again),
    while a result not yet committed when the pass reads is one whose submission will wait for
    this transaction."""
    db.session.execute(delete(ProgrammeMatch).where(ProgrammeMatch.programme_id == programme.id))
    if not programme.active:
        return 0
    test = eligibility_test(programme.eligibility)
    fits = [assessment_id for assessment_id, _score, facts
            in _results_with_facts(subjects_of(programme.eligibility)) if test(facts)]  # fmt: skip
    for start in range(0, len(fits), MATCH_ROWS):
        db.session.execute(insert(ProgrammeMatch), [
            {"programme_id": programme.id, "assessment_id": assessment_id}
            for assessment_id in fits[start:start + MATCH_ROWS]])  # fmt: skip
    return len(fits)


def match_programmes(assessment: Assessment, result: AssessmentResult) -> None:
    """Store which active programmes a result just submitted meets; called once its row is
    written (flushed), in the submission's transaction (``recount`` says why in that order)."""
    programmes = db.session.execute(
        select(Programme.id, Programme.eligibility).where(Programme.active.is_(True))
        .with_for_update(read=True)).all()  # fmt: skip
    if not programmes:
        return
    facts = facts_of(assessment, result)
    fits = [{"programme_id": programme_id, "assessment_id": result.assessment_id}
            for programme_id, eligibility in programmes if eligibility_test(eligibility)(facts)]  # fmt: skip
    if fits:
        db.session.execute(insert(ProgrammeMatch), fits)


def programmes_of(agency: Organisation) -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(
        Programme.organisation_id == agency.id, Programme.active.is_(True))
        .order_by(Programme.name)))  # fmt: skip


def eligible_count(programme: Programme, where: list | None = None) -> int:
    """How many submitted assessments (of all firms, filtered by ``where``) meet the programme's
    conditions, from the stored matches: a count for the dashboard, to be passed through
    disclosure control."""
    return matched_stats([programme], where)[programme.id][0]


def matched_stats(programmes: Iterable[Programme], where: list | None = None,
                  source: Connection | Session | None = None) -> dict[int, tuple[int, int]]:  # fmt: skip
    """Programme id → (how many firms meet its conditions, the sum of their overall index in
    hundredths of a point, as the running totals add it up), over the firms that meet ``where``
    (conditions on ``AssessmentResult``), read from the stored matches with one grouped query.
    ``source``: where to read them (the dashboard's own state of the data), else the
    request's session."""
    stats = {p.id: (0, 0) for p in programmes}
    if not stats:
        return stats
    query = (select(ProgrammeMatch.programme_id, func.count(),
                    func.sum(hundredths(AssessmentResult.overall)))
             .join(AssessmentResult, AssessmentResult.assessment_id == ProgrammeMatch.assessment_id)
             .where(ProgrammeMatch.programme_id.in_(list(stats)), *(where or []))
             .group_by(ProgrammeMatch.programme_id))  # fmt: skip
    for programme_id, count, total in (source or db.session).execute(query):
        stats[programme_id] = (int(count), int(total))
    return stats


def eligible_stats(programmes: list[Programme], where: list | None = None,
                   session: Session | None = None) -> dict[int, tuple[int, int]]:  # fmt: skip
    """What ``matched_stats`` reads, evaluated afresh: each programme's conditions on every
    firm's facts, in one pass over the results (each firm's facts built once for every
    programme). The reference the stored matches are checked against; no page uses it.
    ``session``: where to read the results, else the request's."""
    tests = [(p.id, eligibility_test(p.eligibility)) for p in programmes]
    stats = {p.id: (0, 0) for p in programmes}
    if not tests:
        return stats
    subjects = set().union(*(subjects_of(p.eligibility) for p in programmes))
    for _assessment_id, score, facts in _results_with_facts(subjects, where, session):
        for programme_id, test in tests:
            if test(facts):
                count, total = stats[programme_id]
                stats[programme_id] = (count + 1, total + score)
    return stats


def subjects_of(condition: dict[str, Any]) -> set[str]:
    """What a programme's check looks at, of "answer", "profile" and "dimension"."""
    return {leaf.subject for leaf in leaves(parse(condition))}


def _results_with_facts(subjects: set[str], where: list | None = None,
                        session: Session | None = None) -> Iterator[tuple[int, int, Facts]]:  # fmt: skip
    """(assessment id, overall score in hundredths, the facts its eligibility is checked on) of
    every submitted result that meets ``where``, as ``facts_of`` builds them: one pass, read a
    thousand rows at a time, columns only (no objects to build for each row). The answers and
    the profile, whose decoding is most of the time, are read only if ``subjects`` (what the
    conditions look at) names them; left out, they are empty."""
    r = AssessmentResult
    query = (select(r.assessment_id, hundredths(r.overall), r.questionnaire_id,
                    r.questionnaire_version,
                    Assessment.profile if "profile" in subjects else null(),
                    Assessment.answers if "answer" in subjects else null(),
                    *(getattr(r, d) for d in DIMENSION_COLUMNS))
             .join(Assessment, Assessment.id == r.assessment_id)
             .where(*(where or [])).execution_options(yield_per=1000))  # fmt: skip
    config = current_app.config["QUESTIONNAIRE_DIR"]
    for assessment_id, score, qid, version, profile, answers, *scores in (
            (session or db.session).execute(query)):  # fmt: skip
        q = get_questionnaire(config, qid, version)
        facts = Facts(answers or {}, facts_profile(q, profile or {}),
                      dict(zip(DIMENSION_COLUMNS, scores, strict=True)))  # fmt: skip
        yield assessment_id, score, facts


def eligible_consenting(programme: Programme) -> list[tuple[Assessment, AssessmentResult]]:
    """The firms that consented to the programme's agency and meet its conditions (its stored
    matches), newest first."""
    return list(db.session.execute(
        select(Assessment, AssessmentResult)
        .join(AssessmentResult, AssessmentResult.assessment_id == Assessment.id)
        .join(ProgrammeMatch, ProgrammeMatch.assessment_id == Assessment.id)
        .where(ProgrammeMatch.programme_id == programme.id, consented(programme.organisation))
        .order_by(AssessmentResult.submitted_at.desc())))  # fmt: skip


def programmes_for(assessment: Assessment, agency_ids: list[int] | None = None) -> list[Programme]:
    """The programmes of the agencies this firm shares with (``agency_ids``, when the caller
    knows them), that fit it (its stored matches), for its results."""
    if agency_ids is None:
        agency_ids = list(active_consents(assessment))
    if not agency_ids:
        return []
    return list(db.session.scalars(
        select(Programme).join(ProgrammeMatch, ProgrammeMatch.programme_id == Programme.id)
        .where(ProgrammeMatch.assessment_id == assessment.id,
               Programme.organisation_id.in_(agency_ids), Programme.active.is_(True))
        .order_by(Programme.name)))  # fmt: skip
