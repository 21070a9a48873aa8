"""`make run`: the web app under gunicorn (as in production, gunicorn.conf.py) and one job
worker together; Ctrl+C (or SIGTERM) stops both.

First, in development only (``ASSESS_ENV`` unset or ``development``), an empty database gets a
demo (``assess demo --if-empty``): a few hundred firms and three sign-ins, printed before the
servers start. A database with assessments, or any other environment, is left as it is.

Each child gets a session of its own, so Ctrl+C reaches only this script, which then asks each
child to stop with SIGTERM: the worker finishes the reports in hand instead of losing them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
GRACE = 50  # seconds: the worker's own graceful stop takes at most 45
DEMO_FIRMS = "300"  # enough for benchmarks and for an agency's filtered figures to show


def fill_empty_database() -> None:
    """In development, a demo for an empty database; the command itself checks both."""
    if os.environ.get("ASSESS_ENV", "development") != "development":
        return
    subprocess.run([str(BIN / "assess"), "demo", "--if-empty", "--firms", DEMO_FIRMS],  # noqa: S603
                   check=False)  # fmt: skip


def main() -> int:
    port = os.environ.get("PORT", "5000")
    fill_empty_database()
    print(f"Serving on http://127.0.0.1:{port}/ with a job worker  (Ctrl+C stops both)", flush=True)
    commands = {
        "web": [str(BIN / "gunicorn"), "wsgi:app", "-c", str(ROOT / "gunicorn.conf.py"),
                "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}"],
        "worker": [str(BIN / "assess"), "worker"],
    }
    children = {name: subprocess.Popen(command, start_new_session=True)  # noqa: S603
                for name, command in commands.items()}  # fmt: skip
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children.values()):
        time.sleep(0.2)
    for name, child in children.items():
        if child.poll() is None:
            print(f"stopping the {name}...", flush=True)
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    for child in children.values():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    # Stopped by us: success. One child ended on its own: the run failed.
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
