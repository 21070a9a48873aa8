"""Forms of the administrators' area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import Form, plain_text

ORGANISATION_KIND_CHOICES = [SelectChoice("consultancy", _l("Consultancy")),
                             SelectChoice("agency", _l("Support agency"))]  # fmt: skip
ROLE_CHOICES = [SelectChoice("", _l("No organisation")), SelectChoice("consultant", _l("Consultant")),
                SelectChoice("analyst", _l("Agency analyst")),
                SelectChoice("org_admin", _l("Organisation administrator"))]  # fmt: skip


class UserForm(Form):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter an email address")), Length(max=254)])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    role = SelectField(_l("Role in the organisation"), choices=ROLE_CHOICES,
                       validators=[Optional()])  # fmt: skip
    site_admin = BooleanField(_l("Site administrator"))


class OrganisationForm(Form):
    name = StringField(_l("Name"), [InputRequired(_l("Enter the organisation's name")),
                                    Length(max=200)])  # fmt: skip
    kind = SelectField(_l("Kind"), choices=ORGANISATION_KIND_CHOICES)


class AuditFilterForm(Form):
    """GET filters of the audit log (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (email)"), [Optional(), Length(max=254), plain_text])
    action = StringField(_l("Action"), [Optional(), Length(max=64), plain_text])
    since = DateField(_l("From"), [Optional()])
    until = DateField(_l("To"), [Optional()])
