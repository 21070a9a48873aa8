"""Configuration from the environment, with safe defaults for development."""

from __future__ import annotations

import os
from pathlib import Path

from .scoring.benchmark import DEFAULT_MIN_COHORT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "assess.sqlite")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Read settings from the environment; ``overrides`` (tests) win over both."""
    env = os.environ.get("ASSESS_ENV", "development")
    config: dict = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _sqlite_url(instance_path),
        "PORT": int(os.environ.get("PORT", "5000")),
        # Where people reach the app; links in pages, mails and PDFs are built from it, never
        # from the request's Host header. Required outside development.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL"),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "BABEL_DEFAULT_LOCALE": "ko",
        "LANGUAGES": ("ko", "en"),
        "QUESTIONNAIRE_DIR": os.environ.get(
            "QUESTIONNAIRE_DIR", str(PROJECT_ROOT / "questionnaires")
        ),
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR", str(Path(instance_path) / "pdf-cache")),
        # A download this soon after submit, while a worker renders the PDF queued at submit, gets
        # a "being prepared" page that reloads itself; later, or with no worker, it renders itself.
        "PDF_WAIT_SECONDS": float(os.environ.get("PDF_WAIT_SECONDS", "20")),
        # The job queue (Huey): Redis when REDIS_URL is set, else this SQLite file, so that a
        # laptop needs no extra server. One queue name per deployment sharing a Redis.
        "HUEY_NAME": os.environ.get("HUEY_NAME", "assess"),
        "HUEY_SQLITE_PATH": os.environ.get(
            "HUEY_SQLITE_PATH", str(Path(instance_path) / "jobs.sqlite")
        ),
        "BATCH_DIR": os.environ.get("BATCH_DIR", str(Path(instance_path) / "batches")),
        # A batch report being rendered is leased to its job consumer, which renews the lease
        # while it works; a lease this many seconds old means the consumer is gone (killed, or
        # its task failed after taking the report), and the report goes back to the queue.
        "JOB_LEASE_SECONDS": float(os.environ.get("JOB_LEASE_SECONDS", "20")),
        # How long a consent to share with an agency lasts at most (the firm may withdraw sooner).
        "CONSENT_YEARS": int(os.environ.get("CONSENT_YEARS", "2")),
        # Webhooks: the POST's timeout, and the seconds before each retry (at most one attempt
        # more than there are delays). Private targets and plain http only for tests.
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5")),
        "WEBHOOK_RETRY_DELAYS": _seconds(os.environ.get("WEBHOOK_RETRY_DELAYS",
                                                        "30,120,600,3600,21600")),  # fmt: skip
        "WEBHOOK_ALLOW_PRIVATE": os.environ.get("WEBHOOK_ALLOW_PRIVATE", "") in ("1", "true"),
        # Disclosure control of what agencies see: every shown figure covers at least this many
        # firms (never fewer than 3), and a hidden count cannot be narrowed below the width.
        "AGGREGATE_MIN_CELL": int(os.environ.get("AGGREGATE_MIN_CELL", "5")),
        "AGGREGATE_PROTECTION_WIDTH": int(os.environ.get("AGGREGATE_PROTECTION_WIDTH", "3")),
        "BENCHMARK_MIN_COHORT": int(os.environ.get("BENCHMARK_MIN_COHORT", DEFAULT_MIN_COHORT)),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": 3600,
        "REMEMBER_COOKIE_SECURE": env == "production",
        # Accounts. argon2id cost (RFC 9106's second recommended option); tests may lower it.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", str(64 * 1024))),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                             "30")),  # fmt: skip
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("LOGIN_WINDOW_SECONDS", "900")),
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "2")),
        "INVITATION_HOURS": int(os.environ.get("INVITATION_HOURS", "72")),
        "MAIL_URL": os.environ.get("MAIL_URL"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "AX Readiness Check <no-reply@localhost>"),
    }
    config.update(overrides or {})
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_DATABASE_URI"])
    _require_secret_key(config)
    _public_url(config)
    if not 1 <= config["JOB_LEASE_SECONDS"] <= 3600:
        raise ConfigError("JOB_LEASE_SECONDS must be from 1 to 3600 seconds")
    if config["AGGREGATE_MIN_CELL"] < 3 or config["AGGREGATE_PROTECTION_WIDTH"] < 1:
        raise ConfigError("AGGREGATE_MIN_CELL must be at least 3 and AGGREGATE_PROTECTION_WIDTH "
                          "at least 1: agencies must never see a figure about one or two firms")
    return config


def _seconds(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(
            f"WEBHOOK_RETRY_DELAYS must be seconds separated by commas, got {text!r}"
        ) from None
    if any(d < 0 for d in delays):
        raise ConfigError(f"WEBHOOK_RETRY_DELAYS must not be negative, got {text!r}")
    return delays


def _public_url(config: dict) -> None:
    url = (config.get("PUBLIC_URL") or "").rstrip("/")
    if not url:
        if config.get("TESTING") or config["ENV_NAME"] == "testing":
            url = "http://localhost"
        elif config["ENV_NAME"] == "development":
            url = f"http://127.0.0.1:{config['PORT']}"
        else:
            raise ConfigError(
                f"PUBLIC_URL is not set. ASSESS_ENV={config['ENV_NAME']} needs the address people "
                "use to reach the app, e.g. PUBLIC_URL=https://assess.example.kr; links in pages "
                "and mails are built from it."
            )
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_URL must start with http:// or https://, got {url!r}")
    config["PUBLIC_URL"] = url


def _require_secret_key(config: dict) -> None:
    if config.get("SECRET_KEY"):
        return
    if config.get("TESTING") or config["ENV_NAME"] in ("development", "testing"):
        # A fixed key is fine on a developer's machine; it never leaves it.
        config["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105
        return
    raise ConfigError(
        f"SECRET_KEY is not set. ASSESS_ENV={config['ENV_NAME']} needs a secret key: "
        'set SECRET_KEY to a long random value, e.g. python -c "import secrets; '
        'print(secrets.token_hex(32))".'
    )


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    """SQLite waits for a busy writer instead of failing; PostgreSQL drops dead connections and
    gives up connecting to an unreachable server after a few seconds (rather than hanging a
    request, or a readiness check, for the operating system's TCP timeout)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}
    return {"pool_pre_ping": True}
