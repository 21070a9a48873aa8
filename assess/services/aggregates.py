"""The population picture for support agencies: counts, distributions, levels, common gaps,
the quarterly trend and programme matches, read from the denormalised result table (never
rescored) or, for the dashboard, from the running totals the database keeps with it
(``models.totals``) and the programme matches stored with each result (``ProgrammeMatch``), and
published only through disclosure control (``assess.disclosure``): every figure on one page,
export or API answer goes through one ``protect`` call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Connection, func, select

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
from ..models import DIMENSION_COLUMNS, AssessmentResult, Programme, finding_total, result_total
from ..models.totals import (
    GROUP_COLUMNS,
    LEVELS,
    SCALE,
    SCORED,
    band_figure,
    count_and_score,
    dimension_sum,
    hundredths,
    level_figure,
    unscored_figure,
)
from .agencies import matched_stats

N = "N"
# The bands' bounds are those of the running totals' triggers (migration 0011).
BINS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 101))  # 80-100 includes 100
BIN_LABELS = ("0-20", "20-40", "40-60", "60-80", "80-100")
NOT_SCORED = "not_scored"
TOP_GAPS = 10
FILTERS = ("industry", "region", "size_band", "period")
SCORE = func.coalesce(func.sum(hundredths(AssessmentResult.overall)), 0)
BY_COLUMNS = {"industry": "industry", "region": "region", "size": "size_band",
              "quarter": "quarter"}  # fmt: skip


@dataclass(frozen=True)
class Filters:
    industry: str | None = None
    region: str | None = None
    size_band: str | None = None
    quarter_from: str | None = None
    quarter_to: str | None = None

    def conditions(self, drop: str | None = None, table: Any = AssessmentResult) -> list:
        """The WHERE conditions on ``table`` (the results, or the columns of their running
        totals, which have the same names), without the filter named ``drop`` (for the
        parents)."""
        out = []
        for name in ("industry", "region", "size_band"):
            value = getattr(self, name)
            if value and name != drop:
                out.append(getattr(table, name) == value)
        if drop != "period":
            if self.quarter_from:
                out.append(table.quarter >= self.quarter_from)
            if self.quarter_to:
                out.append(table.quarter <= self.quarter_to)
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


def known_quarters() -> list[str]:
    """The quarters that have results, in order (the dashboard's period choices)."""
    return list(db.session.scalars(select(result_total.c.quarter).distinct()
                                   .order_by(result_total.c.quarter)))  # fmt: skip


def _population(filters: Filters, drop: str | None = None, source: Any = None) -> int:
    return int((source or db.session).scalar(
        select(func.coalesce(func.sum(result_total.c.n), 0))
        .where(*filters.conditions(drop, result_total.c))))  # fmt: skip


@contextmanager
def _one_state() -> Iterator[Connection]:
    """A connection on which every read sees the same state of the data, so that the figures
    of one dashboard add up even while firms submit (its tables must share one N); on the
    read replica when DASHBOARD_DATABASE_URL names one."""
    with (db.engines.get("dashboard") or db.engine).connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        else:  # SQLite's driver begins no transaction for a SELECT: one read transaction
            conn.exec_driver_sql("BEGIN")
        yield conn


def dashboard(filters: Filters, programmes: list[Programme] = ()) -> Dashboard:
    """Every figure of the dashboard, from the running totals (models.totals) that the database
    keeps with every result and the programme matches stored with them: a few thousand groups
    and each programme's matches to add up, not every result to scan or evaluate."""
    with _one_state() as conn:
        return _dashboard(conn, filters, programmes)


def _dashboard(conn: Connection, filters: Filters, programmes: list[Programme]) -> Dashboard:
    k = k_anonymity()
    n = _population(filters, source=conn)
    parents = [_population(filters, drop=name, source=conn) for name in filters.active()]
    if not publishable_population(n, parents, k):
        return Dashboard(publishable=False, k=k)
    totals = _totals_by_quarter(conn, filters)
    tables = []
    tables.append(_one_way("level", {lv: totals.figure(level_figure(lv)) for lv in LEVELS}))
    ordered = sorted(totals.quarters)
    quarters = {q: totals.quarters[q].firms() for q in ordered}
    tables.append(_one_way("quarter", quarters))
    dimensions = {}
    # Without a filter the totals are those of all the data already.
    unscored_anywhere = ({d: totals.figure(unscored_figure(d))[0] for d in DIMENSION_COLUMNS}
                         if not filters.active() else _unscored_anywhere(conn))  # fmt: skip
    for column in SCORED:
        counts = {label: totals.figure(band_figure(column, i))
                  for i, label in enumerate(BIN_LABELS)}  # fmt: skip
        labels = list(BIN_LABELS)
        if column != "overall" and unscored_anywhere[column]:
            counts[NOT_SCORED] = totals.figure(unscored_figure(column))
            labels.append(NOT_SCORED)
        dimensions[column] = labels
        tables.append(_one_way(("bins", column), counts))
    # The firms with each gap, (count, score sum) (a firm has a rule once).
    with_gaps = {rule: (int(c), int(s)) for rule, c, s in conn.execute(
        select(finding_total.c.rule, func.sum(finding_total.c.n), func.sum(finding_total.c.score))
        .where(*filters.conditions(table=finding_total.c)).group_by(finding_total.c.rule)
        .having(func.sum(finding_total.c.n) > 0))}  # fmt: skip
    gaps = sorted(with_gaps, key=lambda r: (-with_gaps[r][0], r))[:TOP_GAPS]
    total_sum = sum(s for _c, s in quarters.values())
    for rule in gaps:
        c, s = with_gaps.get(rule, (0, 0))
        tables.append(_one_way(("gap", rule), {"yes": (c, s), "no": (n - c, total_sum - s)}))
    # Each programme's firms, from the matches stored with the results (services.agencies).
    matches = matched_stats(programmes, filters.conditions(), conn)
    for programme in programmes:
        c, s = matches[programme.id]
        tables.append(_one_way(("programme", programme.id),
                               {"yes": (c, s), "no": (n - c, total_sum - s)}))  # fmt: skip
    table = share_total(*tables)
    published = protect(table, k=k, width=protection_width())
    means = {d: totals.mean(d) for d in DIMENSION_COLUMNS}
    return Dashboard(True, k, published, ordered, dimensions, gaps, list(programmes), means, table)


@dataclass
class _Totals:
    """The running totals of some groups, added up: column name -> value."""

    values: dict[str, Any] = field(default_factory=dict)
    quarters: dict[str, _Totals] = field(default_factory=dict)

    def figure(self, name: str) -> tuple[int, int]:
        """(firms, their overall scores' sum in hundredths) of a figure."""
        count, score = count_and_score(name)
        return int(self.values.get(count, 0)), int(self.values.get(score, 0))

    def firms(self) -> tuple[int, int]:
        return int(self.values.get("n", 0)), int(self.values.get("score", 0))

    def mean(self, dimension: str) -> float | None:
        """The dimension's mean over the firms that have it scored, as ``avg`` would give."""
        scored = self.values.get("n", 0) - self.values.get(count_and_score(
            unscored_figure(dimension))[0], 0)  # fmt: skip
        return float(self.values.get(dimension_sum(dimension), 0)) / scored if scored else None


def _totals_by_quarter(conn: Connection, filters: Filters) -> _Totals:
    """Every figure of the filtered groups added up, and each quarter's firms: two queries, as a
    GROUP BY of every figure would sort the groups' wide rows."""
    where = filters.conditions(table=result_total.c)
    names = [c.name for c in result_total.c if c.name not in GROUP_COLUMNS]
    row = conn.execute(select(*(func.sum(result_total.c[n]) for n in names)).where(*where)).one()
    out = _Totals({name: value for name, value in zip(names, row, strict=True) if value})
    for quarter, count, score in conn.execute(
            select(result_total.c.quarter, func.sum(result_total.c.n),
                   func.sum(result_total.c.score))
            .where(*where).group_by(result_total.c.quarter)
            .having(func.sum(result_total.c.n) > 0)):  # fmt: skip
        out.quarters[quarter] = _Totals({"n": count, "score": score})
    return out


def _unscored_anywhere(conn: Connection) -> dict[str, int]:
    """How many results leave each dimension unscored, in all the data (not only the filtered
    firms): where there are any, "not scored" is a band of that dimension in every view."""
    row = conn.execute(select(*(
        func.coalesce(func.sum(result_total.c[count_and_score(unscored_figure(d))[0]]), 0)
        for d in DIMENSION_COLUMNS))).one()  # fmt: skip
    return dict(zip(DIMENSION_COLUMNS, (int(v) for v in row), strict=True))


def _one_way(name, counts: dict[Any, tuple[int, int]]):
    return one_way({label: c for label, (c, _s) in counts.items()}, N, name=name,
                   score_sums={label: s for label, (_c, s) in counts.items()})  # fmt: skip


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
           "CrossTable", "Dashboard", "Filters", "cross_table", "dashboard", "known_quarters"]  # fmt: skip
