"""The real queue for the tests of background work: the test app on Huey's SQLite storage or on
Redis, and `assess worker` in its own process on the same database, queue and folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assess.jobs import queue_of
from assess.jobs.worker import READY

ASSESS = str(Path(sys.executable).parent / "assess")


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(request, app):
    """The test app on Huey's SQLite storage, or on Redis under a queue name of its own."""
    if request.param == "redis":
        app.config["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        app.config["HUEY_NAME"] = f"assess-test-{uuid.uuid4().hex[:12]}"
    else:
        app.config["REDIS_URL"] = None
    yield app
    if request.param == "redis":
        queue_of(app).huey.storage.flush_all()


def start_worker(app) -> tuple[subprocess.Popen, str]:
    """`assess worker` on the same database, queue and folders as the test app, once it says it
    is ready; the process and the lines it wrote until then."""
    config = app.config
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], HUEY_NAME=config["HUEY_NAME"],
        HUEY_SQLITE_PATH=config["HUEY_SQLITE_PATH"], BATCH_DIR=config["BATCH_DIR"],
        PDF_CACHE_DIR=config["PDF_CACHE_DIR"], **({"REDIS_URL": config["REDIS_URL"]}
                                                  if config["REDIS_URL"] else {}),
        WEBHOOK_ALLOW_PRIVATE="1" if config["WEBHOOK_ALLOW_PRIVATE"] else "",
        WEBHOOK_RETRY_DELAYS=",".join(f"{d:g}" for d in config["WEBHOOK_RETRY_DELAYS"]),
        WEBHOOK_TIMEOUT_SECONDS=f"{config['WEBHOOK_TIMEOUT_SECONDS']:g}",
        JOB_LEASE_SECONDS=f"{config['JOB_LEASE_SECONDS']:g}",
    )  # fmt: skip
    process = subprocess.Popen([ASSESS, "worker", "--workers", "2"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    return process, wait_until_ready(process)


def stop_worker(process: subprocess.Popen, started: str = "") -> None:
    """Stop it as a supervisor does (SIGTERM): a clean exit, no traceback."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    output = started + process.communicate(timeout=60)[0].decode(errors="replace")
    assert process.returncode == 0, output  # SIGTERM is a clean stop
    assert "Traceback" not in output, output


@pytest.fixture
def worker(queue_app):
    """`assess worker` on the same database, queue and folders as the test app."""
    process, started = start_worker(queue_app)
    yield process
    stop_worker(process, started)


def wait_until_ready(process: subprocess.Popen, timeout: float = 60.0) -> str:
    """Read the worker's output until it says it is ready (its stop-signal handlers are in
    place), so that a test that ends at once does not stop it half-started; the lines read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode(errors="replace")
        if not line:
            break  # the worker ended: the caller's checks report its output
        lines.append(line)
        if READY in line:
            break
    return "".join(lines)
