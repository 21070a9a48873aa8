"""A horizontal bar chart of counts (a distribution, levels, quarters), as server-side SVG. A
figure that is not shown (hidden by disclosure control, or empty) is drawn the same way: no bar
and a dash, so the chart tells no more than the table beside it."""

from __future__ import annotations

from markupsafe import escape

from .charts import ACCENT, FONT, GRID, MUTED, TEXT

WIDTH, ROW_H, BAR_H, LABEL_W, TOP = 480, 24, 14, 110, 4
HIDDEN = "–"


def bar_chart_svg(rows: list[tuple[str, float | None]], title: str, *,
                  id_prefix: str = "bars", unit: str = "") -> str:
    """``rows`` are (label, value or None for a figure not shown)."""
    shown = [v for _, v in rows if v is not None]
    top = max(shown, default=0) or 1
    x0, x1 = LABEL_W + 8, WIDTH - 60
    height = TOP * 2 + ROW_H * len(rows)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    summary = "; ".join(f"{label}: {HIDDEN if v is None else _fmt(v)}{unit}" for label, v in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{FONT}" font-size="13" '
        f'class="bar-chart">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
        f'<line x1="{x0}" y1="0" x2="{x0}" y2="{height}" stroke="{GRID}" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(rows):
        y = TOP + ROW_H * i
        parts.append(f'<text x="{LABEL_W}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" '
                     f'fill="{TEXT}">{escape(label)}</text>')  # fmt: skip
        if value is None:
            parts.append(f'<text x="{x0 + 6}" y="{y + ROW_H / 2 + 4:.1f}" '
                         f'fill="{MUTED}">{HIDDEN}</text>')  # fmt: skip
            continue
        width = (x1 - x0) * value / top
        parts.append(f'<rect x="{x0}" y="{y + (ROW_H - BAR_H) / 2:.1f}" width="{width:.1f}" '
                     f'height="{BAR_H}" fill="{ACCENT}"/>')  # fmt: skip
        parts.append(f'<text x="{x0 + width + 6:.1f}" y="{y + ROW_H / 2 + 4:.1f}" '
                     f'fill="{TEXT}">{_fmt(value)}{escape(unit)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
