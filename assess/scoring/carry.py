"""Carrying answers into a re-assessment, possibly on a newer questionnaire version.

An answer is carried only where its question still exists and the answer is still valid for it
(every chosen option still offered, a number still in range); everything else starts empty. The
respondent reviews each carried answer, because a question with the same id may read differently.
"""

from __future__ import annotations

from typing import Any

from ..questionnaire import Questionnaire
from .answers import AnswersError, validate_answer, validate_firm
from .engine import applicable_answers, facts_profile


def carried_answers(
    answers: dict[str, Any], profile: dict[str, Any], target: Questionnaire
) -> dict[str, Any]:
    """The answers that fit ``target`` as they stand and apply to the firm's ``profile``."""
    kept: dict[str, Any] = {}
    for qid, value in answers.items():
        try:
            checked = validate_answer(qid, value, target)
        except AnswersError:
            continue  # the question or an option is gone, or the range changed
        if checked is not None:
            kept[qid] = checked
    try:
        facts = facts_profile(target, validate_firm(profile, target))
    except AnswersError:
        facts = facts_profile(target, {})
    applied, _, _ = applicable_answers(target, kept, facts)
    return applied
