"""Batches of PDF reports: a consultant picks assessments, a worker renders each one in the
sandbox, and one ZIP holds every firm's PDF plus a status table.

The service flushes; the caller commits. Render tasks are queued only once the rows they read are
committed (see ``assess.jobs``): ``start_batch`` and ``retry_failed`` leave the item ids on the
session, and the commit hands them to the queue.

A batch whose items all finished is ``done`` even when some of them failed (``failed`` > 0, and
status.csv says which and why); a job is ``failed`` only when its ZIP could not be written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import Assessment, Job, JobItem, Organisation, User, utcnow
from ..models.jobs import ERROR_LENGTH
from . import audit
from .archive import entry_name, status_csv, write_zip
from .branding import issuer_of
from .clients import report_notes, visible_assessments

MAX_ASSESSMENTS = 500
LANGUAGES = ("ko", "en")
UNFINISHED = ("pending", "running")
# A report taken this many times whose last consumer went away without finishing it is reported
# as failed, rather than handed to the next consumer to die on (a report that makes its consumer
# run out of memory, say).
MAX_ATTEMPTS = 3
ENQUEUE_KEY = "assess.jobs.enqueue"  # session.info: work to queue once the session commits


class BatchError(ValueError):
    """A batch that cannot be started or retried as asked; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class AssessmentGone(Exception):
    """An item's assessment was deleted or reopened after the batch started."""


def start_batch(
    organisation: Organisation, user: User | None, assessment_ids: list[int], language: str
) -> Job:
    """A new batch of the reports of ``assessment_ids`` in ``language``, queued at commit.

    Each must be a submitted assessment the organisation may see (of one of its clients, not
    withdrawn by the client): another organisation's is refused like an unknown one.

    :raise BatchError: no or too many assessments, an unknown or unsubmitted one, or an
        unknown language.
    """
    if language not in LANGUAGES:
        raise BatchError("language", gettext("Choose Korean or English."))
    ids = list(dict.fromkeys(assessment_ids))  # a double click on one firm is one report
    if not ids:
        raise BatchError("assessments", gettext("Choose at least one assessment."))
    if len(ids) > MAX_ASSESSMENTS:
        raise BatchError("assessments", gettext(
            "A batch holds at most %(n)d assessments.", n=MAX_ASSESSMENTS))  # fmt: skip
    found = set(db.session.scalars(select(Assessment.id).where(
        Assessment.id.in_(ids), Assessment.status == "submitted",
        *visible_assessments(organisation.id))))  # fmt: skip
    missing = [i for i in ids if i not in found]
    if missing:
        raise BatchError("assessments", gettext(
            "These assessments are not found or not submitted: %(ids)s",
            ids=", ".join(map(str, missing[:20]))))  # fmt: skip
    job = Job(organisation_id=organisation.id, created_by_id=user.id if user else None,
              kind="batch_pdf", language=language, status="queued")  # fmt: skip
    job.items = [JobItem(assessment_id=i, status="pending") for i in ids]
    db.session.add(job)
    db.session.flush()
    audit.record("batch.start", f"job:{job.id}", user, assessments=len(ids), language=language)
    _enqueue_at_commit(("render", item.id) for item in job.items)
    return job


def job_progress(job: Job) -> dict:
    """``{"status", "done", "total", "failed"}`` as the API returns it: ``done`` counts reports
    rendered, ``failed`` those that could not be; the rest are still waiting or rendering."""
    counts: dict[str, int] = {status: n for status, n in db.session.execute(
        select(JobItem.status, func.count()).where(JobItem.job_id == job.id)
        .group_by(JobItem.status))}  # fmt: skip
    return {"status": job.status, "done": counts.get("done", 0),
            "total": sum(counts.values()), "failed": counts.get("failed", 0)}  # fmt: skip


def retry_failed(job: Job, user: User | None = None) -> int:
    """Queue the failed items of a finished batch again (the others keep their PDFs); a batch
    whose ZIP could not be written gets a new one. Returns how many items are rerun.

    :raise BatchError: the batch is still running, or nothing in it failed.
    """
    if job.status not in ("done", "failed"):
        raise BatchError("job", gettext("This batch is still running; retry when it has finished."))
    failed = list(db.session.scalars(select(JobItem.id).where(
        JobItem.job_id == job.id, JobItem.status == "failed")))  # fmt: skip
    if not failed and job.status == "done":
        raise BatchError("job", gettext("Nothing in this batch failed."))
    db.session.execute(update(JobItem).where(JobItem.id.in_(failed)).values(
        status="pending", error=None, started_at=None, lease_until=None,
        finished_at=None))  # fmt: skip
    job.status, job.finished_at, job.error = "queued", None, None
    db.session.flush()
    audit.record("batch.retry", f"job:{job.id}", user, items=len(failed))
    _enqueue_at_commit([("render", i) for i in failed] or [("archive", job.id)])
    return len(failed)


def archive_path(job: Job) -> Path | None:
    """The finished ZIP of ``job``, or None while there is none to download."""
    if job.status != "done" or not job.archive_name:
        return None
    path = Path(current_app.config["BATCH_DIR"]) / job.archive_name
    return path if path.is_file() else None


def _enqueue_at_commit(work) -> None:
    db.session.info.setdefault(ENQUEUE_KEY, []).extend(work)


# What the worker does with one item; the task commits between the steps.


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


def claim_item(item_id: int) -> JobItem | None:
    """Mark a pending item as rendering, leased to this consumer (see ``renew_leases``); None
    when it is gone or another worker has it (a task may be queued twice: after a restart, or a
    retry)."""
    now = utcnow()
    claimed = db.session.execute(update(JobItem).where(
        JobItem.id == item_id, JobItem.status == "pending").values(
        status="running", attempts=JobItem.attempts + 1, started_at=now,
        lease_until=now + _lease()))  # fmt: skip
    if claimed.rowcount != 1:
        return None
    item = db.session.get(JobItem, item_id, populate_existing=True)
    assert item is not None
    db.session.execute(update(Job).where(Job.id == item.job_id, Job.status == "queued")
                       .values(status="running"))  # fmt: skip
    db.session.flush()
    return item


def renew_leases(item_ids: Collection[int]) -> None:
    """The consumer still renders these items: extend their leases."""
    if item_ids:
        db.session.execute(update(JobItem).where(
            JobItem.id.in_(item_ids), JobItem.status == "running").values(
            lease_until=utcnow() + _lease()))  # fmt: skip
        db.session.flush()


def release_item(item_id: int) -> None:
    """Give a running item back to the queue (its consumer stopped before finishing it)."""
    db.session.execute(update(JobItem).where(JobItem.id == item_id, JobItem.status == "running")
                       .values(status="pending", started_at=None, lease_until=None))  # fmt: skip
    db.session.flush()


def reclaim_abandoned() -> list[tuple[str, int]]:
    """Work that lost its consumer, to queue again: items whose lease ran out go back to pending
    (or, after ``MAX_ATTEMPTS``, fail with a reason in status.csv), and a batch whose items all
    finished a lease ago without a ZIP gets one (its consumer died before writing it)."""
    now = utcnow()
    work: list[tuple[str, int]] = []
    expired = db.session.execute(select(JobItem.id, JobItem.attempts, JobItem.lease_until).where(
        JobItem.status == "running",
        # No lease at all: claimed before leases existed, by a consumer since replaced.
        or_(JobItem.lease_until < now, JobItem.lease_until.is_(None)))).all()  # fmt: skip
    ended: set[int] = set()
    for item_id, attempts, lease_until in expired:
        # Compared with the lease read: another consumer reclaiming it at the same moment, or
        # the owner renewing it just now, makes this update change nothing.
        still = JobItem.lease_until == lease_until if lease_until else JobItem.lease_until.is_(None)
        if attempts >= MAX_ATTEMPTS:
            job = db.session.scalar(select(Job).join(JobItem).where(JobItem.id == item_id))
            with force_locale(job.language):
                error = gettext("The report could not be produced.")
            values = {"status": "failed", "finished_at": now, "error": error,
                      "lease_until": None}  # fmt: skip
        else:
            values = {"status": "pending", "started_at": None, "lease_until": None}
        changed = db.session.execute(update(JobItem).where(
            JobItem.id == item_id, JobItem.status == "running", still).values(**values))
        if changed.rowcount != 1:
            continue
        if values["status"] == "pending":
            work.append(("render", item_id))
        else:
            ended.add(item_id)
    db.session.flush()
    for job in db.session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
        last = db.session.scalar(select(func.max(JobItem.finished_at)).where(
            JobItem.job_id == job.id))  # fmt: skip
        finished_a_lease_ago = last is not None and _aware(last) < now - _lease()
        just_ended = any(item.id in ended for item in job.items)
        if (finished_a_lease_ago or just_ended) and ready_to_archive(job):
            work.append(("archive", job.id))
    return work


def waiting_items(older_than: timedelta) -> list[int]:
    """Pending items of batches started (or retried) longer ago than ``older_than``: for a
    consumer whose queue is empty, these lost their task (the queue was away when the batch
    was committed, or a consumer took the task and died before starting it)."""
    since = utcnow() - older_than
    return list(db.session.scalars(select(JobItem.id).join(Job).where(
        JobItem.status == "pending", Job.status.in_(("queued", "running")),
        Job.created_at < since)))  # fmt: skip


def _aware(moment):
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def render_item(item: JobItem) -> None:
    """Render one firm's report into the batch's folder; any failure is recorded on the item,
    never raised, so that one bad report never stops the batch."""
    from reports import RenderError

    from ..questionnaire import QuestionnaireError, UnknownQuestionnaire
    from .pdf import assessment_pdf

    job = item.job
    error = None
    with force_locale(job.language):
        assessment = db.session.get(Assessment, item.assessment_id)
        try:
            if assessment is None or assessment.status != "submitted":
                raise AssessmentGone
            organisation = db.session.get(Organisation, job.organisation_id)
            issuer = issuer_of(organisation) if organisation else None
            _write_atomically(_work_dir(job) / f"{item.id}.pdf",
                              assessment_pdf(assessment, job.language, issuer,
                                             notes=report_notes(assessment)))  # fmt: skip
        except AssessmentGone:
            error = gettext("The assessment is no longer available.")
        except RenderError as exc:
            current_app.logger.warning("batch %s item %s: %s", job.id, item.id, exc)
            error = gettext("The report could not be rendered in time or within the size limit.")
        except (UnknownQuestionnaire, QuestionnaireError):
            error = gettext("The questionnaire version of this assessment is not installed.")
        except Exception:  # one firm's broken data must not stop the others
            current_app.logger.exception("batch %s item %s failed", job.id, item.id)
            error = gettext("The report could not be produced.")
    db.session.execute(update(JobItem).where(JobItem.id == item.id, JobItem.status == "running")
                       .values(status="failed" if error else "done", finished_at=utcnow(),
                               lease_until=None,
                               error=error[:ERROR_LENGTH] if error else None))  # fmt: skip
    db.session.flush()


def ready_to_archive(job: Job) -> bool:
    """Every item finished and the ZIP not yet written."""
    unfinished = db.session.scalar(select(func.count()).where(
        JobItem.job_id == job.id, JobItem.status.in_(UNFINISHED)))  # fmt: skip
    return unfinished == 0 and job.status in ("queued", "running")


def build_archive(job: Job) -> None:
    """Write the batch's ZIP: each rendered PDF under a safe name, plus status.csv; the job is
    then ``done``, or ``failed`` when the ZIP cannot be written. Two workers finishing the last
    items at once may both build it: each writes a whole file and renames it into place."""
    taken: set[str] = set()
    files: list[tuple[str, Path | bytes]] = []
    rows = []
    with force_locale(job.language):
        labels = {"done": gettext("done"), "failed": gettext("failed")}
        for item in job.items:
            firm = _firm_name(item.assessment_id)
            if item.status == "done":
                item.entry_name = entry_name(firm, item.assessment_id, taken)
                files.append((item.entry_name, _work_dir(job) / f"{item.id}.pdf"))
            rows.append((firm, item.assessment_id, item.entry_name or "",
                         labels.get(item.status, item.status), item.error or ""))  # fmt: skip
        header = (gettext("Firm"), gettext("Assessment"), gettext("File"), gettext("Status"),
                  gettext("Error"))  # fmt: skip
        files.append(("status.csv", status_csv(header, rows)))
        name = f"batch-{job.id}.zip"
        try:
            write_zip(Path(current_app.config["BATCH_DIR"]) / name, files)
        except OSError as exc:
            current_app.logger.error("batch %s: cannot write the ZIP: %s", job.id, exc)
            job.status, job.error = "failed", gettext("The ZIP file could not be written.")
        else:
            job.status, job.archive_name = "done", name
    job.finished_at = utcnow()
    db.session.flush()


def _firm_name(assessment_id: int) -> str:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        return ""
    return (assessment.firm.name if assessment.firm else "") or assessment.profile.get("name", "")


def _work_dir(job: Job) -> Path:
    # Rendered PDFs wait here until the ZIP is built, and stay for a retry of the failed ones.
    return Path(current_app.config["BATCH_DIR"]) / f"batch-{job.id}"


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.replace(tmp, path)
