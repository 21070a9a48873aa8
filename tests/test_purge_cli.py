"""`assess purge` through the command line: a dry run lists what would go and changes nothing; a
real run deletes rows and files, says what it deleted, writes one audit entry; a second run
deletes nothing; --before moves the cutoff; bad dates are refused without a traceback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent
from assess.services.retention import AUDIT_ACTION, KEPT, KINDS
from tests.services import retention_world as w


@pytest.fixture
def world(app):
    return w.build(app)


def reported(output: str) -> dict[str, int]:
    """Kind → count, as the command printed them."""
    return {kind: int(n) for n, kind in re.findall(r"^\s+(\d+)\s+(\w+)\s", output, re.M)
            if kind in KINDS or kind in KEPT}  # fmt: skip


def snapshot(app) -> dict[str, int]:
    with app.app_context():
        return w.counts()


def purge_entries(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == AUDIT_ACTION)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_dry_run_lists_what_would_go_and_changes_nothing(app, runner, world):
    before = snapshot(app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing is deleted" in result.output
    assert "Would delete:" in result.output and "Would keep:" in result.output
    counts = reported(result.output)
    assert set(counts) == set(KINDS) | set(KEPT)
    assert counts["assessments"] == 5 and counts["drafts"] == 1 and counts["pdf_files"] == 6
    assert counts["consents_detached"] == 1
    assert "RETENTION_DAYS=1095" in result.output
    assert snapshot(app) == before
    assert purge_entries(app) == []
    assert all(p.exists() for p in world.purged_files + world.kept_files)


def test_purge_deletes_rows_and_files_and_records_counts(app, runner, world):
    dry = reported(runner.invoke(args=["purge", "--dry-run"]).output)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted:" in result.output and "Kept:" in result.output
    assert reported(result.output) == dry  # the dry run said exactly what would go
    with app.app_context():
        assert {name for name, (model, ident) in world.purged.items()
                if db.session.get(model, ident) is not None} == set()  # fmt: skip
        assert {name for name, (model, ident) in world.kept.items()
                if db.session.get(model, ident) is not None} == set(world.kept)  # fmt: skip
    assert [p for p in world.purged_files if p.exists()] == []
    assert [p for p in world.kept_files if not p.exists()] == []
    entries = purge_entries(app)
    assert len(entries) == 1
    assert entries[0].detail["counts"] == dry and entries[0].actor == ""


def test_a_second_run_purges_nothing(app, runner, world):
    assert runner.invoke(args=["purge"]).exit_code == 0
    before = snapshot(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert set(reported(result.output).values()) == {0}
    assert snapshot(app) == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert len(purge_entries(app)) == 2  # one per run


def test_before_purges_personal_data_last_active_before_that_day(app, runner, world):
    day = (datetime.now(UTC) - timedelta(days=200)).date().isoformat()
    result = runner.invoke(args=["purge", "--before", day])
    assert result.exit_code == 0, result.output
    assert f"(--before {day})" in result.output
    assert reported(result.output)["drafts"] == 2  # the draft saved 300 days ago too
    assert purge_entries(app)[0].detail["before"] == day


@pytest.mark.parametrize(("value", "message"), [
    ((datetime.now(UTC) + timedelta(days=2)).date().isoformat(), "is in the future"),
    ("31/12/2020", "does not match the format"),
])  # fmt: skip
def test_a_bad_date_is_refused_without_a_traceback(app, runner, world, value, message):
    before = snapshot(app)
    result = runner.invoke(args=["purge", "--before", value])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(app) == before
