"""Declarative conditions over answers, the firm profile and dimension scores; no ``eval``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SUBJECTS = ("answer", "profile", "dimension")
LIST_OPS = ("in", "not_in")
NUMBER_OPS = ("gt", "gte", "lt", "lte")
OPERATORS = (*LIST_OPS, *NUMBER_OPS, "eq", "answered")
# Far beyond any rule or programme, and well within Python's recursion limit (the tree is parsed,
# compiled and walked recursively).
MAX_DEPTH = 32
MAX_PARTS = 2000


class ConditionError(ValueError):
    """A condition that does not have a valid shape; ``loc`` is where, inside the condition."""

    def __init__(self, message: str, loc: tuple = ()):
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class Leaf:
    subject: str
    key: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Facts:
    """What a condition may look at: applicable answers, the profile, and dimension scores."""

    answers: Mapping[str, Any]
    profile: Mapping[str, Any]
    dimensions: Mapping[str, float | None]


def parse(raw: Any, loc: tuple = ()) -> Condition:
    """Turn the YAML form into a condition tree, or raise ConditionError naming the place."""
    return _parse(raw, loc, 0, [MAX_PARTS])


def _parse(raw: Any, loc: tuple, depth: int, budget: list[int]) -> Condition:
    _spend(budget, 1, loc)
    if not isinstance(raw, dict) or not raw:
        raise ConditionError("a condition must be a non-empty mapping", loc)
    for combinator, cls in (("all", AllOf), ("any", AnyOf), ("not", Not)):
        if combinator not in raw:
            continue
        _only_key(raw, combinator, loc)
        if depth >= MAX_DEPTH:
            raise ConditionError(f"nested more than {MAX_DEPTH} levels deep", loc)
        parts = raw[combinator]
        if cls is Not:
            return Not(_parse(parts, loc + ("not",), depth + 1, budget))
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{combinator}' needs a non-empty list", loc + (combinator,))
        return cls(tuple(_parse(p, loc + (combinator, i), depth + 1, budget)
                         for i, p in enumerate(parts)))  # fmt: skip
    return _parse_leaf(raw, loc, budget)


def _spend(budget: list[int], parts: int, loc: tuple) -> None:
    # YAML aliases let a short text stand for a tree of millions of parts: count as we go.
    budget[0] -= parts
    if budget[0] < 0:
        raise ConditionError(f"a condition has at most {MAX_PARTS} parts (values included)", loc)


def _only_key(raw: dict, key: str, loc: tuple) -> None:
    if len(raw) != 1:
        raise ConditionError(f"'{key}' cannot be combined with other keys", loc)


def _parse_leaf(raw: dict, loc: tuple, budget: list[int]) -> Leaf:
    subjects = [s for s in SUBJECTS if s in raw]
    ops = [o for o in OPERATORS if o in raw]
    unknown = [k for k in raw if k not in SUBJECTS and k not in OPERATORS]
    if unknown:
        names = ", ".join(sorted(_short(k) for k in unknown))
        raise ConditionError(f"unknown condition key(s): {names}", loc)
    if len(subjects) != 1 or len(ops) != 1:
        raise ConditionError(
            "a condition needs exactly one of answer/profile/dimension and one operator "
            f"({', '.join(OPERATORS)}), or all/any/not",
            loc,
        )
    subject, op = subjects[0], ops[0]
    key, value = raw[subject], raw[op]
    if not isinstance(key, str) or not key:
        raise ConditionError(f"'{subject}' needs an id", loc + (subject,))
    if op in LIST_OPS:
        if not (isinstance(value, list) and value and all(map(_is_value, value))):
            raise ConditionError(f"'{op}' needs a non-empty list of ids or numbers", loc + (op,))
        _spend(budget, len(value), loc)
    if op in NUMBER_OPS and not _is_number(value):
        raise ConditionError(f"'{op}' needs a number", loc + (op,))
    if op == "eq" and not _is_value(value):
        raise ConditionError("'eq' needs a number or an id", loc + (op,))
    if op == "answered" and not isinstance(value, bool):
        raise ConditionError("'answered' needs true or false", loc + (op,))
    return Leaf(subject, key, op, tuple(value) if op in LIST_OPS else value)


def _is_number(value: Any) -> bool:
    """A finite number (not a boolean), small enough to compare with a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


def _is_value(value: Any) -> bool:
    """What a condition compares with: an id (or another text), a number, true or false, or
    null (which matches nothing, and which programmes saved before this check may hold)."""
    return value is None or isinstance(value, str | bool) or _is_number(value)


def _short(key: Any) -> str:
    """A key as a message names it: quoted if it is not plain text, cut short if long."""
    text = key if isinstance(key, str) and key.isprintable() else repr(key)
    return text if len(text) <= 40 else text[:40] + "…"


def leaves(condition: Condition) -> Iterator[Leaf]:
    """Every leaf of a condition tree."""
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, Not):
        yield from leaves(condition.part)
    else:
        for part in condition.parts:
            yield from leaves(part)


def evaluate(condition: Condition, facts: Facts) -> bool:
    """True when the condition holds; a leaf over a missing value is false."""
    return compile_condition(condition)(facts)


Predicate = Callable[[Facts], bool]
_COMPARE = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


@lru_cache(maxsize=4096)
def compile_condition(condition: Condition) -> Predicate:
    """Turn a condition tree into one Python function, once (scoring evaluates it a lot)."""
    if isinstance(condition, Leaf):
        return _compile_leaf(condition)
    if isinstance(condition, Not):
        inner = compile_condition(condition.part)
        return lambda facts: not inner(facts)
    parts = tuple(compile_condition(p) for p in condition.parts)
    if isinstance(condition, AllOf):
        return lambda facts: all(p(facts) for p in parts)
    return lambda facts: any(p(facts) for p in parts)


def _compile_leaf(leaf: Leaf) -> Predicate:
    key, op, target = leaf.key, leaf.op, leaf.value
    attribute = {"answer": "answers", "profile": "profile", "dimension": "dimensions"}[leaf.subject]

    def value_of(facts: Facts) -> Any:
        return getattr(facts, attribute).get(key)

    if op == "answered":
        return lambda facts: ((v := value_of(facts)) is not None and v != []) == target
    if op in LIST_OPS:
        wanted, positive = frozenset(target), op == "in"

        def member(facts: Facts) -> bool:
            value = value_of(facts)
            if value is None:
                return False
            hit = not wanted.isdisjoint(value) if isinstance(value, list) else value in wanted
            return hit == positive

        return member
    compare = _COMPARE[op]

    def comparison(facts: Facts) -> bool:
        value = value_of(facts)
        if value is None:
            return False
        if op != "eq" and (isinstance(value, bool) or not isinstance(value, int | float)):
            return False
        return compare(value, target)

    return comparison
