"""`assess demo`: a whole demo (synthetic firms with submitted, scored assessments spread over the
levels and quarters, a consultancy, an agency with consents and sample programmes, three sign-ins),
safe to run twice; `--if-empty` only fills an empty development database."""

import re

from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult, Consent, Organisation, Programme, User
from assess.services import accounts

SIGN_IN = re.compile(r"^\s+(consultant|agency analyst|administrator)\s+(\S+@demo\.example)\s+(\S+)$",
                     re.M)  # fmt: skip


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_makes_a_whole_demo_and_prints_its_sign_ins_once(runner, app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    result = runner.invoke(args=["demo", "--firms", "130", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "130 firms created" in result.output
    sign_ins = {email: (role, password) for role, email, password in SIGN_IN.findall(result.output)}
    assert set(sign_ins) == {"consultant@demo.example", "analyst@demo.example",
                             "admin@demo.example"}  # fmt: skip
    with app.app_context():
        assert count(AssessmentResult) == 130
        assert set(db.session.scalars(select(Assessment.status))) == {"submitted"}
        assert len(set(db.session.scalars(select(AssessmentResult.level)))) >= 3
        assert len(set(db.session.scalars(select(AssessmentResult.quarter)))) >= 6
        assert count(Organisation) == 2 and count(User) == 3 and count(Programme) == 3
        assert 20 < count(Consent) < 70
        for email, (_role, password) in sign_ins.items():
            user = accounts.authenticate(email, password, "127.0.0.1")
            # At least 128 random bits, and only until its owner chooses their own.
            assert len(password) * 6 >= 128 and user.password_expires_at is not None, email
        assert "only to choose one's own at the first sign-in" in result.output
        consultancy = accounts.find_organisation("데모 컨설팅 (Demo Consulting)")
        clients = db.session.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.firm.has(organisation_id=consultancy.id)))
        assert clients >= 10

    again = runner.invoke(args=["demo", "--firms", "20", "--seed", "4"])
    assert again.exit_code == 0, again.output
    assert "20 firms created (150 assessments in the database)" in again.output
    assert "No new sign-ins were made" in again.output
    assert not SIGN_IN.findall(again.output)
    with app.app_context():
        assert count(AssessmentResult) == 150
        assert count(Organisation) == 2 and count(User) == 3 and count(Programme) == 3


def test_if_empty_fills_only_an_empty_development_database(runner, app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "--if-empty", "--firms", "5"])
    assert result.exit_code == 0, result.output
    assert "No demo made: ASSESS_ENV=production" in result.output
    with app.app_context():
        assert count(Assessment) == 0 and count(User) == 0

    app.config["ENV_NAME"] = "development"
    result = runner.invoke(args=["demo", "--if-empty", "--firms", "5", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "5 firms created" in result.output
    assert len(SIGN_IN.findall(result.output)) == 3

    result = runner.invoke(args=["demo", "--if-empty", "--firms", "5"])
    assert result.exit_code == 0, result.output
    assert "No demo made: the database has assessments already." in result.output
    with app.app_context():
        assert count(Assessment) == 5 and count(User) == 3


def test_demo_refuses_a_bad_count(runner):
    result = runner.invoke(args=["demo", "--firms", "0"])
    assert result.exit_code == 2
