"""Which cells of a table may be published: primary suppression of cells under k firms (and of
empty cells, so that empty and suppressed look the same), then complementary suppression until no
hidden cell can be narrowed by arithmetic on what is shown."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from .network import Network
from .table import Cell, CellId, Table

DEFAULT_K = 5
MIN_K = 3
DEFAULT_WIDTH = 3


@dataclass(frozen=True)
class Protected:
    """A table as it may be published. Holds the figures of shown cells only: nothing about a
    hidden cell is kept, so nothing about one can be rendered, exported or serialised by mistake.
    Render every hidden cell the same way (e.g. "·"), whether it was small, empty or hidden to
    protect another."""

    cells: tuple[CellId, ...]  # every cell, in the table's order
    k: int
    width: int
    _shown: dict[CellId, Cell]

    def shown(self, cell: CellId) -> bool:
        """Whether the cell's figures may be published."""
        return cell in self._shown

    def count(self, cell: CellId) -> int | None:
        """The number of firms in a shown cell; None for a hidden one."""
        shown = self._shown.get(cell)
        return None if shown is None else shown.count

    def total_score(self, cell: CellId) -> float | None:
        """The sum of scores of a shown cell, when the table has them; None otherwise."""
        shown = self._shown.get(cell)
        return None if shown is None else shown.total_score

    def mean(self, cell: CellId) -> float | None:
        """The mean score of a shown cell, when the table has score sums; None otherwise."""
        shown = self._shown.get(cell)
        if shown is None or shown.total_score is None:
            return None
        return shown.total_score / shown.count

    def hidden(self) -> Iterator[CellId]:
        """The cells that must be rendered as suppressed, in the table's order."""
        return (cell for cell in self.cells if cell not in self._shown)

    def __iter__(self) -> Iterator[tuple[CellId, int | None]]:
        """(cell, count or None) in the table's order: what an export or API writes."""
        return ((cell, self.count(cell)) for cell in self.cells)


def check_k(k: int) -> int:
    """k as configured, refusing the values under which small cells would be shown."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise ValueError(f"k must be a whole number of at least {MIN_K}, not {k!r}")
    return k


def protect(table: Table, k: int = DEFAULT_K, width: int = DEFAULT_WIDTH) -> Protected:
    """Decide which cells of `table` may be shown.

    Hidden: every cell with fewer than `k` firms (totals included, empty cells included), and
    then, smallest first, further cells until a reader who knows every shown figure, every
    relation and that counts are whole and non-negative cannot pin any hidden count to a range
    narrower than `width` (max - min >= width), nor any hidden score sum to one value.

    :raise ValueError: k under 3, or width under 1.
    """
    check_k(k)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(
            f"the protection width must be a whole number of at least 1, not {width!r}"
        )
    hidden = _suppressed(table, k)
    counts = {cell: c.count for cell, c in table.cells.items()}
    by_count = Network(table.arcs, counts)
    by_score = None
    if table.has_scores:
        scored = {cell: int(c.total_score > 0) for cell, c in table.cells.items()}
        by_score = Network(table.arcs, scored)
    # Hiding a cell only ever widens what a reader cannot rule out, so a cell that is protected
    # stays protected while later cells are hidden: one pass over a growing queue suffices.
    queue = deque(cell for cell in table.cells if cell in hidden)
    while queue:
        cell = queue.popleft()
        for network, need in ((by_count, width), (by_score, 1)):
            while network is not None and network.spread(cell, hidden, need) < need:
                more = network.cheapest_widening(cell, hidden, counts)
                hidden.update(more)
                queue.extend(more)
    shown = {cell: c for cell, c in table.cells.items() if cell not in hidden}
    return Protected(tuple(table.cells), k, width, shown)


def _suppressed(table: Table, k: int) -> set[CellId]:
    """Primary suppression. Empty cells are hidden too: shown, a 0 beside a hidden cell would tell
    the reader that the hidden one is not empty, i.e. that it has 1 to k-1 firms."""
    return {cell for cell, c in table.cells.items() if c.count < k}
