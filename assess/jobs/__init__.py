"""The background job queue: Huey bound to one app's configuration.

Redis when ``REDIS_URL`` is set, so that consumers on several machines share one queue; otherwise
a SQLite file in the instance folder (``HUEY_SQLITE_PATH``), so that a laptop needs no extra
server. Tasks run inside the app's context and commit like a view does. Work is queued only once
the rows it reads are committed: services leave it on the session, the commit hands it over.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from huey import Huey, RedisHuey, SqliteHuey
from huey import signals as huey_signals
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from ..services.batches import ENQUEUE_KEY
from . import tasks

_lock = threading.Lock()

# A check of the queue's storage that takes longer than this counts as failed.
CHECK_TIMEOUT_SECONDS = 2.0
REDIS_SOCKET_TIMEOUT_SECONDS = 10.0
RETRY_AFTER_SECONDS = 60


class QueueUnavailable(ServiceUnavailable):
    """Work that needs the queue was asked for while its storage cannot be reached: nothing was
    started (rather than a batch that would wait, unexplained, until the queue is back)."""

    error_code = "queue_unavailable"
    description = _l("Reports cannot be prepared right now because the job queue is not "
                     "reachable. Nothing was started: try again in a few minutes.")  # fmt: skip

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER_SECONDS)


def make_huey(config: dict) -> Huey:
    """The Huey instance the configuration asks for; results are not kept (the tables are)."""
    name = config["HUEY_NAME"]
    if config.get("REDIS_URL"):
        import redis

        # Bounded waits: a submit that queues its PDF must not hang for the system's TCP timeout
        # on a Redis that is away (it commits first, and the queueing failure is only logged).
        # The worker's blocking pop waits 1 s at a time, well within the socket timeout.
        pool = redis.ConnectionPool.from_url(config["REDIS_URL"],
                                             socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                                             socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS)
        return RedisHuey(name, connection_pool=pool, results=False)
    path = Path(config["HUEY_SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


class JobQueue:
    """One app's queue and its tasks."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = make_huey(app.config)
        # Retries cover the database being briefly away; a report that fails to render is
        # recorded on its item by the task itself, not retried here.
        task = self.huey.task(retries=2, retry_delay=5)
        self.render_item = task(self._in_app(tasks.render_item, "batch.render_item"))
        self.build_archive = task(self._in_app(tasks.build_archive, "batch.build_archive"))
        # A webhook's own retries (growing delays, every attempt logged) are scheduled by the
        # task; Huey's retries only cover the database being briefly away.
        self.deliver_webhook = task(self._in_app(tasks.deliver_webhook, "webhook.deliver"))
        # The respondent's report, rendered at submit into the cache the download reads; a
        # failed render is left to the download (which renders it itself), not retried here.
        self.render_submitted = self.huey.task()(
            self._in_app(tasks.render_submitted, "report.render_submitted")
        )
        self.huey.signal(huey_signals.SIGNAL_INTERRUPTED)(self._requeue_interrupted)

    def _in_app(self, body: Callable, name: str) -> Callable:
        app = self.app

        @functools.wraps(body)
        def run(*args):
            with app.app_context():
                return body(*args)

        run.__name__ = run.__qualname__ = name  # the name Huey files the task under
        return run

    def enqueue(self, work: Iterable[tuple]) -> None:
        """Queue ``("render", item_id)``, ``("archive", job_id)``, ``("webhook",
        delivery_id[, delay_seconds])`` and ``("pdf", assessment_id, revision, language)``."""
        for kind, ident, *delay in work:
            if kind == "pdf":
                self.render_submitted(ident, *delay)
            elif kind == "webhook" and delay and delay[0] > 0:
                self.deliver_webhook.schedule(args=(ident,), delay=delay[0])
            elif kind == "webhook":
                self.deliver_webhook(ident)
            else:
                (self.render_item if kind == "render" else self.build_archive)(ident)

    def _requeue_interrupted(self, _signal, task, *_args) -> None:
        # A consumer stopped before this task finished: put its item back and queue it again,
        # so that stopping a worker never loses a report.
        if task.name.endswith("batch.render_item"):
            with self.app.app_context():
                tasks.release_item(task.args[0])
        elif task.name.endswith("webhook.deliver"):
            with self.app.app_context():
                tasks.release_delivery(task.args[0])
        self.huey.enqueue(task)


def check_queue(app: Flask) -> None:
    """:raise Exception: when the queue's storage cannot be reached now (Redis does not answer a
    ping within ``CHECK_TIMEOUT_SECONDS``, or Huey's SQLite file cannot be read)."""
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                                      socket_timeout=CHECK_TIMEOUT_SECONDS)  # fmt: skip
        try:
            client.ping()
        finally:
            client.close()
    else:
        queue_of(app).huey.storage.queue_size()


def require_queue() -> None:
    """:raise QueueUnavailable: before starting work that only the queue can do."""
    try:
        check_queue(current_app._get_current_object())  # type: ignore[attr-defined]
    except Exception as exc:  # whatever it is, the queue cannot take work now
        current_app.logger.warning("job queue unreachable: %r", exc)
        raise QueueUnavailable() from exc


def queue_of(app: Flask) -> JobQueue:
    """The app's queue, made on first use (pages that never queue anything never open it)."""
    with _lock:
        queue = app.extensions.get("job_queue")
        if queue is None:
            queue = app.extensions["job_queue"] = JobQueue(app)
        return queue


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    work = session.info.pop(ENQUEUE_KEY, None)
    if not work or not has_app_context():
        return
    try:
        queue_of(current_app._get_current_object()).enqueue(work)  # type: ignore[attr-defined]
    except Exception:
        # The rows are committed and stay pending; `assess worker` queues them when it starts.
        current_app.logger.exception("could not queue %d background tasks", len(work))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(ENQUEUE_KEY, None)
