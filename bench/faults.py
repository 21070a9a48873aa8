"""Faults under load: the load of bench/load.py, broken once in the middle, checked the same way
(nothing acknowledged lost), each fault reported on its own.

    .venv/bin/python bench/faults.py [--faults pg-restart,worker-kill,consumer-kill]
                                     [--duration 30] [--respondents 12] [--database-url URL]
    .venv/bin/python bench/faults.py --smoke --faults pg-restart,worker-kill     # CI

- ``pg-restart``: the app on a private PostgreSQL instance (the machine's own binaries, its own
  port, data folder and socket folder, run as the ``postgres`` user when we are root), stopped
  (fast: sessions ended) and started again mid-load. Expected: requests in flight, and those
  arriving while it is down, fail; once it is back every request succeeds again, without
  restarting gunicorn or the job consumer; nothing acknowledged is lost.
- ``worker-kill``: a gunicorn worker (a child of the master) killed with SIGKILL while saves are
  in flight, three times. Expected: each save is all or nothing (the sampler and the final check
  find only whole states the respondent sent), the master starts a new worker, nothing
  acknowledged is lost.
- ``consumer-kill``: the job consumer killed with SIGKILL (with its render processes) while a
  batch's report is rendering, then started again. Expected: the batch resumes and ends (or
  names the reports it could not produce); every ZIP holds each PDF its status.csv names.

The other faults run on a scratch SQLite file, or on ``--database-url`` (emptied, like
bench/load.py). Exit status 1 when any fault run lost or broke anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    HOST,
    Context,
    Fault,
    Outcome,
    Stack,
    bench_json,
    describe,
    options_of,
    parser,
    print_outcome,
    run,
)
from sqlalchemy import create_engine, select, text  # noqa: E402

from assess.extensions import db  # noqa: E402
from assess.models import JobItem  # noqa: E402

FAULTS = ("pg-restart", "worker-kill", "consumer-kill")
SAVE_KINDS = ("autosave", "page save", "profile")


def window_errors(outcome: Outcome, start: float, end: float | None = None) -> dict[str, int]:
    """Failed requests in flight at some moment of [start, end): begun before ``end`` (or at any
    time when None), ended at or after ``start``."""
    found: dict[str, int] = {}
    for call in outcome.ctx.recorder.calls:
        finished = call.start + call.seconds
        if call.outcome != "ok" and finished >= start and (end is None or call.start < end):
            key = f"{call.kind}: {call.outcome}"
            found[key] = found.get(key, 0) + 1
    return found


def errors_ended_before(outcome: Outcome, moment: float) -> dict[str, int]:
    found: dict[str, int] = {}
    for call in outcome.ctx.recorder.calls:
        if call.outcome != "ok" and call.start + call.seconds < moment:
            key = f"{call.kind}: {call.outcome}"
            found[key] = found.get(key, 0) + 1
    return found


def errors_after(outcome: Outcome, moment: float) -> dict[str, int]:
    """Failed requests begun at or after ``moment``."""
    found: dict[str, int] = {}
    for call in outcome.ctx.recorder.calls:
        if call.outcome != "ok" and call.start >= moment:
            key = f"{call.kind}: {call.outcome}"
            found[key] = found.get(key, 0) + 1
    return found


def requests_after(outcome: Outcome, start: float) -> int:
    return sum(1 for c in outcome.ctx.recorder.calls if c.start >= start)


def text_of(errors: dict[str, int]) -> str:
    if not errors:
        return "0"
    return f"{sum(errors.values())} (" + "; ".join(
        f"{k} ×{n}" for k, n in sorted(errors.items(), key=lambda x: -x[1])) + ")"


# --- a private PostgreSQL --------------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway PostgreSQL server of our own: its own port, data and socket folders, never
    the machine's shared one. Run as ``postgres`` when we are root (initdb refuses root)."""

    def __init__(self, port: int = 55432):
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                          key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                          else 0)  # fmt: skip
        if not versions:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.bin = versions[-1].parent
        self.port = port if _port_free(port) else _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="assess-faults-pg-"))
        self.data = self.root / "data"
        self.sockets = Path(tempfile.mkdtemp(prefix="pgsock-", dir="/tmp"))
        self.log = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            for path in (self.root, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        self.url = f"postgresql://postgres@{HOST}:{self.port}/load"
        self.down_at: float | None = None
        self.up_at: float | None = None

    def _run(self, *command: str, timeout: float = 120) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                cwd=self.root)  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}"
                               f"{self.log.read_text() if self.log.exists() else ''}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip
        self.start()
        engine = create_engine(f"postgresql+psycopg://postgres@{HOST}:{self.port}/postgres",
                               isolation_level="AUTOCOMMIT")  # fmt: skip
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE load"))
        engine.dispose()

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses={HOST} "
                   "-c max_connections=100")  # fmt: skip
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.down_at = time.monotonic()
        self.stop("fast")
        self.start()
        self.up_at = time.monotonic()

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.sockets, ignore_errors=True)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds it
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- the faults ------------------------------------------------------------------------------------


class PostgresRestart(Fault):
    name = "pg-restart"

    def __init__(self, pg: PrivatePostgres):
        self.pg = pg
        self.master = None
        self.workers_before: list[int] = []
        self.in_flight = 0

    def prepare(self, stack: Stack) -> None:
        self.master = stack.web.pid
        self.workers_before = sorted(stack.web_workers())
        self.consumer = stack.consumer.pid

    def inject(self, stack: Stack, ctx: Context) -> None:
        with ctx.recorder.lock:
            self.in_flight = sum(ctx.recorder.in_flight.values())
        self.pg.restart()
        self.stack = stack

    def report(self, outcome: Outcome) -> list[str]:
        pg, stack, problems = self.pg, self.stack if hasattr(self, "stack") else None, []
        if pg.down_at is None or pg.up_at is None or stack is None:
            return ["the database was not restarted"]
        before = errors_ended_before(outcome, pg.down_at)
        during = window_errors(outcome, pg.down_at, pg.up_at)
        after = errors_after(outcome, pg.up_at)
        first_ok = min((c.start + c.seconds for c in outcome.ctx.recorder.calls
                        if c.outcome == "ok" and c.start >= pg.up_at), default=None)  # fmt: skip
        lines = [
            f"PostgreSQL fast stop + start took {pg.up_at - pg.down_at:.2f} s "
            f"({self.in_flight} requests in flight when it stopped)",
            f"errors before: {text_of(before)}",
            f"errors of requests in flight while it was down (sent before it stopped, or "
            f"while it was stopped): {text_of(during)}",
            f"errors of requests sent once it was back: {text_of(after)} of "
            f"{requests_after(outcome, pg.up_at)}" + (f"; first success {first_ok - pg.up_at:.2f} s after it was back"
                          if first_ok else ""),
        ]
        same_master = stack.web_at_end == (self.master, True)
        same_consumer = stack.consumer_at_end == (self.consumer, True)
        lines.append(f"gunicorn master and job consumer kept running, not restarted: "
                     f"{'yes' if same_master and same_consumer else 'NO'}")
        if after:
            problems.append(f"requests failed after the database was back: {text_of(after)}")
        if not (same_master and same_consumer):
            problems.append("gunicorn or the job consumer had to be restarted")
        outcome.verdict.problems += problems
        return lines


class WorkerKill(Fault):
    name = "worker-kill"
    KILLS = 3

    def __init__(self, kills: int = KILLS):
        self.kills = kills
        self.events: list[dict] = []

    def inject(self, stack: Stack, ctx: Context) -> None:
        rnd = random.Random(7)
        wanted = stack.options.workers
        for n in range(self.kills):
            # Wait (briefly) for saves in flight, so the kill cuts a save half way.
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                with ctx.recorder.lock:
                    saves = sum(ctx.recorder.in_flight[k] for k in SAVE_KINDS)
                if saves:
                    break
                time.sleep(0.005)
            workers = stack.web_workers()
            victim = rnd.choice(workers)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            respawned = None
            while time.monotonic() < killed_at + 30:
                now = stack.web_workers()
                if victim not in now and len(now) >= wanted:
                    respawned = time.monotonic() - killed_at
                    break
                time.sleep(0.02)
            self.events.append({"pid": victim, "at": killed_at, "saves_in_flight": saves,
                                "respawned": respawned})  # fmt: skip
            if n + 1 < self.kills:
                time.sleep(max(0.5, ctx.options.duration * 0.1))
        self.stack = stack

    def report(self, outcome: Outcome) -> list[str]:
        if not self.events:
            return ["no worker was killed"]
        lines = []
        for e in self.events:
            lines.append(f"killed worker {e['pid']} with {e['saves_in_flight']} saves in flight; "
                         + (f"replaced by a new worker {e['respawned']:.2f} s later"
                            if e["respawned"] is not None else "NOT replaced"))
        first, last = self.events[0]["at"], self.events[-1]["at"]
        settle = last + max(e["respawned"] or 0 for e in self.events) + 1.0
        cut = window_errors(outcome, first, settle)
        after = errors_after(outcome, settle)
        confirmed = outcome.verdict.figures.get("confirmed", 0)
        lines.append(f"errors around the kills: {text_of(cut)}; of the saves whose answer "
                     f"was cut off, {confirmed} were found stored, whole, on the next page load, "
                     "the others not at all")
        lines.append(f"errors of requests sent once the workers were back: {text_of(after)} "
                     f"of {requests_after(outcome, settle)}")
        if not self.stack.web_at_end[1]:
            outcome.verdict.problems.append("the gunicorn master died with its worker")
        if any(e["respawned"] is None for e in self.events):
            outcome.verdict.problems.append("a killed worker was not replaced")
        if after:
            outcome.verdict.problems.append(f"requests failed after the workers were back: "
                                            f"{text_of(after)}")  # fmt: skip
        return lines


class ConsumerKill(Fault):
    name = "consumer-kill"
    DOWN = 1.0  # seconds between the kill and the new consumer

    def __init__(self):
        self.killed: list[int] = []
        self.killed_at: float | None = None
        self.restarted_at: float | None = None
        self.released_after: float | None = None
        self.ended_after: float | None = None

    def inject(self, stack: Stack, ctx: Context) -> None:
        deadline = ctx.deadline + ctx.options.job_wait / 2
        while time.monotonic() < deadline:
            with ctx.app.app_context():
                running = list(db.session.scalars(select(JobItem.id).where(
                    JobItem.status == "running")))  # fmt: skip
                db.session.rollback()
            if running:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("no batch report was rendering during the run")
        stack.kill_consumer()
        self.killed_at = time.monotonic()
        self.killed = running
        with ctx.app.app_context():
            self.attempts = dict(db.session.execute(select(JobItem.id, JobItem.attempts).where(
                JobItem.id.in_(running))).all())  # fmt: skip
            db.session.rollback()
        time.sleep(self.DOWN)
        stack.start_consumer()
        stack.wait_consumer_ready()
        self.restarted_at = time.monotonic()
        threading.Thread(target=self._follow, args=(ctx,), daemon=True).start()

    def _follow(self, ctx: Context) -> None:
        """When the killed consumer's reports were given back (pending, or taken again) and
        when they ended."""
        deadline = time.monotonic() + ctx.options.job_wait
        while time.monotonic() < deadline:
            with ctx.app.app_context():
                rows = db.session.execute(select(JobItem.id, JobItem.status, JobItem.attempts)
                                          .where(JobItem.id.in_(self.killed))).all()  # fmt: skip
                db.session.rollback()
            if self.released_after is None and all(
                    status != "running" or attempts > self.attempts[i]
                    for i, status, attempts in rows):  # fmt: skip
                self.released_after = time.monotonic() - self.killed_at
            if all(status in ("done", "failed") for _, status, _ in rows):
                self.ended_after = time.monotonic() - self.killed_at
                return
            time.sleep(0.2)

    def report(self, outcome: Outcome) -> list[str]:
        if self.killed_at is None:
            return ["the consumer was not killed"]
        with outcome.ctx.app.app_context():
            states = dict(db.session.execute(select(JobItem.id, JobItem.status).where(
                JobItem.id.in_(self.killed))).all())  # fmt: skip
        lease = outcome.ctx.app.config["JOB_LEASE_SECONDS"]
        lines = [
            f"killed the consumer while rendering batch reports {self.killed}; a new consumer "
            f"was ready {self.restarted_at - self.killed_at:.1f} s later",
            "those reports: " + ", ".join(f"{i} {s}" for i, s in sorted(states.items()))
            + (f"; given back to the queue {self.released_after:.1f} s after the kill (lease "
               f"{lease:g} s)" if self.released_after is not None else "")
            + (f", ended {self.ended_after:.1f} s after it (behind the reports queued at "
               "submit)" if self.ended_after is not None else ""),
        ]
        if any(s in ("pending", "running") for s in states.values()):
            outcome.verdict.problems.append(f"reports {self.killed} never ended after the "
                                            "consumer was killed and started again")
        return lines


# --- the runs ------------------------------------------------------------------------------------


def run_fault(name: str, options, pg_port: int, smoke: bool = False) -> Outcome:
    if smoke and name == "worker-kill":
        # Saves are what a killed web worker may cut: the CI run leaves out the batches, whose
        # reports queue behind every submitted one (the other runs keep them).
        options = dataclasses.replace(options, consultants=0)
    if name == "pg-restart":
        pg = PrivatePostgres(pg_port)
        try:
            pg.init()
            print(f"\n== {name}: {describe(options, pg.url)}; private PostgreSQL "
                  f"{pg.bin.parent.name} on port {pg.port}", flush=True)
            outcome = run(options, PostgresRestart(pg), url=pg.url)
        finally:
            pg.remove()
        return outcome
    fault = WorkerKill() if name == "worker-kill" else ConsumerKill()
    print(f"\n== {name}: {describe(options, options.database_url)}", flush=True)
    return run(options, fault)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--faults", default=",".join(FAULTS),
                   help=f"comma-separated, of {', '.join(FAULTS)}")
    p.add_argument("--pg-port", type=int, default=55432,
                   help="the private PostgreSQL's port (another free one when taken)")
    args = p.parse_args()
    names = [n.strip() for n in args.faults.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        p.error(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    options = options_of(args)
    if args.smoke:  # a load with a middle to break: a duration, not one round
        options.rounds, options.duration = None, 6.0
    failed = []
    for name in names:
        outcome = run_fault(name, options, args.pg_port, smoke=args.smoke)
        print_outcome(name, outcome)
        if options.json:
            print(bench_json(f"faults: {name}", outcome))
        if outcome.failed:
            failed.append(name)
    print(f"\nfaults run: {', '.join(names)}; "
          + (f"FAILED: {', '.join(failed)}" if failed else "all passed"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
