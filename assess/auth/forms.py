"""Forms of signing in, password links and the account page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from ..forms import plain_text
from ..services.accounts import MIN_PASSWORD_CHARS


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter your email address")),
                                     Length(max=254), plain_text])  # fmt: skip
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password")),
                                              Length(max=1000)])  # fmt: skip


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter your email address")),
                                     Length(max=254), plain_text])  # fmt: skip


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), [
        InputRequired(_l("Enter a new password")),
        Length(min=MIN_PASSWORD_CHARS, max=1000,
               message=_l("Use %(min)s to %(max)s characters", min=MIN_PASSWORD_CHARS,
                          max=1000))])  # fmt: skip
    confirm = PasswordField(_l("New password again"), [
        InputRequired(_l("Enter the new password again")),
        EqualTo("password", _l("The two passwords are not the same"))])  # fmt: skip


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"),
                            [InputRequired(_l("Enter your current password"))])  # fmt: skip
