"""Sign-in views: thin; rules live in services.accounts, access rules in permissions."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..errors import log_refusal
from ..extensions import db
from ..forms import ActionForm
from ..permissions import PUBLIC, SIGNED_IN, access, start_session_clock
from ..security import mark_firm_data
from ..services import accounts, audit, mail, sessions
from ..services.throttle import Throttled
from . import bp
from .forms import ChangePasswordForm, ForgotForm, LoginForm, NewPasswordForm
from .links import deliver_password_link

PURPOSES = ("reset", "invitation")


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to after signing in, or None: never another site."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def throttled_message(exc: Throttled) -> str:
    minutes = max(1, (exc.retry_after + 59) // 60)
    return _("Too many failed attempts. Try again in %(minutes)s minutes, or reset your "
             "password.", minutes=minutes)  # fmt: skip


def throttled_page(exc: Throttled, reason: str, draw: Callable[[], str]):
    """The answer to an attempt refused by the throttle: logged, its audit row committed, then
    the page drawn again with 429 and when to try again."""
    log_refusal(429, reason)
    db.session.commit()  # the audit row of the refusal
    return draw(), 429, {"Retry-After": str(exc.retry_after)}


def home_for(user) -> str:
    """Where a sign-in lands: administrators on the admin area, consultants on their clients."""
    if user.site_admin:
        return url_for("admin.index")
    if user.organisation is not None and user.organisation.kind == "consultancy":
        return url_for("consult.clients_list")
    if user.organisation is not None and user.organisation.kind == "agency":
        return url_for("agency.dashboard")
    return url_for("auth.account")


def fresh_session() -> None:
    """Nothing of the session from before survives (session fixation) but its language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def start_session(user) -> None:
    """A fresh session for a fresh sign-in."""
    fresh_session()
    login_user(user)
    session["sid"] = sessions.open_session(user, request.user_agent.string,
                                           audit.client_address())  # fmt: skip
    start_session_clock()


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    mark_firm_data()
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    status, error = 200, None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data,
                                         audit.client_address())  # fmt: skip
        except Throttled as exc:
            error = throttled_message(exc)
            return throttled_page(exc, "sign_in_throttled", lambda: render_template(
                "auth/login.html", form=form, error=error))
        except accounts.PasswordExpired:
            db.session.commit()  # the failure counts for throttling
            error, status = _("The password you were given has expired. Choose a new one with "
                              "“Forgot your password?”, or ask your administrator."), 401
        except accounts.InvalidCredentials:
            db.session.commit()  # the failure counts for throttling
            error, status = _("The email or password is not right."), 401
        else:
            if user.two_step_enabled:
                begin_second_step(user, target)
                db.session.commit()
                return redirect(url_for("auth.second_step"), code=303)
            start_session(user)
            db.session.commit()
            return redirect(target or home_for(user), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


def begin_second_step(user, target: str | None) -> None:
    """The password was right; the session is not signed in until the code is (see
    auth/two_step.py)."""
    fresh_session()
    session["two_step"] = {"user": user.id, "epoch": user.session_epoch,
                           "since": int(time.time()), "next": target}  # fmt: skip


@bp.post("/logout")
@access(SIGNED_IN)
def logout():
    if ActionForm().validate_on_submit():
        user = current_user._get_current_object()
        accounts.end_sessions(user)
        audit.record("logout", f"user:{user.id}", user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@access(PUBLIC)
def forgot():
    form = ForgotForm()
    shown_link = None
    production = current_app.config["ENV_NAME"] not in ("development", "testing")
    if not mail.configured() and production:
        return render_template("auth/forgot.html", form=None, mail_missing=True)
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is not None and user.active:
            audit.record("password.reset_requested", f"user:{user.id}")
            try:
                shown_link = deliver_password_link(user, "reset")
            except OSError:  # an error page here would tell that the account exists
                current_app.logger.exception("could not mail a reset link to %s", user.email)
        db.session.commit()
        # The same answer whether or not the account exists.
        return render_template("auth/forgot_sent.html", link=shown_link)
    return render_template("auth/forgot.html", form=form, mail_missing=False), (
        422 if request.method == "POST" else 200)


@bp.route("/password/<any(reset, invitation):purpose>/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def set_password(purpose: str, token: str):
    """Choose a password from a reset or invitation link (single use, expiring)."""
    mark_firm_data()
    user = accounts.user_for_password_link(token, purpose)
    if user is None:
        return render_template("auth/link_invalid.html", purpose=purpose), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data, how=purpose)
        if user.two_step_enabled:  # a reset link is no way around the second step
            begin_second_step(user, None)
            db.session.commit()
            flash(_("Your password is set. Enter a code to sign in."), "success")
            return redirect(url_for("auth.second_step"), code=303)
        start_session(user)
        db.session.commit()
        flash(_("Your password is set. You are signed in."), "success")
        return redirect(home_for(user), code=303)
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose), (
        422 if request.method == "POST" else 200)


@bp.route("/account", methods=["GET", "POST"])
@access(SIGNED_IN)
def account():
    """Who I am, my organisation and role; change my password."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_password(user, form.current.data, form.password.data,
                                     audit.client_address())  # fmt: skip
        except Throttled as exc:
            form.current.errors = [throttled_message(exc)]
            return throttled_page(exc, "password_check_throttled", lambda: render_template(
                "auth/account.html", form=form, user=user))
        except accounts.InvalidCredentials:
            db.session.commit()  # the failure counts for throttling
            form.current.errors = [_("The current password is not right.")]
            status = 422
        else:
            start_session(user)  # this session continues; every other one ends
            db.session.commit()
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("auth.account"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/account.html", form=form, user=user), status
