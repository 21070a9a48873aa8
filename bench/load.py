"""Load with a proof: respondents filling in the questionnaire at once under gunicorn, with
consultants' PDF batches on the job queue; then the database is read back to show that every
acknowledged answer is there.

    .venv/bin/python bench/load.py [--respondents 12] [--consultants 2] [--duration 30]
    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/load.py --smoke      # one questionnaire each, one batch (CI)

The app runs as in production: gunicorn with gunicorn.conf.py (``--workers`` processes of 4
threads) and one job consumer (``assess worker``), on a scratch SQLite file or on the PostgreSQL
database given, whose ``public`` schema is emptied first (never point it at data that matters).
The queue is Huey's SQLite file, or Redis with ``--redis-url`` (a queue name of its own, removed
at the end).

Each respondent is a thread with its own connection and session cookie, going through the pages
as a browser does, with no pause: start, firm profile, every section page (loaded, autosaved
``--autosaves`` times, each save carrying the revision the previous one returned, then saved with
the page's button), the check page and the submit; then a new assessment, until ``--duration``
is over (or ``--rounds`` questionnaires each). Every save changes every answer on its page, so
that a save applied in part would match no state the respondent ever sent. Each consultant posts
answers documents through the API (``POST /api/v1/assessments``, with an Idempotency-Key) and, for
every three, a batch of their PDF reports, follows it and opens its ZIP.

What is checked:

- every acknowledged save (autosave 200 with its revision, page save or profile 302) is in the
  database at the end: per assessment, the stored revision, answers and profile equal the last
  state the respondent had acknowledged or confirmed (a save whose answer never came is resolved
  by reloading the page: the revision shown says whether it was stored);
- while the load runs, a sampler reads every assessment again and again: each stored state must be
  one the respondent sent, whole (never half a page);
- every acknowledged submit is submitted exactly once (one result row); a page never shows an
  older revision than the last acknowledged one; no save is refused as stale (409) unless an
  earlier save's answer was lost on the way;
- every answers document acknowledged by the API is stored and submitted; every batch ends (done
  or failed), and every ZIP produced holds each PDF its status.csv names (read whole, with pages),
  and nothing else.

Printed: requests per second, p50/p95/p99 latency (all requests and saves), errors by kind, what
was acknowledged and checked, and ``lost answers: 0`` or the list. Exit status 1 when anything
acknowledged is missing or corrupt (or a batch or ZIP is wrong), 2 when the app did not start.
bench/faults.py runs the same load while breaking things.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import hashlib
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from flask_migrate import upgrade  # noqa: E402
from pages import children, free_port  # noqa: E402  (bench/pages.py, the same helpers)
from sqlalchemy import create_engine, select, text  # noqa: E402

from assess import create_app  # noqa: E402
from assess.config import normalise_database_url  # noqa: E402
from assess.extensions import db  # noqa: E402
from assess.jobs.worker import READY  # noqa: E402
from assess.models import (  # noqa: E402
    Assessment,
    AssessmentResult,
    Job,
    JobItem,
    ResultFinding,
)
from assess.scoring.answers import validate_answer, validate_firm  # noqa: E402
from assess.scoring.engine import applicable_answers, facts_profile  # noqa: E402
from assess.services import accounts  # noqa: E402
from assess.services.demo import synthetic_firm  # noqa: E402
from assess.services.questionnaires import current_questionnaire  # noqa: E402

HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision"[^>]*value="(\d+)"')
SAVES = ("profile", "autosave", "page save")
START_TIMEOUT = 60.0


# --- recording -----------------------------------------------------------------------------------


@dataclass
class Call:
    kind: str
    start: float  # time.monotonic()
    seconds: float
    outcome: str  # "ok" or what went wrong


class Recorder:
    """Every request's kind, time and outcome; the problems found (lost or corrupt data)."""

    def __init__(self):
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.in_flight: Counter[str] = Counter()
        self.lock = threading.Lock()

    def begin(self, kind: str) -> None:
        with self.lock:
            self.in_flight[kind] += 1

    def end(self, kind: str, start: float, seconds: float, outcome: str) -> None:
        with self.lock:
            self.in_flight[kind] -= 1
            self.calls.append(Call(kind, start, seconds, outcome))

    def problem(self, text_: str) -> None:
        with self.lock:
            self.problems.append(text_)

    def note(self, text_: str) -> None:
        with self.lock:
            self.notes.append(text_)


class Failed(Exception):
    """A request with no answer, or an answer other than the one expected."""

    def __init__(self, outcome: str, status: int | None = None, body: bytes = b"",
                 headers: dict | None = None):  # fmt: skip
        super().__init__(outcome)
        self.outcome = outcome
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


def outcome_of(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.RemoteDisconnected):
        return "connection closed without an answer"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "connection reset"
    if isinstance(error, http.client.IncompleteRead):
        return "answer cut off"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    return type(error).__name__


class Http:
    """One person's connection (kept alive, as a browser does) and cookies."""

    IDLE_REOPEN = 4.0  # gunicorn closes idle keep-alive connections after 5 s

    def __init__(self, port: int, recorder: Recorder, timeout: float = 30.0):
        self.port = port
        self.recorder = recorder
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, kind: str, method: str, path: str, *, form: dict | list | None = None,
             json_body: dict | None = None, headers: dict | None = None,
             ok: tuple[int, ...] = (200,)) -> Reply:  # fmt: skip
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is not None and time.monotonic() - self.last_used > self.IDLE_REOPEN:
            self.close()
        start = time.monotonic()
        self.recorder.begin(kind)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            outcome = outcome_of(error)
            self.recorder.end(kind, start, time.monotonic() - start, outcome)
            raise Failed(outcome) from None
        seconds = time.monotonic() - start
        self.last_used = time.monotonic()
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            if "=" in pair:
                name, _, cookie = pair.partition("=")
                self.cookies[name.strip()] = cookie.strip()
        if response.will_close:
            self.close()
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        outcome = "ok" if response.status in ok else f"HTTP {response.status}"
        self.recorder.end(kind, start, seconds, outcome)
        if response.status not in ok:
            raise Failed(outcome, response.status, data, reply_headers)
        return Reply(response.status, reply_headers, data)


# --- what respondents send, and what the server must then hold ----------------------------------


class Model:
    """The questionnaire, the answers each save sends, and what the server stores after it (the
    same validation and pruning of answers that no longer apply, from the domain core)."""

    def __init__(self, questionnaire):
        self.q = questionnaire
        self.pages = [d.id for d in questionnaire.dimensions]

    def page_answers(self, page: str, generation: int) -> dict:
        """Every question of the page answered, each differently from the previous generation,
        so that a half-applied save cannot look like a whole one."""
        answers: dict = {}
        for j, question in enumerate(self.q.questions_of(page)):
            if question.type == "single":
                options = question.options
                answers[question.id] = options[(generation + j) % len(options)].id
            elif question.type == "multiple":
                plain = [o.id for o in question.options if not (o.exclusive or o.unknown)]
                first = (generation + j) % len(plain)
                answers[question.id] = [plain[first], plain[(first + 1) % len(plain)]]
            else:
                low, high = int(question.min), int(question.max)
                answers[question.id] = low + (generation * 37 + j * 11) % (high - low + 1)
        return answers

    def form_fields(self, answers: dict) -> list[tuple[str, str]]:
        fields = []
        for qid, value in answers.items():
            for item in value if isinstance(value, list) else [value]:
                fields.append((qid, str(item)))
        return fields

    def after_answers(self, profile: dict, stored: dict, changes: dict) -> dict:
        answers = dict(stored)
        for qid, value in changes.items():
            checked = validate_answer(qid, value, self.q)
            if checked is None:
                answers.pop(qid, None)
            else:
                answers[qid] = checked
        return self.pruned(profile, answers)

    def pruned(self, profile: dict, answers: dict) -> dict:
        applied, _, _ = applicable_answers(self.q, answers, facts_profile(self.q, profile))
        return applied

    def firm(self, rnd: random.Random) -> tuple[dict, dict]:
        """A firm profile as the form posts it, and as the server stores it."""
        firm = synthetic_firm(self.q, rnd)
        return firm, validate_firm(dict(firm), self.q)


@dataclass(frozen=True)
class State:
    revision: int
    status: str
    profile: dict
    answers: dict


@dataclass
class Draft:
    """One assessment as its respondent knows it: the state last acknowledged or confirmed, the
    acknowledged saves, and every state it may hold (for the sampler)."""

    token: str
    state: State
    acked: list[tuple[int, str]] = field(default_factory=list)  # (revision, what)
    confirmed: int = 0  # saves whose answer was lost but that the next page showed stored
    uncertain: tuple[State, str] | None = None
    submit_acked: bool = False
    generation: int = 0
    candidates: dict[int, list[State]] = field(default_factory=dict)

    @property
    def token_hash(self) -> str:
        return hashlib.sha256(self.token.encode("utf-8")).hexdigest()


class Registry:
    """The drafts and API assessments of the run, shared with the sampler."""

    def __init__(self):
        self.lock = threading.Lock()
        self.drafts: list[Draft] = []
        self.api_assessments: list[tuple[int, str]] = []  # (id, firm name)
        self.jobs: list[tuple[int, list[int]]] = []  # acknowledged batches: (job, assessments)
        self.zips_checked = 0
        self.pdfs_checked = 0

    def add(self, draft: Draft) -> None:
        with self.lock:
            self.drafts.append(draft)

    def expect(self, draft: Draft, state: State) -> None:
        """Before a request that may store ``state``: the sampler accepts it from now on."""
        with self.lock:
            draft.candidates.setdefault(state.revision, []).append(state)

    def snapshot(self) -> dict[str, dict[int, list[State]]]:
        with self.lock:
            return {d.token_hash: {r: list(s) for r, s in d.candidates.items()}
                    for d in self.drafts}  # fmt: skip


# --- the run's context ----------------------------------------------------------------------------


@dataclass
class Options:
    respondents: int = 12
    consultants: int = 2
    duration: float = 30.0
    rounds: int | None = None
    workers: int = 3
    autosaves: int = 3
    database_url: str | None = None
    redis_url: str | None = None
    job_wait: float = 180.0
    json: bool = False
    label: str = ""


class Context:
    def __init__(self, options: Options, port: int, model: Model, app, recorder: Recorder,
                 registry: Registry, consultant_tokens: list[str]):  # fmt: skip
        self.options = options
        self.port = port
        self.model = model
        self.app = app
        self.recorder = recorder
        self.registry = registry
        self.consultant_tokens = consultant_tokens
        self.started = time.monotonic()
        self.deadline = self.started + (options.duration if options.rounds is None else 900)
        self.stop_event = threading.Event()
        self.document = json.loads(json.dumps(_example_document()))
        self.run_id = secrets.token_hex(4)

    def stopping(self) -> bool:
        return self.stop_event.is_set() or time.monotonic() >= self.deadline

    GIVE_UP = 60.0  # seconds of one step failing again and again: the app is broken, not busy

    def pause(self, attempt: int, first_failure: float, what: str) -> None:
        """After a failure: wait a little longer each time, as a person clicking again would;
        after GIVE_UP seconds of failures, give up this person (a problem of the run)."""
        if time.monotonic() - first_failure > self.GIVE_UP:
            self.recorder.problem(f"gave up {what} after {attempt + 1} failures in a row over "
                                  f"{self.GIVE_UP:.0f} s")  # fmt: skip
            raise Stop
        time.sleep(min(1.0, 0.1 * (attempt + 1)))


def _example_document() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "examples" / "answers-ko.yaml").read_text(encoding="utf-8"))


class Stop(Exception):
    """The run is over: leave the questionnaire where it is."""


# --- a respondent ---------------------------------------------------------------------------------


class Respondent:
    def __init__(self, ctx: Context, number: int):
        self.ctx = ctx
        self.number = number
        self.rnd = random.Random(number)
        self.http = Http(ctx.port, ctx.recorder)
        self.draft: Draft | None = None
        self.finished = 0

    def run(self) -> None:
        rounds = self.ctx.options.rounds
        try:
            while not self.ctx.stopping() and (rounds is None or self.finished < rounds):
                self.questionnaire()
                self.finished += 1
        except Stop:
            pass
        finally:
            self.http.close()

    # Each step is retried until it is done (or the run is over), as a person would press again.
    def persist(self, step, *args):
        attempt, first_failure = 0, None
        while True:
            if self.ctx.stopping():
                raise Stop
            try:
                return step(*args)
            except Failed as failure:
                first_failure = first_failure or time.monotonic()
                self.ctx.pause(attempt, first_failure, f"respondent {self.number}'s "
                               f"{step.__name__} ({failure.outcome})")
                attempt += 1

    def questionnaire(self) -> None:
        self.draft = None
        self.persist(self.start)
        self.persist(self.profile)
        for page in self.ctx.model.pages:
            csrf = self.persist(self.load, page)
            for _ in range(self.ctx.options.autosaves):
                if self.ctx.stopping():
                    raise Stop
                try:
                    self.save(page, csrf, autosave=True)
                except Failed:
                    csrf = self.persist(self.load, page)  # learn whether it was stored
            self.persist(self.save_page, page)
        self.persist(self.submit)

    def start(self) -> None:
        page = self.http.call("start page", "GET", "/start")
        csrf = CSRF_RE.search(page.text).group(1)
        reply = self.http.call("start", "POST", "/start", form={"csrf_token": csrf}, ok=(302,))
        match = re.match(r"^/r/([^/]+)/profile$", reply.location())
        if not match:
            self.ctx.recorder.problem(f"POST /start redirected to {reply.location()!r}")
            raise Failed("unexpected redirect")
        draft = Draft(token=match.group(1), state=State(1, "draft", {}, {}))
        self.ctx.registry.expect(draft, draft.state)
        self.ctx.registry.add(draft)
        self.draft = draft

    def load(self, page: str) -> str:
        """GET a page: its CSRF token; the revision shown settles an unanswered save."""
        reply = self.http.call("page", "GET", f"/r/{self.draft.token}/{page}", ok=(200, 302))
        if reply.status == 302:
            self.ctx.recorder.problem(f"{self._name()}: {page} redirected to {reply.location()} "
                                      "while a draft")  # fmt: skip
            raise Failed("unexpected redirect")
        self.observe(int(REVISION_RE.search(reply.text).group(1)), page)
        return CSRF_RE.search(reply.text).group(1)

    def observe(self, shown: int, where: str) -> None:
        draft = self.draft
        if draft.uncertain is not None:
            attempted, what = draft.uncertain
            draft.uncertain = None
            if shown == attempted.revision:
                draft.state = attempted
                draft.confirmed += 1
                return
        if shown != draft.state.revision:
            lost = [r for r, _ in draft.acked if r > shown]
            self.ctx.recorder.problem(
                f"{self._name()}: {where} shows revision {shown}, last acknowledged "
                f"{draft.state.revision}" + (f" (acknowledged saves lost: {lost})" if lost else "")
            )  # fmt: skip
            raise Stop  # this draft's bookkeeping cannot go on; the final check reports it

    def profile(self) -> None:
        draft = self.draft
        reply = self.http.call("page", "GET", f"/r/{draft.token}/profile")
        self.observe(int(REVISION_RE.search(reply.text).group(1)), "profile")
        csrf = CSRF_RE.search(reply.text).group(1)
        posted, stored = self.ctx.model.firm(self.rnd)
        state = State(draft.state.revision + 1, "draft", stored,
                      self.ctx.model.pruned(stored, draft.state.answers))
        form = {"csrf_token": csrf, "revision": draft.state.revision, "action": "next", **posted}
        self._send(state, "profile", lambda: self.http.call(
            "profile", "POST", f"/r/{draft.token}/profile", form=form, ok=(302,)))  # fmt: skip

    def save(self, page: str, csrf: str, autosave: bool) -> None:
        draft = self.draft
        draft.generation += 1
        changes = self.ctx.model.page_answers(page, draft.generation + self.number)
        answers = self.ctx.model.after_answers(draft.state.profile, draft.state.answers, changes)
        state = State(draft.state.revision + 1, "draft", draft.state.profile, answers)
        form = [("csrf_token", csrf), ("revision", str(draft.state.revision)),
                *self.ctx.model.form_fields(changes)]  # fmt: skip
        if autosave:
            def send():
                reply = self.http.call("autosave", "POST", f"/r/{draft.token}/{page}/autosave",
                                       form=form, headers={"Accept": "application/json"})
                revision = json.loads(reply.body)["revision"]
                if revision != state.revision:
                    self.ctx.recorder.problem(f"{self._name()}: autosave answered revision "
                                              f"{revision}, expected {state.revision}")
                return reply

            self._send(state, "autosave", send)
        else:
            form.append(("action", "next"))
            self._send(state, "page save", lambda: self.http.call(
                "page save", "POST", f"/r/{draft.token}/{page}", form=form, ok=(302,)))

    def save_page(self, page: str) -> None:
        csrf = self.load(page)
        self.save(page, csrf, autosave=False)

    def _send(self, state: State, what: str, send) -> None:
        draft = self.draft
        self.ctx.registry.expect(draft, state)
        try:
            send()
        except Failed as failure:
            if failure.status == 409 and draft.uncertain is None:
                self.ctx.recorder.problem(f"{self._name()}: {what} refused as stale (409) at "
                                          f"revision {draft.state.revision}")  # fmt: skip
            # No answer, or an error that may have come after the commit: the next page load
            # says whether it was stored (and the sampler whether it was stored whole).
            draft.uncertain = (state, what)
            raise
        draft.state = state
        draft.acked.append((state.revision, what))

    def submit(self) -> None:
        draft = self.draft
        reply = self.http.call("check", "GET", f"/r/{draft.token}/check", ok=(200, 302))
        if reply.status == 302:  # a submit whose answer was lost went through
            if not reply.location().endswith("/results") or draft.uncertain is None:
                self.ctx.recorder.problem(f"{self._name()}: check page redirected to "
                                          f"{reply.location()} before any submit")  # fmt: skip
            draft.state = draft.uncertain[0] if draft.uncertain else draft.state
            draft.uncertain = None
            draft.confirmed += 1
            return
        draft.uncertain = None  # the check page of a draft: the submit did not go through
        csrf = CSRF_RE.search(reply.text).group(1)
        state = State(draft.state.revision + 1, "submitted", draft.state.profile,
                      draft.state.answers)
        self.ctx.registry.expect(draft, state)
        try:
            answer = self.http.call("submit", "POST", f"/r/{draft.token}/submit",
                                    form={"csrf_token": csrf}, ok=(303,))
        except Failed:
            draft.uncertain = (state, "submit")
            raise
        if not answer.location().endswith(f"/r/{draft.token}/results"):
            self.ctx.recorder.problem(f"{self._name()}: submit redirected to {answer.location()}")
        draft.state = state
        draft.submit_acked = True
        draft.acked.append((state.revision, "submit"))

    def _name(self) -> str:
        return f"respondent {self.number} ({self.draft.token[:6]}…)"


# --- a consultant -----------------------------------------------------------------------------------


class Consultant:
    """Posts answers documents through the API and, for every three, a batch of their PDFs."""

    POLL = 0.5
    BATCH = 3

    def __init__(self, ctx: Context, number: int, token: str):
        self.ctx = ctx
        self.number = number
        self.http = Http(ctx.port, ctx.recorder)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.stored: list[int] = []
        self.batches = 0

    def run(self) -> None:
        rounds = self.ctx.options.rounds
        try:
            while not self.ctx.stopping() and (rounds is None or self.batches < rounds):
                for _ in range(self.BATCH):
                    self.store()
                self.batch(self.stored[-self.BATCH:])
                self.batches += 1
        except Stop:
            pass
        finally:
            self.http.close()

    def store(self) -> None:
        n = len(self.stored) + 1
        name = f"부하시험 {self.number}-{n} 정밀"
        document = copy.deepcopy(self.ctx.document)
        document["firm"]["name"] = name
        key = f"load-{self.ctx.run_id}-{self.number}-{n}"  # the same key on every retry
        attempt, first_failure = 0, None
        while True:
            if self.ctx.stopping():
                raise Stop
            try:
                reply = self.http.call("api assessment", "POST", "/api/v1/assessments",
                                       json_body=document, ok=(200, 201),
                                       headers={**self.headers, "Idempotency-Key": key})
                break
            except Failed as failure:
                first_failure = first_failure or time.monotonic()
                self.ctx.pause(attempt, first_failure,
                               f"consultant {self.number}'s document ({failure.outcome})")
                attempt += 1
        assessment_id = json.loads(reply.body)["id"]
        self.stored.append(assessment_id)
        with self.ctx.registry.lock:
            self.ctx.registry.api_assessments.append((assessment_id, name))

    def batch(self, ids: list[int]) -> None:
        language = ("ko", "en")[self.batches % 2]
        attempt, first_failure = 0, None
        while True:
            if self.ctx.stopping():
                raise Stop
            try:
                reply = self.http.call("api batch", "POST", "/api/v1/reports/batch",
                                       json_body={"assessments": ids, "language": language},
                                       headers=self.headers, ok=(202,))  # fmt: skip
                break
            except Failed as failure:
                # An unanswered one may have started a batch: the end checks every batch.
                first_failure = first_failure or time.monotonic()
                self.ctx.pause(attempt, first_failure,
                               f"consultant {self.number}'s batch ({failure.outcome})")
                attempt += 1
        job = json.loads(reply.body)["job"]
        with self.ctx.registry.lock:
            self.ctx.registry.jobs.append((job, list(ids)))
        # Follow it as a consultant would, until it ends, the run does, or it has taken longer
        # than the end waits for batches (the end checks it, and says so).
        give_up = time.monotonic() + self.ctx.options.job_wait
        while not self.ctx.stopping() and time.monotonic() < give_up:
            time.sleep(self.POLL)
            try:
                progress = json.loads(self.http.call("api job", "GET", f"/api/v1/jobs/{job}",
                                                     headers=self.headers).body)  # fmt: skip
            except Failed:
                continue
            if progress["status"] not in ("done", "failed"):
                continue
            if progress["status"] == "done":
                try:
                    archive = self.http.call("api download", "GET",
                                             f"/api/v1/jobs/{job}/download",
                                             headers=self.headers).body  # fmt: skip
                except Failed:
                    return
                problems, pdfs = check_zip(archive, expected_items=len(ids))
                for problem in problems:
                    self.ctx.recorder.problem(f"batch {job} (downloaded): {problem}")
                if pdfs != progress["done"]:
                    self.ctx.recorder.problem(f"batch {job}: {pdfs} PDFs in the ZIP, the API "
                                              f"says {progress['done']} done")  # fmt: skip
            return


def check_zip(archive: bytes | Path, expected_items: int | None = None) -> tuple[list[str], int]:
    """Problems of one batch ZIP: status.csv must name exactly the PDFs the ZIP holds, each a
    whole PDF (read to its last page); returns (problems, number of PDFs)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    problems: list[str] = []
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    try:
        with zipfile.ZipFile(source) as z:
            names = z.namelist()
            if "status.csv" not in names:
                return ["no status.csv"], 0
            rows = list(csv.reader(io.StringIO(z.read("status.csv").decode("utf-8-sig"))))[1:]
            named = [row[2] for row in rows if len(row) > 2 and row[2]]
            pdfs = [n for n in names if n != "status.csv"]
            for name in named:
                if name not in names:
                    problems.append(f"status.csv names {name!r}, which the ZIP lacks")
                    continue
                data = z.read(name)
                try:
                    reader = PdfReader(io.BytesIO(data))
                    if not data.startswith(b"%PDF") or len(reader.pages) < 1:
                        raise PdfReadError("no pages")
                    reader.pages[-1].extract_text()
                except (PdfReadError, ValueError, KeyError) as error:
                    problems.append(f"{name!r} is not a whole PDF: {error}")
            for name in pdfs:
                if name not in named:
                    problems.append(f"the ZIP holds {name!r}, which status.csv does not name")
            for row in rows:
                if len(row) < 5 or (not row[2] and not row[4]):
                    problems.append(f"status.csv row {row!r} has neither a file nor an error")
            if expected_items is not None and len(rows) != expected_items:
                problems.append(f"status.csv has {len(rows)} rows for {expected_items} reports")
    except (zipfile.BadZipFile, OSError) as error:
        return [f"not a readable ZIP: {error}"], 0
    return problems, len(named)


# --- the sampler: every stored state must be one a respondent sent, whole -----------------------


class Sampler(threading.Thread):
    EVERY = 0.3

    def __init__(self, ctx: Context):
        super().__init__(name="sampler", daemon=True)
        self.ctx = ctx
        self.samples = 0
        self.failed_reads = 0
        self.seen: set[tuple[str, int]] = set()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.EVERY)

    def sample(self) -> None:
        if not self.ctx.registry.drafts:
            return
        try:
            with self.ctx.app.app_context():
                rows = db.session.execute(select(
                    Assessment.resume_token_hash, Assessment.revision, Assessment.status,
                    Assessment.profile, Assessment.answers)).all()  # fmt: skip
                db.session.rollback()
        except Exception:  # the database away (a fault run): try again at the next tick
            self.failed_reads += 1
            with contextlib.suppress(Exception), self.ctx.app.app_context():
                db.session.remove()
            return
        # Read after the rows: every state a request may have stored was expected before it
        # was sent, so it is in this copy.
        expected = self.ctx.registry.snapshot()
        for token_hash, revision, status, profile, answers in rows:
            states = expected.get(token_hash)
            if states is None:
                continue  # a draft whose start was never acknowledged, or an API assessment
            self.samples += 1
            found = State(revision, status, profile, answers)
            if found not in states.get(revision, []) and (token_hash, revision) not in self.seen:
                self.seen.add((token_hash, revision))  # one report per stored state
                self.ctx.recorder.problem(f"assessment {token_hash[:8]}: stored state at revision "
                                          f"{revision} is none the respondent sent "
                                          f"({describe_difference(found, states)})")  # fmt: skip


def describe_difference(found: State, states: dict[int, list[State]]) -> str:
    candidates = states.get(found.revision)
    if not candidates:
        return f"no save made revision {found.revision}"
    nearest = candidates[-1]
    if found.status != nearest.status:
        return f"status {found.status}, sent {nearest.status}"
    if found.profile != nearest.profile:
        return "profile differs"
    differing = sorted(q for q in set(found.answers) | set(nearest.answers)
                       if found.answers.get(q) != nearest.answers.get(q))  # fmt: skip
    return f"answers differ in {', '.join(differing[:6])}"


# --- the processes: gunicorn and the job consumer ------------------------------------------------


class Stack:
    """gunicorn (gunicorn.conf.py, ``workers`` processes) and one ``assess worker``."""

    def __init__(self, options: Options, url: str, scratch: Path):
        self.options = options
        self.scratch = scratch
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.huey_name = f"assess-load-{secrets.token_hex(5)}"
        env = {k: v for k, v in os.environ.items()
               if k not in ("REDIS_URL", "TEST_DATABASE_URL", "DATABASE_URL")}  # fmt: skip
        env.update(
            ASSESS_ENV="production", SECRET_KEY=secrets.token_hex(32), PUBLIC_URL=self.base,
            DATABASE_URL=url, HUEY_NAME=self.huey_name, BATCH_DIR=str(scratch / "batches"),
            HUEY_SQLITE_PATH=str(scratch / "jobs.sqlite"), WEB_CONCURRENCY=str(options.workers),
            PDF_CACHE_DIR=str(scratch / "pdf-cache"), LOG_LEVEL="warning",
            # Limit counts of this run only: a shared Redis keeps the counts of an earlier run
            # from the same address for an hour, which would refuse this run's starts.
            RATE_LIMIT_KEY_PREFIX=f"{self.huey_name}-limits",
            # Every simulated firm comes from 127.0.0.1; in the field each has its own address,
            # so the per-address limit on starting assessments is lifted, not the others.
            RATE_LIMIT_NEW_ASSESSMENT="1000000/hour",
        )  # fmt: skip
        if options.redis_url:
            env["REDIS_URL"] = options.redis_url
        self.env = env
        self.web: subprocess.Popen | None = None
        self.consumer: subprocess.Popen | None = None
        self.logs = {name: (scratch / f"{name}.log").open("a+") for name in ("web", "worker")}

    def start(self) -> None:
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "wsgi:app", "-c", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"{HOST}:{self.port}", "--workers", str(self.options.workers)],
            env=self.env, cwd=ROOT, stdout=self.logs["web"], stderr=subprocess.STDOUT,
            start_new_session=True)  # fmt: skip
        self.start_consumer()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.web.returncode}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz")
        while len(self.web_workers()) < self.options.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        self.wait_consumer_ready(deadline)

    def start_consumer(self) -> None:
        self.logs["worker"].flush()
        self._consumer_log_from = self.logs["worker"].tell()
        self.consumer = subprocess.Popen(
            [str(BIN / "assess"), "worker", "--workers", "2"], env=self.env, cwd=ROOT,
            stdout=self.logs["worker"], stderr=subprocess.STDOUT, start_new_session=True)

    def wait_consumer_ready(self, deadline: float | None = None) -> None:
        deadline = deadline or time.monotonic() + START_TIMEOUT
        path = self.scratch / "worker.log"
        while time.monotonic() < deadline:
            if self.consumer.poll() is not None:
                raise RuntimeError(f"assess worker exited with {self.consumer.returncode}")
            with path.open() as f:
                f.seek(self._consumer_log_from)
                if READY in f.read():
                    return
            time.sleep(0.1)
        raise RuntimeError("assess worker did not say it was ready")

    def web_workers(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def kill_consumer(self) -> None:
        """SIGKILL the consumer and its render processes (as the kernel's OOM killer or a
        power cut would: no chance to put anything back)."""
        renders = children(self.consumer.pid)
        self.consumer.kill()
        self.consumer.wait()
        for pid in renders:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def terminate_web(self) -> None:
        """Once the load is over: SIGTERM gunicorn (its graceful stop takes a few seconds, while
        the batches finish and the database is checked); its pid and whether it still ran."""
        self.web_at_end = (self.web.pid, self.web.poll() is None)
        self.consumer_at_end = (self.consumer.pid, self.consumer.poll() is None)
        if self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)

    def stop(self) -> list[str]:
        """SIGTERM both, as a supervisor stops them; what went wrong in stopping."""
        problems = []
        for process in (self.web, self.consumer):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
        for name, process in (("gunicorn", self.web), ("assess worker", self.consumer)):
            if process is None:
                continue
            try:
                code = process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                problems.append(f"{name} did not stop within 60 s of SIGTERM")
                continue
            if code not in (0, -signal.SIGKILL):
                problems.append(f"{name} stopped with exit code {code}")
        for log in self.logs.values():
            log.flush()
        return problems

    def log_tail(self, name: str, chars: int = 3000) -> str:
        return (self.scratch / f"{name}.log").read_text(errors="replace")[-chars:]

    def flush_redis(self) -> None:
        """Remove this run's queue and limit counts from the shared Redis."""
        if self.options.redis_url:
            from huey import RedisHuey

            with contextlib.suppress(Exception):
                RedisHuey(self.huey_name, url=self.options.redis_url).storage.flush_all()
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.options.redis_url)
                for key in client.scan_iter(match=f"{self.huey_name}-limits*"):
                    client.delete(key)


# --- setting up and checking the database ---------------------------------------------------------


def reset_schema(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text('DROP SCHEMA IF EXISTS "public" CASCADE'))
        conn.execute(text('CREATE SCHEMA "public"'))
    engine.dispose()


def prepare(url: str, scratch: Path, consultants: int):
    """A migrated, empty database; one consultancy with an API token per consultant."""
    if url.startswith(("postgres://", "postgresql")):
        reset_schema(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "BATCH_DIR": str(scratch / "batches"),
                      "HUEY_SQLITE_PATH": str(scratch / "jobs.sqlite")})  # fmt: skip
    with app.app_context():
        migrations = io.StringIO()
        try:
            with contextlib.redirect_stderr(migrations):
                upgrade()
        except Exception:
            print(migrations.getvalue(), file=sys.stderr)
            raise
        tokens = []
        organisation = accounts.create_organisation("부하시험 컨설팅", "consultancy")
        for n in range(consultants):
            user = accounts.create_user(f"load{n}@example.org", organisation=organisation,
                                        role="consultant")  # fmt: skip
            tokens.append(accounts.create_token(user, 1)[1])
        db.session.commit()
        model = Model(current_questionnaire())
        db.engine.dispose()
    return app, model, tokens


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)  # acknowledged and missing or changed
    problems: list[str] = field(default_factory=list)  # other wrong things (batches, ZIPs)
    figures: dict = field(default_factory=dict)


def wait_for_jobs(app, seconds: float) -> list[tuple[int, str]]:
    """Wait until every batch has ended; those that did not (id, status)."""
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            open_jobs = db.session.execute(select(Job.id, Job.status).where(
                Job.status.in_(("queued", "running")))).all()  # fmt: skip
            db.session.rollback()
        if not open_jobs or time.monotonic() >= deadline:
            return [tuple(row) for row in open_jobs]
        time.sleep(0.5)


def verify(ctx: Context, batch_dir: Path) -> Verdict:
    verdict = Verdict()
    registry = ctx.registry
    with ctx.app.app_context():
        rows = {r.resume_token_hash: r for r in db.session.execute(select(
            Assessment.id, Assessment.resume_token_hash, Assessment.revision, Assessment.status,
            Assessment.profile, Assessment.answers))}  # fmt: skip
        results = Counter(db.session.scalars(select(AssessmentResult.assessment_id)))
        findings = Counter(db.session.execute(select(ResultFinding.assessment_id,
                                                     ResultFinding.rule)).all())  # fmt: skip
        by_id = {r.id: r for r in db.session.execute(select(Assessment.id, Assessment.status))}
        acked_saves = submits = 0
        for draft in registry.drafts:
            acked_saves += sum(1 for _, what in draft.acked if what != "submit")
            row = rows.get(draft.token_hash)
            name = f"assessment {draft.token[:6]}…"
            if row is None:
                verdict.lost.append(f"{name}: started (acknowledged) but not in the database")
                continue
            name = f"assessment {row.id}"
            stored = State(row.revision, row.status, row.profile, row.answers)
            accepted = [draft.state]
            if draft.uncertain is not None:  # the run ended before the last save was settled
                accepted.append(draft.uncertain[0])
            if stored not in accepted:
                lost = [f"{what} at revision {r}" for r, what in draft.acked if r > row.revision]
                if lost:
                    verdict.lost.append(f"{name}: stored revision {row.revision}, acknowledged "
                                        f"{draft.state.revision}; lost: {', '.join(lost)}")
                else:
                    verdict.lost.append(f"{name}: stored state differs from the last "
                                        "acknowledged one ("
                                        f"{describe_difference(stored, {stored.revision: accepted})})")
            committed = 1 + len(draft.acked) + draft.confirmed
            if stored == draft.state and row.revision != committed:
                verdict.problems.append(f"{name}: revision {row.revision}, but {committed - 1} "
                                        "saves and submits were stored")  # fmt: skip
            if draft.submit_acked:
                submits += 1
            if row.status == "submitted":
                if results[row.id] != 1:
                    verdict.lost.append(f"{name}: submitted with {results[row.id]} result rows")
            elif draft.submit_acked:
                verdict.lost.append(f"{name}: submit acknowledged but the assessment is a draft")
            elif results[row.id]:
                verdict.problems.append(f"{name}: a draft with a result row")
        doubled = {a for (a, _), n in findings.items() if n > 1}
        if doubled:
            verdict.problems.append(f"findings recorded twice for assessments {sorted(doubled)}")
        for assessment_id, firm in registry.api_assessments:
            row = by_id.get(assessment_id)
            if row is None or row.status != "submitted" or results[assessment_id] != 1:
                verdict.lost.append(f"API assessment {assessment_id} ({firm}): acknowledged, "
                                    f"but {'missing' if row is None else row.status}")
        jobs = db.session.execute(select(Job.id, Job.status, Job.archive_name)).all()
        items = defaultdict(list)
        for job_id, status in db.session.execute(select(JobItem.job_id, JobItem.status)):
            items[job_id].append(status)
        db.session.rollback()
    acked_jobs = {job for job, _ in registry.jobs}
    known = {job for job, _, _ in jobs}
    for job in sorted(acked_jobs - known):
        verdict.lost.append(f"batch {job}: acknowledged but not in the database")
    zips = pdfs = failed_items = 0
    for job_id, status, archive_name in jobs:
        unfinished = [s for s in items[job_id] if s in ("pending", "running")]
        if status not in ("done", "failed") or unfinished:
            verdict.problems.append(f"batch {job_id}: still {status} at the end "
                                    f"({len(unfinished)} of {len(items[job_id])} reports "
                                    "unfinished)")  # fmt: skip
            continue
        failed_items += items[job_id].count("failed")
        if status == "done":
            problems, n = check_zip(batch_dir / archive_name, expected_items=len(items[job_id]))
            zips += 1
            pdfs += n
            verdict.problems += [f"batch {job_id}: {p}" for p in problems]
            if n != items[job_id].count("done"):
                verdict.problems.append(f"batch {job_id}: {n} PDFs in the ZIP for "
                                        f"{items[job_id].count('done')} reports done")
    verdict.figures.update(
        drafts=len(registry.drafts), acked_saves=acked_saves, submits=submits,
        confirmed=sum(d.confirmed for d in registry.drafts),
        api_assessments=len(registry.api_assessments), batches=len(acked_jobs),
        jobs=len(jobs), zips=zips, pdfs=pdfs, failed_items=failed_items,
    )  # fmt: skip
    return verdict


# --- figures ------------------------------------------------------------------------------------------


def quantiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (0.0, 0.0, 0.0)
    if len(values) == 1:
        return (values[0],) * 3
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


def figures_of(calls: list[Call], seconds: float) -> dict:
    every = [c.seconds * 1000 for c in calls]
    saves = [c.seconds * 1000 for c in calls if c.kind in SAVES]
    errors = Counter(f"{c.kind}: {c.outcome}" for c in calls if c.outcome != "ok")
    p50, p95, p99 = quantiles(every)
    s50, s95, s99 = quantiles(saves)
    return {"requests": len(calls), "seconds": seconds, "rps": len(calls) / max(seconds, 1e-9),
            "p50": p50, "p95": p95, "p99": p99, "saves": len(saves), "save_p50": s50,
            "save_p95": s95, "save_p99": s99, "errors": dict(errors),
            "error_count": sum(errors.values())}  # fmt: skip


def print_figures(title: str, f: dict) -> None:
    print(f"{title}: {f['requests']} requests in {f['seconds']:.1f} s = {f['rps']:.1f} req/s; "
          f"latency p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, p99 {f['p99']:.1f} ms")
    print(f"  saves (profile, autosave, page): {f['saves']}, p50 {f['save_p50']:.1f} ms, "
          f"p95 {f['save_p95']:.1f} ms, p99 {f['save_p99']:.1f} ms")
    if f["errors"]:
        print(f"  errors: {f['error_count']}: " + "; ".join(
            f"{kind} ×{n}" for kind, n in sorted(f["errors"].items(), key=lambda x: -x[1])))
    else:
        print("  errors: 0")


# --- one run ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    ctx: Context
    stack: Stack
    verdict: Verdict
    figures: dict
    sampler: Sampler
    fault_lines: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.verdict.lost or self.verdict.problems or self.ctx.recorder.problems)


class Fault:
    """What bench/faults.py injects: ``inject`` runs in its own thread ``at`` seconds into the
    load; ``report`` adds its own lines and problems once the run is checked."""

    name = "none"
    at = 0.4  # of the duration

    def prepare(self, stack: Stack) -> None:
        pass

    def inject(self, stack: Stack, ctx: Context) -> None:
        pass

    def report(self, outcome: Outcome) -> list[str]:
        return []


def run(options: Options, fault: Fault | None = None, url: str | None = None) -> Outcome:
    """Start the app, load it, stop the load, check everything; the servers stopped."""
    scratch = Path(tempfile.mkdtemp(prefix="assess-load-"))
    url = normalise_database_url(url or options.database_url
                                 or f"sqlite:///{scratch / 'load.sqlite'}")  # fmt: skip
    app, model, tokens = prepare(url, scratch, options.consultants)
    stack = Stack(options, url, scratch)
    recorder, registry = Recorder(), Registry()
    try:
        try:
            stack.start()
        except RuntimeError as error:
            print(f"the app did not start: {error}\n--- gunicorn ---\n{stack.log_tail('web')}\n"
                  f"--- assess worker ---\n{stack.log_tail('worker')}", file=sys.stderr)
            stack.stop()
            sys.exit(2)
        if fault:
            fault.prepare(stack)
        ctx = Context(options, stack.port, model, app, recorder, registry, tokens)
        sampler = Sampler(ctx)
        people = [Respondent(ctx, n) for n in range(options.respondents)]
        people += [Consultant(ctx, n, tokens[n]) for n in range(options.consultants)]
        threads = [threading.Thread(target=p.run, name=f"person-{i}", daemon=True)
                   for i, p in enumerate(people)]  # fmt: skip
        sampler.start()
        for t in threads:
            t.start()
        fault_thread = None
        if fault:
            def injected():
                time.sleep(options.duration * fault.at)
                try:
                    fault.inject(stack, ctx)
                except Exception as error:  # noqa: BLE001 - reported, never hidden
                    recorder.problem(f"the fault could not be injected: {error!r}")

            fault_thread = threading.Thread(target=injected, name="fault", daemon=True)
            fault_thread.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - ctx.started
        if fault_thread:
            fault_thread.join()
        sampler.done.set()
        sampler.join()
        sampler.sample()  # once more, with every respondent still
        stack.terminate_web()
        not_ended = wait_for_jobs(app, options.job_wait)
        verdict = verify(ctx, scratch / "batches")
        if not_ended:
            print(f"batches not ended after {options.job_wait:.0f} s: {not_ended}")
        outcome = Outcome(ctx, stack, verdict, figures_of(recorder.calls, seconds), sampler)
        if fault:
            outcome.fault_lines = fault.report(outcome)
        stop_problems = stack.stop()
        verdict.problems += stop_problems
        for name in ("web", "worker"):
            if "Traceback" in stack.log_tail(name, 10**7) and not fault:
                verdict.problems.append(f"the {name} log holds a traceback:\n"
                                        f"{stack.log_tail(name)}")  # fmt: skip
        return outcome
    finally:
        stack.stop()
        stack.flush_redis()
        for log in stack.logs.values():
            log.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url.startswith("postgresql") and not os.environ.get("LOAD_KEEP_DATA"):
            with contextlib.suppress(Exception):
                reset_schema(url)
        shutil.rmtree(scratch, ignore_errors=True)


def describe(options: Options, url: str | None) -> str:
    where = "postgresql" if (url or options.database_url or "").startswith("postgres") \
        else "sqlite"
    length = (f"{options.rounds} questionnaire(s) each" if options.rounds is not None
              else f"{options.duration:g} s")
    queue = "redis" if options.redis_url else "huey-sqlite"
    return (f"{where}; gunicorn {options.workers} workers × 4 threads, 1 job consumer "
            f"({queue}); {options.respondents} respondents, {options.consultants} consultants, "
            f"{length}, {options.autosaves} autosaves per page")


def print_outcome(title: str, outcome: Outcome) -> None:
    f, v = outcome.figures, outcome.verdict
    print_figures(title, f)
    vf = v.figures
    print(f"  acknowledged: {vf['drafts']} assessments started, {vf['acked_saves']} saves, "
          f"{vf['submits']} submits, {vf['api_assessments']} API assessments, "
          f"{vf['batches']} batches; {vf['confirmed']} unanswered saves found stored")
    print(f"  checked: {outcome.sampler.samples} stored states sampled during the load"
          + (f" ({outcome.sampler.failed_reads} reads failed)" if outcome.sampler.failed_reads
             else "")
          + f", {vf['zips']} ZIPs with {vf['pdfs']} PDFs ({vf['failed_items']} reports "
          "reported failed)")
    for line in outcome.fault_lines:
        print(f"  {line}")
    problems = outcome.ctx.recorder.problems + v.problems
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    if v.lost:
        print(f"  lost answers: {len(v.lost)}")
        for line in v.lost:
            print(f"    {line}")
    else:
        print("  lost answers: 0")


def bench_json(script: str, outcome: Outcome) -> str:
    f = outcome.figures
    figures = [
        {"figure": "requests/s", "ours": f["rps"], "unit": "/s"},
        {"figure": "p50", "ours": f["p50"], "unit": "ms"},
        {"figure": "p95", "ours": f["p95"], "unit": "ms"},
        {"figure": "p99", "ours": f["p99"], "unit": "ms"},
        {"figure": "save p95", "ours": f["save_p95"], "unit": "ms"},
        {"figure": "errors", "ours": f["error_count"]},
        {"figure": "lost answers", "ours": len(outcome.verdict.lost)},
    ]
    return "BENCHJSON " + json.dumps({"script": script, "figures": figures})


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--respondents", type=int, default=12)
    p.add_argument("--consultants", type=int, default=2)
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    p.add_argument("--rounds", type=int, help="questionnaires per respondent (and batches per "
                                              "consultant) instead of a duration")
    p.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    p.add_argument("--autosaves", type=int, default=3, help="autosaves per section page")
    p.add_argument("--database-url", help="PostgreSQL (its public schema is emptied); "
                                          "default: a scratch SQLite file")
    p.add_argument("--redis-url", help="the job queue on Redis (default: Huey's SQLite file)")
    p.add_argument("--job-wait", type=float, default=180.0,
                   help="seconds to wait at the end for the batches to finish")
    p.add_argument("--smoke", action="store_true", help="a tiny run (CI)")
    p.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    return p


def options_of(args: argparse.Namespace) -> Options:
    options = Options(
        respondents=args.respondents, consultants=args.consultants, duration=args.duration,
        rounds=args.rounds, workers=args.workers, autosaves=args.autosaves,
        database_url=args.database_url, redis_url=args.redis_url, job_wait=args.job_wait,
        json=args.json,
    )  # fmt: skip
    if args.smoke:  # one questionnaire per respondent and one batch: the whole path, quickly
        options.respondents, options.consultants = 4, 1
        options.workers, options.autosaves = 2, 2
        options.rounds, options.job_wait = 1, 60.0
    return options


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    options = options_of(args)
    print(f"load: {describe(options, None)}", flush=True)
    outcome = run(options)
    print_outcome("load", outcome)
    if options.json:
        where = "postgresql" if options.database_url else "sqlite"
        print(bench_json(f"load ({where})", outcome))
    sys.exit(1 if outcome.failed else 0)


if __name__ == "__main__":
    main()
