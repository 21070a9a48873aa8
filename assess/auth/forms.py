"""Forms of signing in, password links and the account page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from ..forms import Form, plain_text
from ..services.accounts import MIN_PASSWORD_CHARS


class LoginForm(Form):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter your email address")),
                                     Length(max=254), plain_text])  # fmt: skip
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password")),
                                              Length(max=1000)])  # fmt: skip


class ForgotForm(Form):
    email = EmailField(_l("Email"), [InputRequired(_l("Enter your email address")),
                                     Length(max=254), plain_text])  # fmt: skip


class NewPasswordForm(Form):
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


def _code_field(label, required: bool = True) -> StringField:
    checks = [InputRequired(_l("Enter the code"))] if required else [Optional()]
    return StringField(label, [*checks, Length(max=64), plain_text],
                       render_kw={"autocapitalize": "off", "spellcheck": "false"})  # fmt: skip


class SecondStepForm(Form):
    """The second step of signing in: the app's code, or a recovery code."""

    code = _code_field(_l("Code"))


class EnableTwoStepForm(Form):
    code = _code_field(_l("Code from your app"))


class DisableTwoStepForm(Form):
    """Proof that the owner is here: the current password, or a code."""

    current = PasswordField(_l("Current password"), [Optional(), Length(max=1000)])
    code = _code_field(_l("Or a code from your app, or a recovery code"), required=False)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.current.data or self.code.data):
            self.current.errors = [_l("Enter your current password or a code")]
            return False
        return True
