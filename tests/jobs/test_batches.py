"""Batches of PDF reports through the real queue: `assess worker` in its own process, on Huey's
SQLite storage and on Redis, rendering real PDFs in the sandbox."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, Job, JobItem, Organisation
from assess.services.batches import (
    BatchError,
    archive_path,
    job_progress,
    retry_failed,
    start_batch,
)
from assess.services.demo import seed_demo_firms
from tests.reports.conftest import pdf_text, squash

FIRMS = ["한빛정밀", "대성금속 (주)", "../세진테크"]


def submitted_assessments(app, names: list[str]) -> list[int]:
    with app.app_context():
        seed_demo_firms(len(names), seed=3)
        assessments = db.session.scalars(select(Assessment).order_by(Assessment.id)).all()
        for assessment, name in zip(assessments, names, strict=True):
            assessment.profile = {**assessment.profile, "name": name}
            assessment.firm.name = name
        db.session.commit()
        return [a.id for a in assessments]


def start(app, ids: list[int], language: str = "ko") -> int:
    with app.test_request_context():
        organisation = Organisation(name="한빛컨설팅", kind="consultancy")
        db.session.add(organisation)
        db.session.flush()
        for assessment in db.session.scalars(select(Assessment).where(Assessment.id.in_(ids))):
            assessment.firm.organisation_id = organisation.id  # the consultancy's clients
        job = start_batch(organisation, None, ids, language)
        assert job_progress(job) == {"status": "queued", "done": 0, "total": len(ids), "failed": 0}
        db.session.commit()  # the render tasks are queued by this commit, not before
        return job.id


def wait_until_finished(app, job_id: int, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            progress = job_progress(job)
        if progress["status"] in ("done", "failed"):
            return progress
        time.sleep(0.3)
    pytest.fail(f"batch {job_id} did not finish: {progress}")


def read_zip(app, job_id: int) -> tuple[dict[str, bytes], list[list[str]]]:
    with app.app_context():
        path = archive_path(db.session.get(Job, job_id))
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    table = list(csv.reader(io.StringIO(files.pop("status.csv").decode("utf-8-sig"))))
    return files, table


def test_a_batch_renders_every_firm_into_one_zip(queue_app, worker):
    ids = submitted_assessments(queue_app, FIRMS)
    job_id = start(queue_app, ids)
    assert wait_until_finished(queue_app, job_id) == {
        "status": "done", "done": 3, "total": 3, "failed": 0}  # fmt: skip
    files, table = read_zip(queue_app, job_id)
    assert sorted(files) == sorted(["한빛정밀.pdf", "대성금속 (주).pdf", "세진테크.pdf"])
    for firm, name in zip(FIRMS, ["한빛정밀.pdf", "대성금속 (주).pdf", "세진테크.pdf"], strict=True):
        text = squash(pdf_text(files[name]))
        assert squash(firm.removeprefix("../")) in text
        assert "한빛컨설팅" in text  # the consultancy issues the report
    assert table[0] == ["업체", "진단", "파일", "상태", "오류"]
    assert table[1:] == [[firm, str(i), name, "완료", ""] for firm, i, name in
                         zip(FIRMS, ids, ["한빛정밀.pdf", "대성금속 (주).pdf", "세진테크.pdf"],
                             strict=True)]  # fmt: skip


def test_one_failed_report_does_not_stop_the_batch_and_only_it_is_retried(queue_app, worker):
    ids = submitted_assessments(queue_app, ["갑", "을", "병"])
    with queue_app.app_context():
        broken = db.session.get(Assessment, ids[1])
        version = broken.questionnaire_version
        broken.questionnaire_version = 99  # a version this installation does not have
        db.session.commit()
    job_id = start(queue_app, ids, "en")
    assert wait_until_finished(queue_app, job_id) == {
        "status": "done", "done": 2, "total": 3, "failed": 1}  # fmt: skip
    files, table = read_zip(queue_app, job_id)
    assert sorted(files) == ["갑.pdf", "병.pdf"]
    assert table[0] == ["Firm", "Assessment", "File", "Status", "Error"]
    assert table[2] == ["을", str(ids[1]), "", "failed",
                        "The questionnaire version of this assessment is not installed."]

    with queue_app.app_context():
        db.session.get(Assessment, ids[1]).questionnaire_version = version
        assert retry_failed(db.session.get(Job, job_id)) == 1
        db.session.commit()
    assert wait_until_finished(queue_app, job_id)["failed"] == 0
    files, table = read_zip(queue_app, job_id)
    assert sorted(files) == ["갑.pdf", "병.pdf", "을.pdf"]
    assert [row[3] for row in table[1:]] == ["done", "done", "done"]
    with queue_app.app_context():
        attempts = db.session.scalars(select(JobItem.attempts).where(JobItem.job_id == job_id)
                                      .order_by(JobItem.id)).all()  # fmt: skip
        assert attempts == [1, 2, 1]  # only the failed one ran again
        with pytest.raises(BatchError):
            retry_failed(db.session.get(Job, job_id))  # nothing failed any more


def test_another_organisations_assessment_cannot_be_put_in_a_batch(app):
    ids = submitted_assessments(app, ["남의회사"])
    with app.test_request_context():
        mine = Organisation(name="우리컨설팅", kind="consultancy")
        theirs = Organisation(name="남의컨설팅", kind="consultancy")
        db.session.add_all([mine, theirs])
        db.session.flush()
        db.session.get(Assessment, ids[0]).firm.organisation_id = theirs.id
        with pytest.raises(BatchError) as caught:
            start_batch(mine, None, ids, "ko")
        assert caught.value.field == "assessments"
