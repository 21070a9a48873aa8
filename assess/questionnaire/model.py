"""A loaded, validated questionnaire version with lookups the scoring core needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .conditions import Condition, Predicate, compile_condition
from .schema import (
    Dimension,
    Erratum,
    Level,
    Option,
    PeerCase,
    Profile,
    Question,
    Rule,
    Source,
    Text,
)  # fmt: skip

PROFILE_FIELDS = (
    "name", "industry", "employees", "annual_sales_mkrw", "region", "founded_year", "ceo_age",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Questionnaire:
    id: str
    version: int
    title: Text
    dimensions: tuple[Dimension, ...]
    levels: tuple[Level, ...]
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    sources: tuple[Source, ...]
    cases: tuple[PeerCase, ...]
    profile: Profile
    question_conditions: dict[str, Condition] = field(repr=False)
    rule_conditions: dict[str, Condition] = field(repr=False)
    directory: Path | None = None
    errata: tuple[Erratum, ...] = ()
    dimension_conditions: dict[str, Condition] = field(default_factory=dict, repr=False)

    @cached_property
    def questions_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def options_by_question(self) -> dict[str, dict[str, Option]]:
        return {q.id: {o.id: o for o in q.options} for q in self.questions}

    @cached_property
    def sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @cached_property
    def cases_by_id(self) -> dict[str, PeerCase]:
        return {c.id: c for c in self.cases}

    @cached_property
    def dimensions_by_id(self) -> dict[str, Dimension]:
        return {d.id: d for d in self.dimensions}

    @cached_property
    def industries(self) -> dict[str, Text]:
        return {i.id: i.name for i in self.profile.industries}

    @cached_property
    def regions(self) -> dict[str, Text]:
        return {r.id: r.name for r in self.profile.regions}

    @cached_property
    def questions_by_dimension(self) -> dict[str, list[Question]]:
        grouped: dict[str, list[Question]] = {d.id: [] for d in self.dimensions}
        for q in self.questions:
            grouped[q.dimension].append(q)
        return grouped

    def questions_of(self, dimension: str) -> list[Question]:
        return list(self.questions_by_dimension[dimension])

    @cached_property
    def question_predicates(self) -> dict[str, Predicate]:
        """Compiled skip-logic conditions, by question id."""
        return {k: compile_condition(c) for k, c in self.question_conditions.items()}

    @cached_property
    def question_walk(self) -> tuple[tuple[str, Predicate | None], ...]:
        """Every question id in order with its skip-logic predicate (None: always asked), the
        walk that decides which questions apply, without a lookup per question."""
        predicates = self.question_predicates
        return tuple((q.id, predicates.get(q.id)) for q in self.questions)

    @cached_property
    def rule_predicates(self) -> dict[str, Predicate]:
        """Compiled rule conditions, by rule id."""
        return {k: compile_condition(c) for k, c in self.rule_conditions.items()}

    @cached_property
    def not_pursued_predicates(self) -> dict[str, Predicate]:
        """When a dimension is not pursued (version 2 on), by dimension id."""
        return {k: compile_condition(c) for k, c in self.dimension_conditions.items()}

    @cached_property
    def option_scores(self) -> dict[str, dict[str, tuple[float, bool]]]:
        """question id → option id → (score, is "don't know"): what scoring looks up."""
        return {
            q.id: {o.id: (o.score or 0.0, o.unknown) for o in q.options} for q in self.questions
        }

    def level_for(self, score: float) -> Level:
        """The highest band whose minimum the score reaches."""
        chosen = self.levels[0]
        for level in self.levels:
            if score >= level.min:
                chosen = level
        return chosen

    def size_band_for(self, employees: int | None) -> str | None:
        if employees is None:
            return None
        chosen = None
        for band in self.profile.size_bands:
            if employees >= band.min:
                chosen = band.id
        return chosen

    def export(self) -> dict[str, Any]:
        """The resolved questionnaire as plain JSON-ready data (``assess questionnaire export``)."""
        dump = lambda items: [i.model_dump(exclude_none=True) for i in items]  # noqa: E731
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title.model_dump(),
            "dimensions": dump(self.dimensions),
            "questions": dump(self.questions),
            "rules": dump(self.rules),
            "sources": dump(self.sources),
            "cases": dump(self.cases),
            "levels": dump(self.levels),
            "profile": self.profile.model_dump(exclude_none=True),
            "errata": dump(self.errata),
        }
