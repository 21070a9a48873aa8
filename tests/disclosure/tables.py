"""Hypothesis strategies for published tables. Counts are drawn to make small, empty and just-
over-k cells common next to large ones, which is where suppression has work to do."""

from __future__ import annotations

from hypothesis import strategies as st

from assess.disclosure import one_way, series, share_total, two_way

INDUSTRIES = ["C10", "C25", "C29", "C30"]
REGIONS = ["busan", "ulsan", "gyeongnam", "daegu"]
QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]

counts = st.one_of(st.integers(0, 3), st.integers(0, 9), st.integers(5, 60))


@st.composite
def score_sums(draw, cells: dict):
    """None (no means shown), or a score sum per cell: 0 to 100 per firm, often all 0."""
    if not draw(st.booleans()):
        return None
    return {
        cell: float(draw(st.one_of(st.just(0), st.integers(0, 100 * n))))
        for cell, n in cells.items()
    }


@st.composite
def one_way_tables(draw):
    labels = draw(
        st.lists(st.sampled_from(INDUSTRIES + REGIONS), min_size=1, max_size=6, unique=True)
    )
    cells = {label: draw(counts) for label in labels}
    return one_way(cells, "N", score_sums=draw(score_sums(cells)))


@st.composite
def series_tables(draw):
    quarters = QUARTERS[: draw(st.integers(1, len(QUARTERS)))]
    cells = {quarter: draw(counts) for quarter in quarters}
    return series(cells, score_sums=draw(score_sums(cells)))


@st.composite
def two_way_tables(draw):
    industries = INDUSTRIES[: draw(st.integers(1, 4))]
    regions = REGIONS[: draw(st.integers(1, 4))]
    cells = {(i, r): draw(counts) for i in industries for r in regions}
    return two_way(cells, score_sums=draw(score_sums(cells)))


@st.composite
def partition(draw, n: int, parts: int) -> list[int]:
    """n firms split into `parts` levels, any way at all."""
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, n]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


@st.composite
def shared_n_tables(draw):
    """Two or three distributions of the same firms (e.g. levels on two dimensions), same N."""
    levels = [1, 2, 3, 4, 5][: draw(st.integers(2, 5))]
    first = [draw(counts) for _ in levels]
    n = sum(first)
    distributions = [first] + [
        draw(partition(n, len(levels))) for _ in range(draw(st.integers(1, 2)))
    ]
    return share_total(
        *(
            one_way(dict(zip(levels, split, strict=True)), "N", name=f"dim{d}")
            for d, split in enumerate(distributions)
        )
    )


any_table = st.one_of(one_way_tables(), series_tables(), two_way_tables(), shared_n_tables())
