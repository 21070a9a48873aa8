"""Which questionnaire applies: the current one for new assessments, the answered one for the rest."""

from __future__ import annotations

from flask import current_app

from ..models import Assessment
from ..questionnaire import Questionnaire, get_questionnaire

DEFAULT_QUESTIONNAIRE = "ax-readiness"


def current_questionnaire() -> Questionnaire:
    return get_questionnaire(current_app.config["QUESTIONNAIRE_DIR"], DEFAULT_QUESTIONNAIRE)


def questionnaire_of(assessment: Assessment) -> Questionnaire:
    """Always the version the assessment was answered with."""
    return get_questionnaire(
        current_app.config["QUESTIONNAIRE_DIR"],
        assessment.questionnaire_id,
        assessment.questionnaire_version,
    )
