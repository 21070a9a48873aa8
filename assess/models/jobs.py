"""Background jobs (a consultant's batch of PDF reports) and their items, one per assessment.

Progress lives in these rows, not in the queue: the web pages, the API and the worker all read and
write the same place, and a restarted worker finds where a batch stood.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .assessments import Assessment
from .base import intpk, timestamp

JOB_KINDS = ("batch_pdf",)
# queued: waiting for a worker; running: items are being rendered; done: every item finished and
# the ZIP is written (some items may have failed: see JobItem); failed: the batch itself could not
# be finished (its ZIP could not be written), so there is nothing to download.
JOB_STATUSES = ("queued", "running", "done", "failed")
ITEM_STATUSES = ("pending", "running", "done", "failed")
ERROR_LENGTH = 300


class Job(db.Model):
    """One piece of background work asked for by an organisation's member."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("kind IN ('batch_pdf')", name="kind"),
        CheckConstraint("language IN ('ko', 'en')", name="language"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Kept when the account is removed later: the batch still belongs to the organisation.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16), default="batch_pdf")
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[timestamp]
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # File name of the finished ZIP inside BATCH_DIR; never a path given by a person.
    archive_name: Mapped[str | None] = mapped_column(String(100))
    # Why the batch itself failed (not an item): short, for people, no traceback.
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))

    items: Mapped[list[JobItem]] = relationship(back_populates="job", order_by="JobItem.id")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"


class JobItem(db.Model):
    """One assessment's report within a batch."""

    __tablename__ = "job_item"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status"),
        UniqueConstraint("job_id", "assessment_id", name="one_per_assessment"),
    )

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # While running: the consumer rendering it renews this; once it has passed, that consumer
    # is gone (killed, or its task failed after the claim) and the item is given back.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    # The PDF's entry name in the ZIP, chosen when the ZIP is built.
    entry_name: Mapped[str | None] = mapped_column(String(200))

    job: Mapped[Job] = relationship(back_populates="items")
    assessment: Mapped[Assessment] = relationship()

    def __repr__(self) -> str:
        return f"<JobItem {self.id} job={self.job_id} assessment={self.assessment_id} {self.status}>"
