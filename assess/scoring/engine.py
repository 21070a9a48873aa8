"""Score an answers document: applicability, item and dimension scores, overall index, findings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..questionnaire import Facts, Questionnaire
from ..questionnaire.schema import Question
from .answers import UNKNOWN, AnswersDocument

PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
HORIZON_ORDER = ("0-3", "3-12", "12+")


SCORED, NOT_PURSUED = "scored", "not_pursued"


@dataclass(frozen=True)
class DimensionResult:
    id: str
    score: float | None  # None when nothing applicable was answered, or not pursued
    level: int | None
    applicable: int
    answered: int
    unknown: int
    status: str = SCORED  # or NOT_PURSUED: no score, left out of the index and of confidence


@dataclass(frozen=True)
class Finding:
    rule: str
    dimension: str
    priority: str
    horizon: str
    impact: float
    sources: tuple[str, ...]
    cases: tuple[str, ...]
    # Index points that the smallest improvement of answers resolving the rule would add, and
    # that change (question id -> answer); None when no change of answers resolves it.
    gain: float | None = None
    change: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Result:
    questionnaire: str
    version: int
    overall: float
    level: int
    confidence: float
    dimensions: tuple[DimensionResult, ...]
    findings: tuple[Finding, ...]
    applicable: dict[str, Any] = field(repr=False)  # answers that count, by question id
    ignored: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # questions that do not apply to this firm

    def dimension(self, dimension_id: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def roadmap(self) -> dict[str, list[Finding]]:
        """Findings grouped by horizon, in priority order within each."""
        return {h: [f for f in self.findings if f.horizon == h] for h in HORIZON_ORDER}


def facts_profile(questionnaire: Questionnaire, firm: dict[str, Any]) -> dict[str, Any]:
    """The profile as conditions see it: the firm fields plus the size band."""
    return {**firm, "size_band": questionnaire.size_band_for(firm.get("employees"))}


def applicable_answers(
    questionnaire: Questionnaire, answers: dict[str, Any], profile: dict[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Walk the questions in order: (answers that apply, ignored answers, skipped questions)."""
    applied: dict[str, Any] = {}
    skipped: list[str] = []
    facts = Facts(applied, profile, {})
    for qid, applies in questionnaire.question_walk:
        if applies is not None and not applies(facts):
            skipped.append(qid)
            continue
        if qid in answers:
            applied[qid] = answers[qid]
    ignored = [qid for qid in answers if qid not in applied]
    return applied, ignored, skipped


def item_score(question: Question, value: Any, questionnaire: Questionnaire) -> tuple[float, bool]:
    """(score 0..100, is "don't know") of one answered question."""
    if question.type == "number":
        if value == UNKNOWN:
            return 0.0, True
        return interpolate(question.points, float(value)), False
    options = questionnaire.option_scores[question.id]
    if not isinstance(value, list):
        return options[value]
    total = 0.0
    for v in value:
        option_score, unknown = options[v]
        if unknown:
            return 0.0, True
        total += option_score
    return min(100.0, total), False


def interpolate(points: list[tuple[float, float]], x: float) -> float:
    """Piecewise-linear score through ``points``, flat beyond both ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def score(questionnaire: Questionnaire, document: AnswersDocument) -> Result:
    """The whole result of one answers document; deterministic, independent of answer order."""
    profile = facts_profile(questionnaire, document.firm)
    applied, ignored, skipped, dimensions, overall = rescore(questionnaire, profile,
                                                             document.answers)  # fmt: skip
    applicable_total = sum(d.applicable for d in dimensions)
    known_total = sum(d.answered - d.unknown for d in dimensions)
    confidence = 100.0 * known_total / applicable_total if applicable_total else 0.0
    scores = {d.id: d.score for d in dimensions}
    findings = _findings(questionnaire, Facts(applied, profile, scores), scores, document.firm)
    findings = order_findings(questionnaire, with_gains(
        questionnaire, profile, document.answers, overall, findings))  # fmt: skip
    return Result(
        questionnaire=questionnaire.id, version=questionnaire.version, overall=overall,
        level=questionnaire.level_for(overall).level, confidence=confidence,
        dimensions=dimensions, findings=findings, applicable=applied,
        ignored=tuple(ignored), skipped=tuple(skipped),
    )  # fmt: skip


def rescore(questionnaire: Questionnaire, profile: dict[str, Any], answers: dict[str, Any]):
    """(applied, ignored, skipped, dimension results, overall) of ``answers``: the scores alone,
    without findings, so the gain search can rescore many variants quickly."""
    applied, ignored, skipped = applicable_answers(questionnaire, answers, profile)
    facts = Facts(applied, profile, {})
    dimensions = tuple(
        _score_dimension(questionnaire, d.id, applied, skipped, facts)
        for d in questionnaire.dimensions
    )
    return applied, ignored, skipped, dimensions, _overall(questionnaire, dimensions)


def _score_dimension(
    questionnaire: Questionnaire, dimension: str, applied: dict, skipped: list[str],
    facts: Facts | None = None,
) -> DimensionResult:  # fmt: skip
    not_pursued = questionnaire.not_pursued_predicates.get(dimension)
    if not_pursued is not None and facts is not None and not_pursued(facts):
        return DimensionResult(dimension, None, None, 0, 0, 0, NOT_PURSUED)
    total = weights = 0.0
    applicable = answered = unknown = 0
    skipped_ids = set(skipped)
    for question in questionnaire.questions_by_dimension[dimension]:
        if question.weight == 0 or question.id in skipped_ids:
            continue
        applicable += 1
        if question.id not in applied:
            continue
        value, is_unknown = item_score(question, applied[question.id], questionnaire)
        answered += 1
        unknown += is_unknown
        total += question.weight * value
        weights += question.weight
    result = total / weights if weights else None
    level = questionnaire.level_for(result).level if result is not None else None
    return DimensionResult(dimension, result, level, applicable, answered, unknown)


def _overall(questionnaire: Questionnaire, dimensions: tuple[DimensionResult, ...]) -> float:
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    scored = [(weights[d.id], d.score) for d in dimensions if d.score is not None]
    total_weight = sum(w for w, _ in scored)
    return sum(w * s for w, s in scored) / total_weight if total_weight else 0.0


def _findings(
    questionnaire: Questionnaire, facts: Facts, scores: dict, firm: dict
) -> tuple[Finding, ...]:
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    fired = []
    for index, rule in enumerate(questionnaire.rules):
        if not questionnaire.rule_predicates[rule.id](facts):
            continue
        gap = 100.0 - (scores.get(rule.dimension) or 0.0)
        impact = gap * weights[rule.dimension]
        cases = order_cases(questionnaire, rule.cases, firm)
        finding = Finding(rule.id, rule.dimension, rule.priority, rule.horizon, impact,
                          tuple(rule.sources), tuple(cases))  # fmt: skip
        fired.append((PRIORITY_ORDER[rule.priority], -impact, index, finding))
    return tuple(f for *_, f in sorted(fired, key=lambda t: t[:3]))


def order_findings(questionnaire: Questionnaire, findings) -> tuple[Finding, ...]:
    """Priority first; within a priority the finding worth most index points, then the larger
    gap, then the questionnaire's order."""
    index = {r.id: i for i, r in enumerate(questionnaire.rules)}
    return tuple(sorted(findings, key=lambda f: (
        PRIORITY_ORDER[f.priority], -(f.gain if f.gain is not None else float("-inf")),
        -f.impact, index[f.rule])))  # fmt: skip


def with_gains(questionnaire, profile, answers, overall, findings) -> list[Finding]:
    from .gain import Rescorer, smallest_change  # the search rescores through this module

    out = []
    rescorer = Rescorer(questionnaire, profile, answers)  # shared: findings try the same changes
    for finding in findings:
        found = smallest_change(questionnaire, profile, answers, finding.rule, rescorer)
        if found is None:
            out.append(finding)
            continue
        change, new_overall = found
        gain = round(new_overall - overall, 6)
        out.append(replace(finding, gain=gain, change=change))
    return out


def order_cases(questionnaire: Questionnaire, case_ids: list[str], firm: dict) -> list[str]:
    """Peer cases closest to the firm first: same industry, then same size band."""
    firm_band = questionnaire.size_band_for(firm.get("employees"))

    def distance(item: tuple[int, str]) -> tuple[int, int, int]:
        index, case_id = item
        case = questionnaire.cases_by_id[case_id]
        case_band = questionnaire.size_band_for(case.employees_max)
        same_industry = case.industry is not None and case.industry == firm.get("industry")
        same_size = case_band is not None and case_band == firm_band
        return (0 if same_industry else 1, 0 if same_size else 1, index)

    return [case_id for _, case_id in sorted(enumerate(case_ids), key=distance)]
