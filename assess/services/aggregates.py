"""The population picture for support agencies: counts, distributions, levels, common gaps,
the quarterly trend and programme matches, read from the denormalised result table (never
rescored), and published only through disclosure control (``assess.disclosure``): every figure
on one page, export or API answer goes through one ``protect`` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Select, cast, func, select

from ..disclosure import (
    TOTAL,
    Protected,
    Table,
    one_way,
    protect,
    publishable_population,
    share_total,
)
from ..disclosure import two_way as two_way_table
from ..extensions import db
from ..models import DIMENSION_COLUMNS, AssessmentResult, Programme, ResultFinding
from .agencies import eligible_stats

N = "N"
BINS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 101))  # 80-100 includes 100
BIN_LABELS = ("0-20", "20-40", "40-60", "60-80", "80-100")
NOT_SCORED = "not_scored"
LEVELS = (1, 2, 3, 4, 5)
TOP_GAPS = 10
FILTERS = ("industry", "region", "size_band", "period")
# Score sums in hundredths of a point, as whole numbers: every grouping of the same firms then
# adds up to exactly the same total, which the tables sharing N rely on.
SCALE = 100
SCORE = func.coalesce(func.sum(cast(func.round(AssessmentResult.overall * SCALE), Integer)), 0)
BY_COLUMNS = {"industry": "industry", "region": "region", "size": "size_band",
              "quarter": "quarter"}  # fmt: skip


@dataclass(frozen=True)
class Filters:
    industry: str | None = None
    region: str | None = None
    size_band: str | None = None
    quarter_from: str | None = None
    quarter_to: str | None = None

    def conditions(self, drop: str | None = None) -> list:
        """The WHERE conditions, without the filter named ``drop`` (for the parents)."""
        out = []
        for name in ("industry", "region", "size_band"):
            value = getattr(self, name)
            if value and name != drop:
                out.append(getattr(AssessmentResult, name) == value)
        if drop != "period":
            if self.quarter_from:
                out.append(AssessmentResult.quarter >= self.quarter_from)
            if self.quarter_to:
                out.append(AssessmentResult.quarter <= self.quarter_to)
        return out

    def active(self) -> list[str]:
        names = [n for n in ("industry", "region", "size_band") if getattr(self, n)]
        return names + (["period"] if self.quarter_from or self.quarter_to else [])


@dataclass
class Dashboard:
    """What the dashboard, its exports and the API publish: ``published`` holds every figure;
    a figure it does not show is rendered exactly like an empty one."""

    publishable: bool
    k: int
    published: Protected | None = None
    quarters: list[str] = field(default_factory=list)
    dimensions: dict[str, list[str]] = field(default_factory=dict)  # id -> bin labels
    gaps: list[str] = field(default_factory=list)  # rule ids, most common first
    programmes: list[Programme] = field(default_factory=list)
    dimension_means: dict[str, float | None] = field(default_factory=dict)
    table: Table | None = None  # what was protected (the tests audit it as an attacker would)

    def count(self, cell) -> int | None:
        return self.published.count(cell) if self.published else None

    def share(self, cell) -> float | None:
        """Per cent of N, for a shown cell."""
        n, total = self.count(cell), self.count(N)
        return None if n is None or not total else 100.0 * n / total

    def mean(self, cell) -> float | None:
        mean = self.published.mean(cell) if self.published else None
        return None if mean is None else mean / SCALE


def k_anonymity() -> int:
    """The fewest firms a shown figure may cover: configurable, never below 3."""
    return max(3, int(current_app.config["AGGREGATE_MIN_CELL"]))


def protection_width() -> int:
    return max(1, int(current_app.config["AGGREGATE_PROTECTION_WIDTH"]))


def _population(filters: Filters, drop: str | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(AssessmentResult)
                             .where(*filters.conditions(drop))) or 0  # fmt: skip


def dashboard(filters: Filters, programmes: list[Programme] = ()) -> Dashboard:
    k = k_anonymity()
    n = _population(filters)
    parents = [_population(filters, drop=name) for name in filters.active()]
    if not publishable_population(n, parents, k):
        return Dashboard(publishable=False, k=k)
    where = filters.conditions()

    def grouped(label) -> dict[Any, tuple[int, int]]:
        query: Select = select(label, func.count(), SCORE).where(*where).group_by(label)
        return {key: (int(c), int(s)) for key, c, s in db.session.execute(query)}

    tables = []
    by_level = grouped(AssessmentResult.level)
    tables.append(_one_way("level", {lv: by_level.get(lv, (0, 0)) for lv in LEVELS}))
    quarters = grouped(AssessmentResult.quarter)
    ordered = sorted(quarters)
    tables.append(_one_way("quarter", {q: quarters[q] for q in ordered}))
    dimensions = {}
    for column in ("overall", *DIMENSION_COLUMNS):
        labels, counts = _bins(column, where)
        dimensions[column] = labels
        tables.append(_one_way(("bins", column), counts))
    gap_counts = dict(db.session.execute(
        select(ResultFinding.rule, func.count())
        .join(AssessmentResult, AssessmentResult.assessment_id == ResultFinding.assessment_id)
        .where(*where).group_by(ResultFinding.rule)).all())  # fmt: skip
    gaps = sorted(gap_counts, key=lambda r: (-gap_counts[r], r))[:TOP_GAPS]
    total_sum = sum(s for _c, s in quarters.values())
    for rule in gaps:
        c, s = _with_gap(rule, where)
        tables.append(_one_way(("gap", rule), {"yes": (c, s), "no": (n - c, total_sum - s)}))
    for programme in programmes:
        c, s = eligible_stats(programme, where)
        tables.append(_one_way(("programme", programme.id),
                               {"yes": (c, s), "no": (n - c, total_sum - s)}))  # fmt: skip
    table = share_total(*tables)
    published = protect(table, k=k, width=protection_width())
    means = {d: db.session.scalar(select(func.avg(getattr(AssessmentResult, d))).where(*where))
             for d in DIMENSION_COLUMNS}  # fmt: skip
    return Dashboard(True, k, published, ordered, dimensions, gaps, list(programmes), means, table)


def _with_gap(rule: str, where: list) -> tuple[int, int]:
    c, s = db.session.execute(select(func.count(), SCORE).where(
        *where, AssessmentResult.assessment_id.in_(
            select(ResultFinding.assessment_id).where(ResultFinding.rule == rule)))).one()
    return int(c), int(s)


def _one_way(name, counts: dict[Any, tuple[int, int]]):
    return one_way({label: c for label, (c, _s) in counts.items()}, N, name=name,
                   score_sums={label: s for label, (_c, s) in counts.items()})  # fmt: skip


def _bins(column: str, where: list) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """A score's distribution in five bands, with "not scored" where a dimension can be left
    unscored (export, for firms that do not pursue it) anywhere in the data."""
    score = getattr(AssessmentResult, column)
    counts: dict[str, tuple[int, int]] = {}
    for label, (low, high) in zip(BIN_LABELS, BINS, strict=True):
        c, s = db.session.execute(select(func.count(), SCORE)
                                  .where(*where, score >= low, score < high)).one()  # fmt: skip
        counts[label] = (int(c), int(s))
    labels = list(BIN_LABELS)
    ever_unscored = column != "overall" and db.session.scalar(
        select(func.count()).select_from(AssessmentResult).where(score.is_(None)))
    if ever_unscored:
        c, s = db.session.execute(select(func.count(), SCORE)
                                  .where(*where, score.is_(None))).one()  # fmt: skip
        counts[NOT_SCORED] = (int(c), int(s))
        labels.append(NOT_SCORED)
    return labels, counts


def cross_table(by: list[str], filters: Filters) -> tuple[Protected | None, list, int]:
    """Cells by one or two of industry, region, size, quarter, for the API: (published, the
    inner cell keys, k). Nothing is published when the filtered population is not."""
    k = k_anonymity()
    n = _population(filters)
    parents = [_population(filters, drop=name) for name in filters.active()]
    if not publishable_population(n, parents, k):
        return None, [], k
    columns = [getattr(AssessmentResult, BY_COLUMNS[b]) for b in by]
    query = select(*columns, func.count(), SCORE).where(*filters.conditions()).group_by(*columns)
    rows = db.session.execute(query).all()
    if len(by) == 1:
        counts = {r[0]: (int(r[1]), int(r[2])) for r in rows}
        table = _one_way("cells", counts)
        keys = [("cells", key) for key in counts]
    else:
        counts2 = {(r[0], r[1]): int(r[2]) for r in rows}
        sums2 = {(r[0], r[1]): int(r[3]) for r in rows}
        table = two_way_table(counts2, N, score_sums=sums2)
        keys = list(dict.fromkeys((r, c) for r in dict.fromkeys(a for a, _ in counts2)
                                  for c in dict.fromkeys(b for _, b in counts2)))  # fmt: skip
    return protect(table, k=k, width=protection_width()), keys, k


__all__ = ["BIN_LABELS", "FILTERS", "N", "NOT_SCORED", "TOTAL", "Dashboard", "Filters",
           "cross_table", "dashboard"]  # fmt: skip
