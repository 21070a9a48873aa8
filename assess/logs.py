"""What the app's log lines look like and what they may hold: every record carries the id of the
request it was written in (``request_id``, the X-Request-ID of the response and of the audit
log), secret links in paths are shown as ``***``, nothing writes answers into a log line, and a
message is one line whatever it quotes (``one_line``: no forged lines, no terminal escapes).

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


def one_line(text: str) -> str:
    """``text`` with every character that is not printable written as its Python escape: line
    breaks (``\\n``, ``\\r``, U+2028), tabs, terminal escapes (``\\x1b``), direction overrides
    (``\\u202e``) and the like. An error message or an address someone typed can then neither
    start a line that looks like another record nor change how the log shows in a terminal.
    Backslashes are kept as they are: a line stays readable, and stays one line."""
    if text.isprintable():  # nearly every message: no copy
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def current_request_id() -> str:
    """The id of the request being handled on this thread, or ``-`` outside one."""
    return request_id() if has_request_context() else NO_REQUEST


class OneLineFormatter(logging.Formatter):
    """A formatter whose records are one line each, whatever their message and its arguments
    hold (``one_line``); a traceback still follows on the lines after, with the message of each
    of its exceptions on one line. gunicorn's access log uses it as it is."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info:
            # Not the text another handler's formatter may have cached on the record.
            record.exc_text = self.formatException(record.exc_info)
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        # ``record.message`` is set afresh by each formatter's ``format``: changing it here
        # leaves the record as other handlers see it.
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        """The traceback, each exception's message in it replaced by ``shown_error``."""
        text = super().formatException(ei)
        # Shortest first: a wrapper's message quotes the one of the error it wraps (SQLAlchemy's
        # the driver's), so it is looked for as it reads once the inner one has been replaced.
        replaced: list[tuple[str, str]] = []
        for error in sorted(_chain(ei[1]), key=lambda e: len(str(e))):
            message = str(error)
            for before, after in replaced:
                message = message.replace(before, after)
            shown = self.shown_error(error, message) if message else message
            if shown != message:
                text = text.replace(message, shown)
                replaced.append((message, shown))
        return text

    def shown_error(self, error: BaseException, message: str) -> str:
        """An exception's message as the log shows it: on one line, since an error can quote
        what someone sent, and its lines would otherwise start at the left margin like the
        records around them."""
        return one_line(message)


class RequestFormatter(OneLineFormatter):
    """``FORMAT`` by default; fills in the request id of a record made before the record factory
    was installed (a library's record at import time, say) instead of failing on it, and leaves
    the database's own words out of a traceback (see ``shown_error``)."""

    def __init__(self, fmt: str | None = FORMAT, datefmt: str | None = None):
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return super().format(record)

    def shown_error(self, error: BaseException, message: str) -> str:
        """A database error by its names: PostgreSQL quotes the values of the row at fault
        ("Key (name)=(...)", "Failing row contains (...)"), which may be answers or a firm's
        name. The statement's parameters are never there in the first place
        (``hide_parameters``)."""
        diag = getattr(error, "diag", None)
        if diag is not None:
            return _described(error, diag)
        return super().shown_error(error, message)


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
