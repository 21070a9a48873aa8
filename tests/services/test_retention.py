"""The purge of personal data past its retention (services.retention): what goes and what stays,
consent records kept detached, one audit entry with counts only, nothing left on a second run;
on SQLite no trace of a purged firm left in the database file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import (
    Assessment,
    AssessmentResult,
    AuditEvent,
    Consent,
    ProgrammeMatch,
    ResultFinding,
)
from assess.services import agencies, consents, retention
from assess.services.accounts import find_organisation
from tests.services import retention_world as w


@pytest.fixture
def world(app):
    return w.build(app)


def run_purge(app, before: date | None = None) -> dict[str, int]:
    with app.app_context():
        plan = retention.plan_purge(retention.cutoffs(before=before))
        counts = retention.purge(plan)
        db.session.commit()
        retention.checkpoint()
        db.session.commit()
        assert retention.remove_files(plan.pdf_files + plan.batch_files) == []
        return counts


def present(app, rows: dict[str, tuple[type, int]]) -> set[str]:
    with app.app_context():
        return {name for name, (model, ident) in rows.items()
                if db.session.get(model, ident) is not None}  # fmt: skip


def test_expired_personal_data_goes_and_fresh_data_stays(app, world):
    counts = run_purge(app)
    assert present(app, world.purged) == set()
    assert present(app, world.kept) == set(world.kept)
    assert [p for p in world.purged_files if p.exists()] == []
    assert [p for p in world.kept_files if not p.exists()] == []
    assert counts == {
        "drafts": 1, "assessments": 5, "notes": 1, "firms": 3, "invitations": 2,
        "webhook_deliveries": 2, "jobs": 2, "consent_records": 1, "api_tokens": 1,
        "login_failures": 1, "audit_events": 1, "pdf_files": 6, "batch_files": 4,
        "consents_detached": 1,
    }  # fmt: skip


def test_scores_and_findings_go_with_their_assessment(app, world):
    purged = [ident for model, ident in world.purged.values() if model is Assessment]
    with app.app_context():
        assert db.session.scalar(select(ResultFinding.id).where(
            ResultFinding.assessment_id.in_(purged)).limit(1)) is not None  # fmt: skip
    run_purge(app)
    with app.app_context():
        for model in (AssessmentResult, ResultFinding):
            assert list(db.session.scalars(select(model).where(
                model.assessment_id.in_(purged)))) == []  # fmt: skip
        # The aggregates agencies read count only what is kept.
        assert db.session.scalar(select(AssessmentResult.assessment_id).where(
            AssessmentResult.assessment_id == world.kept["fresh_own"][1])) is not None  # fmt: skip


def test_a_purged_result_leaves_no_programme_match(app, world):
    with app.app_context():
        agency = find_organisation("부산지원센터")
        agencies.create_programme(agency, None, name="모든 기업", description="", link="",
                                  eligibility_text="{profile: employees, gte: 0}")  # fmt: skip
        db.session.commit()
        results = set(db.session.scalars(select(AssessmentResult.assessment_id)))
        purged = results & {ident for model, ident in world.purged.values()
                            if model in (Assessment, AssessmentResult)}  # fmt: skip
        assert purged and purged != results
        assert set(db.session.scalars(select(ProgrammeMatch.assessment_id))) == results
    run_purge(app)
    with app.app_context():
        assert set(db.session.scalars(select(ProgrammeMatch.assessment_id))) == results - purged


def test_a_kept_reassessment_no_longer_points_at_its_purged_predecessor(app, world):
    run_purge(app)
    with app.app_context():
        assert db.session.get(Assessment, world.reassessment).previous_id is None


def test_consent_record_is_kept_detached_saying_who_what_whom_and_when(app, world):
    with app.app_context():
        before = db.session.get(Consent, world.consent_kept)
        given_at, expires_at = before.given_at, before.expires_at
    run_purge(app)
    with app.app_context():
        record = db.session.get(Consent, world.consent_kept)
        assert record.assessment_id is None  # the answers and scores are gone
        assert record.firm_name == w.OLD_OWN
        assert record.recipient_name == "부산지원센터"
        assert record.organisation_id == find_organisation("부산지원센터").id
        assert record.recipient.startswith("agency:") and record.scope == "results"
        assert record.text_version == consents.CONSENT_TEXT_VERSION
        assert (record.given_at, record.expires_at) == (given_at, expires_at)
        assert record.data_purged_at is not None
        # The consent of a kept assessment is untouched and still in force.
        live = db.session.get(Consent, world.consent_live)
        assert live.assessment_id == world.kept["fresh_own"][1] and live.data_purged_at is None
        agency = find_organisation("부산지원센터")
        shared = [a.id for a, _ in agencies.consenting_results(agency)]
        assert shared == [world.kept["fresh_own"][1]]


def test_a_withdrawal_is_kept_after_the_purge(app, world):
    with app.app_context():
        consent = db.session.get(Consent, world.consent_live)
        assessment = db.session.get(Assessment, consent.assessment_id)
        consents.withdraw_consent(assessment, find_organisation("부산지원센터"))
        w.age_assessment(assessment.id, 4 * w.YEAR)  # then the firm was gone for four years
        db.session.commit()
        withdrawn_at = db.session.get(Consent, world.consent_live).withdrawn_at
    run_purge(app)
    with app.app_context():
        record = db.session.get(Consent, world.consent_live)
        assert record.withdrawn_at == withdrawn_at
        assert record.assessment_id is None and record.firm_name == w.FRESH_OWN


def test_a_consent_record_goes_once_kept_for_its_own_period(app, world):
    run_purge(app)
    with app.app_context():
        assert db.session.get(Consent, world.purged["consent_gone"][1]) is None
        # Moved to the end of its own period: the next purge removes the detached record too.
        end = datetime.now(UTC) - timedelta(days=app.config["CONSENT_RECORD_DAYS"] + 1)
        w.age(Consent, world.consent_kept, data_purged_at=end, expires_at=end)
        db.session.commit()
    counts = run_purge(app)
    assert counts["consent_records"] == 1
    assert present(app, {"kept": (Consent, world.consent_kept)}) == set()


def test_one_audit_entry_per_purge_with_counts_and_no_data(app, world):
    counts = run_purge(app)
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == retention.AUDIT_ACTION)))  # fmt: skip
        assert len(entries) == 1
        entry = entries[0]
        assert entry.detail["counts"] == counts
        assert set(entry.detail["cutoffs"]) == {"personal", "drafts", "audit",
                                                "consent_records", "jobs", "login_failures"}  # fmt: skip
        text = json.dumps(entry.detail, ensure_ascii=False) + entry.target + entry.actor
        for marker in (w.OLD_OWN, w.ANCIENT_OWN, w.ARCHIVED_LONG, w.NOTE, w.OLD_EMAIL):
            assert marker not in text


def test_a_second_purge_purges_nothing(app, world):
    run_purge(app)
    with app.app_context():
        before = w.counts()
    again = run_purge(app)
    assert again == dict.fromkeys(again, 0)
    with app.app_context():
        after = w.counts()
    assert after == {**before, "AuditEvent": before["AuditEvent"] + 1}  # its own entry only


def test_a_plan_changes_nothing(app, world):
    with app.app_context():
        before = w.counts()
        plan = retention.plan_purge(retention.cutoffs())
        db.session.rollback()
        assert plan.counts()["assessments"] == 5
        assert w.counts() == before
    assert all(p.exists() for p in world.purged_files + world.kept_files)


def test_before_moves_the_cutoff_of_personal_data_only(app, world):
    # The draft last saved 300 days ago is within DRAFT_RETENTION_DAYS, but before the day given.
    counts = run_purge(app, before=datetime.now(UTC).date() - timedelta(days=200))
    assert counts["drafts"] == 2
    assert present(app, {"recent_draft": world.kept["recent_draft"]}) == set()
    assert present(app, {k: world.kept[k] for k in ("fresh_own", "reassessment")}) == {
        "fresh_own", "reassessment"}  # fmt: skip
    # Records with periods of their own keep them.
    assert counts["login_failures"] == 1 and counts["audit_events"] == 1
    assert present(app, {k: world.kept[k] for k in ("fresh_failure", "job_recent")}) == {
        "fresh_failure", "job_recent"}  # fmt: skip


def test_a_date_in_the_future_is_refused(app):
    with app.app_context(), pytest.raises(retention.PurgeError, match="in the future"):
        retention.cutoffs(before=datetime.now(UTC).date() + timedelta(days=1))


def test_the_sqlite_file_keeps_no_trace_of_a_purged_firm(app, world, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps deleted rows until VACUUM: see docs/privacy.md")
    path = Path(database_url.removeprefix("sqlite:///"))
    # Not OLD_OWN: its consent record is kept, and names the firm that consented.
    markers = [m.encode() for m in (w.ANCIENT_OWN, w.ARCHIVED_LONG, w.NOTE, w.OLD_EMAIL)]

    def file_bytes() -> bytes:
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert all(m in file_bytes() for m in markers)
    run_purge(app)
    assert [m.decode() for m in markers if m in file_bytes()] == []
