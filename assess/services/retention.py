"""How long personal data is kept, and its purge (``assess purge``; docs/privacy.md says why).

A firm's data (its profile and name, the answers, the scores and findings, a consultant's notes,
the address an invitation went to, the webhook payloads and the PDFs that show it) goes once it
has been inactive for RETENTION_DAYS; a draft nobody has touched for DRAFT_RETENTION_DAYS is
abandoned. The audit log, consent records, failed sign-ins and background work keep their own
periods. Rows are deleted, never flagged; files are removed once the deletion is committed.

A consent record is not purged with the assessment it covered: it is detached from it (and says
when the data went) and kept, without answers or scores, for CONSENT_RECORD_DAYS after the consent
ended, since it is what shows who agreed to share what with whom, and when.

``plan_purge`` only reads; ``purge`` deletes what a plan holds and flushes (the caller commits,
then calls ``remove_files``).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, not_, or_, select, text, update

from ..extensions import db
from ..models import (
    ApiToken,
    Assessment,
    AssessmentNote,
    AssessmentResult,
    AuditEvent,
    Consent,
    Firm,
    Invitation,
    Job,
    JobItem,
    LoginFailure,
    ResultFinding,
    WebhookAttempt,
    WebhookDelivery,
)
from . import audit

# What each kind of purged thing is, in the order the command reports them.
KINDS = {
    "drafts": "abandoned drafts (profile and answers)",
    "assessments": "submitted assessments (profile, answers, scores and findings)",
    "notes": "consultants' notes on those assessments",
    "firms": "firms: archived clients, and firms with no assessment left",
    "invitations": "client invitations (with the address they went to)",
    "webhook_deliveries": "webhook deliveries and their attempts (the payload names the firm)",
    "jobs": "batches of PDF reports",
    "consent_records": "consent records past their own retention",
    "api_tokens": "API tokens expired or revoked before the cutoff",
    "login_failures": "failed sign-ins past the throttling window",
    "audit_events": "audit log entries past their retention",
    "pdf_files": "cached PDF reports (files)",
    "batch_files": "batch ZIPs and working folders (files)",
}
KEPT = {"consents_detached": "consent records kept, detached from the purged assessments"}

AUDIT_ACTION = "data.purge"
CHUNK = 500  # ids per statement: well under every database's limit on bound parameters
# A half-written file (a render or a ZIP that was interrupted) is left alone this long: it may
# still be being written.
STALE_PART = timedelta(days=1)
_CACHED_PDF = re.compile(r"^a(\d+)-.*\.pdf$")
_BATCH_ENTRY = re.compile(r"^batch-(\d+)(?:\.zip)?$")


class PurgeError(ValueError):
    """A purge that cannot run as asked (a cutoff date in the future)."""


@dataclass(frozen=True)
class Cutoffs:
    """Everything last active before these moments goes (all in UTC)."""

    now: datetime
    personal: datetime
    drafts: datetime
    audit: datetime
    consent_records: datetime
    jobs: datetime
    login_failures: datetime
    before: date | None = None  # the date given on the command line, if any

    def as_dict(self) -> dict[str, str]:
        names = ("personal", "drafts", "audit", "consent_records", "jobs", "login_failures")
        return {name: getattr(self, name).isoformat(timespec="seconds") for name in names}


def cutoffs(now: datetime | None = None, before: date | None = None) -> Cutoffs:
    """The cutoffs of the configured retention periods; ``before`` (a day, taken at 00:00 UTC)
    replaces those of personal data and drafts, not the periods of the other records.

    :raise PurgeError: ``before`` is later than today.
    """
    config = current_app.config
    now = now or datetime.now(UTC)
    personal = now - timedelta(days=config["RETENTION_DAYS"])
    drafts = now - timedelta(days=config["DRAFT_RETENTION_DAYS"])
    if before is not None:
        if before > now.date():
            raise PurgeError(f"--before {before.isoformat()} is in the future: that would purge "
                             "data that is still in use")  # fmt: skip
        personal = drafts = datetime(before.year, before.month, before.day, tzinfo=UTC)
    return Cutoffs(
        now=now, personal=personal, drafts=drafts,
        audit=now - timedelta(days=config["AUDIT_RETENTION_DAYS"]),
        consent_records=now - timedelta(days=config["CONSENT_RECORD_DAYS"]),
        jobs=now - timedelta(days=config["JOB_RETENTION_DAYS"]),
        login_failures=now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
        before=before,
    )  # fmt: skip


@dataclass
class Plan:
    """What a purge at ``cutoffs`` deletes (ids and files) and which consents it detaches."""

    cutoffs: Cutoffs
    drafts: list[int] = field(default_factory=list)
    assessments: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    firms: list[int] = field(default_factory=list)
    invitations: list[int] = field(default_factory=list)
    webhook_deliveries: list[int] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    consent_records: list[int] = field(default_factory=list)
    consents_detached: list[int] = field(default_factory=list)
    api_tokens: list[int] = field(default_factory=list)
    login_failures: int = 0
    audit_events: int = 0
    pdf_files: list[Path] = field(default_factory=list)
    batch_files: list[Path] = field(default_factory=list)

    @property
    def doomed_assessments(self) -> list[int]:
        return self.drafts + self.assessments

    def counts(self) -> dict[str, int]:
        """Kind → how many, for every kind in ``KINDS`` and ``KEPT`` (zeros included)."""
        return {kind: _size(getattr(self, kind)) for kind in (*KINDS, *KEPT)}


def _size(value: list | int) -> int:
    return value if isinstance(value, int) else len(value)


def plan_purge(cut: Cutoffs) -> Plan:
    """What is past its retention at ``cut``; reads only."""
    plan = Plan(cut)
    draft = and_(Assessment.status == "draft", Assessment.updated_at < cut.drafts)
    submitted = and_(Assessment.status == "submitted", Assessment.updated_at < cut.personal)
    doomed = select(Assessment.id).where(or_(draft, submitted))
    plan.drafts = _ids(select(Assessment.id).where(draft))
    plan.assessments = _ids(select(Assessment.id).where(submitted))
    plan.notes = _ids(select(AssessmentNote.id).where(AssessmentNote.assessment_id.in_(doomed)))
    # A firm goes with its last assessment when nobody keeps it as a client, and an archived
    # client once it has been archived for the whole period; a client still kept stays.
    surviving = select(Assessment.firm_id).where(Assessment.firm_id.is_not(None),
                                                  not_(or_(draft, submitted)))  # fmt: skip
    firms = select(Firm.id).where(
        or_(Firm.organisation_id.is_(None), Firm.archived_at < cut.personal),
        Firm.id.not_in(surviving))  # fmt: skip
    plan.firms = _ids(firms)
    plan.invitations = _ids(select(Invitation.id).where(or_(
        Invitation.firm_id.in_(firms), Invitation.assessment_id.in_(doomed),
        and_(Invitation.expires_at < cut.personal,
             or_(Invitation.used_at.is_(None), Invitation.used_at < cut.personal)))))  # fmt: skip
    plan.webhook_deliveries = _ids(select(WebhookDelivery.id).where(or_(
        WebhookDelivery.assessment_id.in_(doomed), WebhookDelivery.created_at < cut.jobs)))
    plan.jobs = _ids(select(Job.id).where(or_(
        Job.id.in_(select(JobItem.job_id).where(JobItem.assessment_id.in_(doomed))),
        func.coalesce(Job.finished_at, Job.created_at) < cut.jobs)))  # fmt: skip
    _plan_consents(plan, doomed)
    plan.api_tokens = _ids(select(ApiToken.id).where(
        or_(ApiToken.expires_at < cut.personal, ApiToken.revoked_at < cut.personal)))
    plan.login_failures = _count(LoginFailure, LoginFailure.at < cut.login_failures)
    plan.audit_events = _count(AuditEvent, AuditEvent.at < cut.audit)
    plan.pdf_files = _pdf_files(set(plan.doomed_assessments), cut.now)
    plan.batch_files = _batch_files(set(plan.jobs), cut.now)
    return plan


def _plan_consents(plan: Plan, doomed) -> None:
    """A consent ended when it was withdrawn, ran out, or its data was purged, whichever came
    first: its record goes CONSENT_RECORD_DAYS after that. The consents of the assessments
    purged now end now, so they are kept and detached, unless they ended long before."""
    cut = plan.cutoffs.consent_records
    # Spelled out for NULLs: NOT (NULL OR ...) would be NULL, and drop the row from both lists.
    ended_long_ago = or_(and_(Consent.withdrawn_at.is_not(None), Consent.withdrawn_at < cut),
                         Consent.expires_at < cut,
                         and_(Consent.data_purged_at.is_not(None), Consent.data_purged_at < cut))  # fmt: skip
    plan.consent_records = _ids(select(Consent.id).where(ended_long_ago))
    plan.consents_detached = _ids(select(Consent.id).where(
        Consent.assessment_id.in_(doomed), not_(ended_long_ago)))  # fmt: skip


def purge(plan: Plan) -> dict[str, int]:
    """Delete every row ``plan`` holds, detach its consents, and record one audit entry with the
    count of each kind (never what was deleted); flushes. Returns the counts."""
    now, doomed = plan.cutoffs.now, plan.doomed_assessments
    for ids in _chunks(plan.consent_records):
        _delete(Consent, Consent.id.in_(ids))
    for ids in _chunks(plan.consents_detached):
        _update(Consent, Consent.id.in_(ids), assessment_id=None, data_purged_at=now)
    for ids in _chunks(plan.invitations):
        _delete(Invitation, Invitation.id.in_(ids))
    for ids in _chunks(plan.notes):
        _delete(AssessmentNote, AssessmentNote.id.in_(ids))
    for ids in _chunks(plan.jobs):
        _delete(JobItem, JobItem.job_id.in_(ids))
        _delete(Job, Job.id.in_(ids))
    for ids in _chunks(plan.webhook_deliveries):
        _delete(WebhookAttempt, WebhookAttempt.delivery_id.in_(ids))
        _delete(WebhookDelivery, WebhookDelivery.id.in_(ids))
    for ids in _chunks(doomed):
        _delete(ResultFinding, ResultFinding.assessment_id.in_(ids))
        _delete(AssessmentResult, AssessmentResult.assessment_id.in_(ids))
        # A later assessment of the firm that is kept no longer compares with this one.
        _update(Assessment, Assessment.previous_id.in_(ids), previous_id=None)
    for ids in _chunks(doomed):
        _delete(Assessment, Assessment.id.in_(ids))
    for ids in _chunks(plan.firms):
        _delete(Firm, Firm.id.in_(ids))
    for ids in _chunks(plan.api_tokens):
        _delete(ApiToken, ApiToken.id.in_(ids))
    _delete(LoginFailure, LoginFailure.at < plan.cutoffs.login_failures)
    _delete(AuditEvent, AuditEvent.at < plan.cutoffs.audit)
    counts = plan.counts()
    audit.record(AUDIT_ACTION, "", None, counts=counts, cutoffs=plan.cutoffs.as_dict(),
                 before=plan.cutoffs.before.isoformat() if plan.cutoffs.before else None)
    db.session.expire_all()  # objects of deleted rows must not be read as if still there
    return counts


def remove_files(paths: Sequence[Path]) -> list[str]:
    """Remove the files and folders of a committed purge; the errors, one line each (a file
    left behind is found again by the next purge, as no row names it any more)."""
    errors = []
    for path in paths:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            errors.append(f"{path}: {exc.strerror or exc}")
    return errors


def checkpoint() -> None:
    """On SQLite, copy the write-ahead log into the database file and empty it, so that the
    deleted rows (already zeroed in the file by ``secure_delete``) leave no older copy there."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


# Files.


def _pdf_files(doomed: set[int], now: datetime) -> list[Path]:
    """Cached reports of purged assessments, and of assessments that no longer exist (a render
    that finished after an earlier purge); half-written ones left over long ago."""
    folder = Path(current_app.config["PDF_CACHE_DIR"])
    named, stale = _listing(folder, _CACHED_PDF, now)
    existing = _existing(Assessment.id, [i for i in named if i not in doomed])
    return sorted(stale + [path for ident, paths in named.items() if ident not in existing
                           for path in paths])  # fmt: skip


def _batch_files(doomed: set[int], now: datetime) -> list[Path]:
    """ZIPs and working folders of purged batches and of batches that no longer exist."""
    folder = Path(current_app.config["BATCH_DIR"])
    named, stale = _listing(folder, _BATCH_ENTRY, now)
    existing = _existing(Job.id, [i for i in named if i not in doomed])
    return sorted(stale + [path for ident, paths in named.items() if ident not in existing
                           for path in paths])  # fmt: skip


def _listing(folder: Path, pattern: re.Pattern, now: datetime) -> tuple[dict[int, list[Path]],
                                                                       list[Path]]:  # fmt: skip
    """Entries of ``folder`` by the row id in their name, and stale ``.part`` files. Listed
    before the rows are read: a file is written only after its row is committed, so a row
    made meanwhile is seen by the query that follows."""
    named: dict[int, list[Path]] = {}
    stale: list[Path] = []
    if not folder.is_dir():
        return named, stale
    oldest = now.timestamp() - STALE_PART.total_seconds()
    for entry in folder.iterdir():
        match = pattern.match(entry.name)
        if match:
            named.setdefault(int(match.group(1)), []).append(entry)
        elif entry.name.endswith(".part") and _mtime(entry) < oldest:
            stale.append(entry)
    return named, stale


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()  # gone already: not stale


def _existing(column, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


# Rows.


def _ids(query) -> list[int]:
    return list(db.session.scalars(query.order_by(None)))


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _delete(model, condition) -> None:
    db.session.execute(delete(model).where(condition),
                       execution_options={"synchronize_session": False})  # fmt: skip


def _update(model, condition, **values) -> None:
    db.session.execute(update(model).where(condition).values(**values),
                       execution_options={"synchronize_session": False})  # fmt: skip


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
