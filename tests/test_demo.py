"""`assess demo`: synthetic firms with submitted, scored assessments spread over the levels."""

from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult


def test_demo_creates_submitted_assessments(runner, app, client):
    result = runner.invoke(args=["demo", "--firms", "30", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "30 firms created" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentResult)) == 30
        statuses = set(db.session.scalars(select(Assessment.status)))
        assert statuses == {"submitted"}
        levels = set(db.session.scalars(select(AssessmentResult.level)))
        assert len(levels) >= 3, levels
    link = result.output.strip().rsplit(" ", 1)[-1]
    page = client.get(link)
    assert page.status_code == 200 and "<svg" in page.text


def test_demo_refuses_a_bad_count(runner):
    result = runner.invoke(args=["demo", "--firms", "0"])
    assert result.exit_code == 2
