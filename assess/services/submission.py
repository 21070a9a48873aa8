"""Submitting an assessment, and its result: rescored from the stored answers with the assessment's
own questionnaire version; the denormalised result row written once, at submit."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime

from sqlalchemy import update

from ..extensions import db
from ..models import Assessment, AssessmentResult, ResultFinding
from ..questionnaire import Questionnaire
from ..remembered import Remembered
from ..scoring import AnswersDocument, result_json, score
from . import agencies, webhooks
from .questionnaires import questionnaire_of

log = logging.getLogger(__name__)  # ids and counts only, never answers


def document_of(assessment: Assessment) -> AnswersDocument:
    return AnswersDocument(
        assessment.questionnaire_id,
        assessment.questionnaire_version,
        assessment.language,
        dict(assessment.profile),
        dict(assessment.answers),
    )


# Results of submitted assessments, per process: a submitted assessment's answers never change,
# and neither does a loaded questionnaire, so scoring it again (with the gain of
# every finding, the costly part) would only repeat the same work on every page view.
_RESULTS: Remembered[str] = Remembered(512)


def result_of(assessment: Assessment) -> tuple[Questionnaire, AnswersDocument, dict]:
    """The result of the stored answers with the assessment's own questionnaire version: scored
    now for a draft, remembered for a submitted assessment. The caller gets its own copy."""
    questionnaire = questionnaire_of(assessment)
    document = document_of(assessment)
    if assessment.status != "submitted":
        return questionnaire, document, result_json(questionnaire, document,
                                                    score(questionnaire, document))  # fmt: skip
    # The answers' digest makes the key safe even where ids are reused (a restored database).
    content = json.dumps([document.firm, document.answers, document.language], sort_keys=True)
    key = (assessment.id, id(questionnaire), hashlib.sha256(content.encode()).digest())
    # Kept as its JSON text (it is the contract's JSON): parsing it gives each caller its own
    # copy at a fraction of the cost of copy.deepcopy.
    text = _RESULTS.get(key, lambda: json.dumps(result_json(questionnaire, document,
                                                            score(questionnaire, document))))  # fmt: skip
    return questionnaire, document, json.loads(text)


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
    result_row = AssessmentResult(
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
    db.session.add(result_row)
    db.session.flush()
    db.session.add_all(
        ResultFinding(assessment_id=assessment.id, rule=f["rule"], dimension=f["dimension"],
                      priority=f["priority"])
        for f in data["findings"]
    )  # fmt: skip
    db.session.flush()
    # After the result's row is written: see agencies.recount for why this order is safe.
    agencies.match_programmes(assessment, result_row)
    webhooks.on_submitted(assessment, data)
    log.info("assessment %d submitted (%d findings)", assessment.id, len(data["findings"]))
    return True


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
