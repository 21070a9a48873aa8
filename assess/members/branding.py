"""A consultancy's branding page: the logo and accent colour of its PDF reports.

Only the administrator of a consultancy opens it (an agency's gets a 404: it has no reports to
brand); the logo is served from the signed-in user's own organisation only, as we re-encoded it.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..bodies import body_limit
from ..extensions import db
from ..forms import ActionForm
from ..i18n import person_message
from ..models import Organisation
from ..permissions import ORG_ADMIN, access, my_consultancy
from ..services import branding
from . import bp
from .forms import AccentForm, LogoForm

# The file may be a full 1 MB: the form around it (boundaries, headers, CSRF token) needs room too.
UPLOAD_BODY_LIMIT = branding.MAX_LOGO_BYTES + 64 * 1024


def branding_page(organisation: Organisation, logo_form: LogoForm | None = None,
                  accent_form: AccentForm | None = None, status: int = 200):  # fmt: skip
    if accent_form is None:
        accent_form = AccentForm(data={"accent_colour": organisation.accent_colour or ""})
    return render_template(
        "members/branding.html", organisation=organisation, logo_form=logo_form or LogoForm(),
        accent_form=accent_form, action_form=ActionForm(),
        max_side=branding.MAX_LOGO_SIDE, min_side=branding.MIN_LOGO_SIDE,
    ), status  # fmt: skip


@bp.get("/branding")
@access(ORG_ADMIN)
def branding_index():
    """:raise 404: for an agency's administrator."""
    return branding_page(my_consultancy())


@bp.post("/branding/logo")
@access(ORG_ADMIN)
@body_limit(UPLOAD_BODY_LIMIT)
def upload_logo():
    organisation = my_consultancy()
    form = LogoForm()
    if form.validate_on_submit():
        data = form.logo.data.read(branding.MAX_LOGO_BYTES + 1)
        try:
            branding.set_logo(organisation, data, current_user._get_current_object())
        except branding.BrandingError as exc:
            form.logo.errors.append(person_message(exc))
        else:
            db.session.commit()
            flash(_("The logo was saved. PDF reports made from now on carry it."), "success")
            return redirect(url_for(".branding_index"), code=303)
    return branding_page(organisation, logo_form=form, status=422)


@bp.post("/branding/logo/remove")
@access(ORG_ADMIN)
def remove_logo():
    organisation = my_consultancy()
    if not ActionForm().validate_on_submit():
        abort(400)
    branding.remove_logo(organisation, current_user._get_current_object())
    db.session.commit()
    flash(_("The logo was removed. PDF reports show the consultancy's name only."), "success")
    return redirect(url_for(".branding_index"), code=303)


@bp.post("/branding/accent")
@access(ORG_ADMIN)
def set_accent():
    organisation = my_consultancy()
    form = AccentForm()
    if form.validate_on_submit():
        try:
            branding.set_accent_colour(organisation, form.accent_colour.data,
                                       current_user._get_current_object())  # fmt: skip
        except branding.BrandingError as exc:
            form.accent_colour.errors.append(person_message(exc))
        else:
            db.session.commit()
            flash(_("The accent colour was saved."), "success")
            return redirect(url_for(".branding_index"), code=303)
    return branding_page(organisation, accent_form=form, status=422)


@bp.get("/branding/logo.png")
@access(ORG_ADMIN)
def logo():
    """Our re-encoded PNG of the signed-in administrator's own organisation.

    :raise 404: when it has no logo (or is not a consultancy).
    """
    organisation = my_consultancy()
    if organisation.logo_png is None:
        abort(404)
    response = make_response(organisation.logo_png)
    response.headers["Content-Type"] = "image/png"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline; filename=logo.png"
    return response
