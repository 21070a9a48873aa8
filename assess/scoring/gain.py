"""What a finding is worth: the smallest improvement of answers that resolves its rule.

"Smallest" is the fewest answers changed, each only to an answer that scores at least as well
as the current one (a finding is never "resolved" by answering worse, e.g. by giving up exports
to escape an export finding). Among changes of that size, the one that raises the index most
is taken: reaching the recommended state. The gain is the rescored index minus the current.

A change that would start or stop pursuing a dimension (export, from version 2) does not count:
the index would then be a mean over other dimensions, not comparable with the current one. So
the finding that invites a not-pursued firm to consider exports has no gain.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, product
from typing import Any

from ..questionnaire import Facts, Questionnaire
from ..questionnaire import conditions as cond
from ..questionnaire.schema import Question
from .answers import UNKNOWN

MAX_CHANGED = 3  # no rule in a shipped version needs more answers changed than this


class Rescorer:
    """Rescores one firm's answers with a few of them changed, as ``engine.rescore`` would
    score the changed answers, without redoing what the change cannot touch.

    The gain search tries dozens of changes per assessment, each of one to three answers. An
    answer that no skip-logic or "not pursued" condition reads (most of them) changes neither
    which questions apply nor which dimensions are pursued: only its own dimension's score is
    computed again, the others are taken from the unchanged answers. A change of an answer
    such conditions read is rescored in full. Each change is rescored once, however many
    findings try it."""

    def __init__(self, questionnaire: Questionnaire, profile: dict[str, Any],
                 answers: dict[str, Any]):  # fmt: skip
        from .engine import rescore

        self.questionnaire, self.profile, self.answers = questionnaire, profile, answers
        self.base = rescore(questionnaire, profile, answers)
        self._skipped = frozenset(self.base[2])
        self._done: dict[tuple, tuple] = {}

    def __call__(self, change: dict[str, Any]) -> tuple:
        """(applied, ignored, skipped, dimension results, overall) of the changed answers."""
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in change.items()))
        if key not in self._done:
            self._done[key] = self._rescore(change)
        return self._done[key]

    def _rescore(self, change: dict[str, Any]) -> tuple:
        from .engine import _overall, _score_dimension, rescore

        q = self.questionnaire
        if not _gates(q).isdisjoint(change):
            return rescore(q, self.profile, {**self.answers, **change})
        applied, ignored, skipped, dimensions, _ = self.base
        applied = {**applied, **{k: v for k, v in change.items() if k not in self._skipped}}
        touched = {q.questions_by_id[k].dimension for k in change}
        facts = Facts(applied, self.profile, {})
        dimensions = tuple(_score_dimension(q, d.id, applied, skipped, facts)
                           if d.id in touched else d for d in dimensions)  # fmt: skip
        ignored = [k for k in {**self.answers, **change} if k not in applied]
        return applied, ignored, skipped, dimensions, _overall(q, dimensions)


@lru_cache(maxsize=16)
def _gates(questionnaire: Questionnaire) -> frozenset[str]:
    """The answers that decide which questions apply or whether a dimension is pursued."""
    conditions = [*questionnaire.question_conditions.values(),
                  *questionnaire.dimension_conditions.values()]  # fmt: skip
    return frozenset(key for c in conditions for key in _answer_keys(c))


def smallest_change(
    questionnaire: Questionnaire, profile: dict[str, Any], answers: dict[str, Any], rule_id: str,
    rescorer: Rescorer | None = None,
) -> tuple[dict[str, Any], float] | None:
    """(answers to set, the new overall index), or None when no change of answers resolves
    the rule (a rule over the profile only, or one no better answer can switch off).
    ``rescorer``: one shared by the findings of the same answers."""
    rescorer = rescorer or Rescorer(questionnaire, profile, answers)
    holds = questionnaire.rule_predicates[rule_id]
    keys = _answer_keys(questionnaire.rule_conditions[rule_id])
    candidates = {k: _better_values(questionnaire, questionnaire.questions_by_id[k], answers.get(k),
                                    questionnaire.rule_conditions[rule_id])
                  for k in keys}  # fmt: skip
    keys = [k for k in keys if candidates[k]]
    pursued = _pursued(rescorer.base[3])
    for size in range(1, min(MAX_CHANGED, len(keys)) + 1):
        best: tuple[float, dict[str, Any]] | None = None
        for chosen in combinations(keys, size):
            for values in product(*(candidates[k] for k in chosen)):
                change = dict(zip(chosen, values, strict=True))
                applied, _, _, dimensions, overall = rescorer(change)
                scores = {d.id: d.score for d in dimensions}
                if _pursued(dimensions) != pursued:
                    continue
                if not holds(Facts(applied, profile, scores)) and (
                        best is None or overall > best[0]):  # fmt: skip
                    best = (overall, change)
        if best is not None:
            return best[1], best[0]
    return None


def _pursued(dimensions) -> frozenset[str]:
    return frozenset(d.id for d in dimensions if d.status != "not_pursued")


def _answer_keys(condition) -> list[str]:
    keys: list[str] = []
    for leaf in cond.leaves(condition):
        if leaf.subject == "answer" and leaf.key not in keys:
            keys.append(leaf.key)
    return keys


def _item(questionnaire: Questionnaire, question: Question, value: Any) -> float:
    from .engine import item_score

    if value is None:
        return -1.0  # unanswered: any answer is an improvement
    return item_score(question, value, questionnaire)[0]


def _better_values(questionnaire, question: Question, current: Any, condition) -> list[Any]:
    """Answers to ``question`` scoring at least as well as ``current``, other than it."""
    floor = _item(questionnaire, question, current)
    if question.type == "number":
        values = _number_values(question, condition)
    elif question.type == "single":
        values = [o.id for o in question.options if not o.unknown]
    else:
        values = _multiple_values(question, current)
    out = []
    for value in values:
        if value != current and value not in out and _item(questionnaire, question, value) >= floor:
            out.append(value)
    return out


def _number_values(question: Question, condition) -> list[float]:
    values = [x for x, _ in question.points] + [question.min, question.max]
    for leaf in cond.leaves(condition):
        if leaf.subject == "answer" and leaf.key == question.id and leaf.op in cond.NUMBER_OPS:
            values += [leaf.value, leaf.value - 1, leaf.value + 1]
    return sorted({v for v in values if question.min <= v <= question.max})


def _multiple_values(question: Question, current: Any) -> list[list[str]]:
    order = [o.id for o in question.options]
    plain = [o.id for o in question.options if not (o.exclusive or o.unknown)]
    chosen = current if isinstance(current, list) and current != [UNKNOWN] else []
    exclusive = {o.id for o in question.options if o.exclusive or o.unknown}
    values: list[list[str]] = [[o] for o in plain]
    if chosen and not exclusive.intersection(chosen):
        values += [sorted(set(chosen) | {o}, key=order.index) for o in plain if o not in chosen]
    values.append(plain)
    values += [[o.id] for o in question.options if o.exclusive and not o.unknown]
    return values
