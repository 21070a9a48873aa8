"""Administrators' views: thin; rules live in services.accounts, access rules in permissions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from ..auth.links import hand_over_link
from ..extensions import db
from ..forms import ActionForm
from ..i18n import person_message
from ..models import ApiToken, AuditEvent, Membership, Organisation, User
from ..permissions import SITE_ADMIN, access
from ..services import accounts, audit
from . import bp
from .forms import AuditFilterForm, OrganisationForm, UserForm

PAGE_SIZE = 50


def me() -> User:
    return current_user._get_current_object()


def posted() -> None:
    """:raise 400: unless a button form's CSRF token is valid."""
    if not ActionForm().validate_on_submit():
        abort(400)


def get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@bp.get("/")
@access(SITE_ADMIN)
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
        "tokens": db.session.scalar(select(func.count()).select_from(ApiToken)
                                    .where(ApiToken.revoked_at.is_(None))),
    }  # fmt: skip
    return render_template("admin/index.html", counts=counts)


def user_form(blank: bool = False) -> UserForm:
    """The form to add a user: as posted, or ``blank`` (after one was added)."""
    form = UserForm(formdata=None) if blank else UserForm()
    form.organisation.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(o.id), o.name)
        for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
    ]
    return form


@bp.route("/users", methods=["GET", "POST"])
@access(SITE_ADMIN)
def users():
    form = user_form()
    status = 200
    if form.validate_on_submit():
        organisation = (db.session.get(Organisation, int(form.organisation.data))
                        if form.organisation.data else None)  # fmt: skip
        try:
            user = accounts.create_user(form.email.data, organisation=organisation,
                                        role=form.role.data or None,
                                        site_admin=form.site_admin.data, actor=me())  # fmt: skip
        except accounts.AccountError as exc:
            field = getattr(form, exc.field if exc.field in form else "email")
            field.errors.append(person_message(exc))
            status = 422
        else:
            db.session.commit()  # the account exists whatever becomes of the mail
            if hand_over_link(user, "invitation", inviter=me()):
                return users_page(user_form(blank=True), 200)  # the link, shown once
            return redirect(url_for(".users"), code=303)
    elif request.method == "POST":
        status = 422
    return users_page(form, status)


def users_page(form: UserForm, status: int):
    listed = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, users=listed,
                           action_form=ActionForm()), status  # fmt: skip


@bp.post("/users/<int:user_id>/<any(disable, enable):change>")
@access(SITE_ADMIN)
def user_active(user_id: int, change: str):
    posted()
    user = get_or_404(User, user_id)
    if user.id == me().id:
        flash(_("You cannot disable your own account."), "error")
    else:
        accounts.set_active(user, change == "enable", me())
        db.session.commit()
    return redirect(url_for(".users"), code=303)


@bp.post("/users/<int:user_id>/reset")
@access(SITE_ADMIN)
def user_reset(user_id: int):
    posted()
    user = get_or_404(User, user_id)
    audit.record("password.reset_sent", f"user:{user.id}", me())
    db.session.commit()
    if hand_over_link(user, "reset", page=url_for(".users")):
        return users_page(user_form(blank=True), 200)  # the link, shown once
    return redirect(url_for(".users"), code=303)


@bp.route("/organisations", methods=["GET", "POST"])
@access(SITE_ADMIN)
def organisations():
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.create_organisation(form.name.data, form.kind.data, actor=me())
        except accounts.AccountError as exc:
            field = getattr(form, exc.field if exc.field in form else "name")
            field.errors.append(person_message(exc))
            status = 422
        else:
            db.session.commit()
            flash(_("Organisation created."), "success")
            return redirect(url_for(".organisations"), code=303)
    elif request.method == "POST":
        status = 422
    listed = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("admin/organisations.html", form=form,
                           organisations=listed, action_form=ActionForm()), status  # fmt: skip


@bp.post("/memberships/<int:membership_id>/role")
@access(SITE_ADMIN)
def membership_role(membership_id: int):
    posted()
    membership = get_or_404(Membership, membership_id)
    try:
        accounts.change_role(membership, request.form.get("role", ""), me())
    except accounts.AccountError as exc:
        flash(person_message(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for(".organisations"), code=303)


@bp.post("/memberships/<int:membership_id>/remove")
@access(SITE_ADMIN)
def membership_remove(membership_id: int):
    posted()
    accounts.remove_member(get_or_404(Membership, membership_id), me())
    db.session.commit()
    return redirect(url_for(".organisations"), code=303)


@bp.get("/tokens")
@access(SITE_ADMIN)
def tokens():
    listed = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("admin/tokens.html", tokens=listed, action_form=ActionForm(),
                           now=datetime.now(UTC))  # fmt: skip


@bp.post("/tokens/<int:token_id>/revoke")
@access(SITE_ADMIN)
def token_revoke(token_id: int):
    posted()
    accounts.revoke_token(get_or_404(ApiToken, token_id), me())
    db.session.commit()
    return redirect(url_for(".tokens"), code=303)


@bp.get("/audit")
@access(SITE_ADMIN)
def audit_log():
    """The audit log, newest first, filtered by actor, action and date, paged."""
    form = AuditFilterForm(request.args)
    query = select(AuditEvent)
    if form.validate():
        if form.actor.data:
            query = query.where(AuditEvent.actor.contains(form.actor.data.strip().lower(),
                                                          autoescape=True))  # fmt: skip
        if form.action.data:
            query = query.where(AuditEvent.action.startswith(form.action.data.strip(),
                                                             autoescape=True))  # fmt: skip
        if form.since.data:
            query = query.where(AuditEvent.at >= datetime.combine(form.since.data, time(), UTC))
        if form.until.data:
            end = datetime.combine(form.until.data, time(), UTC) + timedelta(days=1)
            query = query.where(AuditEvent.at < end)
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 7 else 1
    page = max(page, 1)
    events = db.session.scalars(query.order_by(AuditEvent.id.desc())
                                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()  # fmt: skip
    # Only the filters go into the paging links: any other parameter, passed on to url_for,
    # could name one of its own arguments (endpoint, _external, _anchor) and break the page.
    args = {k: v for k, v in request.args.items() if k in ("actor", "action", "since", "until")}
    return render_template("admin/audit.html", form=form, events=events[:PAGE_SIZE], page=page,
                           more=len(events) > PAGE_SIZE, args=args)  # fmt: skip
