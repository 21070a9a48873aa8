"""Two-step sign-in views: the code after the password, and turning it on and off from the
account page. Rules live in services.two_step."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import User
from ..permissions import PUBLIC, SIGNED_IN, access, must_turn_on_two_step
from ..security import mark_firm_data
from ..services import accounts, audit, two_step
from ..services.throttle import Throttled
from . import bp
from .forms import DisableTwoStepForm, EnableTwoStepForm, SecondStepForm
from .views import home_for, start_session, throttled_message, throttled_page


def waiting_user() -> User | None:
    """The account whose password was just given in this session, while its second step is
    still open (``TWO_STEP_MINUTES``, and only while nothing ended its sessions)."""
    waiting = session.get("two_step")
    if not isinstance(waiting, dict) or not isinstance(waiting.get("since"), int):
        return None
    if time.time() - waiting["since"] > current_app.config["TWO_STEP_MINUTES"] * 60:
        return None
    user = db.session.get(User, waiting.get("user")) if isinstance(waiting.get("user"),
                                                                   int) else None  # fmt: skip
    if (user is None or not user.active or not user.two_step_enabled
            or user.session_epoch != waiting.get("epoch")):
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@access(PUBLIC)
def second_step():
    """After a right password: the app's code or a recovery code, then the session is signed in.

    A session without a password step open (none, or too old) goes back to the sign-in.
    """
    mark_firm_data()
    user = waiting_user()
    if user is None:
        if "two_step" in session:
            session.pop("two_step")
            flash(_("The sign-in took too long. Sign in again."), "error")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    status, error = 200, None
    if form.validate_on_submit():
        try:
            two_step.finish_sign_in(user, form.code.data, audit.client_address())
        except Throttled as exc:
            error = throttled_message(exc)
            return throttled_page(exc, "sign_in_throttled", lambda: render_template(
                "auth/second_step.html", form=form, error=error))
        except accounts.InvalidCredentials:
            db.session.commit()  # the failure counts for throttling
            error, status = _("The code is not right, or was used already."), 401
        else:
            target = session["two_step"].get("next")
            start_session(user)
            db.session.commit()
            return redirect(target or home_for(user), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/second_step.html", form=form, error=error), status


@bp.route("/account/two-step/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def two_step_setup():
    """Turn the second step on: scan the QR code (or type the key), confirm with a code, and
    keep the recovery codes shown once."""
    user = current_user._get_current_object()
    if user.two_step_enabled:
        return redirect(url_for("auth.two_step_settings"), code=_redirect_code())
    two_step.begin_setup(user)
    db.session.commit()  # the same key until it is confirmed, however often the page is opened
    form = EnableTwoStepForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_step.enable(user, form.code.data)
        except two_step.WrongCode:
            form.code.errors = [_("The code is not right. Enter the code your app shows now.")]
            status = 422
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    elif request.method == "POST":
        status = 422
    return render_template("auth/two_step_setup.html", form=form, user=user,
                           qr_code=two_step.qr_code(user), secret=two_step.spaced_secret(user),
                           required=must_turn_on_two_step(user)), status  # fmt: skip


@bp.route("/account/two-step", methods=["GET", "POST"])
@access(SIGNED_IN)
def two_step_settings():
    """When the second step is on: how many recovery codes are left, and turning it off with
    the current password or a code."""
    user = current_user._get_current_object()
    if not user.two_step_enabled:
        return redirect(url_for("auth.two_step_setup"), code=_redirect_code())
    form = DisableTwoStepForm()
    status = 200
    if form.validate_on_submit():
        try:
            two_step.disable(user, form.current.data or "", form.code.data or "",
                             audit.client_address())  # fmt: skip
        except Throttled as exc:
            form.current.errors = [throttled_message(exc)]
            return throttled_page(exc, "password_check_throttled",
                                  lambda: _settings_page(user, form))  # fmt: skip
        except accounts.InvalidCredentials:
            db.session.commit()  # the failure counts for throttling
            form.current.errors = [_("Neither the password nor the code is right.")]
            status = 422
        else:
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("auth.account"), code=303)
    elif request.method == "POST":
        status = 422
    return _settings_page(user, form), status


def _settings_page(user: User, form: DisableTwoStepForm) -> str:
    return render_template("auth/two_step_on.html", user=user, form=form,
                           left=two_step.recovery_codes_left(user))  # fmt: skip


def _redirect_code() -> int:
    return 303 if request.method == "POST" else 302
