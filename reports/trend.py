"""A line chart of the overall index (and optionally each dimension) over a firm's assessments,
as server-side SVG with a title and a description; pages show the same figures in a table."""

from __future__ import annotations

from markupsafe import escape

from .charts import ACCENT, FONT, GRID, MUTED, TEXT

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 20, 12, 28
# Distinct and colour-blind safe (Okabe–Ito), after the accent used for the overall index.
COLOURS = ("#e69f00", "#56b4e9", "#009e73", "#cc79a7", "#d55e00")


def series_colour(index: int) -> str:
    """The colour of the ``index``-th series (0: the overall index); the page's table beside the
    chart uses the same colours as its legend."""
    return ACCENT if index == 0 else COLOURS[(index - 1) % len(COLOURS)]


def trend_chart_svg(
    dates: list[str],
    series: dict[str, list[float | None]],
    names: dict[str, str],
    title: str,
    *,
    id_prefix: str = "trend-chart",
) -> str:
    """``series`` maps a key ("overall" first) to one value per date (None: not scored)."""
    n = len(dates)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - max(0.0, min(100.0, value)) / 100.0)

    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    overall = series.get("overall", [])
    summary = "; ".join(f"{d}: {'–' if v is None else round(v, 1)}" for d, v in zip(dates, overall,
                                                                                   strict=False))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{FONT}" font-size="12" '
        f'class="trend-chart">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" '
                     f'y2="{y(tick):.1f}" stroke="{GRID}" stroke-width="1"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'fill="{MUTED}">{tick}</text>')  # fmt: skip
    # Every date labelled while they fit, else every other one counting back from the latest;
    # the first and last labels lean inwards so that neither is cut at the edge.
    step = 1 if n <= 6 else 2
    for i, label in enumerate(dates):
        if (n - 1 - i) % step:
            continue
        anchor = "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}" '
                     f'fill="{TEXT}">{escape(label)}</text>')  # fmt: skip
    for index, (key, values) in enumerate(series.items()):
        colour = series_colour(index)
        width = 3 if key == "overall" else 1.5
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         f'stroke-width="{width}"><title>{escape(names.get(key, key))}'
                         f'</title></polyline>')  # fmt: skip
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{3.5 if key == "overall" else 2.5}" '
                         f'fill="{colour}"/>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
