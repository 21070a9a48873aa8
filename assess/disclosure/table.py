"""A published table: cells with firm counts (and optionally score sums) and the totals a reader
knows to hold between them, built in the shapes the dashboard, exports and API publish."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

CellId = Hashable
# The label of a total in the ids the builders make: (row, TOTAL), (TOTAL, col) and TOTAL.
TOTAL = "total"


@dataclass(frozen=True)
class Cell:
    """How many firms a cell covers and, when a mean is shown, the sum of their scores."""

    count: int
    total_score: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"a cell's count must be a non-negative integer, not {self.count!r}")
        if self.total_score is not None:
            if self.total_score < 0:
                raise ValueError("score sums must not be negative")
            if self.count == 0 and self.total_score != 0:
                raise ValueError("an empty cell cannot have a score sum")


@dataclass(frozen=True)
class Relation:
    """`total` is the sum of `parts`: a row, column or grand total, the N of a distribution."""

    total: CellId
    parts: tuple[CellId, ...]


@dataclass(frozen=True)
class Table:
    """Cells in publishing order and the relations between them.

    Build one with `one_way`, `two_way`, `series` or `share_total`: they also lay the table out as
    a flow network (every cell an arc, every relation a node balance), which is what lets
    `protect` compute exactly what a reader can infer. `grand_total` is the cell every other cell
    adds up to.
    """

    cells: dict[CellId, Cell]
    relations: tuple[Relation, ...]
    grand_total: CellId
    # cell -> (tail, head) node; the relations are exactly the balances of this network
    arcs: dict[CellId, tuple[int, int]] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        scored = {cell.total_score is not None for cell in self.cells.values()}
        if len(scored) > 1:
            raise ValueError("give score sums for every cell or for none")
        for relation in self.relations:
            shown = sum(self.cells[part].count for part in relation.parts)
            if shown != self.cells[relation.total].count:
                raise ValueError(f"{relation.total!r} is not the sum of its parts")

    @property
    def has_scores(self) -> bool:
        return any(cell.total_score is not None for cell in self.cells.values())


def _key(name: Hashable | None, label: Hashable) -> CellId:
    if name is None:
        return label
    return (name, *label) if isinstance(label, tuple) else (name, label)


def _cell(count: int, sums: Mapping | None, label: Hashable) -> Cell:
    return Cell(count, None if sums is None else sums.get(label, 0))


def _sum_cells(cells: Iterable[Cell]) -> Cell:
    cells = list(cells)
    count = sum(c.count for c in cells)
    if any(c.total_score is None for c in cells) or not cells:
        return Cell(count)
    return Cell(count, sum(c.total_score for c in cells))


def _unique(ids: list[CellId]) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError("two cells have the same id; rename a label or give the table a name")


def one_way(
    counts: Mapping[Hashable, int],
    total_label: Hashable = TOTAL,
    *,
    score_sums: Mapping[Hashable, float] | None = None,
    name: Hashable | None = None,
) -> Table:
    """A distribution and its total N: cells `label` (or `(name, label)`) and `total_label`.

    Give `name` when the table will share its total with others (see `share_total`), so that the
    level "1" of one distribution is not the level "1" of another.
    """
    parts = [_key(name, label) for label in counts]
    _unique([*parts, total_label])
    cells = {_key(name, lab): _cell(n, score_sums, lab) for lab, n in counts.items()}
    cells[total_label] = _sum_cells(cells.values())
    # Nodes: 0 -> 1 through every part, back 1 -> 0 through the total.
    arcs = {part: (0, 1) for part in parts} | {total_label: (1, 0)}
    relations = (Relation(total_label, tuple(parts)),)
    return Table(cells, relations, total_label, arcs)


def series(
    counts: Mapping[Hashable, int],
    total_label: Hashable = TOTAL,
    *,
    score_sums: Mapping[Hashable, float] | None = None,
    name: Hashable | None = None,
) -> Table:
    """Figures by period (e.g. quarter "2025Q3") and their total over the whole period."""
    return one_way(counts, total_label, score_sums=score_sums, name=name)


def two_way(
    counts: Mapping[tuple[Hashable, Hashable], int],
    total_label: Hashable = TOTAL,
    *,
    score_sums: Mapping[tuple[Hashable, Hashable], float] | None = None,
    name: Hashable | None = None,
) -> Table:
    """A cross-table with row totals `(row, TOTAL)`, column totals `(TOTAL, col)` and the grand
    total `total_label`. Missing (row, col) pairs are empty cells; rows and columns keep the
    order in which they first appear."""
    rows = list(dict.fromkeys(r for r, _ in counts))
    cols = list(dict.fromkeys(c for _, c in counts))
    inner = {(r, c): _cell(counts.get((r, c), 0), score_sums, (r, c)) for r in rows for c in cols}
    row_ids = {r: _key(name, (r, TOTAL)) for r in rows}
    col_ids = {c: _key(name, (TOTAL, c)) for c in cols}
    cells = {_key(name, rc): cell for rc, cell in inner.items()}
    _unique([*cells, *row_ids.values(), *col_ids.values(), total_label])
    for r in rows:
        cells[row_ids[r]] = _sum_cells(inner[r, c] for c in cols)
    for c in cols:
        cells[col_ids[c]] = _sum_cells(inner[r, c] for r in rows)
    cells[total_label] = _sum_cells(inner.values())
    # Nodes: source 0 -> row nodes -> column nodes -> sink, and back through the grand total.
    row_node = {r: 1 + i for i, r in enumerate(rows)}
    col_node = {c: 1 + len(rows) + j for j, c in enumerate(cols)}
    sink = 1 + len(rows) + len(cols)
    arcs = {_key(name, (r, c)): (row_node[r], col_node[c]) for r in rows for c in cols}
    arcs |= {row_ids[r]: (0, row_node[r]) for r in rows}
    arcs |= {col_ids[c]: (col_node[c], sink) for c in cols}
    arcs[total_label] = (sink, 0)
    relations = tuple(
        [Relation(row_ids[r], tuple(_key(name, (r, c)) for c in cols)) for r in rows]
        + [Relation(col_ids[c], tuple(_key(name, (r, c)) for r in rows)) for c in cols]
        + [Relation(total_label, tuple(row_ids.values()))]
        + [Relation(total_label, tuple(col_ids.values()))]
    )
    return Table(cells, relations, total_label, arcs)


def share_total(*tables: Table) -> Table:
    """One table out of several that add up to the same total, e.g. the five dimension
    distributions and the level shares, all over the same N. A reader who sees them together
    knows they share N; protecting them together keeps that from undoing the suppression."""
    if not tables:
        raise ValueError("share_total needs at least one table")
    grand = tables[0].grand_total
    for table in tables:
        if table.grand_total != grand or table.cells[grand] != tables[0].cells[grand]:
            raise ValueError("the tables do not share the same total")
    cells: dict[CellId, Cell] = {}
    for table in tables:
        overlap = (set(cells) & set(table.cells)) - {grand}
        if overlap:
            raise ValueError(f"cells in two tables: {sorted(map(repr, overlap))}")
        cells |= table.cells
    relations = tuple(dict.fromkeys(r for table in tables for r in table.relations))
    return Table(cells, relations, grand, _chain([t.arcs for t in tables], grand))


def _chain(networks: list[dict[CellId, tuple[int, int]]], grand: CellId) -> dict:
    """Put the networks in series: each one's flow (its total) enters the next; one arc for the
    shared total closes the loop. The node balances then say that every table adds up to it."""
    arcs: dict[CellId, tuple[int, int]] = {}
    offset = 0
    previous_sink = None
    first_source = None
    for network in networks:
        sink, source = network[grand]
        size = 1 + max(max(arc) for arc in network.values())

        def node(n: int, *, _offset=offset, _source=source, _prev=previous_sink) -> int:
            return _prev if n == _source and _prev is not None else _offset + n

        for cell, (tail, head) in network.items():
            if cell != grand:
                arcs[cell] = (node(tail), node(head))
        if first_source is None:
            first_source = node(source)
        previous_sink = node(sink)
        offset += size
    arcs[grand] = (previous_sink, first_source)
    return arcs
