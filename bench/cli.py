"""The command line's start-up, against a bare ``python -c "import flask, sqlalchemy, yaml"`` in
the same run: whole processes, wall clock, median of several runs each.

    .venv/bin/python bench/cli.py [--runs 7]

Measured: ``assess --help``, ``assess score examples/answers-ko.yaml`` and ``assess report
examples/answers-ko.yaml -o <tmp>.pdf`` (a real render in the sandboxed renderer). DESIGN §7's
target (``assess score`` at most 3x the bare import) is printed, not asserted.

Measured on the 2-core development machine (medians of 5; the machine shared, so compare
ratios from one run):

    before  bare import 316 ms, --help 1373 ms, score 1760 ms (5.6x), report 3679 ms
    after   bare import 485 ms, --help 2104 ms, score  664 ms (1.4x), report 2334 ms
    --help without the app (machine busy with other work, so only the ratios count):
            bare import 1388 ms, --help 2085 ms (1.5x), score 1392 ms (1.0x), report 7306 ms
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "answers-ko.yaml"
TARGET = 3.0


def median_ms(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()
    assess = str(BIN / "assess")
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "bare import": [sys.executable, "-c", "import flask, sqlalchemy, yaml"],
            "assess --help": [assess, "--help"],
            "assess score": [assess, "score", str(EXAMPLE)],
            "assess report": [assess, "report", str(EXAMPLE), "-o", str(Path(tmp) / "r.pdf")],
        }
        figures = {name: median_ms(command, args.runs) for name, command in commands.items()}
    bare = figures["bare import"]
    for name, ms in figures.items():
        print(f"{name:<14} {ms:8.0f} ms  {ms / bare:5.2f}x the bare import")
    ratio = figures["assess score"] / bare
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"assess score: {ratio:.2f}x the bare import (target <= {TARGET:g}x): {verdict}")
    if args.json:
        print("BENCHJSON " + json.dumps({"script": "cli", "figures": [
            {"figure": f"{name} (whole process)", "ours": figures[name], "baseline": bare,
             "ratio": figures[name] / bare, "unit": "ms",
             **({"target": f"<= {TARGET:g}x", "met": ratio <= TARGET}
                if name == "assess score" else {}),
             "note": "baseline: python -c 'import flask, sqlalchemy, yaml'"}
            for name in ("assess --help", "assess score", "assess report")]}))


if __name__ == "__main__":
    main()
