"""Score a raw answers document with the questionnaire version it names."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..questionnaire import Questionnaire, UnknownQuestionnaire, get_questionnaire
from ..scoring import AnswersDocument, AnswersError, result_json, score, validate_document
from ..scoring.answers import header_of


def questionnaire_for(qid: str, version: int) -> Questionnaire:
    """The installed questionnaire ``qid`` v``version``, or an AnswersError naming the field."""
    try:
        return get_questionnaire(current_app.config["QUESTIONNAIRE_DIR"], qid, version)
    except UnknownQuestionnaire:
        raise AnswersError(
            "questionnaire", f"unknown questionnaire {qid!r} version {version}"
        ) from None


def score_document(data: dict[str, Any]) -> tuple[Questionnaire, AnswersDocument, dict]:
    """Validate and score a parsed answers document; AnswersError on bad input."""
    questionnaire = questionnaire_for(*header_of(data))
    document = validate_document(data, questionnaire)
    return (
        questionnaire,
        document,
        result_json(questionnaire, document, score(questionnaire, document)),
    )
