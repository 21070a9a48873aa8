"""Shared fixtures: an app on a real, migrated database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), a test client and CLI runner; every test starts from empty tables."""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from assess import create_app
from assess.config import normalise_database_url
from assess.extensions import db


def reset_postgres_schema(url: str, schema: str = "public") -> None:
    """Start PostgreSQL runs from an empty schema, whatever an earlier run left behind."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database built by running the real migrations, once per test session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = normalise_database_url(url)
        reset_postgres_schema(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def empty_tables(app) -> None:
    """Delete every row (children first) and close the app's connections."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
            "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
            "BATCH_DIR": str(tmp_path / "batches"),
        }
    )
    yield app
    empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)
