"""Cached PDF re-download through the web app (target under 20 ms), against serving the same
bytes as a static file through the same app in the same run.

    .venv/bin/python bench/pdf_cache.py [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from assess import create_app  # noqa: E402
from assess.config import DEFAULT_RATE_LIMITS  # noqa: E402
from assess.extensions import db  # noqa: E402
from assess.services.demo import seed_demo_firms  # noqa: E402


def p50_ms(client, url: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with client.get(url) as response:
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        static = Path(tmp) / "static"
        app = create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
            "PDF_CACHE_DIR": f"{tmp}/cache",
            # One visitor downloading again and again: past the anti-automation limit.
            "RATE_LIMITS": {**DEFAULT_RATE_LIMITS, "costly": "1000000/minute"},
        })  # fmt: skip
        with app.app_context():
            upgrade()
            token = seed_demo_firms(6, seed=1)[0]
            db.session.commit()
        client = app.test_client()
        url = f"/r/{token}/report-ko.pdf"
        start = time.perf_counter()
        pdf = client.get(url).get_data()
        first_ms = (time.perf_counter() - start) * 1000
        static.mkdir()
        app.static_folder = str(static)
        (static / "same.pdf").write_bytes(pdf)
        cached = p50_ms(client, url, args.runs)
        baseline = p50_ms(client, "/static/same.pdf", args.runs)
    print(f"first download (render):     {first_ms:8.1f} ms   ({len(pdf) // 1024} KB)")
    print(f"cached re-download p50:      {cached:8.2f} ms   target < 20 ms")
    print(f"static file, same bytes p50: {baseline:8.2f} ms")
    print(f"ratio cached/static:         {cached / baseline:8.2f} x")
    if args.json:
        print("BENCHJSON " + json.dumps({"script": "pdf_cache", "figures": [
            {"figure": "cached PDF re-download p50", "ours": cached, "baseline": baseline,
             "ratio": cached / baseline, "unit": "ms", "target": "< 20 ms", "met": cached < 20,
             "note": "baseline: the same bytes as a static file"},
            {"figure": "first PDF download (render)", "ours": first_ms, "unit": "ms"},
        ]}))


if __name__ == "__main__":
    main()
