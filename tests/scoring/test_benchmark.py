"""Benchmark: the narrowest cohort with at least k firms, percentiles, nothing below k."""

from __future__ import annotations

import pytest

from assess.scoring import PeerScores, benchmark
from assess.scoring.benchmark import percentile

DIMS = ("dx_ax", "roi", "infra", "export", "succession")


def peer(industry, band, overall):
    return PeerScores(industry, band, overall, {d: overall for d in DIMS})


FIRM = peer("C29", "small", 50.0)


def test_nothing_below_k():
    peers = [peer("C29", "small", 40.0)] * 4
    assert benchmark(FIRM, peers, k=5) is None


def test_narrowest_cohort_first():
    peers = [peer("C29", "small", s) for s in (10, 20, 30, 60, 70)] + [peer("C10", "small", 90)] * 9
    result = benchmark(FIRM, peers, k=5)
    assert (result.cohort, result.n, result.industry, result.size_band) == (
        "industry_size", 5, "C29", "small",
    )  # fmt: skip
    assert result.overall == pytest.approx(60.0)
    assert result.dimensions["roi"] == pytest.approx(60.0)


def test_falls_back_to_industry_then_all():
    same_industry = [peer("C29", "medium", s) for s in (10, 20, 30, 40, 60)]
    result = benchmark(FIRM, same_industry + [peer("C10", "small", 1)] * 3, k=5)
    assert (result.cohort, result.n, result.size_band) == ("industry", 5, None)
    everyone = [peer("C10", "small", s) for s in range(0, 100, 10)]
    result = benchmark(FIRM, everyone + [peer("C29", "small", 99)], k=5)
    assert (result.cohort, result.n, result.industry) == ("all", 11, None)


def test_k_is_a_parameter():
    peers = [peer("C29", "small", 10)] * 3
    assert benchmark(FIRM, peers, k=3).cohort == "industry_size"
    assert benchmark(FIRM, peers, k=4) is None


def test_percentile_counts_ties_as_half():
    assert percentile(50, [50, 50]) == 50
    assert percentile(100, [0, 10, 20, 30]) == 100
    assert percentile(0, [0, 10, 20, 30]) == 12.5


def test_unknown_industry_uses_everyone():
    firm = PeerScores(None, None, 50, {d: 50 for d in DIMS})
    assert benchmark(firm, [peer("C29", "small", 40)] * 5, k=5).cohort == "all"
