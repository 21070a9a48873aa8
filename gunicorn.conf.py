"""gunicorn settings for the web app: ``gunicorn 'wsgi:app' -c gunicorn.conf.py``.

Every value can be changed from the environment, so one file serves a laptop (``make run``) and a
server (systemd unit or Procfile): PORT, WEB_CONCURRENCY, WEB_THREADS, WEB_TIMEOUT, ACCESS_LOG.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from assess.logs import redact_path

# Where to listen: PORT (5000) on loopback, since the app sits behind a reverse proxy that ends
# TLS. BIND changes the address: a host (BIND=0.0.0.0 on a platform that routes to $PORT) or a
# whole host:port.
_port = os.environ.get("PORT", "5000")
_bind = os.environ.get("BIND") or "127.0.0.1"
bind = [_bind if ":" in _bind.rsplit("]", 1)[-1] else f"{_bind}:{_port}"]

# Processes: WEB_CONCURRENCY (the Procfile convention), 2 by default, about one per core.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# gthread rather than sync: a request here spends much of its time waiting on PostgreSQL or Redis
# (autosave, sign-in throttling, job progress) and PDFs are rendered by the job worker, not in
# requests, so a few threads per process serve more requests for the same memory (the target is a
# web worker under 150 MB). gthread also keeps a slow client or an idle keep-alive connection
# from holding a whole process, which sync workers only tolerate behind a buffering proxy.
# Four threads stay below SQLAlchemy's pool of five connections per process.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))

# A request running longer than this is stuck (the slowest page answers in well under a second):
# its worker is killed and replaced. A stop (SIGTERM) lets requests in flight finish first.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # seconds; keep below the proxy's idle timeout towards the app

# Recycle each worker after about a thousand requests (the jitter keeps them from all restarting
# at once), so that a slow leak or fragmentation never grows without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "1000"))
max_requests_jitter = max(1, max_requests // 10)

# Preload: the master imports the app once, so a configuration error (no SECRET_KEY, no
# PUBLIC_URL) stops the start with one clear message instead of every worker failing to boot,
# workers share the imported code copy-on-write, and recycling a worker is a fork, not a new
# import. The price: code changes need a restart, not a HUP, and nothing may open connections
# before the fork. create_app opens none; post_fork below drops any pooled connection anyway.
preload_app = True


def post_fork(_server, _worker) -> None:
    """A forked worker must not share the master's database connections."""
    import wsgi
    from assess.extensions import db
    from assess.warm import warm_worker

    with wsgi.app.app_context():
        # Forget, don't close: the connections are the master's (the dashboard's replica too).
        for engine in db.engines.values():
            engine.dispose(close=False)
    warm_worker(wsgi.app)  # its own connection, opened now rather than on its first request


# Errors to stderr; the access log only when ACCESS_LOG=1 (a reverse proxy usually keeps one),
# then to stdout with the request id, the status and the time taken. Resume, invitation and
# password links carry secrets in their path: the log shows them as "***", and never the query;
# a line break or other control character in a path is written escaped (\r\n), as in every line.
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
accesslog = "-" if os.environ.get("ACCESS_LOG", "") in ("1", "true") else None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

# Every other log line (the app's, its libraries', gunicorn's own) goes to stderr in the app's
# format (assess/logs.py): time, process, level, logger, request_id=..., message. A line written
# while a request is handled carries that request's id, the same as its access line and its
# X-Request-ID header. The root logger takes LOG_LEVEL, so LOG_LEVEL=debug shows the app's
# debug lines; SQLAlchemy keeps its own WARNING level (its echo would print rows).
_LEVEL = loglevel.upper()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "app": {"()": "assess.logs.RequestFormatter"},
        "access": {"()": "assess.logs.OneLineFormatter", "fmt": "%(message)s"},
    },
    "handlers": {
        "app": {"class": "logging.StreamHandler", "formatter": "app", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access",
                   "stream": "ext://sys.stdout"},
    },
    "root": {"level": _LEVEL, "handlers": ["app"]},
    "loggers": {
        "gunicorn.error": {"level": _LEVEL, "handlers": [], "propagate": True,
                           "qualname": "gunicorn.error"},
        # Off unless ACCESS_LOG: gunicorn still builds the line, and nothing writes it.
        "gunicorn.access": {"level": "INFO" if accesslog else "CRITICAL",
                            "handlers": ["access"] if accesslog else [], "propagate": False,
                            "qualname": "gunicorn.access"},
    },
}  # fmt: skip


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in paths replaced by ``***``: in the access log, and in
    gunicorn's own lines, which name the path of every request at debug level and of a request
    that failed at error level."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U", ""))
        return atoms

    def critical(self, msg, *args, **kwargs):
        super().critical(*_redacted(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(*_redacted(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(*_redacted(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(*_redacted(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(*_redacted(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(*_redacted(msg, args), **kwargs)


def _redacted(msg, args: tuple) -> tuple:
    return tuple(redact_path(x) if isinstance(x, str) else x for x in (msg, *args))


logger_class = RedactingLogger

# The client address and scheme come from the app's own TRUSTED_PROXIES handling (ProxyFix);
# gunicorn itself trusts no forwarded headers.
forwarded_allow_ips = ""
proc_name = "assess-web"
# No runtime control socket: it has one default path per user, which two instances on one machine
# would share; stop and reload with signals (systemd, the Procfile runner) instead.
control_socket_disable = True
