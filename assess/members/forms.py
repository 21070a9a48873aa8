"""Forms of the members and branding pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from ..forms import Form


class InviteForm(Form):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter an email address")), Length(max=254)])
    role = SelectField(_l("Role"))


class LogoForm(Form):
    logo = FileField(_l("Logo file"), [FileRequired(_l("Choose a logo file"))])


class AccentForm(Form):
    accent_colour = StringField(_l("Accent colour"), [Length(max=20)],
                                render_kw={"placeholder": "#1f6f8b", "spellcheck": "false"})  # fmt: skip
