"""Warming the app before the workers fork loads what a first request would."""

from __future__ import annotations

import gc

from assess import create_app
from assess.questionnaire import get_questionnaire, version_directories
from assess.warm import warm_up


def test_warm_up_loads_every_questionnaire_and_compiles_every_template(app):
    warm_up(app)
    root = app.config["QUESTIONNAIRE_DIR"]
    installed = version_directories(root)
    assert len(installed) >= 2
    for qid, version in installed:
        assert get_questionnaire(root, qid, version) is get_questionnaire(root, qid, version)
    compiled = {key[1] if isinstance(key, tuple) else key for key in app.jinja_env.cache}
    assert {"base.html", "respond/section.html", "respond/results.html"} <= compiled
    assert app.test_client().get("/").status_code == 200
    from assess.respond.markup import page_markup

    q = get_questionnaire(root, *max(installed))
    hits = page_markup.cache_info().hits
    page_markup(q, q.dimensions[-1].id, "en")  # drawn while warming: found, not drawn again
    assert page_markup.cache_info().hits == hits + 1


def test_warm_up_keeps_what_it_loaded_out_of_the_collectors_sight(app):
    gc.unfreeze()
    try:
        warm_up(app)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the rest of the suite collects as usual


def test_warm_up_opens_no_database_connection():
    """Warming runs before gunicorn forks: a connection opened there would be shared by every
    worker. With a database that cannot be reached, warming still succeeds."""
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"})  # fmt: skip
    gc.unfreeze()
    try:
        warm_up(app)
    finally:
        gc.unfreeze()
    assert app.test_client().get("/").status_code == 200


def test_a_warmed_worker_answers_its_first_respondent_on_the_connection_it_opened(app):
    """gunicorn's post_fork warms each worker: its first request opens no connection."""
    from sqlalchemy import event

    from assess.extensions import db
    from assess.warm import warm_worker
    from tests.web.journey import Respondent

    me = Respondent(app.test_client())
    me.start("ko")
    with app.app_context():
        db.engine.dispose()  # as a newly forked worker: no connection of its own yet
        opened = []
        event.listen(db.engine, "connect", lambda *_: opened.append(1))
        warm_worker(app)
        assert len(opened) == 1
        assert me.get("profile").status_code == 200
        assert len(opened) == 1


def test_warming_a_worker_whose_database_is_away_only_warns(caplog):
    from assess.warm import warm_worker

    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"})  # fmt: skip
    warm_worker(app)
    assert "worker warm-up: the database is not reachable" in caplog.text
