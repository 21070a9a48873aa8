"""Answers documents stored as submitted assessments of a consultancy's client firms (the JSON
API's ``POST assessments`` and ``assess import --org``) or of firms of their own (``assess
import``), and the consultancy's submitted assessments page by page.

Functions take objects already loaded through ``assess.permissions``; services flush, the caller
commits once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import Assessment, AssessmentResult, Firm, Organisation, User
from ..scoring import AnswersDocument
from . import audit, clients, submission
from .documents import score_document

MAX_IDEMPOTENCY_KEY_CHARS = 200


class DuplicateKey(Exception):
    """An Idempotency-Key used before for a different document."""


@dataclass(frozen=True)
class Stored:
    assessment: Assessment
    created: bool  # False: a replay of an earlier request with the same Idempotency-Key


def store_document(
    organisation: Organisation,
    data: dict[str, Any],
    actor: User | None,
    firm: Firm | None = None,
    key: str | None = None,
    *,
    via: str = "api",
) -> Stored:
    """Store ``data`` (a raw answers document) as a submitted assessment of ``firm``, or of a new
    client made from the document's ``firm`` profile when ``firm`` is None.

    The client's record is not changed by the document: its profile is kept on the assessment
    (as a client's own answers are). Without a ``firm`` section the record's profile is used.

    :raise AnswersError: the document is invalid (naming the field).
    :raise DuplicateKey: ``key`` was used before for a different document.
    """
    if firm is not None and not data.get("firm"):
        data = {**data, "firm": clients.profile_of(firm)}
    _, document, _ = score_document(data)  # invalid input stops here, before anything is written
    hashed = _hashed_key(organisation, key) if key else None
    if hashed and (earlier := _by_key(hashed)) is not None:
        return _replay(earlier, document)
    if firm is None:
        firm = clients.create_client(organisation, dict(document.firm), actor)
    # Two requests with one key at once: the second fails on the unique key at flush (an
    # IntegrityError); the caller rolls back and asks again, and gets the replay.
    assessment = _submitted(firm, document, actor, hashed)
    audit.record("assessment.import", f"assessment:{assessment.id}", actor, firm=firm.id,
                 via=via)  # fmt: skip
    return Stored(assessment, True)


def content_key(data: dict[str, Any]) -> str:
    """The idempotency key of a document imported from a file: a hash of its content, so the
    same document imported twice is stored once."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "import:" + hashlib.sha256(canonical.encode()).hexdigest()


def import_document(organisation: Organisation | None, data: dict[str, Any]) -> Stored:
    """Store a document read from a file (``assess import``), once per content: as a client of
    ``organisation`` (a consultancy), or, without one, as a firm of its own that answered for
    itself. ``created`` is False when the same document was imported before.

    :raise AnswersError: the document is invalid (naming the field).
    """
    # Checked first: only a valid document has a content key (one of any shape may hold what
    # JSON cannot write, such as a date, keys of mixed types or a lone surrogate).
    _, document, _ = score_document(data)
    key = content_key(data)
    if organisation is not None:
        return store_document(organisation, data, None, None, key, via="cli")
    hashed = hashlib.sha256(f"own:{key}".encode()).hexdigest()  # one namespace for all
    if (earlier := _by_key(hashed)) is not None:
        return _replay(earlier, document)
    firm = Firm()
    for name, value in clients.checked_profile(dict(document.firm)).items():
        setattr(firm, name, value)
    db.session.add(firm)
    db.session.flush()
    assessment = _submitted(firm, document, None, hashed)
    audit.record("assessment.import", f"assessment:{assessment.id}", None, firm=firm.id,
                 via="cli")  # fmt: skip
    return Stored(assessment, True)


def _submitted(
    firm: Firm, document: AnswersDocument, actor: User | None, hashed: str | None
) -> Assessment:
    previous = clients.latest_visible(firm)
    assessment = Assessment(
        firm_id=firm.id, previous_id=previous.id if previous else None,
        questionnaire_id=document.questionnaire, questionnaire_version=document.version,
        language=document.language, profile=dict(document.firm), answers=dict(document.answers),
        status="draft", revision=1, created_by_id=actor.id if actor else None,
        idempotency_key=hashed,
    )  # fmt: skip
    db.session.add(assessment)
    db.session.flush()
    submission.submit(assessment)
    return assessment


def _hashed_key(organisation: Organisation, key: str) -> str:
    # Two organisations may well choose the same keys: each has its own.
    return hashlib.sha256(f"{organisation.id}:{key}".encode()).hexdigest()


def _by_key(hashed: str) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.idempotency_key == hashed))


def _replay(earlier: Assessment, document: AnswersDocument) -> Stored:
    """The same request again gets the same assessment; another document under the same key is
    a client's mistake that must not pass unnoticed."""
    given = (document.questionnaire, document.version, document.answers)
    stored = (earlier.questionnaire_id, earlier.questionnaire_version, earlier.answers)
    if given != stored:
        raise DuplicateKey()
    return Stored(earlier, False)


def submitted_page(
    organisation: Organisation, page: int, per_page: int
) -> tuple[list[tuple[Assessment, AssessmentResult, Firm]], int]:
    """One page of the consultancy's submitted assessments (newest first) and their number."""
    condition = (*clients.visible_assessments(organisation.id), Assessment.status == "submitted",
                 AssessmentResult.assessment_id == Assessment.id)  # fmt: skip
    total = db.session.scalar(select(func.count()).select_from(Assessment)
                              .join(Firm, Firm.id == Assessment.firm_id)
                              .join(AssessmentResult).where(*condition))  # fmt: skip
    rows = db.session.execute(
        select(Assessment, AssessmentResult, Firm).where(*condition)
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(per_page).offset((page - 1) * per_page))  # fmt: skip
    return [tuple(row) for row in rows], total or 0
