"""PDF report: median render time, our pipeline against WeasyPrint alone, and file size.

    .venv/bin/python bench/report.py [--runs 15] [--lang ko]

The standard report is examples/answers-ko.yaml with a peer benchmark. "Pipeline" is what the
app and `assess report` do: ``reports.render_pdf(dict)`` — pickling the dict to the warm sandbox
worker, Jinja, the SVG chart, WeasyPrint, and the PDF back over the pipe. "WeasyPrint alone"
renders the very same HTML in this process with the same pre-parsed stylesheet and font
configuration, which is the fastest way to call WeasyPrint directly. Runs alternate between the
two so that both see the same machine load. Targets (DESIGN §7) are printed, not asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from assess import create_app  # noqa: E402
from assess.presentation.results import result_view  # noqa: E402
from assess.scoring import Benchmark, read_document  # noqa: E402
from assess.services.documents import score_document  # noqa: E402
from reports import default_pool, format_date, render_pdf  # noqa: E402
from reports.render import PdfRenderer, build_html  # noqa: E402

EXAMPLE = ROOT / "examples" / "answers-ko.yaml"
TARGET_P50, TARGET_RATIO, TARGET_KB, TARGET_PEAK_MB = 0.75, 1.05, 300, 250


def standard_report(lang: str) -> dict:
    """The example firm's report dict, as the web app would pass it (with a peer benchmark)."""
    import datetime as dt

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        questionnaire, document, data = score_document(read_document(EXAMPLE))
        benchmark = Benchmark(
            cohort="industry", industry="C29", size_band=None, n=14, overall=38.0,
            dimensions={"dx_ax": 30.0, "roi": 45.0, "infra": 60.0, "export": 50.0,
                        "succession": 20.0},
        )  # fmt: skip
        return result_view(
            questionnaire, document, data, lang,
            date=format_date(dt.date(2026, 11, 22), lang), benchmark=benchmark,
        )  # fmt: skip


def timed(fn) -> tuple[float, bytes]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lang", choices=["ko", "en"], default="ko")
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()

    report = standard_report(args.lang)
    renderer = PdfRenderer()
    html = build_html(report)
    default_pool().workers[0].start()
    render_pdf(report), renderer.html_to_pdf(html)  # warm both paths: fonts, caches

    ours, alone = [], []
    for _ in range(args.runs):
        seconds, pdf = timed(lambda: render_pdf(report))
        ours.append(seconds)
        seconds, _ = timed(lambda: renderer.html_to_pdf(html))
        alone.append(seconds)
    default_pool().close()  # the worker's peak memory is known once it has exited

    p50, p50_alone = statistics.median(ours), statistics.median(alone)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    size_kb = len(pdf) / 1024
    worker_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"standard report ({args.lang}): {pages} pages, {args.runs} runs each")
    print(f"  pipeline p50          {p50:6.3f} s   (target < {TARGET_P50} s)")
    print(f"  WeasyPrint alone p50  {p50_alone:6.3f} s")
    print(f"  ratio                 {p50 / p50_alone:6.2f}     (target <= {TARGET_RATIO})")
    print(f"  size                  {size_kb:6.0f} KB  (target < {TARGET_KB} KB)")
    print(f"  worker peak RSS       {worker_peak_mb:6.0f} MB  (target < {TARGET_PEAK_MB} MB)")
    if args.json:
        print("BENCHJSON " + json.dumps({"script": f"report ({args.lang})", "figures": [
            {"figure": "PDF render p50 (pipeline)", "ours": p50 * 1000,
             "baseline": p50_alone * 1000, "ratio": p50 / p50_alone, "unit": "ms",
             "target": f"< {TARGET_P50 * 1000:.0f} ms, <= {TARGET_RATIO}x",
             "met": p50 < TARGET_P50 and p50 / p50_alone <= TARGET_RATIO,
             "note": "baseline: WeasyPrint alone on the same HTML"},
            {"figure": "PDF size", "ours": size_kb, "unit": "KB", "target": f"< {TARGET_KB} KB",
             "met": size_kb < TARGET_KB},
            {"figure": "render process peak RSS", "ours": worker_peak_mb, "unit": "MB",
             "target": f"< {TARGET_PEAK_MB} MB", "met": worker_peak_mb < TARGET_PEAK_MB},
        ]}))


if __name__ == "__main__":
    main()
