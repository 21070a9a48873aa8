"""Batch of PDFs: 50 reports through the job queue with 2 consumers, against the same 50 rendered
one after another in one render process, in the same run; and each side's peak memory.

    .venv/bin/python bench/batch.py [--firms 50] [--workers 2]

"Queue" is what a consultant's batch does: `assess worker --workers N` (Huey on SQLite storage,
N threads, one sandboxed render process per thread) renders every report, then writes the ZIP;
timed from the commit that queues the batch to the job being done. "Serial" builds and renders the
very same reports in this process's single render worker, one after the other. Peak memory is
the high-water mark (VmHWM) of the consumer and of each render process. The target (DESIGN §7:
at least 1.7x) is printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from assess import create_app  # noqa: E402
from assess.extensions import db  # noqa: E402
from assess.models import Assessment, Job  # noqa: E402
from assess.services import accounts, batches  # noqa: E402
from assess.services.demo import seed_demo_firms  # noqa: E402
from assess.services.pdf import report_view  # noqa: E402
from reports import RenderPool  # noqa: E402

TARGET_SPEEDUP = 1.7
ASSESS = str(Path(sys.executable).parent / "assess")


def high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    env = {
        "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite'}",
        "HUEY_SQLITE_PATH": str(scratch / "jobs.sqlite"), "HUEY_NAME": "bench",
        "BATCH_DIR": str(scratch / "batches"), "PDF_CACHE_DIR": str(scratch / "pdf-cache"),
    }  # fmt: skip
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], **env})
    subprocess.run([ASSESS, "db", "upgrade"], env={**os.environ}, check=True,
                   capture_output=True)  # fmt: skip
    with app.app_context():
        organisation = accounts.create_organisation("벤치컨설팅", "consultancy")
        seed_demo_firms(args.firms, seed=50)
        assessments = db.session.scalars(select(Assessment).order_by(Assessment.id)).all()
        for assessment in assessments:
            assessment.firm.organisation_id = organisation.id
        db.session.commit()
        ids = [a.id for a in assessments]
        issuer = {"name": organisation.name}

        # Serial: one render process, each report built from the database and rendered one
        # after the other (warm before timing, as each consumer is warm after its first render).
        pool = RenderPool(1)
        pool.render(report_view(assessments[0], "ko", issuer))
        started = time.perf_counter()
        for assessment in assessments:
            pool.render(report_view(assessment, "ko", issuer))
        serial = time.perf_counter() - started
    serial_peak = max(high_water_kib(w._process.pid) for w in pool.workers if w._process)
    pool.close()

    worker = subprocess.Popen([ASSESS, "worker", "--workers", str(args.workers)],
                              env={**os.environ}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        time.sleep(4)  # the consumer starts; its render processes start on first use
        with app.app_context():
            job = batches.start_batch(organisation, None, ids, "ko")
            started = time.perf_counter()
            db.session.commit()
            job_id = job.id
        peaks: dict[int, int] = {}
        while True:
            for pid in [worker.pid, *children(worker.pid)]:
                peaks[pid] = max(peaks.get(pid, 0), high_water_kib(pid))
            with app.app_context():
                status = db.session.get(Job, job_id).status
            if status in ("done", "failed"):
                break
            time.sleep(0.2)
        queued = time.perf_counter() - started
        with app.app_context():
            progress = batches.job_progress(db.session.get(Job, job_id))
    finally:
        worker.terminate()
        worker.wait(60)

    speedup = serial / queued
    consumer_peak = peaks.pop(worker.pid, 0)
    print(f"batch of {args.firms} PDFs ({progress['done']} rendered, {progress['failed']} failed)")
    print(f"{'':28}{'seconds':>10}{'per PDF':>10}")
    print(f"{'serial, 1 render process':28}{serial:>10.2f}{serial / args.firms:>10.3f}")
    print(f"{f'queue, {args.workers} consumers':28}{queued:>10.2f}{queued / args.firms:>10.3f}")
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
    print(f"speed-up {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: {verdict})")
    print(f"peak memory: consumer {consumer_peak / 1024:.0f} MB; render processes "
          + ", ".join(f"{kib / 1024:.0f} MB" for kib in peaks.values())
          + f"; serial render process {serial_peak / 1024:.0f} MB")
    if args.json:
        render_peak = max([*peaks.values(), serial_peak]) / 1024
        print("BENCHJSON " + json.dumps({"script": "batch", "figures": [
            {"figure": f"batch of {args.firms} PDFs, {args.workers} consumers", "ours": queued,
             "baseline": serial, "ratio": speedup, "unit": "s",
             "target": f">= {TARGET_SPEEDUP}x faster", "met": speedup >= TARGET_SPEEDUP,
             "note": "baseline: serial in one render process; ratio: speed-up"},
            {"figure": "render process peak RSS (batch)", "ours": render_peak, "unit": "MB",
             "target": "< 250 MB", "met": render_peak < 250},
        ]}))


if __name__ == "__main__":
    main()
