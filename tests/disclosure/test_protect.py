"""Primary and complementary suppression on the examples agencies will meet most."""

from __future__ import annotations

import pytest

from assess.disclosure import TOTAL, one_way, protect, series, share_total, two_way

from .attacker import audit, feasible_range


def test_a_cell_of_four_firms_is_hidden_and_one_of_five_is_shown():
    table = one_way({"a": 4, "b": 5, "c": 3, "d": 20})
    published = protect(table)
    assert not published.shown("a")
    assert published.count("a") is None
    assert published.shown("b") and published.count("b") == 5
    audit(table, published)


@pytest.mark.parametrize("k", [0, 1, 2, -5, 2.9, True])
def test_k_under_three_is_refused(k):
    with pytest.raises(ValueError):
        protect(one_way({"a": 10}), k=k)


def test_k_is_configurable():
    table = one_way({"a": 4, "b": 7, "c": 9})
    assert protect(table, k=3).shown("a")
    assert not protect(table, k=8).shown("b")


def test_a_width_under_one_is_refused():
    with pytest.raises(ValueError):
        protect(one_way({"a": 10}), width=0)


def test_one_small_cell_and_a_shown_total_hide_the_smallest_other_cell():
    table = one_way({"1": 4, "2": 10, "3": 12, "4": 7, "5": 6}, "N")
    published = protect(table)
    assert list(published.hidden()) == ["1", "5"]
    assert published.count("N") == 39
    for cell in ("1", "5"):
        assert feasible_range(table, published, cell).width >= 3
    audit(table, published)


def test_one_small_cell_in_a_cross_table_hides_a_rectangle():
    table = two_way(
        {
            ("C29", "busan"): 12,
            ("C29", "ulsan"): 3,
            ("C29", "gyeongnam"): 20,
            ("C25", "busan"): 9,
            ("C25", "ulsan"): 8,
            ("C25", "gyeongnam"): 15,
            ("C10", "busan"): 30,
            ("C10", "ulsan"): 11,
            ("C10", "gyeongnam"): 25,
        }
    )
    published = protect(table)
    assert set(published.hidden()) == {
        ("C29", "ulsan"),
        ("C29", "busan"),
        ("C25", "ulsan"),
        ("C25", "busan"),
    }
    assert all(published.shown(cell) for cell in table.cells if TOTAL in cell)
    audit(table, published)


def test_a_small_quarter_hides_another_quarter():
    table = series({"2025Q1": 7, "2025Q2": 2, "2025Q3": 9, "2025Q4": 11})
    published = protect(table)
    assert list(published.hidden()) == ["2025Q1", "2025Q2"]
    assert published.count(TOTAL) == 29
    assert feasible_range(table, published, "2025Q2").width == 9
    audit(table, published)


def test_an_empty_cell_is_hidden_and_cannot_be_told_from_a_suppressed_one():
    # Everything else is large: shown alone, the empty cell's 0 would follow from the total.
    table = one_way({"1": 0, "2": 10, "3": 12, "4": 7}, "N")
    published = protect(table)
    assert list(published.hidden()) == ["1", "4"]
    assert feasible_range(table, published, "1").width == 7
    audit(table, published)


def test_two_empty_cells_cannot_protect_each_other():
    table = one_way({"1": 0, "2": 0, "3": 12, "4": 7}, "N")
    published = protect(table)
    assert list(published.hidden()) == ["1", "2", "4"]
    audit(table, published)


def test_a_small_total_is_hidden_with_its_parts():
    table = two_way({("C29", "busan"): 2, ("C29", "ulsan"): 1, ("C25", "busan"): 9})
    published = protect(table)
    assert not published.shown(("C29", TOTAL))
    audit(table, published)


def test_a_hidden_mean_cannot_be_recovered_from_the_shown_sums():
    table = one_way({"a": 3, "b": 6, "c": 9}, score_sums={"a": 0.0, "b": 0.0, "c": 450.0})
    published = protect(table)
    # b alone widens a's count, but every firm in a and b scored 0: their sums would add up to 0,
    # so both means would be known. c is hidden too.
    assert list(published.hidden()) == ["a", "b", "c"]
    assert published.mean(TOTAL) == pytest.approx(450 / 18)
    audit(table, published)


def test_the_dimension_distributions_and_the_levels_share_one_n():
    table = share_total(
        one_way({1: 2, 2: 9, 3: 9}, "N", name="dx"),
        one_way({1: 6, 2: 6, 3: 8}, "N", name="roi"),
        one_way({1: 10, 2: 10, 3: 0}, "N", name="level"),
    )
    published = protect(table)
    assert published.shown("N")
    audit(table, published)


def test_the_published_table_keeps_the_table_order_and_shows_only_shown_figures():
    table = one_way({"a": 4, "b": 5, "c": 9}, score_sums={"a": 100.0, "b": 200.0, "c": 90.0})
    published = protect(table)
    assert [cell for cell, _ in published] == ["a", "b", "c", TOTAL]
    assert dict(published)["a"] is None
    assert published.mean("a") is None and published.total_score("a") is None
    assert published.mean(TOTAL) == pytest.approx(390 / 18)
