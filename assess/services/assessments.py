"""Use cases of a respondent's assessment: start, resume, save, submit, rescore, consent.

Services flush; the caller (a view or CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select, update

from ..extensions import db
from ..models import Assessment, AssessmentResult, Consent, Firm
from ..questionnaire import Questionnaire, get_questionnaire
from ..scoring import AnswersDocument, AnswersError, result_json, score
from ..scoring.answers import validate_answer, validate_firm
from ..scoring.benchmark import Benchmark, PeerScores, cohort_filters, from_counts
from ..scoring.engine import applicable_answers, facts_profile

DEFAULT_QUESTIONNAIRE = "ax-readiness"
# The revision column is a 32-bit integer on PostgreSQL; a posted revision outside this range
# cannot be the one a page was loaded at, so it is a conflict, never a database error.
MAX_REVISION = 2**31 - 1
CONSENT_TEXT_VERSION = "2026-11"
CONSENT_RECIPIENT = "support-agency"


class RevisionConflict(Exception):
    """Someone saved this assessment since the page was loaded (another tab or device)."""

    def __init__(self, current: int):
        super().__init__(f"assessment changed; current revision is {current}")
        self.current = current


class AlreadySubmitted(Exception):
    """A submitted assessment is read-only."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current_questionnaire() -> Questionnaire:
    return get_questionnaire(current_app.config["QUESTIONNAIRE_DIR"], DEFAULT_QUESTIONNAIRE)


def questionnaire_of(assessment: Assessment) -> Questionnaire:
    """Always the version the assessment was answered with."""
    return get_questionnaire(
        current_app.config["QUESTIONNAIRE_DIR"],
        assessment.questionnaire_id,
        assessment.questionnaire_version,
    )


def start_assessment(language: str, previous: Assessment | None = None) -> tuple[Assessment, str]:
    """A new draft with a fresh resume token (returned once; only its hash is stored).

    A re-assessment keeps the firm and links to the previous assessment; it copies the firm
    profile (shown to the respondent to check) but no answers.
    """
    questionnaire = current_questionnaire()
    token = secrets.token_urlsafe(24)  # 192 bits
    assessment = Assessment(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        language=language,
        profile=dict(previous.profile) if previous else {},
        answers={},
        status="draft",
        revision=1,
        resume_token_hash=token_hash(token),
        firm=previous.firm if previous else None,
        previous_id=previous.id if previous else None,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment, token


def find_by_token(token: str) -> Assessment | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Assessment).where(Assessment.resume_token_hash == token_hash(token))
    )


def _store(assessment: Assessment, revision: int, **values: Any) -> None:
    """Write ``values`` only if nobody saved since ``revision``: one atomic compare-and-set."""
    if assessment.status != "draft":
        raise AlreadySubmitted()
    if not 1 <= revision <= MAX_REVISION:
        raise RevisionConflict(assessment.revision)
    result = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.revision == revision,
               Assessment.status == "draft")
        .values(revision=revision + 1, updated_at=datetime.now(UTC), **values)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:
        db.session.refresh(assessment)
        if assessment.status != "draft":
            raise AlreadySubmitted()
        raise RevisionConflict(assessment.revision)
    db.session.refresh(assessment)


def save_profile(assessment: Assessment, profile: dict[str, Any], revision: int) -> None:
    """Store the firm profile (validated) and drop answers that no longer apply."""
    questionnaire = questionnaire_of(assessment)
    profile = validate_firm(profile, questionnaire)
    answers = _prune(questionnaire, profile, dict(assessment.answers))
    _store(assessment, revision, profile=profile, answers=answers)
    _sync_firm(assessment, profile)


def save_answers(
    assessment: Assessment, changes: dict[str, Any], revision: int
) -> dict[str, AnswersError]:
    """Merge the valid ``changes`` (question id → answer, None to clear) and drop answers that stop
    applying; return the invalid ones (question id → error), whose stored answers stay as they were.
    """
    questionnaire = questionnaire_of(assessment)
    answers = dict(assessment.answers)
    rejected: dict[str, AnswersError] = {}
    for qid, value in changes.items():
        try:
            checked = validate_answer(qid, value, questionnaire)
        except AnswersError as exc:
            rejected[qid] = exc
            continue
        if checked is None:
            answers.pop(qid, None)
        else:
            answers[qid] = checked
    answers = _prune(questionnaire, assessment.profile, answers)
    _store(assessment, revision, answers=answers)
    return rejected


def _prune(questionnaire: Questionnaire, profile: dict, answers: dict) -> dict:
    applied, _, _ = applicable_answers(
        questionnaire, answers, facts_profile(questionnaire, profile)
    )
    return applied


def applicable_questions(assessment: Assessment, answers: dict | None = None) -> list[str]:
    """Ids of the questions that apply, given the profile and ``answers`` (default: stored)."""
    questionnaire = questionnaire_of(assessment)
    answers = assessment.answers if answers is None else answers
    profile = facts_profile(questionnaire, assessment.profile)
    _, _, skipped = applicable_answers(questionnaire, answers, profile)
    return [q.id for q in questionnaire.questions if q.id not in skipped]


def _sync_firm(assessment: Assessment, profile: dict[str, Any]) -> None:
    firm = assessment.firm or Firm()
    for key in ("name", "industry", "region", "employees", "annual_sales_mkrw",
                "founded_year", "ceo_age"):  # fmt: skip
        setattr(firm, key, profile.get(key, "" if key == "name" else None))
    if assessment.firm is None:
        db.session.add(firm)
        db.session.flush()
        assessment.firm_id = firm.id
    db.session.flush()


def document_of(assessment: Assessment) -> AnswersDocument:
    return AnswersDocument(
        assessment.questionnaire_id,
        assessment.questionnaire_version,
        assessment.language,
        dict(assessment.profile),
        dict(assessment.answers),
    )


def result_of(assessment: Assessment) -> tuple[Questionnaire, AnswersDocument, dict]:
    """Rescore the stored answers with the assessment's own questionnaire version."""
    questionnaire = questionnaire_of(assessment)
    document = document_of(assessment)
    return (
        questionnaire,
        document,
        result_json(questionnaire, document, score(questionnaire, document)),
    )


def submit(assessment: Assessment) -> bool:
    """Submit once: True for the request that submitted, False for a replay or double click."""
    now = datetime.now(UTC)
    result = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == "draft")
        .values(status="submitted", submitted_at=now, revision=Assessment.revision + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(assessment)
    if result.rowcount != 1:
        return False
    questionnaire, document, data = result_of(assessment)
    scores = {d["id"]: d["score"] for d in data["dimensions"]}
    db.session.add(
        AssessmentResult(
            assessment_id=assessment.id,
            questionnaire_id=assessment.questionnaire_id,
            questionnaire_version=assessment.questionnaire_version,
            industry=document.firm.get("industry"),
            region=document.firm.get("region"),
            size_band=questionnaire.size_band_for(document.firm.get("employees")),
            quarter=f"{now.year}Q{(now.month - 1) // 3 + 1}",
            submitted_at=now,
            overall=data["overall"]["score"],
            level=data["overall"]["level"],
            confidence=data["confidence"],
            **scores,
        )
    )
    db.session.flush()
    return True


def benchmark_of(assessment: Assessment, data: dict) -> Benchmark | None:
    """Percentiles among other firms' submitted results of the same questionnaire."""
    questionnaire = questionnaire_of(assessment)
    firm = data["firm"]
    me = PeerScores(
        firm.get("industry"),
        questionnaire.size_band_for(firm.get("employees")),
        data["overall"]["score"],
        {d["id"]: d["score"] for d in data["dimensions"]},
        frozenset(d["id"] for d in data["dimensions"] if d.get("status") == "not_pursued"),
    )
    k = current_app.config["BENCHMARK_MIN_COHORT"]
    mine = [
        AssessmentResult.questionnaire_id == assessment.questionnaire_id,
        AssessmentResult.assessment_id != assessment.id,
    ]
    overall = AssessmentResult.overall
    if me.not_pursued:
        # Like with like: peers' index over the same dimensions the firm has.
        weights = {d.id: d.weight for d in questionnaire.dimensions}
        dims = [d for d, s in me.dimensions.items() if s is not None]
        mine += [getattr(AssessmentResult, d).is_not(None) for d in dims]
        overall = sum(weights[d] * getattr(AssessmentResult, d) for d in dims) / sum(
            weights[d] for d in dims)  # fmt: skip
    # Counting in the database: the results page stays fast with 100,000 results stored.
    for name, filters in cohort_filters(me):
        where = mine + [getattr(AssessmentResult, f) == v for f, v in filters.items()]
        n = db.session.scalar(select(func.count()).select_from(AssessmentResult).where(*where))
        if n >= k:
            return from_counts(name, me, n, _score_counts(where, me, overall))
    return None


def _score_counts(where: list, me: PeerScores, overall) -> dict[str, tuple[int, int, int]]:
    """(below, equal, with a score) per score column, for the firm's own scores, in one query."""
    values = {"overall": me.overall, **me.dimensions}
    columns = [(key, overall if key == "overall" else getattr(AssessmentResult, key), value)
               for key, value in values.items() if value is not None]  # fmt: skip
    aggregates = []
    for _, column, value in columns:
        aggregates += [
            func.coalesce(func.sum(case((column < value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((column == value, 1), else_=0)), 0),
            func.count(column),
        ]
    row = db.session.execute(select(*aggregates).where(*where)).one()
    return {
        key: (int(row[3 * i]), int(row[3 * i + 1]), int(row[3 * i + 2]))
        for i, (key, _, _) in enumerate(columns)
    }


def previous_result(assessment: Assessment) -> dict | None:
    """The result of the firm's previous submitted assessment, for progress."""
    previous = (
        db.session.get(Assessment, assessment.previous_id) if assessment.previous_id else None
    )
    if previous is None or previous.status != "submitted":
        return None
    _, _, data = result_of(previous)
    data["date"] = previous.submitted_at.date().isoformat() if previous.submitted_at else ""
    return data


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


def has_profile(assessment: Assessment) -> bool:
    """The firm profile has been filled (it is saved whole, so the name stands for it)."""
    return bool(assessment.profile.get("name"))


def first_open_page(assessment: Assessment, pages: list[tuple[str, list[str]]]) -> str:
    """The first page (id) with an applicable unanswered question; "check" when all answered."""
    if not has_profile(assessment):
        return "profile"
    applicable = set(applicable_questions(assessment))
    for page_id, question_ids in pages:
        if any(q in applicable and q not in assessment.answers for q in question_ids):
            return page_id
    return "check"
