"""Migrations upgrade, downgrade and upgrade again with data in place, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from assess import create_app
from assess.config import normalise_database_url
from assess.extensions import db
from tests.conftest import reset_postgres_schema

SCHEMA = "migration_check"


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the same kind the suite runs on, apart from the suite's own."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path}/migrations.sqlite"
        return
    url = normalise_database_url(url)
    reset_postgres_schema(url, SCHEMA)
    yield f"{url}?options=-csearch_path%3D{SCHEMA}"
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    engine.dispose()


def insert_sample(conn) -> None:
    conn.execute(
        text(
            "INSERT INTO firm (name, industry, region, employees, created_at) "
            "VALUES ('예시정밀', 'C29', 'busan', 28, CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO assessment (firm_id, questionnaire_id, questionnaire_version, language, "
            "profile, answers, status, revision, created_at, updated_at) "
            "SELECT id, 'ax-readiness', 1, 'ko', '{}', '{\"q\": \"a\"}', 'draft', 1, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM firm"
        )
    )


def insert_job(conn) -> None:
    conn.execute(text(
        "INSERT INTO organisation (name, kind, created_at) "
        "SELECT '한빛컨설팅', 'consultancy', CURRENT_TIMESTAMP "
        "WHERE NOT EXISTS (SELECT 1 FROM organisation)"))  # fmt: skip
    conn.execute(text(
        "INSERT INTO job (organisation_id, kind, language, status, created_at) "
        "SELECT id, 'batch_pdf', 'ko', 'queued', CURRENT_TIMESTAMP FROM organisation"))  # fmt: skip
    conn.execute(text(
        "INSERT INTO job_item (job_id, assessment_id, status, attempts) "
        "SELECT job.id, assessment.id, 'pending', 0 FROM job, assessment"))  # fmt: skip


def insert_webhook(conn) -> None:
    conn.execute(text(
        "INSERT INTO webhook (organisation_id, url, secret, active, created_at) "
        "SELECT id, 'https://hooks.example.com/ax', 'whsec_x', TRUE, CURRENT_TIMESTAMP "
        "FROM organisation"))  # fmt: skip
    conn.execute(text(
        "INSERT INTO webhook_delivery (webhook_id, assessment_id, event, payload, attempts, "
        "status, created_at) SELECT webhook.id, assessment.id, 'assessment.submitted', '{}', 1, "
        "'failed', CURRENT_TIMESTAMP FROM webhook, assessment"))  # fmt: skip
    conn.execute(text(
        "INSERT INTO webhook_attempt (delivery_id, number, started_at, duration_ms, status_code) "
        "SELECT id, 1, CURRENT_TIMESTAMP, 12, 500 FROM webhook_delivery"))  # fmt: skip


def test_upgrade_downgrade_upgrade_with_data(scratch_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            insert_sample(conn)
            assert conn.execute(text("SELECT count(*) FROM assessment")).scalar() == 1
        with db.engine.begin() as conn:
            insert_job(conn)
            insert_webhook(conn)
        downgrade(revision="0005")  # the webhooks go, the jobs stay
        assert "webhook" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM job_item")).scalar() == 1
        upgrade()
        with db.engine.begin() as conn:
            insert_webhook(conn)
        downgrade(revision="0002")  # the jobs go, the assessments stay
        assert "job_item" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM assessment")).scalar() == 1
        upgrade()
        with db.engine.begin() as conn:
            insert_job(conn)
            insert_webhook(conn)
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.begin() as conn:
            insert_sample(conn)
            assert conn.execute(text("SELECT name FROM firm")).scalar() == "예시정밀"
        assert {"firm", "assessment", "assessment_result", "consent", "job", "job_item",
            "webhook", "webhook_delivery", "webhook_attempt"} <= set(
            inspect(db.engine).get_table_names()
        )
        db.engine.dispose()


def test_consent_records_upgrade_with_names_and_term_and_downgrade(scratch_url):
    """0009 names the firm and the agency on existing consents and gives them their term; a
    downgrade keeps the consents still tied to an assessment."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            insert_sample(conn)
            conn.execute(text(
                "INSERT INTO organisation (name, kind, created_at) "
                "VALUES ('부산지원센터', 'agency', CURRENT_TIMESTAMP)"))  # fmt: skip
            for _ in range(2):
                conn.execute(text(
                    "INSERT INTO consent (assessment_id, recipient, organisation_id, scope, "
                    "text_version, given_at) SELECT assessment.id, 'agency:' || organisation.id, "
                    "organisation.id, 'results', 'v1', '2024-02-29 10:00:00' "
                    "FROM assessment, organisation"))  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(text(
                "SELECT firm_name, recipient_name, expires_at, data_purged_at FROM consent")).all()
            assert [(r[0], r[1], r[3]) for r in rows] == [("예시정밀", "부산지원센터", None)] * 2
            assert str(rows[0][2]).startswith("2026-02-28 10:00:00")  # two years; no 29 Feb
            conn.execute(text("UPDATE consent SET assessment_id = NULL, "
                              "data_purged_at = CURRENT_TIMESTAMP WHERE id = (SELECT max(id) "
                              "FROM consent)"))  # fmt: skip
        downgrade(revision="0008")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM consent")).scalar() == 1
            assert "firm_name" not in {c["name"] for c in inspect(conn).get_columns("consent")}
            assert "ix_assessment_previous_id" not in {
                i["name"] for i in inspect(conn).get_indexes("assessment")}  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT firm_name FROM consent")).scalar() == "예시정밀"
            assert "ix_invitation_assessment_id" in {
                i["name"] for i in inspect(conn).get_indexes("invitation")}  # fmt: skip
        db.engine.dispose()
