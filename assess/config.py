"""Configuration from the environment, with safe defaults for development."""

from __future__ import annotations

import os
from pathlib import Path

from .scoring.benchmark import DEFAULT_MIN_COHORT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


# Anti-automation limits (assess/limits.py): far above what a person does, low enough that a
# script cannot fill the database, flood a mailbox or keep the renderers busy.
DEFAULT_RATE_LIMITS = {
    # respondents starting an assessment, per address (a campaign event may seat many firms
    # behind one address)
    "new_assessment": "120/hour",
    "mail": "10/hour",  # reset and invitation mails, per visitor
    "costly": "60/minute",  # PDF downloads, exports and API scoring, per visitor
    "batch": "30/hour",  # batch PDF jobs, per person or token
    "api": "600/minute",  # every API request, per token
}


def _sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "assess.sqlite")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Read settings from the environment; ``overrides`` (tests) win over both."""
    env = os.environ.get("ASSESS_ENV", "development")
    deployed = env not in ("development", "testing")  # served to people: over HTTPS
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
        # A read replica of DATABASE_URL for the agency dashboard's figures only (read-only
        # queries of the running totals; they lag the primary by the replication delay).
        # Unset: DATABASE_URL.
        "DASHBOARD_DATABASE_URL": os.environ.get("DASHBOARD_DATABASE_URL"),
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
        # Retention, in days, enforced by `assess purge` (see docs/privacy.md): personal data
        # after its last activity, abandoned drafts, the audit log, consent records after the
        # consent ended, and finished background work (batch ZIPs, webhook deliveries).
        "RETENTION_DAYS": _days("RETENTION_DAYS", 3 * 365),
        "DRAFT_RETENTION_DAYS": _days("DRAFT_RETENTION_DAYS", 365),
        "AUDIT_RETENTION_DAYS": _days("AUDIT_RETENTION_DAYS", 2 * 365),
        "CONSENT_RECORD_DAYS": _days("CONSENT_RECORD_DAYS", 5 * 365),
        "JOB_RETENTION_DAYS": _days("JOB_RETENTION_DAYS", 30),
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
        # Every cookie (the session, Flask-Login's remember cookie, the language choice) is out of
        # scripts' reach and not sent on other sites' requests; in production, only over HTTPS.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": deployed,
        # Deployed, the cookie can only be set by this host over HTTPS, for the whole site (the
        # __Host- prefix): a sibling subdomain cannot plant or overwrite it.
        "SESSION_COOKIE_NAME": "__Host-session" if deployed else "session",
        # The language choice likewise (it holds only ko or en, but nobody else should set it).
        "LANG_COOKIE_NAME": "__Host-lang" if deployed else "lang",
        # A signed-in session ends after this long without a request, and this long after
        # signing in whatever happens (the page's autosave counts as a request).
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "120")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        "WTF_CSRF_TIME_LIMIT": 3600,
        "REMEMBER_COOKIE_SECURE": deployed,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Accounts. argon2id cost (RFC 9106's second recommended option); tests may lower it.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", str(64 * 1024))),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                             "30")),  # fmt: skip
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("LOGIN_WINDOW_SECONDS", "900")),
        # The second step of a sign-in (the app's code) must follow the password this soon.
        "TWO_STEP_MINUTES": int(os.environ.get("TWO_STEP_MINUTES", "5")),
        # Who must turn two-step sign-in on before opening anything else: a comma-separated
        # list of consultant, analyst, org_admin, site_admin (e.g. "org_admin,site_admin").
        "TWO_STEP_REQUIRED_ROLES": os.environ.get("TWO_STEP_REQUIRED_ROLES", ""),
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "2")),
        "INVITATION_HOURS": int(os.environ.get("INVITATION_HOURS", "72")),
        # Anti-automation limits per visitor (assess/limits.py), "<count>/<period>" each; counted
        # in Redis when REDIS_URL is set, else in each process.
        "RATE_LIMITS": {kind: os.environ.get(f"RATE_LIMIT_{kind.upper()}", default)
                        for kind, default in DEFAULT_RATE_LIMITS.items()},  # fmt: skip
        # Where the counts live: REDIS_URL's Redis unless set here (e.g. "memory://").
        "RATE_LIMIT_STORAGE_URL": os.environ.get("RATE_LIMIT_STORAGE_URL"),
        "RATE_LIMIT_KEY_PREFIX": os.environ.get("RATE_LIMIT_KEY_PREFIX", "assess-limits"),
        "MAIL_URL": os.environ.get("MAIL_URL"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "AX Readiness Check <no-reply@localhost>"),
    }
    config.update(overrides or {})
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_DATABASE_URI"])
    if config["DASHBOARD_DATABASE_URL"]:
        url = normalise_database_url(config["DASHBOARD_DATABASE_URL"])
        config["SQLALCHEMY_BINDS"] = {**config.get("SQLALCHEMY_BINDS", {}),
                                      "dashboard": {"url": url, **engine_options(url)}}  # fmt: skip
    _require_secret_key(config)
    _public_url(config)
    if config["WEBHOOK_ALLOW_PRIVATE"] and config["ENV_NAME"] == "production":
        raise ConfigError("WEBHOOK_ALLOW_PRIVATE is for tests only: in production a webhook "
                          "must never reach loopback, private or link-local addresses")
    _check_retention(config)
    _two_step_required_roles(config)
    if not 1 <= config["JOB_LEASE_SECONDS"] <= 3600:
        raise ConfigError("JOB_LEASE_SECONDS must be from 1 to 3600 seconds")
    if config["AGGREGATE_MIN_CELL"] < 3 or config["AGGREGATE_PROTECTION_WIDTH"] < 1:
        raise ConfigError("AGGREGATE_MIN_CELL must be at least 3 and AGGREGATE_PROTECTION_WIDTH "
                          "at least 1: agencies must never see a figure about one or two firms")
    return config


TWO_STEP_ROLES = ("consultant", "analyst", "org_admin", "site_admin")


def _two_step_required_roles(config: dict) -> None:
    """``TWO_STEP_REQUIRED_ROLES`` as a frozenset; a misspelt role would silently require
    nothing of anyone, so it is refused."""
    value = config["TWO_STEP_REQUIRED_ROLES"]
    roles = ({r.strip() for r in value.split(",") if r.strip()} if isinstance(value, str)
             else set(value))  # fmt: skip
    unknown = sorted(roles - set(TWO_STEP_ROLES))
    if unknown:
        raise ConfigError(f"TWO_STEP_REQUIRED_ROLES: unknown role(s) {', '.join(unknown)}; use "
                          f"{', '.join(TWO_STEP_ROLES)}")  # fmt: skip
    config["TWO_STEP_REQUIRED_ROLES"] = frozenset(roles)


def _days(name: str, default: int) -> int:
    text = os.environ.get(name, str(default))
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of days, got {text!r}") from None


# The access records of a system that processes personal data are kept at least a year (Korea's
# standard on the safety measures for personal information, art. 8): a shorter audit retention
# is refused rather than quietly breaking that.
MIN_AUDIT_RETENTION_DAYS = 365
RETENTION_KEYS = ("RETENTION_DAYS", "DRAFT_RETENTION_DAYS", "AUDIT_RETENTION_DAYS",
                  "CONSENT_RECORD_DAYS", "JOB_RETENTION_DAYS")  # fmt: skip


def _check_retention(config: dict) -> None:
    for key in RETENTION_KEYS:
        if int(config[key]) < 1:
            raise ConfigError(f"{key} must be at least 1 day, got {config[key]!r}")
    if config["AUDIT_RETENTION_DAYS"] < MIN_AUDIT_RETENTION_DAYS:
        raise ConfigError(
            f"AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS}: the audit log "
            "records access to personal data, which is kept at least a year"
        )


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


def refuse_debugger(config: dict, debug: bool) -> None:
    """Flask's debug mode (``FLASK_DEBUG``) shows tracebacks and, under ``flask run``, an
    interactive console to whoever triggers an error: never outside a developer's machine."""
    if debug and config["ENV_NAME"] not in ("development", "testing"):
        raise ConfigError(
            f"FLASK_DEBUG is on with ASSESS_ENV={config['ENV_NAME']}: debug mode shows tracebacks "
            "(and can run code) for anyone who triggers an error. Unset FLASK_DEBUG."
        )


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


DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32  # characters: token_hex(16) at least; token_hex(32) is suggested


def _require_secret_key(config: dict) -> None:
    development = config.get("TESTING") or config["ENV_NAME"] in ("development", "testing")
    key = config.get("SECRET_KEY")
    if key and not development and (key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH):
        # Anyone who knows or guesses the key can forge a signed-in session.
        raise ConfigError(
            f"SECRET_KEY is too weak for ASSESS_ENV={config['ENV_NAME']}: use at least "
            f'{MIN_SECRET_KEY_LENGTH} random characters, e.g. python -c "import secrets; '
            'print(secrets.token_hex(32))".'
        )
    if key:
        return
    if development:
        # A fixed key is fine on a developer's machine; it never leaves it.
        config["SECRET_KEY"] = DEV_SECRET_KEY
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
    request, or a readiness check, for the operating system's TCP timeout).

    Statement parameters are answers, firm names and token hashes: they are never written into
    a database error's message (which a traceback in the log would carry) nor into SQL echo."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}, "hide_parameters": True}
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5},
                "hide_parameters": True}  # fmt: skip
    return {"pool_pre_ping": True, "hide_parameters": True}
