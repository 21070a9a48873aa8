"""Error responses in one place: HTML for people, JSON for the API and for scripts that ask for
it (autosave); a stable ``error`` code and a message saying what went wrong; never a trace.

Every error response carries the request id (the X-Request-ID header, ``request_id`` in JSON, a
reference to quote on the page), and the log line about a failure carries the same id and the
traceback: support finds the one from the other, and the person sees neither code nor trace.

Domain errors raised by the use cases are mapped here too, so a view only catches one when its
page has something better to show (the form again, with what was typed).
"""

from __future__ import annotations

import logging

from apiflask.exceptions import HTTPError as SchemaError
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .i18n import person_message
from .logs import redact_path
from .scoring import AnswersError
from .security import request_id
from .services.batches import BatchError
from .services.clients import ClientError
from .services.errors import AlreadySubmitted, RevisionConflict
from .services.imports import DuplicateKey

# Stable codes for JSON clients; anything not listed is named after its status.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
    429: "too_many_requests", 500: "internal_error", 503: "unavailable",
}  # fmt: skip
MESSAGES = {
    400: _l("The request could not be understood. Reload the page and try again."),
    404: _l("Not found"),
    405: _l("This address does not accept that kind of request."),
    413: _l("What was sent is too large (the limit is 1 MB), so nothing from it was saved."),
    429: _l("Too many attempts. Wait a little and try again."),
    500: _l("Something went wrong on our side, not yours. Try again in a moment."),
}
# The database cannot be reached or written to (down, read-only, disk full): what was sent now
# was not saved, and nothing of it was kept half-way (the request's transaction is rolled back).
NOT_SAVED = _l("The service is briefly unavailable, so what you just sent was NOT saved. Wait a "
               "minute and try again: your answers saved before are safe.")  # fmt: skip
CANNOT_SHOW = _l("The service is briefly unavailable, so this page cannot be shown now. "
                 "Wait a minute and try again.")  # fmt: skip
RETRY_AFTER_SECONDS = 30  # what a 503 suggests to wait before trying again


def error_json(error: str, message: str, status: int, **extra) -> tuple[Response, int]:
    """A JSON error: its stable code, a message for people, and the request id to quote."""
    return jsonify(error=error, message=str(message), request_id=request_id(), **extra), status


# Refusals worth a line in the security log (ASVS V16.3): someone was turned away.
REFUSALS = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
            429: "too_many_requests"}  # fmt: skip
security_log = logging.getLogger("assess.security")


def log_refusal(code: int, reason: str) -> None:
    """One line per refused request: the route's pattern (never the path, which may hold a
    resume link), who asked and the request id; never the body or the query."""
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    who = f"user {current_user.id}" if _signed_in() else f"address {request.remote_addr}"
    security_log.warning("refused %s %s %s %s: %s, %s, request id %s", code, reason,
                         request.method, rule, request.endpoint or "-", who, request_id())


def _signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # the user could not be loaded (the database is away): say nobody
        return False


def json_view(view):
    """Mark a view that answers in JSON whatever the request accepts (autosave): so do its errors."""
    view.answers_json = True
    return view


def is_api() -> bool:
    return request.path.startswith("/api/")


def wants_json() -> bool:
    """The API, JSON views, and requests whose script asked for JSON rather than a page."""
    if is_api():
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "answers_json", False):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and "text/html" not in request.accept_mimetypes.values()


def message_of(error: HTTPException) -> str:
    """Our own message for the status; an exception raised with our own description keeps it."""
    own = getattr(error, "error_code", None)
    if own is not None:
        return str(error.description)
    code = error.code or 500
    return str(MESSAGES.get(code, MESSAGES[400] if code < 500 else _l("Something went wrong")))


def init_app(app: Flask) -> None:
    app.log_exception = lambda exc_info: log_failure(app, exc_info)  # type: ignore[method-assign]

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            # An unexpected failure may have left the session's transaction broken (a database
            # error mid-flush); the error page reads the signed-in user, so start clean.
            db.session.rollback()
        if code in REFUSALS:
            log_refusal(code, "csrf" if isinstance(error, CSRFError) else REFUSALS[code])
        message = message_of(error)
        if wants_json():
            name = getattr(error, "error_code", None) or CODES.get(code, f"http_{code}")
            response, _status = error_json(name, message, code)
        elif code == 404:
            response = render_template("errors/404.html")
        else:
            response = render_template("errors/http.html", code=code, message=message)
        # What the status needs said in headers (WWW-Authenticate of a 401, Allow of a 405).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return response, code, headers

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        """An unexpected failure (Flask has logged it, with the request id: see ``log_failure``)
        or an ``abort(500)``: the generic page or JSON, never the exception's text or trace."""
        _forget_transaction()
        return _failure(500, MESSAGES[500])

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)
    def database_unavailable(error: OperationalError | InternalError):
        """The database is unreachable, read-only or full (PostgreSQL down or failing over, a
        full disk): 503, saying that what was sent was not saved. One handler for both classes:
        SQLAlchemy files "unreachable" and "disk full" under OperationalError and PostgreSQL's
        "read-only transaction" under InternalError."""
        _forget_transaction()
        current_app.logger.error("database unavailable, request id %s: %s %s",
                                 request_id(), request.method, redact_path(request.path),
                                 exc_info=error)  # fmt: skip
        saving = request.method not in ("GET", "HEAD", "OPTIONS")
        return _failure(503, NOT_SAVED if saving else CANNOT_SHOW,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip

    @app.errorhandler(SchemaError)
    def invalid_request(error: SchemaError):
        """A JSON API request refused by its schema (APIFlask): the first field at fault is
        named like the answers document's errors, and every other one is listed."""
        fields = dict(_flatten(error.detail or {}))
        if not fields:
            name = CODES.get(error.status_code, f"http_{error.status_code}")
            return (*error_json(name, error.message, error.status_code), error.headers)
        field, message = next(iter(fields.items()))
        return (*error_json("invalid", f"{field}: {message}", 422, field=field, fields=fields),
                error.headers)  # fmt: skip

    @app.errorhandler(BatchError)
    def invalid_batch(error: BatchError):
        db.session.rollback()
        return _invalid(error.field, error.message, error.message)  # translated when raised

    @app.errorhandler(ClientError)
    def invalid_client(error: ClientError):
        db.session.rollback()
        return _invalid(error.field, error.message, _(error.template, **error.params))

    @app.errorhandler(DuplicateKey)
    def duplicate_key(error: DuplicateKey):
        db.session.rollback()
        return error_json("idempotency_key_reused", (
            "This Idempotency-Key was used before for another answers document; "
            "use a new key for a new document."), 409)  # fmt: skip

    @app.errorhandler(RevisionConflict)
    def revision_conflict(error: RevisionConflict):
        db.session.rollback()
        message = _("These answers were changed in another window. Reload the page to see them, "
                    "or press Save to keep what you see here.")  # fmt: skip
        if wants_json():
            return error_json("conflict", message, 409, revision=error.current)
        return render_template("errors/http.html", error=error, code=409, message=message), 409

    @app.errorhandler(AlreadySubmitted)
    def already_submitted(error: AlreadySubmitted):
        """A save that lost the race with a submit (another tab): nothing is lost; say so on the
        results, which every area that edits an assessment serves as its ``.results`` page."""
        db.session.rollback()
        if wants_json():
            return error_json("submitted", _(
                "This assessment has been submitted, so changes here are no longer saved."), 409)
        flash(_("This assessment has already been submitted (perhaps in another window), so the "
                "last change was not saved. These are its results."), "error")  # fmt: skip
        args = {k: v for k, v in (request.view_args or {}).items() if k != "page"}
        return redirect(url_for(f"{request.blueprint}.results", **args), code=303)

    @app.errorhandler(AnswersError)
    def invalid_input(error: AnswersError):
        db.session.rollback()
        # The API's clients are programs: they get the detailed message (naming the options or
        # the range), people the one written for them.
        return _invalid(error.field, error.message, person_message(error))


def _invalid(field: str, detailed: str, for_people: str):
    if is_api():
        return error_json("invalid", f"{field}: {detailed}", 422, field=field)
    if wants_json():
        return error_json("invalid", for_people, 422, field=field)
    return render_template("errors/http.html", code=422, message=for_people), 422


def _forget_transaction() -> None:
    """Roll back what the failed request had written (never half an assessment), without
    failing again if the connection itself is what broke."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the original failure is the one reported)
        current_app.logger.warning("rollback after a failure failed too, request id %s",
                                   request_id(), exc_info=True)  # fmt: skip


def _failure(code: int, message, headers: dict | None = None):
    """The generic page or JSON of a failure on our side. The page is rendered without the
    account menu (which reads the database, perhaps what failed); if even that fails, a page
    written here stands in, so a person never gets a server's bare trace."""
    if wants_json():
        response, _status = error_json(CODES[code], message, code)
        return response, code, headers or {}
    try:
        page = render_template("errors/failure.html", code=code, message=message, plain=True)
    except Exception:  # noqa: BLE001 (the failure being reported matters, not this one)
        current_app.logger.exception("could not render the error page, request id %s",
                                     request_id())  # fmt: skip
        page = (f"<!doctype html><title>{code}</title><p>{escape(str(message))}</p>"
                f"<p>{escape(request_id())}</p>")
    return page, code, headers or {}


def log_failure(app: Flask, exc_info) -> None:
    """Flask's log line for an unhandled exception, with the request id the person was shown."""
    app.logger.error("unhandled error, request id %s: %s %s", request_id(), request.method,
                     redact_path(request.path), exc_info=exc_info)  # fmt: skip


def _flatten(detail, path: tuple[str, ...] = ()):
    """(dotted field, first message) pairs of a marshmallow error tree, without its location
    (json, query) level; errors about the body as a whole are named ``body``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            step = () if (not path and key in ("json", "query", "view_args")) or key == "_schema" \
                else (str(key),)
            yield from _flatten(value, path + step)
    elif isinstance(detail, list) and detail and all(isinstance(m, str) for m in detail):
        yield ".".join(path) or "body", detail[0]
