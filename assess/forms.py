"""Forms shared by every area."""

from __future__ import annotations

from functools import lru_cache

from babel.support import Translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from .i18n import current_language
from .scoring.answers import has_control_characters
from .signing import SignedCSRF


class Form(FlaskForm):
    """The base of every form of the app: Flask-WTF's, with a CSRF token signed by HMAC-SHA256
    (``assess.signing``) and WTForms' own messages in the person's language, from a catalogue
    loaded once per process and language (Flask-WTF reads it from disk again on every request,
    a fifth of a questionnaire page's time)."""

    class Meta(FlaskForm.Meta):
        csrf_class = SignedCSRF

        def get_translations(self, form):
            return _wtforms_catalogue(current_language())


@lru_cache(maxsize=8)
def _wtforms_catalogue(lang: str) -> Translations:
    return Translations.load(messages_path(), [lang], domain="wtforms")


class ActionForm(Form):
    """A button-only form (submit, re-assess, withdraw): CSRF and nothing else."""


def plain_text(form, field) -> None:
    """A one-line text field holds text only: no NUL, line breaks or other control characters
    (which PostgreSQL cannot store or compare, or which would split a mail header)."""
    if has_control_characters(field.data or ""):
        raise ValidationError(_l("Remove the control characters (such as tabs, line breaks or "
                                 "direction marks) from this text"))  # fmt: skip
