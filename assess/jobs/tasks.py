"""Task bodies: each runs in the app's context and commits between steps, so that progress is
visible while a batch runs and a stopped worker leaves nothing half-recorded."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import Job, JobItem, utcnow
from ..services import batches, webhooks

# Far beyond a render's time limit: an item "running" this long lost its worker (killed).
STALE_AFTER = timedelta(minutes=10)


def render_item(item_id: int) -> None:
    item = batches.claim_item(item_id)
    if item is None:
        db.session.rollback()
        return  # finished already, or another worker has it
    db.session.commit()
    job_id = item.job_id
    batches.render_item(item)
    db.session.commit()
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
    db.session.execute(update(JobItem).where(JobItem.id == item_id, JobItem.status == "running")
                       .values(status="pending", started_at=None))  # fmt: skip
    db.session.commit()


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
    """What unfinished batches still need, for a worker that starts: items of a killed worker
    are released, every pending item is queued (a copy already queued finds it claimed), and a
    batch whose items all finished gets its ZIP; webhook deliveries still pending are scheduled
    for when they are due."""
    db.session.execute(update(JobItem).where(
        JobItem.status == "running", JobItem.started_at < utcnow() - STALE_AFTER)
        .values(status="pending", started_at=None))  # fmt: skip
    work: list[tuple[str, int]] = []
    for job in db.session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
        pending = [i.id for i in job.items if i.status == "pending"]
        if pending:
            work += [("render", i) for i in pending]
        elif batches.ready_to_archive(job):
            work.append(("archive", job.id))
    work += webhooks.waiting_deliveries()
    db.session.commit()
    return work
