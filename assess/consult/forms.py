"""Forms of the consultant's workspace; the client form is the respondent's profile form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..forms import Form
from ..models import MAX_NOTE_CHARS
from ..questionnaire import Questionnaire
from ..scoring.answers import has_control_characters


def looks_like_email(form, field) -> None:
    """The same rule as account emails: something@domain.tld, no spaces."""
    local, _, domain = (field.data or "").partition("@")
    if (not local or "." not in domain or any(c.isspace() for c in field.data)
            or has_control_characters(field.data)):
        raise ValidationError(_l("Enter an email address"))


class InviteClientForm(Form):
    email = EmailField(_l("The client's email (optional)"),
                       [Optional(), Length(max=254), looks_like_email])


def notes_form(questionnaire: Questionnaire, lang: str, notes: dict[str, str], formdata=None):
    """One text area for the overall comment and one per dimension of ``questionnaire``."""

    class NotesForm(Form):
        pass

    limit = [Optional(), Length(max=MAX_NOTE_CHARS)]
    NotesForm.overall = TextAreaField(_l("Overall comment"), limit)
    for dimension in questionnaire.dimensions:
        setattr(NotesForm, dimension.id, TextAreaField(dimension.name.get(lang), limit))
    form = NotesForm(formdata=formdata, data=notes if formdata is None else None)
    return form


class WebhookForm(Form):
    url = URLField(_l("Address that receives the events"),
                   [InputRequired(_l("Enter the address")), Length(max=2000)])  # fmt: skip
