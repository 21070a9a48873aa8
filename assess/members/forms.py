"""Forms of the members page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import InputRequired, Length


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter an email address")), Length(max=254)])
    role = SelectField(_l("Role"))
