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
        )  # fmt: skip
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
                "SELECT firm_name, recipient_name, expires_at, data_purged_at FROM consent")).all()  # fmt: skip
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


def test_two_step_sign_in_downgrades_keeping_the_accounts(scratch_url):
    """0011 adds the two-step key of accounts and their recovery codes; going back drops them
    and keeps the accounts, which then sign in with their password alone."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0011")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO user_account (email, site_admin, active, session_epoch, created_at, "
                "two_step_secret, two_step_enabled_at, two_step_last_step) VALUES "
                "('kim@example.kr', FALSE, TRUE, 1, CURRENT_TIMESTAMP, 'JBSWY3DPEHPK3PXP', "
                "CURRENT_TIMESTAMP, 59000000)"))  # fmt: skip
            conn.execute(text(
                "INSERT INTO recovery_code (user_id, selector, code_hash, created_at) "
                "SELECT id, 'abcd', '$argon2id$x', CURRENT_TIMESTAMP FROM user_account"))  # fmt: skip
        downgrade(revision="0010")
        with db.engine.begin() as conn:
            assert "recovery_code" not in inspect(conn).get_table_names()
            assert "two_step_secret" not in {
                c["name"] for c in inspect(conn).get_columns("user_account")}  # fmt: skip
            assert conn.execute(text("SELECT email FROM user_account")).scalar() == "kim@example.kr"
        upgrade(revision="0011")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT two_step_secret FROM user_account")).scalar() is None
        db.engine.dispose()


def test_session_rows_downgrade_keeping_the_accounts(scratch_url):
    """0012 adds one row per signed-in session; going back drops them, not the accounts."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO user_account (email, site_admin, active, session_epoch, created_at) "
                "VALUES ('kim@example.kr', FALSE, TRUE, 1, CURRENT_TIMESTAMP)"))  # fmt: skip
            conn.execute(text(
                "INSERT INTO user_session (user_id, token_hash, created_at, last_seen_at, device, "
                "address) SELECT id, 'ab', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Chrome', "
                "'127.0.0.1' FROM user_account"))  # fmt: skip
        downgrade(revision="0011")
        with db.engine.begin() as conn:
            assert "user_session" not in inspect(conn).get_table_names()
            assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 1
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM user_session")).scalar() == 0
        db.engine.dispose()


def test_password_expiry_upgrades_with_accounts_keeping_their_own_and_downgrades(scratch_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO user_account (email, password_hash, site_admin, active, "
                "session_epoch, created_at) VALUES ('kim@example.kr', '$argon2id$x', FALSE, TRUE, "
                "1, CURRENT_TIMESTAMP)"))  # fmt: skip
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            # An existing account's password is its owner's: it does not expire.
            assert conn.execute(text("SELECT password_expires_at FROM user_account")).all() == [
                (None,)]  # fmt: skip
            conn.execute(text("UPDATE user_account SET password_expires_at = CURRENT_TIMESTAMP"))
        downgrade(revision="0012")
        columns = {c["name"] for c in inspect(db.engine).get_columns("user_account")}
        assert "password_expires_at" not in columns and "password_hash" in columns
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT email FROM user_account")).scalar() == "kim@example.kr"
        upgrade()
        db.engine.dispose()


def insert_result(conn, region: str, findings: tuple[str, ...]) -> None:
    """A submitted result of the sample assessment, with its findings."""
    conn.execute(text(
        "INSERT INTO assessment_result (assessment_id, questionnaire_id, questionnaire_version, "
        "industry, region, size_band, quarter, submitted_at, overall, level, confidence, dx_ax, "
        "roi, infra, export, succession) SELECT max(id), 'ax-readiness', 1, NULL, :region, "
        "'small', '2026Q3', CURRENT_TIMESTAMP, 41.5, 3, 0.9, 55.0, 20.0, 39.99, NULL, 100.0 "
        "FROM assessment"), {"region": region})  # fmt: skip
    for rule in findings:
        conn.execute(text(
            "INSERT INTO result_finding (assessment_id, rule, dimension, priority) "
            "SELECT max(id), :rule, 'dx_ax', 'high' FROM assessment"), {"rule": rule})  # fmt: skip


def test_running_totals_add_up_the_results_already_there_and_go_on_downgrade(scratch_url):
    """0014 adds up the stored results into the dashboard's running totals, whose triggers then
    follow every change; a downgrade takes tables and triggers away."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            insert_sample(conn)
            insert_result(conn, "busan", ("no_data_strategy", "no_budget"))
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text(
                "SELECT industry, region, size_band, quarter, n, score, level3_n, "
                "overall_band2_score, dx_ax_band2_n, roi_band1_n, infra_band1_n, "
                "export_unscored_n, succession_band4_n, dx_ax_sum FROM result_total")).all() \
                == [("", "busan", "small", "2026Q3", 1, 4150, 1, 4150, 1, 1, 1, 1, 1, 55.0)]  # fmt: skip
            assert conn.execute(text("SELECT rule, n, score FROM finding_total ORDER BY rule")
                                ).all() == [("no_budget", 1, 4150), ("no_data_strategy", 1, 4150)]  # fmt: skip
            conn.execute(text("UPDATE assessment_result SET region = 'seoul'"))
            assert conn.execute(text("SELECT region, n FROM result_total")).all() \
                == [("seoul", 1)]  # fmt: skip
            assert set(conn.execute(text("SELECT region, n FROM finding_total")).all()) \
                == {("seoul", 1)}  # fmt: skip
        downgrade(revision="0013")
        assert not {"result_total", "finding_total"} & set(inspect(db.engine).get_table_names())
        with db.engine.begin() as conn:  # no trigger is left to write to the tables gone
            conn.execute(text("DELETE FROM result_finding"))
            conn.execute(text("DELETE FROM assessment_result"))
            insert_result(conn, "ulsan", ("no_budget",))
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT region, n FROM result_total")).all() \
                == [("ulsan", 1)]  # fmt: skip
            conn.execute(text("DELETE FROM assessment_result"))  # the findings by the cascade
            assert conn.execute(text("SELECT count(*) FROM result_total")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM finding_total")).scalar() == 0
        db.engine.dispose()


def insert_programme(conn, name: str, eligibility: str, active: bool = True) -> None:
    conn.execute(text(
        "INSERT INTO organisation (name, kind, created_at) "
        "SELECT '부산지원센터', 'agency', CURRENT_TIMESTAMP "
        "WHERE NOT EXISTS (SELECT 1 FROM organisation)"))  # fmt: skip
    conn.execute(text(
        "INSERT INTO programme (organisation_id, name, description, eligibility_text, "
        "eligibility, sample, active, created_at, updated_at) SELECT id, :name, '', '', "
        ":eligibility, FALSE, :active, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM organisation"),
        {"name": name, "eligibility": eligibility, "active": active})  # fmt: skip


def test_programme_matches_of_the_results_already_there_are_stored_and_go_on_downgrade(scratch_url):
    """0015 stores which results already there meet each active programme's conditions; a
    downgrade drops them; a match goes with its result or its programme."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    matches = "SELECT p.name FROM programme_match m JOIN programme p ON p.id = m.programme_id"
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            insert_sample(conn)
            insert_result(conn, "busan", ())  # dx_ax 55.0
            insert_programme(conn, "fits", '{"dimension": "dx_ax", "gte": 50}')
            insert_programme(conn, "does not fit", '{"dimension": "dx_ax", "lt": 50}')
            insert_programme(conn, "removed", '{"dimension": "dx_ax", "gte": 50}', active=False)
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            assert conn.execute(text(matches)).all() == [("fits",)]
        downgrade(revision="0014")
        assert "programme_match" not in inspect(db.engine).get_table_names()
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text(matches)).all() == [("fits",)]
            conn.execute(text("DELETE FROM programme WHERE name = 'fits'"))
            assert conn.execute(text(matches)).all() == []
            insert_programme(conn, "fits again", '{"dimension": "dx_ax", "gte": 50}')
        downgrade(revision="0014")  # evaluated again on the way up
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text(matches)).all() == [("fits again",)]
            conn.execute(text("DELETE FROM assessment_result"))
            assert conn.execute(text(matches)).all() == []
        db.engine.dispose()


def test_results_version_starts_at_the_results_already_there_and_moves_with_every_change(
        scratch_url):  # fmt: skip
    """0016 numbers each questionnaire's set of results, from a random start for the results
    already there, then one more for every result added, changed or removed; a downgrade drops
    it. Emptied and filled again, the numbering starts elsewhere."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    version = "SELECT questionnaire_id, version FROM results_version"
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            insert_sample(conn)
            insert_result(conn, "busan", ())
        upgrade(revision="0016")
        with db.engine.begin() as conn:
            [(questionnaire, start)] = conn.execute(text(version)).all()
            assert questionnaire == conn.execute(text(
                "SELECT questionnaire_id FROM assessment_result")).scalar()  # fmt: skip
            conn.execute(text("UPDATE assessment_result SET region = 'seoul'"))
            assert conn.execute(text(version)).all() == [(questionnaire, start + 2)]  # old, new
            conn.execute(text("DELETE FROM assessment_result"))
            assert conn.execute(text(version)).all() == [(questionnaire, start + 3)]
            conn.execute(text("DELETE FROM results_version"))
            insert_result(conn, "busan", ())
            [(_, again)] = conn.execute(text(version)).all()
            assert again not in (1, start + 4)  # a new random start, not a number seen before
        downgrade(revision="0015")
        assert "results_version" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM assessment_result"))
            insert_result(conn, "busan", ())  # no trigger left behind
        upgrade()
        with db.engine.begin() as conn:
            assert [q for q, _ in conn.execute(text(version)).all()] == [questionnaire]
        db.engine.dispose()
