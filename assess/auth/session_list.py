"""The account's signed-in sessions: listed, ended one by one, or all but this one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..extensions import db
from ..forms import ActionForm
from ..permissions import SIGNED_IN, access, my_session
from ..services import sessions
from . import bp


@bp.get("/account/sessions")
@access(SIGNED_IN)
def session_list():
    """Where the account is signed in: device, address, since when, last seen."""
    user = current_user._get_current_object()
    return render_template("auth/sessions.html", rows=sessions.live_sessions(user),
                           current=g.user_session, form=ActionForm())  # fmt: skip


@bp.post("/account/sessions/<int:session_id>/end")
@access(SIGNED_IN)
def end_session(session_id: int):
    """Sign one session out; this one's own row signs this browser out."""
    if not ActionForm().validate_on_submit():
        abort(400)
    row = my_session(session_id)
    this_one = row.id == g.user_session.id
    sessions.end(row, current_user._get_current_object())
    db.session.commit()
    if this_one:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
        return redirect(url_for("auth.login"), code=303)
    flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.session_list"), code=303)


@bp.post("/account/sessions/end-others")
@access(SIGNED_IN)
def end_other_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    ended = sessions.end_others(current_user._get_current_object(), g.user_session)
    db.session.commit()
    flash(_("Signed out everywhere else (%(count)s sessions).", count=ended), "success")
    return redirect(url_for("auth.session_list"), code=303)
