"""Configuration: the app refuses to run in production without a SECRET_KEY."""

import pytest

from assess import create_app
from assess.config import ConfigError


@pytest.mark.parametrize("env", ["production", "staging"])
def test_without_secret_key_outside_development_refuses_to_start(monkeypatch, env):
    monkeypatch.setenv("ASSESS_ENV", env)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


@pytest.mark.parametrize("key", ["dev-only-not-secret", "short-secret", "x" * 31])
def test_a_weak_secret_key_outside_development_refuses_to_start(monkeypatch, tmp_path, key):
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    with pytest.raises(ConfigError, match="SECRET_KEY is too weak"):
        create_app()


def test_development_gets_a_fixed_key_and_plain_cookies(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSESS_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/dev.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "dev-only-not-secret"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # http://127.0.0.1 on a laptop


@pytest.mark.parametrize("env", ["production", "staging"])
def test_debug_mode_outside_development_refuses_to_start(monkeypatch, tmp_path, env):
    """FLASK_DEBUG would show tracebacks (and, under `flask run`, a console) to anyone."""
    monkeypatch.setenv("ASSESS_ENV", env)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    with pytest.raises(ConfigError, match="FLASK_DEBUG is on"):
        create_app()


def test_production_with_secret_key_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr/")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.debug is False
    assert app.config["PUBLIC_URL"] == "https://assess.example.kr"
    response = app.test_client().get("/")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_production_without_public_url_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    with pytest.raises(ConfigError, match="PUBLIC_URL is not set"):
        create_app()


def test_cli_reports_missing_secret_key_without_traceback(monkeypatch):
    from click.testing import CliRunner

    from assess.cli import cli

    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code != 0
    assert "SECRET_KEY is not set" in (result.output + str(result.exception))


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True,
                                                       "connect_args": {"connect_timeout": 5},
                                                       "hide_parameters": True}


def test_production_refuses_webhooks_to_private_addresses(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.kr/")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOW_PRIVATE is for tests only"):
        create_app()


@pytest.mark.parametrize("seconds", ["0", "-5", "7200"])
def test_a_job_lease_outside_one_second_to_an_hour_refuses_to_start(monkeypatch, seconds):
    monkeypatch.setenv("JOB_LEASE_SECONDS", seconds)
    with pytest.raises(ConfigError, match="JOB_LEASE_SECONDS"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_job_lease_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("JOB_LEASE_SECONDS", "45")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["JOB_LEASE_SECONDS"] == 45.0
