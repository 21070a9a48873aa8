"""The population picture for support agencies: counts, distributions, levels, common gaps,
the quarterly trend and programme matches, read from the denormalised result table (never
rescored), and published only through disclosure control (``assess.disclosure``): every figure
on one page, export or API answer goes through one ``protect`` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Select, case, cast, func, select

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
    binned = _all_bins(where)  # one scan for the six distributions
    for column in ("overall", *DIMENSION_COLUMNS):
        labels, counts = binned[column]
        dimensions[column] = labels
        tables.append(_one_way(("bins", column), counts))
    # The firms with each gap, (count, score sum), in one GROUP BY (a firm has a rule once).
    with_gaps = {rule: (int(c), int(s)) for rule, c, s in db.session.execute(
        select(ResultFinding.rule, func.count(), SCORE)
        .join(AssessmentResult, AssessmentResult.assessment_id == ResultFinding.assessment_id)
        .where(*where).group_by(ResultFinding.rule))}  # fmt: skip
    gaps = sorted(with_gaps, key=lambda r: (-with_gaps[r][0], r))[:TOP_GAPS]
    total_sum = sum(s for _c, s in quarters.values())
    for rule in gaps:
        c, s = with_gaps.get(rule, (0, 0))
        tables.append(_one_way(("gap", rule), {"yes": (c, s), "no": (n - c, total_sum - s)}))
    matches = eligible_stats(list(programmes), where)
    for programme in programmes:
        c, s = matches[programme.id]
        tables.append(_one_way(("programme", programme.id),
                               {"yes": (c, s), "no": (n - c, total_sum - s)}))  # fmt: skip
    table = share_total(*tables)
    published = protect(table, k=k, width=protection_width())
    averages = db.session.execute(select(*(func.avg(getattr(AssessmentResult, d))
                                             for d in DIMENSION_COLUMNS)).where(*where)).one()
    means = dict(zip(DIMENSION_COLUMNS, averages, strict=True))
    return Dashboard(True, k, published, ordered, dimensions, gaps, list(programmes), means, table)


def _one_way(name, counts: dict[Any, tuple[int, int]]):
    return one_way({label: c for label, (c, _s) in counts.items()}, N, name=name,
                   score_sums={label: s for label, (_c, s) in counts.items()})  # fmt: skip


def _bin_of(score):
    """The band index of a score (0..4), -1 when not scored, as one SQL expression."""
    return case(*[(score < high, i) for i, (_low, high) in enumerate(BINS)], else_=-1)


def _all_bins(where: list) -> dict[str, tuple[list[str], dict[str, tuple[int, int]]]]:
    """Each score's distribution in five bands, with "not scored" where a dimension can be left
    unscored (export, for firms that do not pursue it) anywhere in the data: every band of every
    score from one scan (a sum of CASE per band), not one query per band."""
    columns = ("overall", *DIMENSION_COLUMNS)
    rounded = cast(func.round(AssessmentResult.overall * SCALE), Integer)
    figures = []
    for column in columns:
        score = getattr(AssessmentResult, column)
        for i in (*range(len(BINS)), -1):
            inside = score.is_(None) if i == -1 else _bin_of(score) == i
            if i != -1:
                inside = inside & score.is_not(None)
            figures += [func.coalesce(func.sum(case((inside, 1), else_=0)), 0),
                        func.coalesce(func.sum(case((inside, rounded), else_=0)), 0)]
    row = db.session.execute(select(*figures).where(*where)).one()
    ever_unscored = db.session.execute(select(*(
        func.count() - func.count(getattr(AssessmentResult, c)) for c in DIMENSION_COLUMNS))
        .select_from(AssessmentResult)).one()  # fmt: skip
    unscored_anywhere = dict(zip(DIMENSION_COLUMNS, ever_unscored, strict=True))
    out = {}
    per_column = 2 * (len(BINS) + 1)
    for j, column in enumerate(columns):
        values = row[j * per_column:(j + 1) * per_column]
        counts = {label: (int(values[2 * i]), int(values[2 * i + 1]))
                  for i, label in enumerate(BIN_LABELS)}  # fmt: skip
        labels = list(BIN_LABELS)
        if column != "overall" and unscored_anywhere[column]:
            counts[NOT_SCORED] = (int(values[-2]), int(values[-1]))
            labels.append(NOT_SCORED)
        out[column] = (labels, counts)
    return out


UNKNOWN = "unknown"  # the label of firms whose profile does not say (industry, region or size)
MAX_BY = 2  # the exact protection check covers one- and two-way tables (docs/disclosure.md)


@dataclass
class CrossTable:
    """The API's cells by one or two of industry, region, size and quarter: what was protected
    (``table``, for the audit), what is published, and each cell's dimension means.

    ``cells`` lists the cell ids in publishing order: for one variable each label then
    ``N``; for two, the inner cells, the row totals ``(row, TOTAL)``, the column totals
    ``(TOTAL, col)`` and ``N``. Nothing is published when the filtered population is not
    (``published`` is None).
    """

    by: list[str]
    k: int
    published: Protected | None = None
    table: Table | None = None
    cells: list = field(default_factory=list)
    # cell id -> dimension id -> mean over the cell's firms that have the dimension scored
    dimension_means: dict[Any, dict[str, float | None]] = field(default_factory=dict)

    @property
    def publishable(self) -> bool:
        return self.published is not None

    def labels(self, cell) -> dict[str, str]:
        """The cell's label for each variable; a margin's label is ``TOTAL``."""
        if cell == N:
            return dict.fromkeys(self.by, TOTAL)
        return dict(zip(self.by, cell if len(self.by) == 2 else (cell,), strict=True))


def domain(by: str, filters: Filters) -> list[str]:
    """Every label a variable can take, whether or not a firm has it: a label without firms
    must look exactly like a hidden one, so it is listed (and hidden) rather than left out."""
    from .questionnaires import current_questionnaire

    q = current_questionnaire()
    column = getattr(AssessmentResult, BY_COLUMNS[by])
    if by == "quarter":
        query = select(column).distinct().order_by(column)
        if filters.quarter_from:
            query = query.where(column >= filters.quarter_from)
        if filters.quarter_to:
            query = query.where(column <= filters.quarter_to)
        return list(db.session.scalars(query))
    labels = {"industry": list(q.industries), "region": list(q.regions),
              "size": [b.id for b in q.profile.size_bands]}[by]  # fmt: skip
    # Firms without the variable, if there are any anywhere in the data (as with "not scored").
    if db.session.scalar(select(func.count()).select_from(AssessmentResult)
                         .where(column.is_(None))):  # fmt: skip
        labels.append(UNKNOWN)
    return labels


def cross_table(by: list[str], filters: Filters) -> CrossTable:
    """Cells by one or two of industry, region, size, quarter, for the API, with their margins;
    every count and overall score sum through one ``protect`` call."""
    if not 1 <= len(by) <= MAX_BY or len(set(by)) != len(by) or not set(by) <= set(BY_COLUMNS):
        raise ValueError(f"by must be one or two of {', '.join(BY_COLUMNS)}")
    k = k_anonymity()
    n = _population(filters)
    parents = [_population(filters, drop=name) for name in filters.active()]
    if not publishable_population(n, parents, k):
        return CrossTable(by, k)
    columns = [func.coalesce(getattr(AssessmentResult, BY_COLUMNS[b]), UNKNOWN) for b in by]
    figures = [func.count(), SCORE]
    for d in DIMENSION_COLUMNS:
        figures += [func.count(getattr(AssessmentResult, d)),
                    func.coalesce(func.sum(getattr(AssessmentResult, d)), 0.0)]  # fmt: skip
    query = select(*columns, *figures).where(*filters.conditions()).group_by(*columns)
    domains = [domain(b, filters) for b in by]
    width = len(by)
    # inner cell -> (count, score sum, {dimension: (scored, sum)})
    stats: dict[Any, tuple[int, int, dict[str, tuple[int, float]]]] = {}
    for row in db.session.execute(query):
        key = row[0] if width == 1 else (row[0], row[1])
        values = row[width:]
        dims = {d: (int(values[2 + 2 * i]), float(values[3 + 2 * i]))
                for i, d in enumerate(DIMENSION_COLUMNS)}  # fmt: skip
        stats[key] = (int(values[0]), int(values[1]), dims)
    if width == 1:
        inner = list(dict.fromkeys([*domains[0], *stats]))
        table = one_way({c: stats.get(c, (0,))[0] for c in inner}, N,
                        score_sums={c: stats.get(c, (0, 0))[1] for c in inner})  # fmt: skip
        groups = {c: [c] for c in inner} | {N: inner}
    else:
        rows = list(dict.fromkeys([*domains[0], *(r for r, _ in stats)]))
        cols = list(dict.fromkeys([*domains[1], *(c for _, c in stats)]))
        inner = [(r, c) for r in rows for c in cols]
        table = two_way_table({rc: stats.get(rc, (0,))[0] for rc in inner}, N,
                              score_sums={rc: stats.get(rc, (0, 0))[1] for rc in inner})  # fmt: skip
        groups = ({rc: [rc] for rc in inner}
                  | {(r, TOTAL): [(r, c) for c in cols] for r in rows}
                  | {(TOTAL, c): [(r, c) for r in rows] for c in cols} | {N: inner})  # fmt: skip
    published = protect(table, k=k, width=protection_width())
    means = {}
    for cell, parts in groups.items():
        if not published.shown(cell):
            continue
        means[cell] = {}
        for d in DIMENSION_COLUMNS:
            scored = sum(stats[p][2][d][0] for p in parts if p in stats)
            total = sum(stats[p][2][d][1] for p in parts if p in stats)
            # A mean covers at least k firms, as every shown figure does.
            means[cell][d] = total / scored if scored >= k else None
    return CrossTable(by, k, published, table, list(groups), means)


__all__ = ["BIN_LABELS", "BY_COLUMNS", "FILTERS", "MAX_BY", "N", "NOT_SCORED", "TOTAL", "UNKNOWN",
           "CrossTable", "Dashboard", "Filters", "cross_table", "dashboard"]  # fmt: skip
