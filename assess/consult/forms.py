"""Forms of the consultant's workspace; the client form is the respondent's profile form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField
from wtforms.validators import Email, Length, Optional

from ..models import MAX_NOTE_CHARS
from ..questionnaire import Questionnaire


class InviteClientForm(FlaskForm):
    email = EmailField(_l("The client's email (optional)"),
                       [Optional(), Email(_l("Enter an email address")), Length(max=254)])


def notes_form(questionnaire: Questionnaire, lang: str, notes: dict[str, str], formdata=None):
    """One text area for the overall comment and one per dimension of ``questionnaire``."""

    class NotesForm(FlaskForm):
        pass

    limit = [Optional(), Length(max=MAX_NOTE_CHARS)]
    NotesForm.overall = TextAreaField(_l("Overall comment"), limit)
    for dimension in questionnaire.dimensions:
        setattr(NotesForm, dimension.id, TextAreaField(dimension.name.get(lang), limit))
    form = NotesForm(formdata=formdata, data=notes if formdata is None else None)
    return form
