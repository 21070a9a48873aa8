"""The shapes of published tables: their cells, ids and the relations a reader knows."""

from __future__ import annotations

import pytest

from assess.disclosure import TOTAL, Cell, Relation, one_way, series, share_total, two_way


def test_a_distribution_has_its_total_n():
    table = one_way({"1": 4, "2": 10}, "N")
    assert table.cells == {"1": Cell(4), "2": Cell(10), "N": Cell(14)}
    assert table.relations == (Relation("N", ("1", "2")),)
    assert table.grand_total == "N"


def test_a_cross_table_has_row_column_and_grand_totals():
    table = two_way({("C29", "busan"): 12, ("C25", "ulsan"): 3})
    assert table.cells[("C29", "ulsan")] == Cell(0)  # a missing pair is an empty cell
    assert table.cells[("C29", TOTAL)] == Cell(12)
    assert table.cells[(TOTAL, "ulsan")] == Cell(3)
    assert table.cells[TOTAL] == Cell(15)
    assert Relation(("C25", TOTAL), (("C25", "busan"), ("C25", "ulsan"))) in table.relations
    assert Relation(TOTAL, ((TOTAL, "busan"), (TOTAL, "ulsan"))) in table.relations
    assert len(table.relations) == 2 + 2 + 2


def test_a_series_is_a_distribution_over_periods():
    table = series({"2025Q1": 7, "2025Q2": 2}, score_sums={"2025Q1": 400.0, "2025Q2": 90.0})
    assert table.cells[TOTAL] == Cell(9, 490.0)
    assert table.has_scores


def test_tables_over_the_same_n_are_protected_together():
    table = share_total(
        one_way({1: 3, 2: 7}, "N", name="dx"), one_way({1: 6, 2: 4}, "N", name="roi")
    )
    assert set(table.cells) == {("dx", 1), ("dx", 2), ("roi", 1), ("roi", 2), "N"}
    assert Relation("N", (("roi", 1), ("roi", 2))) in table.relations


@pytest.mark.parametrize(
    "build",
    [
        lambda: share_total(one_way({1: 3}, "N"), one_way({1: 4}, "N", name="x")),  # N differs
        lambda: share_total(one_way({1: 3}, "N"), one_way({1: 3}, "N")),  # same cell twice
        lambda: one_way({"N": 3}, "N"),  # a label that is also the total
        lambda: one_way({1: -1}),
        lambda: one_way({1: 2.5}),
        lambda: one_way({1: 0}, score_sums={1: 3.0}),  # an empty cell with a score
        lambda: Cell(3, -1.0),
    ],
)
def test_inconsistent_tables_are_refused(build):
    with pytest.raises(ValueError):
        build()
