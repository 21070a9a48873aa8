"""Run every benchmark in bench/ one after the other (short runs), then print one summary table:
figure, ours, baseline (same run), ratio, target, met/missed.

    .venv/bin/python bench/run_all.py [--full] [--database-url postgresql://...]

Each script is run with ``--json`` and prints its figures as one ``BENCHJSON {...}`` line; its
other output is shown as it runs. Without ``--full`` the scripts get short durations and run
counts (noisier figures, a few minutes in all). With ``--database-url`` (``make bench`` passes
``BENCH_DATABASE_URL``) the database benchmarks also run on that PostgreSQL database, whose
tables they empty. A missed target is reported, never an error; a script that fails is named in
the table and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# Script, its quick options, its full options (its defaults), whether it takes --database-url.
SCRIPTS = [
    ("scoring.py", ["--n", "1000"], [], False),
    ("cli.py", ["--runs", "3"], [], False),
    ("report.py", ["--runs", "5"], [], False),
    ("pdf_cache.py", ["--runs", "20"], [], False),
    ("batch.py", ["--firms", "20"], [], False),
    ("aggregates.py", ["--results", "100000", "--runs", "3"], [], True),
    ("pages.py", ["--duration", "9"], [], True),
    # Correctness under load: figures here; a lost answer makes the script fail (exit 1).
    ("load.py", ["--duration", "15"], [], True),
    # Each fault on its own run (the PostgreSQL restart on a private instance of its own).
    ("faults.py", ["--duration", "15"], [], False),
]


def run(script: str, options: list[str]) -> tuple[list[dict], float, int]:
    """The script's BENCHJSON results (one per line; a script may print several), its run time
    and exit status."""
    command = [sys.executable, str(BENCH / script), *options, "--json"]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    found = []
    for line in process.stdout:
        if line.startswith("BENCHJSON "):
            found.append(json.loads(line[len("BENCHJSON "):]))
        else:
            print(line, end="", flush=True)
    code = process.wait()
    return found, time.perf_counter() - started, code


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, int):  # a count (errors, lost answers)
        return f"{value:,} {unit}".strip()
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) < 10 \
        else f"{value:.1f}"
    return f"{text} {unit}".strip()


def table(results: list[dict]) -> str:
    header = ("figure", "ours", "baseline", "ratio", "target", "")
    rows = [header]
    for result in results:
        if result.get("failed"):
            rows.append((f"[{result['script']}] FAILED (exit {result['code']})", "", "", "", "",
                         ""))  # fmt: skip
            continue
        for f in result["figures"]:
            met = f.get("met")
            rows.append((
                f"[{result['script']}] {f['figure']}", number(f.get("ours"), f.get("unit", "")),
                number(f.get("baseline"), f.get("unit", "")),
                f"{f['ratio']:.2f}x" if f.get("ratio") is not None else "",
                f.get("target", ""), "" if met is None else "met" if met else "MISSED",
            ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i in (0, 4, 5) else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="each script's default run length")
    parser.add_argument("--database-url", help="also run the database benchmarks on this "
                                               "PostgreSQL database (its tables are emptied)")
    args = parser.parse_args()
    plan = []
    for script, quick, full, takes_database in SCRIPTS:
        options = full if args.full else quick
        plan.append((script, options))
        if takes_database and args.database_url:
            plan.append((script, [*options, "--database-url", args.database_url]))
    results, failed = [], False
    started = time.perf_counter()
    for script, options in plan:
        found, seconds, code = run(script, options)
        if code or not found:
            failed = True
            results.append({"script": script.removesuffix(".py"), "failed": True, "code": code})
        else:
            results += found
    print(f"\nSummary ({time.perf_counter() - started:.0f} s; ratio = ours / baseline, except the "
          "batch's speed-up; one run on this machine, so noisy):\n")
    print(table(results))
    loads = {r["load"] for r in results if r.get("load")}
    if loads:
        print(f"\npage load generator: {', '.join(sorted(loads))}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
