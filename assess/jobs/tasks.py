"""Task bodies: each runs in the app's context and commits between steps, so that progress is
visible while a batch runs and a stopped worker leaves nothing half-recorded.

A report being rendered is leased to its consumer: the consumer renews the lease of the items in
its hands (``keep_leases``, from a thread of ``assess worker``), so that an item whose consumer
was killed, or whose task failed after taking it, goes back to the queue once its lease runs out
instead of staying "running" for ever.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import Job, JobItem
from ..services import batches, webhooks

# The items this process is rendering now: their leases are renewed, nobody else's.
_in_hand: set[int] = set()
_in_hand_lock = threading.Lock()


@contextlib.contextmanager
def _holding(item_id: int) -> Iterator[None]:
    with _in_hand_lock:
        _in_hand.add(item_id)
    try:
        yield
    finally:
        with _in_hand_lock:
            _in_hand.discard(item_id)


def render_item(item_id: int) -> None:
    item = batches.claim_item(item_id)
    if item is None:
        db.session.rollback()
        # Finished already (a retry of a task that failed after the render, before the ZIP):
        # the batch may still want its ZIP.
        job_id = db.session.scalar(select(JobItem.job_id).where(
            JobItem.id == item_id, JobItem.status.in_(("done", "failed"))))  # fmt: skip
        if job_id is not None:
            build_archive(job_id)
        return
    db.session.commit()
    job_id = item.job_id
    with _holding(item_id):
        try:
            batches.render_item(item)
            db.session.commit()
        except Exception:
            # The database went away after the claim: hand the item back for the queue's retry
            # (or, if that fails too, to the lease's end), then let the queue retry.
            db.session.rollback()
            with contextlib.suppress(Exception):
                release_item(item_id)
            raise
    build_archive(job_id)


def build_archive(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is not None and batches.ready_to_archive(job):
        batches.build_archive(job)
    db.session.commit()


def render_submitted(assessment_id: int, revision: int, lang: str) -> None:
    """Render a just-submitted assessment's report into the PDF cache."""
    from reports import RenderError

    from ..services import pdf

    try:
        pdf.render_submitted(assessment_id, revision, lang)
    except RenderError:
        # The download renders it itself (and says so if it cannot).
        logging.getLogger(__name__).exception("report of assessment %d not rendered", assessment_id)
    finally:
        db.session.rollback()


def release_item(item_id: int) -> None:
    """Put an interrupted item back in the queue's hands."""
    batches.release_item(item_id)
    db.session.commit()


def keep_leases() -> list[tuple]:
    """What a running consumer does every few seconds: renew the leases of the items it is
    rendering; the work to queue again because its consumer is gone (``reclaim_abandoned``)."""
    with _in_hand_lock:
        holding = set(_in_hand)
    batches.renew_leases(holding)
    db.session.commit()
    work = batches.reclaim_abandoned()
    db.session.commit()
    return work


def lost_tasks(older_than) -> list[tuple]:
    """For a consumer whose queue is empty: pending items that have no task any more."""
    work = [("render", i) for i in batches.waiting_items(older_than)]
    db.session.rollback()
    return work


def deliver_webhook(delivery_id: int) -> None:
    """One attempt of a delivery: claimed and committed, sent with no transaction open, then
    recorded (which schedules the next attempt, if any, at commit)."""
    outgoing = webhooks.claim(delivery_id)
    db.session.commit()
    if outgoing is None:
        return  # not due, finished, withdrawn, or another worker has it
    try:
        outcome = webhooks.send(outgoing)
        webhooks.record(outgoing, outcome)
        db.session.commit()
    except Exception:
        db.session.rollback()
        release_delivery(delivery_id)  # Huey's retry may take it again at once
        raise


def release_delivery(delivery_id: int) -> None:
    webhooks.release(delivery_id)
    db.session.commit()


def unfinished_work() -> list[tuple]:
    """What unfinished batches still need, for a worker that starts: items whose consumer is
    gone (lease run out) are released, every pending item is queued (a copy already queued
    finds it claimed), and a batch whose items all finished gets its ZIP; webhook deliveries
    still pending are scheduled for when they are due."""
    reclaimed = batches.reclaim_abandoned()
    db.session.commit()
    work: list[tuple] = [w for w in reclaimed if w[0] == "archive"]
    for job in db.session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
        pending = [i.id for i in job.items if i.status == "pending"]
        if pending:
            work += [("render", i) for i in pending]
        elif batches.ready_to_archive(job) and ("archive", job.id) not in work:
            work.append(("archive", job.id))
    work += webhooks.waiting_deliveries()
    db.session.commit()
    return work
