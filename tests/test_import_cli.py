"""`assess import FILE...`: answers documents stored as submitted assessments, once each."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult, AuditEvent, Firm
from assess.services import accounts

EXAMPLE = Path(__file__).parent.parent / "examples" / "answers-ko.yaml"


def _documents(tmp_path: Path) -> tuple[Path, Path]:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    first = tmp_path / "first.yaml"
    first.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    other = {**document, "firm": {**document["firm"], "name": "두번째정밀"}}
    second = tmp_path / "second.json"
    second.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    return first, second


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Assessment)
                                  .where(Assessment.status == "submitted")),
                db.session.scalar(select(func.count()).select_from(AssessmentResult)),
                db.session.scalar(select(func.count()).select_from(Firm)))  # fmt: skip


def test_two_files_imported_then_again_changes_nothing(app, runner, tmp_path):
    first, second = _documents(tmp_path)
    result = runner.invoke(args=["import", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 already there, 0 failed" in result.output
    assert _counts(app) == (2, 2, 2)
    with app.app_context():
        firms = db.session.scalars(select(Firm).order_by(Firm.id)).all()
        assert [f.name for f in firms] == ["세진정밀(주)", "두번째정밀"]
        assert all(f.organisation_id is None for f in firms)  # firms of their own
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "assessment.import")).all()  # fmt: skip
        assert len(events) == 2 and {e.detail["via"] for e in events} == {"cli"}
    again = runner.invoke(args=["import", str(second), str(first)])
    assert again.exit_code == 0, again.output
    assert "0 imported, 2 already there, 0 failed" in again.output
    assert _counts(app) == (2, 2, 2)


def test_a_bad_file_is_named_with_its_field_and_the_good_one_imported(app, runner, tmp_path):
    first, _ = _documents(tmp_path)
    document = yaml.safe_load(first.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.yaml"
    document["answers"]["dx_ai_use"] = "maybe"
    bad.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"questionnaire": ', encoding="utf-8")
    result = runner.invoke(args=["import", str(bad), str(first), str(broken)])
    assert result.exit_code == 1, result.output
    assert f"{bad}: answers.dx_ai_use: " in result.output
    assert f"{broken}: file: " in result.output
    assert "1 imported, 0 already there, 2 failed" in result.output
    assert "Traceback" not in result.output
    assert _counts(app) == (1, 1, 1)


def test_org_makes_clients_of_that_consultancy(app, runner, tmp_path):
    with app.app_context():
        consultancy = accounts.create_organisation("한빛컨설팅", "consultancy")
        other = accounts.create_organisation("다른컨설팅", "consultancy")
        accounts.create_organisation("지원기관", "agency")
        db.session.commit()
        ids = consultancy.id, other.id
    first, second = _documents(tmp_path)
    result = runner.invoke(args=["import", "--org", "한빛컨설팅", str(first), str(second)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        firms = db.session.scalars(select(Firm)).all()
        assert {f.organisation_id for f in firms} == {ids[0]}
    # The same document for another consultancy is that one's client; for the same, nothing new.
    again = runner.invoke(args=["import", "--org", "한빛컨설팅", str(first)])
    assert "0 imported, 1 already there" in again.output
    theirs = runner.invoke(args=["import", "--org", "다른컨설팅", str(first)])
    assert "1 imported, 0 already there" in theirs.output
    assert _counts(app) == (3, 3, 3)
    for name in ("없는곳", "지원기관"):
        refused = runner.invoke(args=["import", "--org", name, str(first)])
        assert refused.exit_code == 2 and "org: " in refused.output
