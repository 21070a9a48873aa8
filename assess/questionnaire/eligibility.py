"""Eligibility of a support programme, written by an agency in the questionnaire's condition
language (over the profile, answers and dimension scores) and checked against a questionnaire,
so that a typo is an error naming its place rather than a programme nobody ever matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from . import conditions as cond
from .model import Questionnaire
from .schema import DIMENSION_IDS
from .yamlsource import load_yaml

PROFILE_KEYS = ("industry", "employees", "annual_sales_mkrw", "region", "founded_year", "ceo_age",
                "size_band")  # fmt: skip
# A programme's rule of who fits is a few conditions: these bounds are far above any real one, and
# keep a short text whose YAML aliases repeat one part many times (a "billion laughs") from
# being checked, then evaluated for every firm on every dashboard view.
MAX_NODES = 500  # values in the condition, counted as its aliases expand
MAX_DEPTH = 30
NUMBER_KEYS = ("employees", "annual_sales_mkrw", "founded_year", "ceo_age")


def N_(message: str) -> str:  # noqa: N802 (the gettext marker's usual name)
    return message


class EligibilityError(ValueError):
    """Why an eligibility text is not valid: ``template`` (translated by the web layer) with
    ``params``, and ``where`` inside the condition (e.g. "all → 1")."""

    def __init__(self, template: str, params: dict[str, Any], where: str = ""):
        self.template, self.params, self.where = template, params, where
        text = template % params if params else template
        super().__init__(f"{where}: {text}" if where else text)


def parse_eligibility(text: str, questionnaire: Questionnaire) -> dict[str, Any]:
    """The condition written as YAML (or JSON), checked; its plain data form is returned.

    :raise EligibilityError: naming what is wrong and where.
    """
    too_large = EligibilityError(N_("The condition is too large: write it with at most "
                                    "%(max)s values, nested at most %(depth)s deep."),
                                 {"max": MAX_NODES, "depth": MAX_DEPTH})  # fmt: skip
    try:
        raw = load_yaml(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise EligibilityError(N_("This is not valid YAML (line %(line)s)."), {"line": line}) from None
    except RecursionError:  # thousands of nested brackets
        raise too_large from None
    if not _within_bounds(raw):
        raise too_large
    try:
        parsed = cond.parse(raw)
    except cond.ConditionError as exc:
        raise EligibilityError(N_("The condition's shape is not valid: %(problem)s"),
                               {"problem": str(exc)}, _where(exc.loc)) from None  # fmt: skip
    for leaf in cond.leaves(parsed):
        problem = leaf_problem(leaf, questionnaire)
        if problem is not None:
            raise problem
    return raw


def _within_bounds(raw: Any) -> bool:
    """Whether the parsed YAML, with its aliases expanded, has at most MAX_NODES values and
    MAX_DEPTH levels (walked without recursion, stopping at the first value over)."""
    stack, seen = [(raw, 1)], 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES or depth > MAX_DEPTH:
            return False
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for item in value.items() for v in item)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return True


def _where(loc: tuple) -> str:
    return " → ".join(str(part) for part in loc)


def leaf_problem(leaf: cond.Leaf, q: Questionnaire) -> EligibilityError | None:
    if leaf.subject == "dimension":
        if leaf.key not in DIMENSION_IDS:
            return EligibilityError(N_("Unknown dimension %(key)s; use one of %(known)s."),
                                    {"key": leaf.key, "known": ", ".join(DIMENSION_IDS)})
        if leaf.op not in cond.NUMBER_OPS:
            return EligibilityError(N_("A dimension score needs gt, gte, lt or lte."), {})
        return None
    # What in/not_in/eq compare with: every value must be one the firm could have.
    compared = leaf.value if leaf.op in cond.LIST_OPS else (leaf.value,) if leaf.op == "eq" else ()
    if leaf.subject == "profile":
        if leaf.key not in PROFILE_KEYS:
            return EligibilityError(N_("Unknown profile field %(key)s; use one of %(known)s."),
                                    {"key": leaf.key, "known": ", ".join(PROFILE_KEYS)})
        if leaf.key in NUMBER_KEYS:
            return _numbers_only(leaf.key, compared)
        known = {"industry": set(q.industries), "region": set(q.regions),
                 "size_band": {b.id for b in q.profile.size_bands}}[leaf.key]  # fmt: skip
        unknown = [v for v in compared if v not in known]
        if unknown:
            return EligibilityError(N_("Unknown %(key)s value(s): %(values)s."),
                                    {"key": leaf.key, "values": ", ".join(map(str, unknown))})
        return None
    question = q.questions_by_id.get(leaf.key)
    if question is None:
        return EligibilityError(N_("Unknown question id %(key)s."), {"key": leaf.key})
    if question.type == "number":
        if leaf.op in cond.LIST_OPS:
            return EligibilityError(N_("%(key)s is a number question: use gt, gte, lt, lte or eq."),
                                    {"key": leaf.key})
        return _numbers_only(leaf.key, compared)
    unknown = [v for v in compared if v not in q.options_by_question[leaf.key]]
    if unknown:
        return EligibilityError(N_("Unknown option(s) of %(key)s: %(values)s."),
                                {"key": leaf.key, "values": ", ".join(map(str, unknown))})
    if leaf.op in cond.NUMBER_OPS:
        return EligibilityError(N_("%(key)s is a choice question: use in or not_in."),
                                {"key": leaf.key})
    return None


def _numbers_only(key: str, values: tuple) -> EligibilityError | None:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    return EligibilityError(N_("%(key)s is a number: compare it with numbers."), {"key": key})


def eligibility_test(condition: dict[str, Any]) -> Callable[[cond.Facts], bool]:
    """The check of one programme, compiled once: given a firm's facts (its applicable answers,
    profile with size band, dimension scores), whether it is eligible; a leaf over something
    missing is false."""
    return cond.compile_condition(cond.parse(condition))
