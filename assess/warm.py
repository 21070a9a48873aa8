"""What every web worker would otherwise do on its first request, done once before the workers
fork (gunicorn preloads the app): load and compile every installed questionnaire, compile every
template, load the translations, configure the database mappers. A worker's first request is then
as fast as its second."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers

from .questionnaire import get_questionnaire, version_directories


def warm_up(app: Flask) -> None:
    configure_mappers()
    root = app.config["QUESTIONNAIRE_DIR"]
    for qid, version in version_directories(Path(root)):
        get_questionnaire(root, qid, version)
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)
    with app.test_request_context("/"):
        for lang in app.config["LANGUAGES"]:
            with force_locale(lang):
                get_translations()  # loads and keeps the catalogue of this language
