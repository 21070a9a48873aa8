"""The shape of each questionnaire file, checked field by field (pydantic)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HANGUL = re.compile(r"[\uac00-\ud7a3]")
ID = r"^[a-z][a-z0-9_]*$"
DIMENSION_IDS = ("dx_ax", "roi", "infra", "export", "succession")
HORIZONS = ("0-3", "3-12", "12+")
PRIORITIES = ("high", "medium", "low")


class Strict(BaseModel):
    # No NaN or infinity anywhere: a range, weight or point that compares false with everything
    # would load and then score nonsense.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Text(Strict):
    """A text in both languages; Korean must actually be Korean."""

    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("ko")
    @classmethod
    def ko_is_korean(cls, value: str) -> str:
        if not HANGUL.search(value):
            raise ValueError("Korean text has no Hangul: is the translation missing?")
        return value.strip()

    @field_validator("en")
    @classmethod
    def en_is_written(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("English text is empty")
        return value.strip()

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.ko


class Dimension(Strict):
    id: Literal[DIMENSION_IDS]  # type: ignore[valid-type]
    name: Text
    description: Text
    weight: float = Field(gt=0, le=10)
    # From version 2: when this condition holds the firm does not pursue the dimension (export
    # with no plans): no score, left out of the overall index, not a failure.
    not_pursued: dict[str, Any] | None = None


class Level(Strict):
    level: int = Field(ge=1, le=5)
    min: float = Field(ge=0, le=100)
    name: Text
    description: Text


class Header(Strict):
    """questionnaire.yaml"""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: Text
    dimensions: list[Dimension]
    levels: list[Level] = Field(min_length=5, max_length=5)

    @model_validator(mode="after")
    def bands_ascend(self) -> Header:
        if [d.id for d in self.dimensions] != list(DIMENSION_IDS):
            raise ValueError(f"dimensions must be exactly {', '.join(DIMENSION_IDS)} in that order")
        if [lv.level for lv in self.levels] != [1, 2, 3, 4, 5]:
            raise ValueError("levels must be numbered 1 to 5 in order")
        mins = [lv.min for lv in self.levels]
        if mins[0] != 0 or any(a >= b for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError("level minimums must start at 0 and strictly ascend")
        return self


class Option(Strict):
    id: str = Field(pattern=ID)
    text: Text
    score: float | None = Field(default=None, ge=0, le=100)
    unknown: bool = False
    exclusive: bool = False

    @model_validator(mode="after")
    def unknown_has_no_score(self) -> Option:
        if self.unknown and self.score is not None:
            raise ValueError("a 'don't know' option has no score (it counts as 0)")
        return self


class Question(Strict):
    id: str = Field(pattern=ID)
    dimension: Literal[DIMENSION_IDS]  # type: ignore[valid-type]
    type: Literal["single", "multiple", "number"]
    weight: float = Field(ge=0, le=5)
    text: Text
    help: Text
    options: list[Option] = Field(default_factory=list)
    unit: Text | None = None
    min: float | None = None
    max: float | None = None
    points: list[tuple[float, float]] = Field(default_factory=list)
    condition: dict[str, Any] | None = None

    @model_validator(mode="after")
    def fits_its_type(self) -> Question:
        if self.type == "number":
            self._check_number()
        else:
            self._check_choices()
        return self

    def _check_number(self) -> None:
        if self.options:
            raise ValueError("a number question has no options")
        if self.unit is None or self.min is None or self.max is None or self.min >= self.max:
            raise ValueError("a number question needs unit, min and max with min < max")
        if self.weight > 0 and not self.points:
            raise ValueError("a scored number question needs points [[value, score], ...]")
        values = [v for v, _ in self.points]
        if any(a >= b for a, b in zip(values, values[1:], strict=False)):
            raise ValueError("points must have strictly ascending values")
        if any(not 0 <= s <= 100 for _, s in self.points):
            raise ValueError("point scores must be between 0 and 100")

    def _check_choices(self) -> None:
        if not 2 <= len(self.options) <= 10:
            raise ValueError("a choice question needs 2 to 10 options")
        if self.unit or self.points or self.min is not None or self.max is not None:
            raise ValueError("unit, min, max and points belong to number questions only")
        if self.weight > 0:
            unscored = [o.id for o in self.options if o.score is None and not o.unknown]
            if unscored:
                raise ValueError(f"options without a score: {', '.join(unscored)}")


class Rule(Strict):
    id: str = Field(pattern=ID)
    dimension: Literal[DIMENSION_IDS]  # type: ignore[valid-type]
    condition: dict[str, Any]
    priority: Literal[PRIORITIES]  # type: ignore[valid-type]
    horizon: Literal[HORIZONS]  # type: ignore[valid-type]
    finding: Text
    recommendation: Text
    sources: list[str] = Field(min_length=1)
    cases: list[str] = Field(default_factory=list)


STATUTE = re.compile(r"제\d+조(의\d+)?")


class Source(Strict):
    """Where a statement comes from: a forum article, general practice, or a statute.

    A ``law`` source names the statute and its article (``law``: 조세특례제한법 제30조의6) and is
    shown as general information to confirm with an adviser, never as advice on a firm's case.
    """

    id: str = Field(pattern=ID)
    kind: Literal["article", "practice", "law"] = "article"
    file: str | None = None
    speaker: Text | None = None
    role: Text | None = None
    organisation: Text | None = None
    event: Text | None = None
    law: Text | None = None
    statement: Text

    @model_validator(mode="after")
    def article_is_attributed(self) -> Source:
        if self.kind in ("practice", "law"):
            if self.file or self.speaker or self.event:
                raise ValueError(f"a {self.kind!r} source has no file, speaker or event")
        elif not (self.file and self.speaker and self.event):
            raise ValueError("an article source needs file, speaker and event")
        if (self.kind == "law") != (self.law is not None):
            raise ValueError("'law' (the statute and its article) belongs to law sources only")
        if self.law is not None and not STATUTE.search(self.law.ko):
            raise ValueError("a law source names the article number, e.g. 조세특례제한법 제30조의6")
        return self


class PeerCase(Strict):
    id: str = Field(pattern=ID)
    name: Text
    industry: str | None = None
    region: str | None = None
    employees_max: int | None = Field(default=None, ge=1)
    facts: list[Text] = Field(min_length=1)
    lesson: Text
    sources: list[str] = Field(min_length=1)


class NamedCode(Strict):
    id: str
    name: Text


class SizeBand(Strict):
    id: str = Field(pattern=ID)
    min: int = Field(ge=1)
    name: Text


class FieldRange(Strict):
    min: float
    max: float


class Profile(Strict):
    """profile.yaml"""

    fields: dict[Literal["employees", "annual_sales_mkrw", "founded_year", "ceo_age"], FieldRange]
    industries: list[NamedCode] = Field(min_length=1)
    regions: list[NamedCode] = Field(min_length=1)
    size_bands: list[SizeBand] = Field(min_length=1)

    @model_validator(mode="after")
    def bands_ascend(self) -> Profile:
        mins = [b.min for b in self.size_bands]
        if mins[0] != 1 or any(a >= b for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError("size band minimums must start at 1 and strictly ascend")
        return self


class QuestionsFile(Strict):
    questions: list[Question] = Field(min_length=1)


class RulesFile(Strict):
    rules: list[Rule] = Field(min_length=1)


class SourcesFile(Strict):
    sources: list[Source] = Field(min_length=1)


class CasesFile(Strict):
    cases: list[PeerCase] = Field(min_length=1)


class ErratumPlace(Strict):
    file: Literal["questions.yaml", "rules.yaml", "sources.yaml", "cases.yaml",
                  "questionnaire.yaml"]  # fmt: skip
    id: str
    field: str = Field(min_length=1)


class Erratum(Strict):
    """One correction of text made in place in a published version: no score, no condition."""

    id: str = Field(pattern=r"^E\d{2,3}$")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    places: list[ErratumPlace] = Field(min_length=1)
    problem: str = Field(min_length=1)
    correction: str = Field(min_length=1)


class ErrataFile(Strict):
    """errata.yaml (optional): the corrections made to this version since it was published."""

    errata: list[Erratum] = Field(default_factory=list)
