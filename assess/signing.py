"""What the app signs with ``SECRET_KEY`` besides the session cookie (password links, client
invitation links, CSRF tokens), signed with HMAC-SHA256.

itsdangerous signs with HMAC-SHA1 unless told otherwise, and Flask-WTF (1.3) has no setting
for the digest of its CSRF tokens; so the CSRF token is made and checked here, in Flask-WTF's
format otherwise (the same session field, field and header names, time limit and errors):
``CSRFProtect`` checks every request with it and ``SignedCSRF`` puts it in every form. A token
or link signed with SHA-1 (before this) no longer verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from functools import lru_cache

from flask import Flask, current_app, g, request, session
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms import ValidationError
from wtforms.csrf.core import CSRF

CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's: the digest alone tells old tokens from new
CSRF_FIELD = "csrf_token"  # the form's field and the session's key of the secret
# Not Flask-WTF's name for the request's token in ``g``: a token its own functions made (with
# SHA-1) is never handed out as this module's.
_REQUEST_TOKEN = "csrf_token_sha256"  # noqa: S105 (a name in g, not a secret)


def serializer(salt: str) -> URLSafeTimedSerializer:
    """A timed serializer signing with ``SECRET_KEY`` by HMAC-SHA256; one ``salt`` per kind of
    token, so that one kind is never taken for another."""
    return _serializer(current_app.config["SECRET_KEY"], salt)


@lru_cache(maxsize=32)
def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    # Made once per key and salt: every page with a form signs a token with it.
    return URLSafeTimedSerializer(secret_key, salt=salt,
                                  signer_kwargs={"digest_method": hashlib.sha256})  # fmt: skip


# A session's token, once signed, is handed out again for this many seconds: a respondent's
# pages and autosaves would otherwise sign the same secret anew on every request. A token is so
# at most this much older than its page, out of the hour it is valid for.
TOKEN_REUSE_SECONDS = 60
_signed: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
# Tokens whose signature was checked: (key, token) -> (signed at, secret). Each autosave posts
# the token of its page, again and again.
_checked: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
_KEPT = 4096  # sessions or tokens; the oldest is forgotten first
_lock = threading.Lock()


def generate_csrf() -> str:
    """This request's CSRF token (the same for every form of a page): the session's secret,
    signed and timed. The secret is made on first use and lives as long as the session."""
    if _REQUEST_TOKEN not in g:
        if not isinstance(session.get(CSRF_FIELD), str):
            session[CSRF_FIELD] = secrets.token_hex(32)
        setattr(g, _REQUEST_TOKEN, _signed_secret(session[CSRF_FIELD]))
    return g.get(_REQUEST_TOKEN)


def _signed_secret(secret: str) -> str:
    key, now = (current_app.config["SECRET_KEY"], secret), time.monotonic()
    kept = _signed.get(key)
    if kept is not None and now - kept[0] < TOKEN_REUSE_SECONDS:
        return kept[1]
    token = serializer(CSRF_SALT).dumps(secret)
    _remember(_signed, key, (now, token))
    return token


def _remember(kept: OrderedDict, key: tuple, value: tuple) -> None:
    with _lock:
        kept[key] = value
        kept.move_to_end(key)
        while len(kept) > _KEPT:
            kept.popitem(last=False)


def validate_csrf(data: str | None) -> None:
    """:raise ValidationError: unless ``data`` is a token made by ``generate_csrf`` for this
    session, within ``WTF_CSRF_TIME_LIMIT`` seconds."""
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if CSRF_FIELD not in session:
        raise ValidationError("The CSRF session token is missing.")
    max_age = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    key = (current_app.config["SECRET_KEY"], data)
    checked = _checked.get(key)  # a token checked before: its signature needs no second check
    if checked is not None:
        signed_at, secret = checked
        if not 0 <= int(time.time()) - signed_at <= max_age:
            raise ValidationError("The CSRF token has expired.")
    else:
        try:
            secret, when = serializer(CSRF_SALT).loads(data, max_age=max_age,
                                                       return_timestamp=True)  # fmt: skip
        except SignatureExpired as error:
            raise ValidationError("The CSRF token has expired.") from error
        except BadData as error:
            raise ValidationError("The CSRF token is invalid.") from error
        _remember(_checked, key, (int(when.timestamp()), secret))
    if not isinstance(secret, str) or not hmac.compare_digest(session[CSRF_FIELD], secret):
        raise ValidationError("The CSRF tokens do not match.")


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's protection of every POST (exemptions, token from the form or the header,
    referrer check on HTTPS), with this module's tokens."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Templates' ``csrf_token()``; registered after Flask-WTF's, so this one is used.
        app.jinja_env.globals["csrf_token"] = generate_csrf
        app.context_processor(lambda: {"csrf_token": generate_csrf})

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            flask_wtf_csrf.logger.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not flask_wtf_csrf.same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # the forms of this request need not check again


class SignedCSRF(CSRF):
    """The CSRF field of every form (``assess.forms.Form``): this module's token."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return generate_csrf()

    def validate_csrf_token(self, form, field) -> None:
        if not g.get("csrf_valid", False):  # a request CSRFProtect did not check
            validate_csrf(field.data)
