"""Warming the app before the workers fork loads what a first request would."""

from __future__ import annotations

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
