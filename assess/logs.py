"""What the app's log lines look like and what they may hold: every record carries the id of the
request it was written in (``request_id``, the X-Request-ID of the response and of the audit
log), secret links in paths are shown as ``***``, and nothing writes answers into a log line.

``init_app`` sets this up for the app; gunicorn.conf.py uses the same format for every logger
under gunicorn, so one ``grep request_id=...`` finds a request's access line and its app lines.
"""

from __future__ import annotations

import logging
import re
import threading

from flask import Flask, has_request_context

from .security import request_id

FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
NO_REQUEST = "-"

# Resume, invitation and password links carry their secret in the path: found anywhere in a
# text (a whole URI, a server's message quoting a request line), up to the next separator.
_SECRET_PATH = re.compile(r"(/r/|/invitation/|/password/(?:reset|invitation)/)[^/?#\s'\"]+")
_factory_lock = threading.Lock()
_factory_installed = False


def redact_path(path: str) -> str:
    """``path`` (or any text) with the secret of each resume, invitation or password link in it
    replaced by ``***``."""
    return _SECRET_PATH.sub(r"\1***", path)


def current_request_id() -> str:
    """The id of the request being handled on this thread, or ``-`` outside one."""
    return request_id() if has_request_context() else NO_REQUEST


class RequestFormatter(logging.Formatter):
    """``FORMAT`` by default; fills in the request id of a record made before the record factory
    was installed (a library's record at import time, say) instead of failing on it, and leaves
    the database's own words out of a traceback (see ``formatException``)."""

    def __init__(self, fmt: str | None = FORMAT, datefmt: str | None = None):
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        if record.exc_info:
            # Not the text another handler's formatter may have cached on the record.
            record.exc_text = self.formatException(record.exc_info)
        return super().format(record)

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        """The traceback, with each database error's message replaced by its names: PostgreSQL
        quotes the values of the row at fault ("Key (name)=(...)", "Failing row contains
        (...)"), which may be answers or a firm's name. The statement's parameters are never
        there in the first place (``hide_parameters``)."""
        text = super().formatException(ei)
        for error in _chain(ei[1]):
            diag = getattr(error, "diag", None)
            message = str(error)
            if diag is not None and message:
                text = text.replace(message, _described(error, diag))
        return text


def _chain(error: BaseException | None) -> list[BaseException]:
    """``error``, the driver's error it wraps, and their causes and contexts."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def _described(error: BaseException, diag) -> str:
    names = [f"{label} {value}" for label, value in (
        ("SQLSTATE", diag.sqlstate), ("table", diag.table_name), ("column", diag.column_name),
        ("constraint", diag.constraint_name)) if value]  # fmt: skip
    return (f"{type(error).__name__} ({', '.join(names)}); the database's message is not "
            "logged, as it may quote the row's values")


def install_record_factory() -> None:
    """Give every log record, of every logger and handler (caplog, gunicorn's, a JSON one), the
    ``request_id`` attribute; once per process."""
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            record.request_id = current_request_id()
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


def init_app(app: Flask) -> None:
    from flask.logging import default_handler

    install_record_factory()
    # Flask's own handler (``assess run``, a shell), used when nothing else handles the app's
    # records; under gunicorn the root logger's handler of gunicorn.conf.py does.
    default_handler.setFormatter(RequestFormatter())
    # The log line of a failed request (errors.log_failure) names its path through
    # ``redact_path``: never the secret in it.
