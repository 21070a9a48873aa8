"""The audit: for every hidden cell of many tables, a solver playing the reader cannot narrow its
count below the protection width (nor pin its score sum), and no small cell is ever shown."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess.disclosure import one_way, protect, share_total, two_way

from .attacker import audit
from .tables import any_table, shared_n_tables, two_way_tables

audited = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@audited
@given(any_table, st.integers(3, 8), st.integers(1, 6))
def test_no_hidden_cell_can_be_narrowed_below_the_width(table, k, width):
    audit(table, protect(table, k=k, width=width))


@audited
@given(two_way_tables())
def test_cross_tables_with_the_defaults(table):
    audit(table, protect(table))


@audited
@given(shared_n_tables())
def test_distributions_sharing_n_with_the_defaults(table):
    audit(table, protect(table))


def sparse_industry_by_region(firms: int, seed: int) -> dict:
    """A dashboard-like cross-table: a few busy industries and regions, many thin cells."""
    rng = random.Random(seed)
    industries = [f"C{n}" for n in range(20, 30)]
    regions = ["seoul", "busan", "daegu", "incheon", "gwangju", "ulsan", "gyeonggi", "jeju"]
    counts = {(i, r): 0 for i in industries for r in regions}
    for _ in range(firms):
        industry = rng.choice(industries[:3] if rng.random() < 0.5 else industries)
        counts[industry, rng.choice(regions[:2] if rng.random() < 0.5 else regions)] += 1
    return counts


FIXED = {
    "a thin industry-by-region table": two_way(sparse_industry_by_region(150, seed=1)),
    "a busier industry-by-region table": two_way(sparse_industry_by_region(900, seed=2)),
    "levels with a small top level": one_way({1: 8, 2: 21, 3: 30, 4: 11, 5: 2}, "N"),
    "a region with no firms": two_way(
        {("C29", "busan"): 14, ("C29", "jeju"): 0, ("C25", "busan"): 9, ("C25", "jeju"): 0}
    ),
    "industry by region": two_way(
        {
            (industry, region): n
            for (industry, region), n in zip(
                [(i, r) for i in ("C10", "C25", "C29", "C30") for r in ("busan", "ulsan", "seoul")],
                [30, 1, 12, 0, 7, 9, 4, 4, 25, 6, 0, 3],
                strict=True,
            )
        }
    ),
    "levels and a dimension over one N": share_total(
        one_way({1: 3, 2: 12, 3: 10}, "N", name="levels"),
        one_way({"low": 20, "high": 5}, "N", name="dx"),
    ),
}


@pytest.mark.parametrize("name", FIXED)
@pytest.mark.parametrize("k", [3, 5, 10])
def test_the_fixed_examples(name, k):
    audit(FIXED[name], protect(FIXED[name], k=k))
