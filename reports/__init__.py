"""The PDF report: one entry point, ``render_pdf(report) -> bytes``, from the plain dict of
``assess.presentation.results.result_view``. No Flask here, and no WeasyPrint in the caller's process:
renders run in a sandboxed worker (``reports.sandbox``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .charts import dimension_chart_svg
from .labels import LABELS, format_date
from .sandbox import RenderError, RenderPool, RenderWorker, default_pool, render_pdf

_PACKAGE = Path(__file__).resolve().parent
TEMPLATE_SERIES = "1"  # bump by hand for a change the digest below cannot see


def template_version(directory: Path = _PACKAGE) -> str:
    """Changes whenever a template, the stylesheet, a label or the chart code changes."""
    digest = hashlib.sha256(TEMPLATE_SERIES.encode())
    for pattern in ("*.html", "*.css", "labels.py", "charts.py", "render.py", "static/*"):
        for path in sorted(directory.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{TEMPLATE_SERIES}.{digest.hexdigest()[:10]}"


#: Part of the PDF cache key, with the assessment revision and the language.
TEMPLATE_VERSION = template_version()

__all__ = [
    "LABELS", "TEMPLATE_VERSION", "RenderError", "RenderPool", "RenderWorker",
    "default_pool", "dimension_chart_svg", "format_date", "render_pdf",
]  # fmt: skip
