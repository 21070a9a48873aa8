"""A job consumer killed (SIGKILL: the kernel's out-of-memory killer, a host going down) in the
middle of a batch: the batch resumes once a consumer runs again, or names the reports it could
not produce; its ZIP never names a PDF it does not hold."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from assess.extensions import db
from assess.models import JobItem, utcnow
from assess.services.batches import MAX_ATTEMPTS

from .conftest import start_worker, stop_worker
from .test_batches import read_zip, start, submitted_assessments, wait_until_finished

LEASE = 2  # seconds: short, so that the test need not wait long for a dead consumer's lease


def item_states(app, job_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(JobItem.status).where(JobItem.job_id == job_id)
                                       .order_by(JobItem.id)))  # fmt: skip


def wait_for_a_render(app, job_id: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "running" in item_states(app, job_id):
            return
        time.sleep(0.01)
    pytest.fail(f"no report of batch {job_id} started rendering: {item_states(app, job_id)}")


def test_a_batch_resumes_after_its_consumer_is_killed_mid_render(queue_app):
    queue_app.config["JOB_LEASE_SECONDS"] = LEASE
    ids = submitted_assessments(queue_app, ["한빛정밀", "대성금속", "세진테크"])
    first, _ = start_worker(queue_app)
    job_id = start(queue_app, ids)
    wait_for_a_render(queue_app, job_id)
    first.kill()  # SIGKILL: no signal handler runs, nothing is put back
    first.communicate(timeout=30)
    assert "running" in item_states(queue_app, job_id)  # it died with a report in hand

    second, started = start_worker(queue_app)
    try:
        assert wait_until_finished(queue_app, job_id, timeout=90) == {
            "status": "done", "done": 3, "total": 3, "failed": 0}  # fmt: skip
        files, table = read_zip(queue_app, job_id)
        assert sorted(files) == sorted(row[2] for row in table[1:])
        assert sorted(files) == ["대성금속.pdf", "세진테크.pdf", "한빛정밀.pdf"]
        assert all(pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-1024:] for pdf in files.values())
    finally:
        stop_worker(second, started)


def test_a_report_whose_consumers_keep_dying_is_reported_failed_not_retried_for_ever(queue_app):
    """A report taken MAX_ATTEMPTS times whose last consumer died with it (as a report that
    exhausts the consumer's memory would): failed with a reason, and the rest of the batch is
    delivered in its ZIP."""
    queue_app.config["JOB_LEASE_SECONDS"] = LEASE
    ids = submitted_assessments(queue_app, ["갑", "을"])
    job_id = start(queue_app, ids, "en")  # queued, with no consumer running yet
    with queue_app.app_context():
        doomed = db.session.scalars(select(JobItem.id).where(JobItem.job_id == job_id)
                                    .order_by(JobItem.id)).all()[1]  # fmt: skip
        # As its third consumer left it: taken, and its lease long run out.
        db.session.execute(update(JobItem).where(JobItem.id == doomed).values(
            status="running", attempts=MAX_ATTEMPTS, started_at=utcnow() - timedelta(minutes=1),
            lease_until=utcnow() - timedelta(seconds=30)))  # fmt: skip
        db.session.commit()

    process, started = start_worker(queue_app)
    try:
        assert wait_until_finished(queue_app, job_id) == {
            "status": "done", "done": 1, "total": 2, "failed": 1}  # fmt: skip
    finally:
        stop_worker(process, started)
    files, table = read_zip(queue_app, job_id)
    assert sorted(files) == ["갑.pdf"]
    assert table[2] == ["을", str(ids[1]), "", "failed", "The report could not be produced."]
    with queue_app.app_context():
        assert db.session.get(JobItem, doomed).attempts == MAX_ATTEMPTS  # not taken again
