"""Populations under the dashboard's filters, compared with the same filter minus one condition."""

from __future__ import annotations

import pytest

from assess.disclosure import publishable_population


@pytest.mark.parametrize(
    ("n", "parents", "k", "expected"),
    [
        (4, [], 5, False),  # too few firms
        (5, [], 5, True),
        (38, [40], 5, False),  # busan minus busan & C29 would describe 2 firms
        (35, [40], 5, True),
        (40, [40], 5, True),  # every busan firm is in C29: nothing to subtract
        (12, [40, 12, 16], 5, False),  # one parent of three differs by 4
        (12, [40, 12, 17], 5, True),
        (12, [14], 3, False),
        (12, [15], 3, True),
    ],
)
def test_a_population_is_shown_only_when_no_difference_is_small(n, parents, k, expected):
    assert publishable_population(n, parents, k) is expected


def test_k_under_three_and_impossible_parents_are_refused():
    with pytest.raises(ValueError):
        publishable_population(10, [], 2)
    with pytest.raises(ValueError):
        publishable_population(10, [9], 5)
