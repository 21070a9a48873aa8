"""Forms shared by every area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from .scoring.answers import has_control_characters


class ActionForm(FlaskForm):
    """A button-only form (submit, re-assess, withdraw): CSRF and nothing else."""


def plain_text(form, field) -> None:
    """A one-line text field holds text only: no NUL, line breaks or other control characters
    (which PostgreSQL cannot store or compare, or which would split a mail header)."""
    if has_control_characters(field.data or ""):
        raise ValidationError(_l("Remove the control characters (such as tabs, line breaks or "
                                 "direction marks) from this text"))  # fmt: skip
