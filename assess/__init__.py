"""The AX-readiness self-assessment web application."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from .config import PROJECT_ROOT, load_config, refuse_debugger

# The web app's libraries (APIFlask, the extensions, the blueprints) are imported by create_app,
# not here: the light commands (``assess score``) import this package without building the app.


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` (tests) on top."""
    # APIFlask is Flask plus the OpenAPI document of the JSON API. Its document covers only the
    # API blueprint (the web blueprints are plain Flask ones); it is served at
    # /api/v1/openapi.json, with no docs UI (APIFlask's loads its scripts from a CDN), and its
    # JSON errors are off: assess/errors.py answers every error.
    from apiflask import APIFlask

    from . import bodies
    from .extensions import babel, csrf, db, migrate

    app = APIFlask(__name__, title="AX Readiness Check API", version="1",
                   openapi_blueprint_url_prefix="/api/v1", spec_path="/openapi.json",
                   docs_path=None, json_errors=False,
                   instance_relative_config=True)  # fmt: skip
    app.config.from_mapping(load_config(app.instance_path, config))
    refuse_debugger(app.config, app.debug)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = RowId

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    bodies.init_app(app)  # runs first: a bad body is named as such, not as a CSRF failure
    _trust_proxies(app)

    from . import i18n, jobs, limits, logs, models, permissions, security, static_files  # noqa: F401  (models register tables,
    # jobs its commit hook)

    logs.init_app(app)

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    permissions.init_app(app)
    limits.init_app(app)

    from . import admin, agency, api, auth, consult, errors, health, main, members, respond

    app.register_blueprint(main.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(members.bp, url_prefix="/organisation")
    app.register_blueprint(consult.bp)
    app.register_blueprint(agency.bp)
    api.init_app(app)
    errors.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    _share_macros(app)
    _register_commands(app)
    _remember_sync_checks(app)
    return app


def _share_macros(app: Flask) -> None:
    """The macros of ``macros.html`` are globals of every template. They need nothing of the
    page but their arguments and ``_()``; a template importing them (``{% from … import %}``)
    would compare its globals with theirs on every rendering, about a tenth of a question
    page's time."""
    module = app.jinja_env.get_template("macros.html").module
    for name in dir(module):
        if not name.startswith("_"):
            app.jinja_env.globals[name] = getattr(module, name)


def _remember_sync_checks(app: Flask) -> None:
    """Flask asks of every view and hook, on every request (about twenty times), whether it is a
    coroutine function, which takes a few attribute lookups in ``inspect``; the answer does not
    change, so it is kept per function (this app's views and hooks are a fixed few hundred)."""
    check = app.ensure_sync
    known: dict[Callable, Callable] = {}

    def ensure_sync(func: Callable) -> Callable:
        try:
            return known[func]
        except KeyError:
            result = check(func)
            if len(known) < 2000:
                known[func] = result
            return result
        except TypeError:  # an unhashable callable
            return check(func)

    app.ensure_sync = ensure_sync  # type: ignore[method-assign]


class RowId(IntegerConverter):
    """An ``<int:...>`` in a URL is a row id: 1 to 2³¹−1 (a 32-bit integer column on
    PostgreSQL). A number outside that range names no row: the route does not match (404),
    rather than the database failing on it."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client address and scheme from their
    X-Forwarded-For/-Proto headers (so HTTPS is seen and HSTS sent). The Host header is never
    trusted: links are built from ``PUBLIC_URL``."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_commands(app: Flask) -> None:
    """Make the product's commands part of ``app.cli`` too, so ``app.test_cli_runner()`` and
    ``flask --app wsgi`` see the same commands as the ``assess`` script."""
    from .commands import cli

    for name, command in cli.commands.items():
        if name not in ("run", "shell", "routes"):
            app.cli.add_command(command, name)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers go on while one respondent's autosave writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A deleted or overwritten row (a purge, a changed answer) is overwritten with zeros in
        # the file, not left in free space where a copy of the file would still hold it.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
