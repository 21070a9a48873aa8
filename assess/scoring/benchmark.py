"""Peer benchmark: percentiles within the narrowest cohort that has at least k firms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_MIN_COHORT = 5


@dataclass(frozen=True)
class PeerScores:
    industry: str | None
    size_band: str | None
    overall: float
    dimensions: Mapping[str, float | None]


@dataclass(frozen=True)
class Benchmark:
    cohort: str  # "industry_size" | "industry" | "all"
    industry: str | None
    size_band: str | None
    n: int
    overall: float  # percentile 0..100
    dimensions: dict[str, float | None]


def percentile(value: float, others: list[float]) -> float:
    """Share of others below ``value``, counting ties as half (0..100)."""
    below = sum(1 for o in others if o < value)
    equal = sum(1 for o in others if o == value)
    return 100.0 * (below + 0.5 * equal) / len(others)


def benchmark(
    firm: PeerScores, peers: Iterable[PeerScores], k: int = DEFAULT_MIN_COHORT
) -> Benchmark | None:
    """Compare ``firm`` with ``peers`` (which must not include the firm itself).

    Cohorts are tried narrowest first: same industry and size band, same industry, everyone.
    Nothing is computed over fewer than ``k`` firms: then the answer is None.
    """
    peers = list(peers)
    cohorts = (
        ("industry_size", lambda p: p.industry == firm.industry and p.size_band == firm.size_band),
        ("industry", lambda p: p.industry == firm.industry),
        ("all", lambda p: True),
    )
    for name, belongs in cohorts:
        if name != "all" and firm.industry is None:
            continue
        if name == "industry_size" and firm.size_band is None:
            continue
        cohort = [p for p in peers if belongs(p)]
        if len(cohort) >= k:
            return _compare(name, firm, cohort)
    return None


def _compare(name: str, firm: PeerScores, cohort: list[PeerScores]) -> Benchmark:
    dimensions: dict[str, float | None] = {}
    for dim, value in firm.dimensions.items():
        others = [s for p in cohort if (s := p.dimensions.get(dim)) is not None]
        dimensions[dim] = percentile(value, others) if value is not None and others else None
    return Benchmark(
        cohort=name,
        industry=firm.industry if name != "all" else None,
        size_band=firm.size_band if name == "industry_size" else None,
        n=len(cohort),
        overall=percentile(firm.overall, [p.overall for p in cohort]),
        dimensions=dimensions,
    )
