"""``assess worker``: a Huey consumer for the app's queue.

Threads, not processes: a task spends its time waiting for a sandboxed render process (each
has its own time limit, memory cap and recycling), so threads are enough; the pool has one warm
render process per thread.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta

from flask import Flask
from huey.consumer import Consumer

from reports.sandbox import default_pool, set_default_pool_size

from ..logs import RequestFormatter
from . import queue_of, tasks

# A graceful stop waits this long for the renders in hand (each is capped at 20 s) before the
# rest are put back in the queue.
SHUTDOWN_TIMEOUT = 45.0
READY = "worker ready: SIGTERM or SIGINT stops it cleanly"


class GracefulConsumer(Consumer):
    """Stops on SIGTERM as on SIGINT: finish the renders in hand, then exit 0. A second signal
    stops at once; the items in hand go back to the queue."""

    def _set_signal_handlers(self) -> None:
        self._signal_actions[signal.SIGTERM] = (False, True)  # (restart, graceful)
        super()._set_signal_handlers()
        # From here on a stop signal is a clean stop: say so (supervisors and tests wait for it).
        logging.getLogger(__name__).info("%s", READY)


def run_worker(app: Flask, workers: int = 2) -> None:
    set_default_pool_size(workers)  # a render process per thread: renders run side by side
    # Warm the render processes now (WeasyPrint and fonts load once), beside the consumer's
    # start rather than before it, so that a stop signal finds the consumer's handlers in place.
    for render_process in default_pool().workers:
        threading.Thread(target=render_process.start, name="render-warm-up", daemon=True).start()
    handler = logging.StreamHandler()
    handler.setFormatter(RequestFormatter())  # the web app's format; no database values
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    queue = queue_of(app)
    with app.app_context():
        work = tasks.unfinished_work()
    queue.enqueue(work)
    if work:
        logging.getLogger(__name__).info("queued %d unfinished tasks", len(work))
    _start_heartbeat(queue.huey)
    _start_lease_keeper(app, queue)
    consumer = GracefulConsumer(
        queue.huey, workers=workers, worker_type="thread", periodic=False,
        max_delay=1.0,  # a batch starts within a second on SQLite, which is polled
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )  # fmt: skip
    consumer.run()


def _start_heartbeat(huey) -> None:
    """Tell the web processes a consumer is running (see ``services.pdf.worker_alive``): they
    then wait a little for the report queued at submit rather than render it themselves."""
    from ..services.pdf import HEARTBEAT_EVERY, HEARTBEAT_KEY

    def beat() -> None:
        while True:
            try:
                huey.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())
            except Exception:  # the storage briefly away: try again at the next beat
                logging.getLogger(__name__).warning("could not record the worker heartbeat")
            time.sleep(HEARTBEAT_EVERY)

    threading.Thread(target=beat, name="heartbeat", daemon=True).start()


def _start_lease_keeper(app: Flask, queue) -> None:
    """Every quarter of a lease: renew the leases of the reports this consumer is rendering, and
    queue again what lost its consumer (a lease run out: killed, or a task that failed after
    taking its report; a batch left without its ZIP; with the queue empty, a pending report
    whose task was lost). Several consumers may do this at once: each change is conditional."""
    lease = float(app.config["JOB_LEASE_SECONDS"])

    def keep() -> None:
        log = logging.getLogger(__name__)
        while True:
            time.sleep(lease / 4)
            try:
                with app.app_context():
                    work = tasks.keep_leases()
                    if queue.huey.pending_count() == 0:
                        work += tasks.lost_tasks(timedelta(seconds=lease))
                queue.enqueue(work)
                if work:
                    log.info("queued %d tasks again whose consumer was gone", len(work))
            except Exception as error:  # the database or the queue briefly away: next turn
                log.warning("could not renew the leases of the reports in hand: %r", error)

    threading.Thread(target=keep, name="lease-keeper", daemon=True).start()
