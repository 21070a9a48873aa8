"""Properties of every published table, whatever its shape and figures."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.disclosure import Protected, one_way, protect

from .attacker import audit, feasible_range
from .tables import any_table

many = settings(max_examples=150, deadline=None)


@many
@given(any_table, st.integers(3, 8), st.integers(1, 6))
def test_protect_is_deterministic(table, k, width):
    first = protect(table, k=k, width=width)
    assert protect(table, k=k, width=width) == first
    assert list(first) == list(protect(table, k=k, width=width))


@many
@given(any_table)
def test_shown_cells_keep_their_figures_and_small_cells_are_never_shown(table):
    published = protect(table)
    for cell in published.cells:
        if published.shown(cell):
            assert published.count(cell) == table.cells[cell].count >= published.k
            assert published.total_score(cell) == table.cells[cell].total_score


@many
@given(any_table)
def test_nothing_about_a_hidden_cell_is_in_the_published_table(table):
    published = protect(table)
    hidden = set(published.hidden())
    for cell in hidden:
        assert published.count(cell) is None
        assert published.total_score(cell) is None
        assert published.mean(cell) is None
    # What the object holds (and so whatever a caller serialises) is the shown cells' figures only.
    assert set(published._shown) == set(published.cells) - hidden
    assert set(asdict(published)["_shown"]) == set(published.cells) - hidden
    assert {cell for cell, count in published if count is None} == hidden


@many
@given(any_table)
def test_hiding_more_cells_never_narrows_a_protected_one(table):
    # Why protect() can check each hidden cell once: the first cell protected stays protected.
    published = protect(table)
    shown = [cell for cell in published.cells if published.shown(cell)]
    if shown:
        fewer = {cell: table.cells[cell] for cell in shown[1:]}
        more_hidden = Protected(published.cells, published.k, published.width, fewer)
        for cell in published.hidden():
            assert feasible_range(table, more_hidden, cell).width >= published.width


def test_the_audit_fails_a_table_with_primary_suppression_only():
    table = one_way({"a": 4, "b": 10, "c": 12}, "N")
    primary_only = {cell: figures for cell, figures in table.cells.items() if cell != "a"}
    with pytest.raises(AssertionError):
        audit(table, Protected(tuple(table.cells), 5, 3, primary_only))
