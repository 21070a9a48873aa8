"""Server-side SVG charts: the same drawing inlined in the results page and in the PDF."""

from __future__ import annotations

from markupsafe import escape

FONT = "NanumGothic"
ACCENT = "#1f6f8b"
PREVIOUS = "#1d2b3a"
GRID = "#c9d3dc"
TEXT = "#1d2b3a"
MUTED = "#5d6b78"
BAND_FILLS = ("#f6f8fa", "#eef2f5")

WIDTH = 480  # small enough that 14-unit labels stay legible on a phone
LABEL_W = 165  # room for the dimension names, right-aligned
BAR_X0, BAR_X1 = LABEL_W + 10, WIDTH - 50
ROW_H, BAR_H, TOP = 28, 16, 4
NOT_SCORED = {"ko": "해당 없음", "en": "n/a"}
NOT_PURSUED = {"ko": "추진하지 않음", "en": "not pursued"}
PREVIOUS_LABEL = {"ko": "지난 진단", "en": "last assessment"}


def _x(score: float) -> float:
    return BAR_X0 + (BAR_X1 - BAR_X0) * max(0.0, min(100.0, score)) / 100.0


def _missing(dim: dict, lang: str) -> str:
    return (NOT_PURSUED if dim.get("status") == "not_pursued" else NOT_SCORED)[lang]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def dimension_chart_svg(
    dimensions: list[dict], lang: str, title: str, *, id_prefix: str = "dimension-chart"
) -> str:
    """A horizontal bar chart of the dimension scores (0-100), as a standalone SVG string.

    Each dimension is a dict with ``name`` and ``score`` (None when nothing applied) and, when
    known, ``previous_score`` (drawn as a tick). The SVG has a viewBox and no fixed size, so it
    scales to its container; ``id_prefix`` keeps ids unique when a page inlines several charts.
    """
    has_previous = any(d.get("previous_score") is not None for d in dimensions)
    bottom = TOP + ROW_H * len(dimensions)
    height = bottom + (44 if has_previous else 24)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    summary = "; ".join(
        f"{d['name']}: {_missing(d, lang) if d.get('score') is None else round(d['score'])}"
        for d in dimensions
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{FONT}" font-size="14" '
        f'class="dimension-chart">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
    ]
    parts += _grid(bottom)
    for row, dim in enumerate(dimensions):
        parts += _bar(TOP + ROW_H * row + (ROW_H - BAR_H) // 2, dim, lang)
    if has_previous:
        parts.append(_previous_legend(bottom + 38, lang))
    parts.append("</svg>")
    return "".join(parts)


def _grid(bottom: int) -> list[str]:
    out = []
    for i, (lo, hi) in enumerate(zip(range(0, 100, 20), range(20, 101, 20), strict=True)):
        out.append(
            f'<rect x="{_x(lo):.1f}" y="{TOP}" width="{_x(hi) - _x(lo):.1f}" '
            f'height="{bottom - TOP}" fill="{BAND_FILLS[i % 2]}"/>'
        )
    for tick in range(0, 101, 20):
        x = _x(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}" '
            f'stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{tick}</text>'
        )
    return out


def _bar(y: int, dim: dict, lang: str) -> list[str]:
    score, previous = dim.get("score"), dim.get("previous_score")
    mid = y + BAR_H / 2 + 5  # text baseline roughly centred on the bar
    out = [
        f'<text x="{LABEL_W}" y="{mid:.1f}" text-anchor="end" fill="{TEXT}">'
        f"{escape(dim['name'])}</text>"
    ]
    if score is None:
        out.append(
            f'<text x="{BAR_X0 + 6}" y="{mid:.1f}" fill="{MUTED}" font-size="12">'
            f"{_missing(dim, lang)}</text>"
        )
    else:
        width = max(_x(score) - BAR_X0, 1.5)
        out.append(
            f'<rect x="{BAR_X0}" y="{y}" width="{width:.1f}" height="{BAR_H}" rx="2" '
            f'fill="{ACCENT}"/>'
            f'<text x="{_x(score) + 6:.1f}" y="{mid:.1f}" fill="{TEXT}" font-weight="bold">'
            f"{round(score)}</text>"
        )
    if previous is not None:
        x = _x(previous)
        out.append(
            f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" y2="{y + BAR_H + 4}" '
            f'stroke="{PREVIOUS}" stroke-width="2.5"><title>{PREVIOUS_LABEL[lang]}: '
            f"{_fmt(previous)}</title></line>"
        )
    return out


def _previous_legend(y: int, lang: str) -> str:
    return (
        f'<line x1="{BAR_X0}" y1="{y - 9}" x2="{BAR_X0}" y2="{y + 1}" stroke="{PREVIOUS}" '
        f'stroke-width="2.5"/><text x="{BAR_X0 + 6}" y="{y}" fill="{MUTED}" font-size="11">'
        f"{PREVIOUS_LABEL[lang]}</text>"
    )
