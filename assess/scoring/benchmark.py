"""Peer benchmark: percentiles within the narrowest cohort that has at least k firms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_MIN_COHORT = 5


@dataclass(frozen=True)
class PeerScores:
    industry: str | None
    size_band: str | None
    overall: float
    dimensions: Mapping[str, float | None]
    # Dimensions the firm does not pursue: its overall index is compared like with like, with
    # peers' index recomputed over the dimensions it has (weights as in the questionnaire).
    not_pursued: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Benchmark:
    cohort: str  # "industry_size" | "industry" | "all"
    industry: str | None
    size_band: str | None
    n: int
    overall: float  # percentile 0..100
    dimensions: dict[str, float | None]


Counts = tuple[int, int, int]  # peers below, peers equal, peers with a score


def percentile(value: float, others: list[float]) -> float:
    """Share of others below ``value``, counting ties as half (0..100)."""
    return percentile_of_counts(count_against(value, others))


def count_against(value: float, others: list[float]) -> Counts:
    return (sum(1 for o in others if o < value), sum(1 for o in others if o == value), len(others))


def percentile_of_counts(counts: Counts) -> float:
    below, equal, total = counts
    return 100.0 * (below + 0.5 * equal) / total


def cohort_filters(firm: PeerScores) -> list[tuple[str, dict[str, str]]]:
    """The cohorts to try, narrowest first, as (name, {field: value}) — the same for the pure
    function below and for the SQL version in the service."""
    cohorts: list[tuple[str, dict[str, str]]] = []
    if firm.industry is not None:
        if firm.size_band is not None:
            cohorts.append(("industry_size", {"industry": firm.industry,
                                              "size_band": firm.size_band}))  # fmt: skip
        cohorts.append(("industry", {"industry": firm.industry}))
    cohorts.append(("all", {}))
    return cohorts


def comparable_overall(
    peer: PeerScores, firm: PeerScores, weights: Mapping[str, float]
) -> float | None:
    """The peer's index as the firm's is computed: over the firm's scored dimensions only."""
    if not firm.not_pursued:
        return peer.overall
    dims = [d for d, s in firm.dimensions.items() if s is not None]
    if any(peer.dimensions.get(d) is None for d in dims):
        return None
    return sum(weights[d] * peer.dimensions[d] for d in dims) / sum(weights[d] for d in dims)


def benchmark(
    firm: PeerScores, peers: Iterable[PeerScores], k: int = DEFAULT_MIN_COHORT,
    weights: Mapping[str, float] | None = None,
) -> Benchmark | None:  # fmt: skip
    """Compare ``firm`` with ``peers`` (which must not include the firm itself).

    Cohorts are tried narrowest first: same industry and size band, same industry, everyone.
    Nothing is computed over fewer than ``k`` firms: then the answer is None.
    """
    weights = weights or {d: 1.0 for d in firm.dimensions}
    peers = [p for p in peers if comparable_overall(p, firm, weights) is not None]
    for name, filters in cohort_filters(firm):
        cohort = [p for p in peers if all(getattr(p, f) == v for f, v in filters.items())]
        if len(cohort) >= k:
            overalls = [comparable_overall(p, firm, weights) for p in cohort]
            counts = {"overall": count_against(firm.overall, overalls)}
            for dim, value in firm.dimensions.items():
                others = [s for p in cohort if (s := p.dimensions.get(dim)) is not None]
                if value is not None:
                    counts[dim] = count_against(value, others)
            return from_counts(name, firm, len(cohort), counts)
    return None


def from_counts(name: str, firm: PeerScores, n: int, counts: Mapping[str, Counts]) -> Benchmark:
    """A benchmark from (below, equal, total) counts per score: ``overall`` and each dimension."""
    dimensions: dict[str, float | None] = {}
    for dim in firm.dimensions:
        c = counts.get(dim)
        dimensions[dim] = percentile_of_counts(c) if c and c[2] else None
    return Benchmark(
        cohort=name,
        industry=firm.industry if name != "all" else None,
        size_band=firm.size_band if name == "industry_size" else None,
        n=n,
        overall=percentile_of_counts(counts["overall"]),
        dimensions=dimensions,
    )
