"""Web pages under gunicorn: the questionnaire section page, autosave, the results page and the
home page, against a bare Flask hello-world served the same way, in the same run.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 20] [--json]
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/DB

Both apps run under gunicorn with the same command-line settings (2 sync workers, loopback only,
``ASSESS_ENV=production``); the app on a scratch SQLite database in a temporary folder (or the
PostgreSQL database given, whose tables are emptied before and after). The only other setting
is a tiny hook file, the same for both apps, that times each worker's first two requests.

Load: ``wrk`` with one thread per connection (20 connections, 10 s per URL), or, when wrk is
missing, a bounded Python load generator (threads and ``http.client``; it is slower than wrk, so
its figures are lower for both sides). Both servers stay up for the whole run and the URLs take
turns in rounds (3 by default, each URL loaded for a third of its time per round); each figure
is the median over the rounds, and each ratio the median of the rounds' ratios, so that the
machine slowing down midway moves hello-world with the pages. Every connection of the section,
autosave and results loads is one respondent with their own session cookie (from a first visit),
as a browser sends it; wrk formats each connection's GET once, as it does hello-world's, so that
neither side's load runs a script per request. Autosave posts the same answers each time with
the revision the previous save returned: every connection has its own draft and CSRF token, and
a wrk Lua script (or the Python thread) reads ``"revision"`` from each JSON answer, so each
request is a real save, never a conflict. DESIGN §7's targets (section page and autosave at
least 25% of hello-world's requests/s with p95 under 100 ms; results at least 15%; worker RSS
under 150 MB) are printed, not asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from assess import create_app  # noqa: E402
from assess.extensions import db  # noqa: E402
from assess.services import drafts  # noqa: E402
from assess.services.demo import seed_demo_firms, synthetic_firm  # noqa: E402
from assess.services.questionnaires import current_questionnaire  # noqa: E402

HOST = "127.0.0.1"
TARGETS = {"section": 0.25, "autosave": 0.25, "results": 0.15}
P95_TARGET_MS = 100
RSS_TARGET_MB = 150

HELLO = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''

# Times each worker's first two requests into a file per worker; nothing after that.
HOOKS = '''import json, os, time

_seen = {"n": 0}


def pre_request(worker, req):
    worker._bench_started = time.perf_counter()


def post_request(worker, req, environ, resp):
    _seen["n"] += 1
    if _seen["n"] <= 2:
        ms = (time.perf_counter() - worker._bench_started) * 1000
        with open(os.path.join(os.environ["BENCH_FIRST_DIR"], f"{os.getpid()}.jsonl"), "a") as f:
            f.write(json.dumps({"path": req.path, "ms": ms}) + "\\n")
'''

# wrk: a JSON line of the figures at the end. Each thread (one connection) is one respondent
# (``drafts``). A GET load sets the thread's path and cookie once, in init(): wrk then formats
# the request once per thread and sends it as it is, with no Lua per request or response, as for
# hello-world; a script that defines request() or response() makes wrk run Lua on every one,
# work on the load generator's side (on the same cores) that hello-world's load would not pay.
# Only autosave needs that: each POST carries the revision its previous answer returned.
LUA = r'''
drafts = DRAFTS
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("idx", counter)
end
function init(args)
  if drafts and idx then
    d = drafts[((idx - 1) % #drafts) + 1]
    rev = d.revision
    wrk.path = d.path
    wrk.headers["Cookie"] = d.cookie
  end
end
if POSTS then
  function request()
    return wrk.format("POST", d.path, {["Cookie"] = d.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded"}, d.body .. "&revision=" .. rev)
  end
  function response(status, headers, body)
    local r = body:match('"revision":%s*(%d+)')
    if r then rev = r end
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """gunicorn with the given app, the same settings for every app."""

    def __init__(self, app: str, chdir: Path, env: dict, scratch: Path, workers: int,
                 threads: int = 0):
        self.port = free_port()
        self.first_dir = scratch / f"first-{self.port}"
        self.first_dir.mkdir()
        hooks = scratch / "bench_hooks.py"
        hooks.write_text(HOOKS)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:bench_hooks",
             "--workers", str(workers),
             *(["--worker-class", "gthread", "--threads", str(threads)] if threads
               else ["--worker-class", "sync"]),
             "--bind", f"{HOST}:{self.port}", "--chdir", str(chdir), "--log-level", "warning",
             app],
            env={**env, "BENCH_FIRST_DIR": str(self.first_dir),
                 "PYTHONPATH": f"{scratch}{os.pathsep}{env.get('PYTHONPATH', '')}"},
            start_new_session=True,
        )  # fmt: skip
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited")
            if len(children(self.process.pid)) >= self.workers:
                try:
                    socket.create_connection((HOST, self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def first_requests(self, path: str, headers: dict | None = None) -> dict[int, list[float]]:
        """Sequential GETs until every worker has served two; each worker's first two times."""
        for _ in range(60):
            request(self.port, "GET", path, headers=headers)
            seen = self.first_times()
            if len(seen) >= self.workers and all(len(v) >= 2 for v in seen.values()):
                break
        return self.first_times()

    def first_times(self) -> dict[int, list[float]]:
        times = {}
        for file in self.first_dir.glob("*.jsonl"):
            times[int(file.stem)] = [json.loads(line)["ms"] for line in file.read_text().splitlines()
                                     if line.strip()]  # fmt: skip
        return times

    def rss_mb(self) -> list[float]:
        return [status_kib(pid, "VmRSS") / 1024 for pid in children(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(port: int, method: str, path: str, body: str | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def session_cookie(headers: dict) -> str:
    cookie = headers.get("Set-Cookie", "")
    return cookie.split(";", 1)[0]


def draft_for_load(port: int, token: str, page: str, answers: dict) -> dict:
    """A connection's draft: its autosave path, session cookie, CSRF token and revision."""
    status, headers, html = request(port, "GET", f"/r/{token}/{page}")
    assert status == 200, status
    text = html.decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text).group(1)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', text).group(1)
    return {"path": f"/r/{token}/{page}/autosave", "cookie": session_cookie(headers),
            "body": urlencode({"csrf_token": csrf, **answers}, doseq=True),
            "revision": revision}  # fmt: skip


def current_revision(port: int, draft: dict) -> str:
    """The revision a draft's page shows now, after a round of saves."""
    path = draft["path"].removesuffix("/autosave")
    status, _, html = request(port, "GET", path, headers={"Cookie": draft["cookie"]})
    assert status == 200, status
    return re.search(r'name="revision"[^>]*value="(\d+)"', html.decode()).group(1)


def visitor(port: int, path: str) -> dict:
    """A respondent coming back to ``path`` with the session cookie their first visit set."""
    status, headers, _ = request(port, "GET", path)
    assert status == 200, status
    return {"path": path, "cookie": session_cookie(headers), "body": "", "revision": "0"}


def page_answers(q, page: str) -> dict:
    """Plausible answers to every question of the page, as the form posts them."""
    answers: dict = {}
    for question in q.questions_of(page):
        if question.type == "number":
            answers[question.id] = str(int(question.min) + 1)
        elif question.type == "single":
            answers[question.id] = question.options[len(question.options) // 2].id
        else:
            plain = [o.id for o in question.options if not (o.exclusive or o.unknown)]
            answers[question.id] = plain[:2]
    return answers


def lua_table(items: list[dict]) -> str:
    def value(v):
        return json.dumps(str(v))  # JSON string escapes are valid Lua for these ASCII values

    rows = ["{" + ", ".join(f"{k} = {value(v)}" for k, v in d.items()) + "}" for d in items]
    return "{" + ",\n".join(rows) + "}"


def run_wrk(port: int, path: str, connections: int, duration: float, scratch: Path,
            drafts_: list[dict] | None = None) -> dict:
    script = scratch / f"load-{port}.lua"
    posts = bool(drafts_) and any(d["body"] for d in drafts_)
    script.write_text(LUA.replace("DRAFTS", lua_table(drafts_) if drafts_ else "nil", 1)
                      .replace("if POSTS then", f"if {'true' if posts else 'false'} then"))
    out = subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration:g}s",
         "--timeout", "10s", "-s", str(script), f"http://{HOST}:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON "):])
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000, "requests": raw["requests"],
        "errors": raw["status_errors"] + raw["socket_errors"],
    }  # fmt: skip


def run_python(port: int, path: str, connections: int, duration: float,
               drafts_: list[dict] | None = None) -> dict:
    """Bounded: ``connections`` threads, each one request at a time, for ``duration`` s."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + duration

    def worker(i: int) -> None:
        d = dict(drafts_[i % len(drafts_)]) if drafts_ else None
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                if d and not d["body"]:
                    status, _, _ = request(port, "GET", d["path"], headers={"Cookie": d["cookie"]})
                elif d:
                    status, _, body = request(port, "POST", d["path"],
                                              body=f"{d['body']}&revision={d['revision']}",
                                              headers={"Cookie": d["cookie"], "Content-Type":
                                                       "application/x-www-form-urlencoded"})
                    if status == 200:
                        d["revision"] = json.loads(body)["revision"]
                else:
                    status, _, _ = request(port, "GET", path)
            except OSError:
                status = 0
            latencies[i].append((time.perf_counter() - start) * 1000)
            if not 200 <= status < 400:
                errors[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    times = sorted(x for per in latencies for x in per)
    q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
    return {"rps": len(times) / elapsed, "p50_ms": q[49], "p95_ms": q[94], "p99_ms": q[98],
            "requests": len(times), "errors": sum(errors)}  # fmt: skip


def empty(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def prepare(url: str, connections: int) -> tuple[str, str, list[str], dict]:
    """Scratch data: submitted assessments (results) and drafts with a firm profile."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    empty(app)
    with app.app_context():
        results_token = seed_demo_firms(12, seed=1)[0]
        q = current_questionnaire()
        rnd = random.Random(3)
        tokens = []
        for _ in range(connections + 1):
            assessment, token = drafts.start_assessment("ko")
            db.session.flush()
            drafts.save_profile(assessment, synthetic_firm(q, rnd), assessment.revision)
            tokens.append(token)
        db.session.commit()
        page = q.dimensions[0].id
        answers = page_answers(q, page)
        db.engine.dispose()
    return results_token, page, tokens, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per URL, in all")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the URLs take turns this many times, each for duration/rounds")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0,
                        help="gthread workers with this many threads each, as gunicorn.conf.py "
                             "runs the app (default: sync workers)")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--database-url", help="PostgreSQL (its tables are emptied); "
                                               "default: a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    if args.load == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed")
    generator = "wrk" if use_wrk else "python (http.client threads; wrk not found)"

    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite'}"
    results_token, page, tokens, answers = prepare(url, args.connections)
    (scratch / "hello_app.py").write_text(HELLO)
    env = {**os.environ, "ASSESS_ENV": "production", "SECRET_KEY": "bench-" + "x" * 40,
           "DATABASE_URL": url, "PDF_CACHE_DIR": str(scratch / "pdf-cache"),
           "HUEY_SQLITE_PATH": str(scratch / "jobs.sqlite"), "HUEY_NAME": "bench",
           "BATCH_DIR": str(scratch / "batches")}  # fmt: skip
    env.pop("REDIS_URL", None)

    def load(port: int, path: str, seconds: float, drafts_: list[dict] | None = None) -> dict:
        if use_wrk:
            return run_wrk(port, path, args.connections, seconds, scratch, drafts_)
        return run_python(port, path, args.connections, seconds, drafts_)

    rows: dict[str, dict] = {}
    first: dict[str, dict] = {}
    rss: dict[str, list[float]] = {}
    names = ["hello", "section", "autosave", "results", "home"]
    rounds: dict[str, list[dict]] = {name: [] for name in names}
    hello = app = None
    try:
        # Both servers run for the whole bench and take turns under load, a slice of each URL per
        # round: a machine that slows down or speeds up midway moves the baseline with the pages.
        hello = Server("hello_app:app", scratch, env, scratch, args.workers, args.threads)
        hello.wait_ready()
        env["PUBLIC_URL"] = f"http://{HOST}:{hello.port}"
        app = Server("wsgi:app", ROOT, env, scratch, args.workers, args.threads)
        app.wait_ready()
        first["hello"] = hello.first_requests("/")
        first["app"] = app.first_requests(f"/r/{tokens[0]}/{page}")
        # Each connection is one respondent with their own session cookie, as in the field.
        readers = [visitor(app.port, f"/r/{t}/{page}") for t in tokens[1:]]
        savers = [draft_for_load(app.port, t, page, answers) for t in tokens[1:]]
        results = [visitor(app.port, f"/r/{results_token}/results") for _ in tokens[1:]]
        slice_ = args.duration / args.rounds
        for _ in range(args.rounds):
            rounds["hello"].append(load(hello.port, "/", slice_))
            rounds["section"].append(load(app.port, "", slice_, readers))
            rounds["autosave"].append(load(app.port, "", slice_, savers))
            for saver in savers:  # the next round goes on from the revision this one left
                saver["revision"] = current_revision(app.port, saver)
            rounds["results"].append(load(app.port, "", slice_, results))
            rounds["home"].append(load(app.port, "/", slice_))
        rss["hello"], rss["app"] = hello.rss_mb(), app.rss_mb()
    finally:
        for server in (hello, app):
            if server is not None:
                server.stop()
        if args.database_url:
            empty(create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url}))
        shutil.rmtree(scratch, ignore_errors=True)

    # Per URL: the median round's figures, and the median of the rounds' ratios to hello-world.
    for name in names:
        per_round = rounds[name]
        rows[name] = {key: statistics.median(r[key] for r in per_round)
                      for key in ("rps", "p50_ms", "p95_ms", "p99_ms")}  # fmt: skip
        rows[name]["errors"] = sum(r["errors"] for r in per_round)
        rows[name]["ratio"] = statistics.median(
            r["rps"] / h["rps"] for r, h in zip(per_round, rounds["hello"], strict=True))
    base = rows["hello"]["rps"]
    dialect = "postgresql" if args.database_url else "sqlite"
    kind = f"gthread workers x {args.threads} threads" if args.threads else "sync workers"
    print(f"gunicorn: {args.workers} {kind}, {HOST}; {dialect}; load: {generator}, "
          f"{args.connections} connections, {args.duration:g} s per URL in {args.rounds} rounds "
          "(medians; ratio: the median of the rounds' ratios)")
    print(f"{'':22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}"
          "   target")
    for name, label in [("hello", "hello-world (baseline)"), ("section", "section page GET"),
                        ("autosave", "autosave POST"), ("results", "results page"),
                        ("home", "home page")]:
        r = rows[name]
        ratio = r["ratio"]
        target = ""
        if name in TARGETS:
            met = ratio >= TARGETS[name] and (name == "results" or r["p95_ms"] < P95_TARGET_MS)
            target = f">= {TARGETS[name]:.0%} of baseline" + (
                f", p95 < {P95_TARGET_MS} ms" if name != "results" else "")
            target += ": " + ("met" if met else "MISSED")
        print(f"{label:22}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
              f"{r['p99_ms']:>9.1f}{r['errors']:>8}{ratio:>8.2f}   {target}")
    for name in ("hello", "app"):
        times = "; ".join(f"pid {pid}: first {v[0]:.1f} ms, second {v[1]:.1f} ms"
                          for pid, v in sorted(first[name].items()) if len(v) >= 2)
        print(f"{name} workers' first vs second request: {times or 'not seen'}")
        print(f"{name} worker RSS after the run: "
              + ", ".join(f"{mb:.0f} MB" for mb in rss[name])
              + (f" (target < {RSS_TARGET_MB} MB)" if name == "app" else ""))
    if args.json:
        firsts = [v for v in first["app"].values() if len(v) >= 2]
        figures = [{"figure": "hello-world req/s", "ours": base, "unit": "/s"}]
        for name in ("section", "autosave", "results", "home"):
            r = rows[name]
            figures.append({"figure": f"{name} req/s", "ours": r["rps"], "baseline": base,
                            "ratio": r["ratio"], "unit": "/s",
                            **({"target": f">= {TARGETS[name]:.2f}x",
                                "met": r["ratio"] >= TARGETS[name]}
                               if name in TARGETS else {})})  # fmt: skip
            figures.append({"figure": f"{name} p95", "ours": r["p95_ms"], "unit": "ms",
                            "baseline": rows["hello"]["p95_ms"],
                            "ratio": r["p95_ms"] / max(rows["hello"]["p95_ms"], 1e-9),
                            **({"target": f"< {P95_TARGET_MS} ms",
                                "met": r["p95_ms"] < P95_TARGET_MS}
                               if name in ("section", "autosave") else {})})  # fmt: skip
        figures.append({"figure": "web worker RSS (max)", "ours": max(rss["app"]), "unit": "MB",
                        "baseline": max(rss["hello"]),
                        "ratio": max(rss["app"]) / max(rss["hello"]),
                        "target": f"< {RSS_TARGET_MB} MB",
                        "met": max(rss["app"]) < RSS_TARGET_MB})  # fmt: skip
        if firsts:
            figures.append({"figure": "worker first request (max)", "unit": "ms",
                            "ours": max(v[0] for v in firsts),
                            "baseline": max(v[1] for v in firsts),
                            "ratio": max(v[0] for v in firsts) / max(v[1] for v in firsts),
                            "note": "baseline: the same worker's second request"})  # fmt: skip
        print("BENCHJSON " + json.dumps({"script": f"pages ({dialect})", "load": generator,
                                         "figures": figures}))  # fmt: skip


if __name__ == "__main__":
    main()
