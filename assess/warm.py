"""What every web worker would otherwise do on its first request, done once before the workers
fork (gunicorn preloads the app): load and compile every installed questionnaire and draw its
pages' questions, compile every template, load the translations, configure the database
mappers, hash the static files, and serve the home page once in each language (which draws the
shared layout and sets up what a first request would). A worker's first request is then as fast
as its second."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers

from .questionnaire import get_questionnaire, version_directories
from .respond.markup import page_markup


def warm_up(app: Flask) -> None:
    configure_mappers()
    root = app.config["QUESTIONNAIRE_DIR"]
    for qid, version in version_directories(Path(root)):
        questionnaire = get_questionnaire(root, qid, version)
        questionnaire.question_walk  # noqa: B018 - made once here, not on a first request
        for lang in app.config["LANGUAGES"]:
            for dimension in questionnaire.dimensions:  # each page's ready-made question HTML
                page_markup(questionnaire, dimension.id, lang)
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)
    with app.test_request_context("/"):
        for lang in app.config["LANGUAGES"]:
            with force_locale(lang):
                get_translations()  # loads and keeps the catalogue of this language
    versions = app.extensions.get("static_versions")
    if versions is not None:
        for path in Path(app.static_folder or "").rglob("*"):
            if path.is_file():
                versions.version(path.relative_to(versions.folder).as_posix())
    # No database, queue or mail behind the home page: nothing is opened before the fork.
    client = app.test_client()
    for lang in app.config["LANGUAGES"]:
        client.get("/", query_string={"lang": lang})
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # sight, so that a worker's first collections do not walk (and, after a fork, copy) it all.
    gc.collect()
    gc.freeze()


def warm_worker(app: Flask) -> None:
    """What only a worker itself can do, once it is forked (gunicorn's post_fork): open its own
    database connection and look a resume link up once, so that the connection's settings and the
    lookup's compiled statement are ready before the first respondent's request. A database that
    cannot be reached is left for the first request to report."""
    from .extensions import db
    from .services.drafts import find_by_token, find_row_by_token

    with app.app_context():
        try:
            # Both lookups: the row for pages that only show, the object for those that save.
            find_row_by_token("warm-up: never a resume link")
            find_by_token("warm-up: never a resume link")
        except Exception as error:  # noqa: BLE001 - the worker starts whatever the database does
            app.logger.warning("worker warm-up: the database is not reachable (%s)", error)
        finally:
            db.session.remove()  # the connection goes back to this worker's pool
