"""Forms of the agency's area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import Form


class ProgrammeForm(Form):
    name = StringField(_l("Name"), [InputRequired(_l("Give the programme's name")), Length(max=200)])
    description = TextAreaField(_l("Description"), [Length(max=4000)])
    link = StringField(_l("Web address"), [Length(max=500)])
    eligibility = TextAreaField(_l("Who is eligible"),
                                [InputRequired(_l("Write who is eligible"))])
