"""Request bodies are checked before anything reads the form, CSRF protection included.

Without this, a form body that is not UTF-8 parses as an empty form and a streamed (chunked) body
over the size limit is cut at the limit: both then fail the CSRF check and the person is told
that the session expired, which is not what went wrong.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge


class NotUtf8(BadRequest):
    """A form body whose text is not UTF-8."""

    error_code = "not_utf8"
    description = _l(
        "What was sent is not readable text (it is not UTF-8), so nothing from it was saved. "
        "Reload the page and try again."
    )


def body_limit(size: int):
    """Let one view take bodies up to ``size`` bytes instead of ``MAX_CONTENT_LENGTH`` (a file
    upload: the multipart body carries the file, the CSRF token and the boundaries)."""

    def mark(view):
        view.max_body = size
        return view

    return mark


def init_app(app: Flask) -> None:
    """Register the check so that it runs before every other before-request function."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_body)


def check_body() -> None:
    """:raise 413: for a streamed body over ``MAX_CONTENT_LENGTH``.
    :raise 400: (NotUtf8) for a URL-encoded form body that is not UTF-8."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "max_body", None):
        request.max_content_length = view.max_body
    limit = request.max_content_length
    streamed = request.content_length is None
    if not (streamed or request.mimetype == "application/x-www-form-urlencoded"):
        return
    # Declared lengths over the limit are refused by Werkzeug when the stream is opened.
    data = request.get_data(cache=True, parse_form_data=False)
    if streamed and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    if request.mimetype == "application/x-www-form-urlencoded":
        try:
            parse_qsl(data.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise NotUtf8() from None
