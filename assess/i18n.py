"""Language choice: Korean by default, English on request; the choice sticks in a cookie."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

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
        other = "en" if lang == "ko" else "ko"
        switch = language_switch_url(other) if has_request_context() else ""
        return {"lang": lang, "other_lang": other, "g": g, "other_language_url": switch}


def language_switch_url(lang: str) -> str:
    """This page in ``lang``: the same path and query, with ``lang`` replaced (only the path,
    after a form was posted).

    Built from the path as received, never with ``url_for`` and the visitor's parameters: a
    parameter named like one of url_for's own (``endpoint``, ``_external``, ``_anchor``,
    ``_method``) would break every page or point the link elsewhere. The path is quoted, so a
    backslash or a second slash at its start cannot make the link leave this site.
    """
    path = quote(request.script_root + request.path, safe="/")
    path = "/" + path.lstrip("/")
    args = ([(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
            if request.method == "GET" else [])  # fmt: skip
    return path + "?" + urlencode([*args, ("lang", lang)])
