"""Error responses in one place: HTML for people, JSON for the API and for scripts that ask for
it (autosave); a stable ``error`` code and a message saying what went wrong; never a trace.

Domain errors raised by the use cases are mapped here too, so a view only catches one when its
page has something better to show (the form again, with what was typed).
"""

from __future__ import annotations

from apiflask.exceptions import HTTPError as SchemaError
from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .extensions import db
from .i18n import person_message
from .scoring import AnswersError
from .services.batches import BatchError
from .services.clients import ClientError
from .services.errors import AlreadySubmitted, RevisionConflict
from .services.imports import DuplicateKey

# Stable codes for JSON clients; anything not listed is named after its status.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
    429: "too_many_requests",
}  # fmt: skip
MESSAGES = {
    400: _l("The request could not be understood. Reload the page and try again."),
    404: _l("Not found"),
    405: _l("This address does not accept that kind of request."),
    413: _l("What was sent is too large (the limit is 1 MB), so nothing from it was saved."),
    429: _l("Too many attempts. Wait a little and try again."),
}


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
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            # An unexpected failure may have left the session's transaction broken (a database
            # error mid-flush); the error page reads the signed-in user, so start clean.
            db.session.rollback()
        message = message_of(error)
        if wants_json():
            name = getattr(error, "error_code", None) or CODES.get(code, f"http_{code}")
            response = jsonify(error=name, message=message)
        elif code == 404:
            response = render_template("errors/404.html")
        else:
            response = render_template("errors/http.html", code=code, message=message)
        # What the status needs said in headers (WWW-Authenticate of a 401, Allow of a 405).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return response, code, headers

    @app.errorhandler(SchemaError)
    def invalid_request(error: SchemaError):
        """A JSON API request refused by its schema (APIFlask): the first field at fault is
        named like the answers document's errors, and every other one is listed."""
        fields = dict(_flatten(error.detail or {}))
        if not fields:
            name = CODES.get(error.status_code, f"http_{error.status_code}")
            return jsonify(error=name, message=error.message), error.status_code, error.headers
        field, message = next(iter(fields.items()))
        return (jsonify(error="invalid", field=field, message=f"{field}: {message}",
                        fields=fields), 422, error.headers)  # fmt: skip

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
        return jsonify(error="idempotency_key_reused", message=(
            "This Idempotency-Key was used before for another answers document; "
            "use a new key for a new document.")), 409  # fmt: skip

    @app.errorhandler(RevisionConflict)
    def revision_conflict(error: RevisionConflict):
        db.session.rollback()
        message = _("These answers were changed in another window. Reload the page to see them, "
                    "or press Save to keep what you see here.")  # fmt: skip
        if wants_json():
            return jsonify(error="conflict", revision=error.current, message=message), 409
        return render_template("errors/http.html", error=error, code=409, message=message), 409

    @app.errorhandler(AlreadySubmitted)
    def already_submitted(error: AlreadySubmitted):
        """A save that lost the race with a submit (another tab): nothing is lost; say so on the
        results, which every area that edits an assessment serves as its ``.results`` page."""
        db.session.rollback()
        if wants_json():
            return jsonify(error="submitted", message=_(
                "This assessment has been submitted, so changes here are no longer saved.")), 409
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
        return jsonify(error="invalid", field=field, message=f"{field}: {detailed}"), 422
    if wants_json():
        return jsonify(error="invalid", field=field, message=for_people), 422
    return render_template("errors/http.html", code=422, message=for_people), 422


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
