"""A submitted assessment's result is remembered per process: the same each time, a private copy
for each caller, and never another assessment's, even when ids are reused."""

from __future__ import annotations

from assess.extensions import db
from assess.services.demo import seed_demo_firms
from assess.services.drafts import find_by_token
from assess.services.submission import result_of
from tests.conftest import empty_tables


def test_the_remembered_result_equals_a_fresh_one_and_is_a_private_copy(app):
    with app.app_context():
        token = seed_demo_firms(1, seed=4)[0]
        db.session.commit()
        assessment = find_by_token(token)
        _, _, first = result_of(assessment)
        first["overall"]["score"] = -1.0  # a caller spoiling its copy
        _, _, second = result_of(assessment)
        assert second["overall"]["score"] >= 0
        assessment.status = "draft"  # scored afresh, as a draft always is
        _, _, fresh = result_of(assessment)
        assert fresh == second


def test_a_reused_id_with_other_answers_gets_its_own_result(app):
    with app.app_context():
        token = seed_demo_firms(1, seed=4)[0]
        db.session.commit()
        before = result_of(find_by_token(token))[2]
    empty_tables(app)
    with app.app_context():
        token = seed_demo_firms(1, seed=99)[0]  # on SQLite the same id again; other answers
        db.session.commit()
        assessment = find_by_token(token)
        after = result_of(assessment)[2]
        assessment.status = "draft"
        assert after == result_of(assessment)[2]
        assert after != before
