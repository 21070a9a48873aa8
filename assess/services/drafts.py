"""Use cases of a draft assessment: start, find by resume link, save the profile and answers.

Services flush; the caller (a view or CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Assessment, Firm
from ..models.plain import PlainRead
from ..questionnaire import PROFILE_FIELDS, Questionnaire
from ..scoring import AnswersError
from ..scoring.answers import validate_answer, validate_firm
from ..scoring.carry import carried_answers
from ..scoring.engine import applicable_answers, facts_profile
from .errors import AlreadySubmitted, RevisionConflict
from .questionnaires import current_questionnaire, questionnaire_of

# The revision column is a 32-bit integer on PostgreSQL; a posted revision outside this range
# cannot be the one a page was loaded at, so it is a conflict, never a database error.
MAX_REVISION = 2**31 - 1
# Ids and revisions only: never an answer, a profile field or a resume link.
log = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_assessment(
    language: str, previous: Assessment | None = None, *, carry: bool = False
) -> tuple[Assessment, str]:
    """A new draft on the current questionnaire with a fresh resume token (returned once; only
    its hash is stored).

    A re-assessment keeps the firm and links to the previous assessment; it copies the firm
    profile (shown to the respondent to check) and, with ``carry``, the previous answers that
    still fit the current questionnaire, each marked for review.
    """
    questionnaire = current_questionnaire()
    token = secrets.token_urlsafe(24)  # 192 bits
    profile = dict(previous.profile) if previous else {}
    answers = carried_answers(previous.answers, profile, questionnaire) if carry and previous else {}
    assessment = Assessment(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        language=language,
        profile=profile,
        answers=answers,
        to_review=sorted(answers),
        status="draft",
        revision=1,
        resume_token_hash=token_hash(token),
        firm=previous.firm if previous else None,
        previous_id=previous.id if previous else None,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment, token


# Every respondent's request starts here: the statement is built (and its cache key made) once.
_BY_TOKEN = select(Assessment).where(Assessment.resume_token_hash == bindparam("token_hash"))
# The same, as a row of the table's columns (find_row_by_token).
_ROW_BY_TOKEN = PlainRead(select(*Assessment.__table__.c).where(
    Assessment.__table__.c.resume_token_hash == bindparam("token_hash")), "AssessmentRow")


def find_by_token(token: str) -> Assessment | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(_BY_TOKEN, {"token_hash": token_hash(token)})


def find_row_by_token(token: str) -> tuple | None:
    """The assessment's row, for a page that only shows it: the same attributes as the object
    (``row.answers``, ``row.revision``…) without the ORM's work of building and tracking one.
    It is read on a pooled connection of its own, outside the request's session, by the driver
    itself (``PlainRead``): a page that reads nothing else never opens a session."""
    if not token or len(token) > 100:
        return None
    return _ROW_BY_TOKEN.one_or_none(db.engine, token_hash=token_hash(token))


@lru_cache(maxsize=16)
def _store_statement(columns: tuple[str, ...]) -> Update:
    """The compare-and-set of these columns, built once per set of columns (an autosave's
    statement is otherwise built anew on each save); the values are bound parameters."""
    table = Assessment.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("row"), table.c.revision == bindparam("loaded"),
               table.c.status == "draft")
        .values({name: bindparam(f"new_{name}") for name in columns})
    )  # fmt: skip


def _store(assessment: Assessment, revision: int, **values: Any) -> None:
    """Write ``values`` only if nobody saved since ``revision``: one atomic compare-and-set."""
    if assessment.status != "draft":
        raise AlreadySubmitted()
    if not 1 <= revision <= MAX_REVISION:
        raise RevisionConflict(assessment.revision)
    values = {"revision": revision + 1, "updated_at": datetime.now(UTC), **values}
    result = db.session.execute(
        _store_statement(tuple(values)),
        {"row": assessment.id, "loaded": revision, **{f"new_{k}": v for k, v in values.items()}},
    )
    if result.rowcount != 1:
        db.session.refresh(assessment)
        if assessment.status != "draft":
            raise AlreadySubmitted()
        raise RevisionConflict(assessment.revision)
    # The row now holds exactly these values: the object takes them as loaded, without reading
    # the row back (an autosave's second query).
    for key, value in values.items():
        set_committed_value(assessment, key, value)
    log.debug("assessment %d saved at revision %d", assessment.id, assessment.revision)


def save_profile(assessment: Assessment, profile: dict[str, Any], revision: int) -> None:
    """Store the firm profile (validated) and drop answers that no longer apply."""
    questionnaire = questionnaire_of(assessment)
    profile = validate_firm(profile, questionnaire)
    answers = _prune(questionnaire, profile, dict(assessment.answers))
    to_review = [q for q in assessment.to_review if q in answers]
    _store(assessment, revision, profile=profile, answers=answers, to_review=to_review)
    _sync_firm(assessment, profile)


def save_answers(
    assessment: Assessment,
    changes: dict[str, Any],
    revision: int,
    reviewed: Iterable[str] = (),
) -> dict[str, AnswersError]:
    """Merge the valid ``changes`` (question id → answer, None to clear) and drop answers that stop
    applying; return the invalid ones (question id → error), whose stored answers stay as they were.

    A carried answer stops being marked for review when it changes or is in ``reviewed`` (the
    questions of a page the respondent saved with a button).
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
    seen = set(reviewed) | {q for q in changes if answers.get(q) != assessment.answers.get(q)}
    to_review = [q for q in assessment.to_review if q in answers and q not in seen]
    _store(assessment, revision, answers=answers, to_review=to_review)
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
    skipped = set(skipped)
    return [qid for qid, _ in questionnaire.question_walk if qid not in skipped]


def _sync_firm(assessment: Assessment, profile: dict[str, Any]) -> None:
    """Keep the firm's record as last given, except a consultancy's record of its client, which
    only a consultant changes: what the client gave stays on the assessment, shown as changes."""
    firm = assessment.firm
    if firm is not None and firm.organisation_id is not None and assessment.created_by_id is None:
        return
    firm = firm or Firm()
    for key in PROFILE_FIELDS:
        setattr(firm, key, profile.get(key, "" if key == "name" else None))
    if assessment.firm is None:
        db.session.add(firm)
        db.session.flush()
        assessment.firm_id = firm.id
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
