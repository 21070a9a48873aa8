"""The members page of an organisation's administrator: scoped by permissions to their own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.forms import ROLE_CHOICES
from ..auth.links import hand_over_link
from ..extensions import db
from ..forms import ActionForm
from ..i18n import person_message
from ..permissions import (
    ORG_ADMIN,
    access,
    members_of_my_organisation,
    membership_in_my_organisation,
)
from ..services import accounts
from . import bp
from .forms import InviteForm

KIND_ROLE = {"consultancy": "consultant", "agency": "analyst"}


def invite_form(organisation, blank: bool = False) -> InviteForm:
    """The form to invite a member: as posted, or ``blank`` (after one was invited)."""
    form = InviteForm(formdata=None) if blank else InviteForm()
    allowed = {KIND_ROLE[organisation.kind], "org_admin"}
    form.role.choices = [choice for choice in ROLE_CHOICES if choice.value in allowed]
    return form


@bp.route("/members", methods=["GET", "POST"])
@access(ORG_ADMIN)
def index():
    me = current_user._get_current_object()
    organisation = me.organisation
    form = invite_form(organisation)
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.invite_member(organisation, form.email.data, form.role.data, me)
        except accounts.AccountError as exc:
            form.email.errors.append(person_message(exc))
            status = 422
        else:
            db.session.commit()  # the member exists whatever becomes of the mail
            if hand_over_link(user, "invitation", inviter=me):
                form = invite_form(organisation, blank=True)  # the page shows the link, once
            else:
                return redirect(url_for(".index"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("members/index.html", form=form, organisation=organisation,
                           members=members_of_my_organisation(),
                           action_form=ActionForm()), status  # fmt: skip


@bp.post("/members/<int:membership_id>/remove")
@access(ORG_ADMIN)
def remove(membership_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    membership = membership_in_my_organisation(membership_id)
    if membership.user_id == current_user.id:
        flash(_("You cannot remove yourself. Ask another administrator."), "error")
    else:
        accounts.remove_member(membership, current_user._get_current_object())
        db.session.commit()
        flash(_("The member was removed and signed out."), "success")
    return redirect(url_for(".index"), code=303)
