"""Language choice: Korean by default, English on request; the choice sticks in a cookie."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    gettext,
)
from jinja2 import pass_context
from markupsafe import Markup

from .notices import notices
from .scoring import AnswersError

if TYPE_CHECKING:
    from .services.accounts import AccountError

def select_locale() -> Locale:
    """``?lang=`` wins, then the cookie, then Korean (also outside a request: the worker and
    the command line, which choose a language with ``force_locale``)."""
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    if request.path.startswith("/api/"):
        # The API's clients are programs; its messages are English (docs/decisions.md).
        return _locale("en")
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), chosen_language()):
        if candidate in languages:
            return _locale(candidate)
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


@cache
def _locale(code: str) -> Locale:
    # Parsed once per language, not on each request (Flask-Babel takes a Locale as it is).
    return Locale.parse(code)


@cache
def _code(locale: Locale | None) -> str:
    return str(locale) if locale is not None else "ko"


def _locale_in_force() -> Locale | None:
    return _template_locale() if g else None  # g is false outside an app context


def chosen_language() -> str | None:
    """The language this browser chose before, as its cookie says (``__Host-lang`` when
    deployed, ``lang`` in development), or None."""
    return request.cookies.get(current_app.config["LANG_COOKIE_NAME"])


def current_language() -> str:
    return _code(_locale_in_force())


def person_message(error: AnswersError | AccountError | Any) -> str:
    """An input error as the person filling the form should read it, in their language."""
    return gettext(error.template, **error.params)


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and chosen_language() != chosen:
            # Path=/ and no Domain, as its __Host- name requires when deployed (with Secure).
            response.set_cookie(
                app.config["LANG_COOKIE_NAME"],
                chosen,
                max_age=365 * 24 * 3600,
                path="/",
                samesite="Lax",
                httponly=True,
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    app.jinja_env.globals["gettext"] = template_gettext
    # `_()` too, directly: Jinja's own `_` looks `gettext` up and calls it, a second call.
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["datetimeformat"] = lambda value: format_datetime(value, "short")
    app.jinja_env.filters["dateformat"] = lambda value: format_date(
        date.fromisoformat(value) if isinstance(value, str) else value, "medium"
    )

    @app.context_processor
    def language_context():
        locale = _locale_in_force()
        lang = _code(locale)
        other = "en" if lang == "ko" else "ko"
        switch = language_switch_url(other) if has_request_context() else ""
        return {"lang": lang, "other_lang": other, "g": g, "other_language_url": switch,
                "page_notices": notices, LOCALE_OF_RENDER: locale}


# The locale a template is rendered in, looked up once per rendering (no template changes it).
LOCALE_OF_RENDER = "_locale_of_render"


# (locale, message, escaped) -> the translated text of a message without variables
_TEMPLATE_TEXTS: dict[tuple[object, str, bool], str] = {}
# (locale, message, escaped) -> the catalogue's translation, before its variables are put in
_TRANSLATIONS: dict[tuple[object, str, bool], str] = {}


def _template_locale() -> object:
    """The locale in force. Flask-Babel keeps it in ``g._flask_babel.babel_locale`` once chosen
    (``force_locale`` sets it there too); reading it there is one lookup instead of the several
    of ``get_locale()``, which is still asked when it is not there yet."""
    state = g.get("_flask_babel")
    return getattr(state, "babel_locale", None) or get_locale()


@pass_context
def template_gettext(context, string: str, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates, as Jinja's new-style gettext: the translation is
    always %-formatted and, in HTML, escaped with its variables. A page calls it dozens of
    times; Flask-Babel's own takes several lookups per call, a third of a light page's time.
    The catalogues do not change while the process runs, so a message without variables is
    translated once per locale. The locale is the one in force when the rendering started
    (``force_locale`` around it holds: mails and PDFs in another language)."""
    locale = context.get(LOCALE_OF_RENDER) or _template_locale()
    key = (locale, string, context.eval_ctx.autoescape)
    if not variables and key in _TEMPLATE_TEXTS:
        return _TEMPLATE_TEXTS[key]
    translation = _TRANSLATIONS.get(key)
    if translation is None:  # a message with variables is looked up once too, then formatted
        translation = get_translations().ugettext(string)
        if context.eval_ctx.autoescape:
            translation = Markup(translation)  # noqa: S704 - the catalogue is ours; variables are escaped by %
        _TRANSLATIONS[key] = translation
    text = translation % variables
    if not variables:
        _TEMPLATE_TEXTS[key] = text
    return text


def language_switch_url(lang: str) -> str:
    """This page in ``lang``: the same path and query, with ``lang`` replaced (only the path,
    after a form was posted).

    Built from the path as received, never with ``url_for`` and the visitor's parameters: a
    parameter named like one of url_for's own (``endpoint``, ``_external``, ``_anchor``,
    ``_method``) would break every page or point the link elsewhere. The path is quoted, so a
    backslash or a second slash at its start cannot make the link leave this site.
    """
    if g.get("page_address"):  # a page shown by a POST-only address (notices.py)
        return g.page_address + "?" + urlencode([("lang", lang)])
    path = quote(request.script_root + request.path, safe="/")
    path = "/" + path.lstrip("/")
    args = ([(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
            if request.method == "GET" else [])  # fmt: skip
    return path + "?" + urlencode([*args, ("lang", lang)])
