"""Answers documents for tests, built from the shipped questionnaire: all-best, all-worst, and
documents that make a condition true or false (a small solver over the condition tree)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assess.questionnaire import Questionnaire, load_questionnaire
from assess.questionnaire import conditions as cond
from assess.scoring import AnswersDocument, score
from assess.scoring.engine import applicable_answers, facts_profile

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "questionnaires" / "ax-readiness" / "v1"

BASE_FIRM = {
    "name": "시험정밀",
    "industry": "C29",
    "employees": 28,
    "annual_sales_mkrw": 6000,
    "region": "busan",
    "founded_year": 1994,
    "ceo_age": 45,
}


def shipped() -> Questionnaire:
    return load_questionnaire(SHIPPED)


def option_scores(q: Questionnaire, qid: str) -> list[tuple[float, str]]:
    return sorted((o.score or 0.0, o.id) for o in q.questions_by_id[qid].options if not o.unknown)


def best_answer(q: Questionnaire, qid: str) -> Any:
    question = q.questions_by_id[qid]
    if question.type == "number":
        return max(question.points, key=lambda p: p[1])[0] if question.points else question.max
    ranked = option_scores(q, qid)
    if question.type == "single":
        return ranked[-1][1]
    # Multiple: every non-exclusive option (their sum is capped at 100).
    return [o.id for o in question.options if not (o.exclusive or o.unknown)]


def worst_answer(q: Questionnaire, qid: str) -> Any:
    question = q.questions_by_id[qid]
    if question.type == "number":
        return min(question.points, key=lambda p: p[1])[0] if question.points else question.min
    worst = option_scores(q, qid)[0][1]
    return worst if question.type == "single" else [worst]


def document(q: Questionnaire, answers: dict, firm: dict | None = None) -> AnswersDocument:
    return AnswersDocument(q.id, q.version, "ko", dict(firm or BASE_FIRM), dict(answers))


def all_answers(
    q: Questionnaire, pick, firm: dict | None = None, answers: dict | None = None
) -> dict:
    """Answer every question that applies (re-walking as gating answers open more questions);
    ``answers`` given are kept."""
    firm = firm or BASE_FIRM
    answers = dict(answers or {})
    for _ in range(len(q.questions)):
        profile = facts_profile(q, firm)
        _, _, skipped = applicable_answers(q, answers, profile)
        missing = [x.id for x in q.questions if x.id not in skipped and x.id not in answers]
        if not missing:
            break
        for qid in missing:
            answers[qid] = pick(q, qid)
    return answers


class Solver:
    """Changes a document so that a condition holds (or, with negate, does not)."""

    def __init__(self, q: Questionnaire):
        self.q = q

    def satisfy(self, condition, answers: dict, firm: dict, negate: bool = False) -> None:
        if isinstance(condition, cond.Not):
            return self.satisfy(condition.part, answers, firm, not negate)
        if isinstance(condition, cond.AllOf | cond.AnyOf):
            every = isinstance(condition, cond.AllOf) != negate
            parts = condition.parts if every else condition.parts[:1]
            # Dimension-wide changes first, so single answers can override them.
            for part in sorted(parts, key=lambda p: not _is_dimension_leaf(p)):
                self.satisfy(part, answers, firm, negate)
            return None
        return self.leaf(condition, answers, firm, negate)

    def leaf(self, leaf: cond.Leaf, answers: dict, firm: dict, negate: bool) -> None:
        op, value = _negated(leaf.op, leaf.value) if negate else (leaf.op, leaf.value)
        if leaf.subject == "profile" and leaf.key == "size_band":
            band = next(b for b in self.q.profile.size_bands if (b.id in value) == (op == "in"))
            firm["employees"] = band.min
        elif leaf.subject == "profile":
            firm[leaf.key] = self.profile_value(leaf.key, op, value)
        elif leaf.subject == "dimension":
            pick = worst_answer if op in ("lt", "lte") else best_answer
            for question in self.q.questions_of(leaf.key):
                answers[question.id] = pick(self.q, question.id)
        else:
            answers[leaf.key] = self.answer_value(leaf.key, op, value)
            self.make_applicable(leaf.key, answers, firm)

    def make_applicable(self, qid: str, answers: dict, firm: dict) -> None:
        gate = self.q.question_conditions.get(qid)
        if gate is not None:
            self.satisfy(gate, answers, firm)

    def answer_value(self, qid: str, op: str, value: Any) -> Any:
        question = self.q.questions_by_id[qid]
        if op == "answered":
            return best_answer(self.q, qid) if value else None
        if question.type == "number":
            return _number_for(op, value, question.min, question.max)
        if op == "in":
            choice = value[0]
        else:  # not_in: the best option outside the list
            choice = next(o for _, o in reversed(option_scores(self.q, qid)) if o not in value)
        return choice if question.type == "single" else [choice]

    def profile_value(self, key: str, op: str, value: Any) -> Any:
        if key in ("industry", "region"):
            pool = list(self.q.industries if key == "industry" else self.q.regions)
            return value[0] if op == "in" else next(v for v in pool if v not in value)
        bounds = self.q.profile.fields[key]
        return _number_for(op, value, bounds.min, bounds.max)


def _is_dimension_leaf(part) -> bool:
    return isinstance(part, cond.Leaf) and part.subject == "dimension"


def _negated(op: str, value: Any) -> tuple[str, Any]:
    return {
        "in": ("not_in", value), "not_in": ("in", value), "gt": ("lte", value),
        "gte": ("lt", value), "lt": ("gte", value), "lte": ("gt", value),
        "eq": ("ne", value), "answered": ("answered", not value),
    }[op]  # fmt: skip


def _number_for(op: str, value: float, low: float, high: float) -> float:
    step = 1
    return {
        "gt": min(high, value + step), "gte": value, "lt": max(low, value - step),
        "lte": value, "eq": value, "ne": value + step if value + step <= high else value - step,
    }[op]  # fmt: skip


def fired(q: Questionnaire, answers: dict, firm: dict) -> list[str]:
    return [f.rule for f in score(q, document(q, answers, firm)).findings]
