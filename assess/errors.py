"""Error responses in one place: HTML for people, JSON for the API and for scripts that ask for
it (autosave); a stable ``error`` code and a message saying what went wrong; never a trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

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


def wants_json() -> bool:
    """The API, and requests whose script asked for JSON rather than a page."""
    if request.path.startswith("/api/"):
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
        message = message_of(error)
        if wants_json():
            name = getattr(error, "error_code", None) or CODES.get(code, f"http_{code}")
            response = jsonify(error=name, message=message)
        elif code == 404:
            response = render_template("errors/404.html")
        else:
            response = render_template("errors/http.html", error=error, message=message)
        return response, code
