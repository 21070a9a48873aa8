"""Language choice: Korean by default, English on request; the choice sticks in a cookie."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import format_date, format_decimal, get_locale, gettext

from .scoring import AnswersError

if TYPE_CHECKING:
    from .services.accounts import AccountError

LANG_COOKIE = "lang"


def select_locale() -> str:
    """``?lang=`` wins, then the cookie, then Korean (also outside a request: the worker and
    the command line, which choose a language with ``force_locale``)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        return "en"  # the API's clients are programs; its messages are English (docs/decisions.md)
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "ko")


def person_message(error: AnswersError | AccountError | Any) -> str:
    """An input error as the person filling the form should read it, in their language."""
    return gettext(error.template, **error.params)


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["dateformat"] = lambda value: format_date(
        date.fromisoformat(value) if isinstance(value, str) else value, "medium"
    )

    @app.context_processor
    def language_context():
        lang = current_language()
        return {"lang": lang, "other_lang": "en" if lang == "ko" else "ko", "g": g}
