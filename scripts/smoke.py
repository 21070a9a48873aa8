"""Smoke test of a production-like start: gunicorn (2 workers) and `assess worker` on PostgreSQL and
Redis, driven through the JSON API from a consultancy's token to a batch's ZIP.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_prod .venv/bin/python scripts/smoke.py

The database's ``public`` schema is emptied first (as the test suite does): never point it at a
database whose data matters. The queue is Redis (``SMOKE_REDIS_URL``, default
redis://127.0.0.1:6379/0) under a queue name of its own, removed at the end. Exit 0 when every
step passed; otherwise 1, naming the step that failed, with the servers' output.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import redis
import yaml
from huey import RedisHuey
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
JOB_TIMEOUT = 120.0
START_TIMEOUT = 30.0
STARTED = time.monotonic()


class SmokeFailure(Exception):
    pass


def step(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_schema(url: str) -> None:
    from assess.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text('DROP SCHEMA IF EXISTS "public" CASCADE'))
        conn.execute(text('CREATE SCHEMA "public"'))
    engine.dispose()


def assess(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([str(BIN / "assess"), *args], env=env, input=stdin, text=True,  # noqa: S603
                            capture_output=True, timeout=120, cwd=ROOT)  # fmt: skip
    if result.returncode != 0:
        raise SmokeFailure(f"assess {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")  # fmt: skip
    return result.stdout


def request(base: str, method: str, path: str, token: str | None = None,
            body: dict | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, headers=headers,  # noqa: S310
                                 method=method)  # base is http://127.0.0.1:<port>
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 (our own server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def expect(status: int, wanted: int, what: str, body: bytes) -> None:
    if status != wanted:
        raise SmokeFailure(f"{what}: HTTP {status}, expected {wanted}: {body[:500]!r}")


def wait_until_serving(base: str, web: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SmokeFailure(f"gunicorn exited with {web.returncode} while starting")
        try:
            if request(base, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SmokeFailure(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s")


def run(database_url: str, redis_url: str, scratch: Path, children: dict) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL")}
    env.update(
        ASSESS_ENV="production", SECRET_KEY=secrets.token_hex(32), PUBLIC_URL=base,
        DATABASE_URL=database_url, REDIS_URL=redis_url, HUEY_NAME=env["HUEY_NAME"],
        BATCH_DIR=str(scratch / "batches"), PDF_CACHE_DIR=str(scratch / "pdf-cache"),
        HUEY_SQLITE_PATH=str(scratch / "jobs.sqlite"), WEB_CONCURRENCY="2",
        ARGON2_TIME_COST="1", ARGON2_MEMORY_KIB="8192",  # one account: no need for full cost
        # limit counts of this run only, never those an earlier run left in the shared Redis
        RATE_LIMIT_KEY_PREFIX=env["HUEY_NAME"] + "-limits",
    )  # fmt: skip

    step(f"emptying the database {database_url.rsplit('/', 1)[-1]} and migrating it")
    reset_schema(database_url)
    assess(env, "db", "upgrade")

    step("a consultancy, a consultant and an API token")
    assess(env, "orgs", "create", "Smoke Consultancy", "--kind", "consultancy")
    assess(env, "users", "create", "smoke@example.org", "--role", "consultant",
           "--org", "Smoke Consultancy", "--password-stdin", stdin=secrets.token_hex(16))  # fmt: skip
    token = assess(env, "tokens", "create", "smoke@example.org").split()[-1]
    if not token.startswith("axr_"):
        raise SmokeFailure(f"no token in the output of assess tokens create: {token!r}")

    step(f"starting gunicorn (2 workers) on {base} and assess worker on {redis_url}")
    logs = {name: (scratch / f"{name}.log").open("w+") for name in ("web", "worker")}
    children["web"] = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "wsgi:app", "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env, cwd=ROOT, stdout=logs["web"], stderr=subprocess.STDOUT, start_new_session=True)
    children["worker"] = subprocess.Popen(  # noqa: S603
        [str(BIN / "assess"), "worker", "--workers", "2"],
        env=env, cwd=ROOT, stdout=logs["worker"], stderr=subprocess.STDOUT,
        start_new_session=True)  # fmt: skip
    children["logs"] = logs
    wait_until_serving(base, children["web"])

    step("storing an answers document: POST /api/v1/assessments")
    document = yaml.safe_load((ROOT / "examples" / "answers-ko.yaml").read_text(encoding="utf-8"))
    status, _, body = request(base, "POST", "/api/v1/assessments", token, document)
    expect(status, 201, "POST /api/v1/assessments", body)
    assessment_id = json.loads(body)["id"]

    step(f"starting a batch of assessment {assessment_id}: POST /api/v1/reports/batch")
    status, _, body = request(base, "POST", "/api/v1/reports/batch", token,
                              {"assessments": [assessment_id], "language": "ko"})  # fmt: skip
    expect(status, 202, "POST /api/v1/reports/batch", body)
    job_id = json.loads(body)["job"]

    deadline = time.monotonic() + JOB_TIMEOUT
    progress: dict = {}
    while time.monotonic() < deadline:
        status, _, body = request(base, "GET", f"/api/v1/jobs/{job_id}", token)
        expect(status, 200, f"GET /api/v1/jobs/{job_id}", body)
        progress = json.loads(body)
        if progress["status"] in ("done", "failed"):
            break
        if children["worker"].poll() is not None:
            raise SmokeFailure(f"assess worker exited with {children['worker'].returncode}")
        time.sleep(0.5)
    if progress.get("status") != "done" or progress.get("failed"):
        raise SmokeFailure(f"job {job_id} not done within {JOB_TIMEOUT:.0f} s: {progress}")
    step(f"job {job_id} done: {progress}")

    status, headers, body = request(base, "GET", f"/api/v1/jobs/{job_id}/download", token)
    expect(status, 200, f"GET /api/v1/jobs/{job_id}/download", body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        pdfs = [n for n in names if n.lower().endswith(".pdf")]
        if "status.csv" not in names or not pdfs:
            raise SmokeFailure(f"the ZIP holds {names}, expected a PDF and status.csv")
        if not archive.read(pdfs[0]).startswith(b"%PDF"):
            raise SmokeFailure(f"{pdfs[0]} in the ZIP is not a PDF")
    step(f"ZIP of {len(body)} bytes holds {names}")

    status, _, body = request(base, "GET", "/readyz")
    expect(status, 200, "GET /readyz", body)
    step(f"/readyz: {json.loads(body)['checks']}")

    step("stopping gunicorn and the worker (SIGTERM)")
    for name in ("web", "worker"):
        children[name].send_signal(signal.SIGTERM)
    for name in ("web", "worker"):
        try:
            code = children[name].wait(60)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"{name} did not stop within 60 s of SIGTERM") from None
        if code != 0:
            raise SmokeFailure(f"{name} stopped with exit code {code}")
        logs[name].seek(0)
        if "Traceback" in logs[name].read():
            raise SmokeFailure(f"{name} logged a traceback")


def main() -> int:
    database_url = os.environ.get("SMOKE_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not database_url or not database_url.startswith(("postgres://", "postgresql")):
        print("smoke: set TEST_DATABASE_URL (or SMOKE_DATABASE_URL) to a PostgreSQL database "
              "that may be emptied", file=sys.stderr)  # fmt: skip
        return 2
    redis_url = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/0")
    huey_name = f"assess-smoke-{secrets.token_hex(6)}"
    os.environ["HUEY_NAME"] = huey_name
    children: dict = {}
    with tempfile.TemporaryDirectory(prefix="assess-smoke-") as scratch:
        try:
            run(database_url, redis_url, Path(scratch), children)
        except (SmokeFailure, OSError, subprocess.SubprocessError) as error:
            print(f"\nSMOKE FAILED: {error}", file=sys.stderr)
            for name, log in children.get("logs", {}).items():
                log.seek(0)
                print(f"--- {name} output ---\n{log.read()[-4000:]}", file=sys.stderr)
            return 1
        finally:
            for name in ("web", "worker"):
                child = children.get(name)
                if child is not None and child.poll() is None:
                    child.kill()
                    child.wait()
            for log in children.get("logs", {}).values():
                log.close()
            try:
                RedisHuey(huey_name, url=redis_url).storage.flush_all()
                client = redis.Redis.from_url(redis_url)
                for key in client.scan_iter(match=f"{huey_name}-limits*"):
                    client.delete(key)  # this run's rate-limit counts
            except Exception as error:  # noqa: BLE001 (cleanup only)
                print(f"smoke: could not remove the queue {huey_name}: {error}", file=sys.stderr)
    step("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
