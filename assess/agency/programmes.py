"""An agency's support programmes: list, add, edit, remove; eligibility in the questionnaire's
condition language, checked with errors naming what is wrong and where."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..i18n import person_message
from ..permissions import AGENCY, access, my_agency, programme_of_my_agency
from ..questionnaire.eligibility import EligibilityError
from ..services import agencies
from ..services.questionnaires import current_questionnaire
from . import bp
from .forms import ProgrammeForm

EXAMPLE = """all:
  - {profile: employees, gte: 10}
  - {dimension: dx_ax, lt: 50}"""


def _save(form: ProgrammeForm, programme=None):
    """The saved programme, or None with the form's errors filled in."""
    values = {"name": form.name.data, "description": form.description.data or "",
              "link": form.link.data or "", "eligibility_text": form.eligibility.data or ""}
    try:
        if programme is None:
            return agencies.create_programme(my_agency(), current_user._get_current_object(),
                                             **values)  # fmt: skip
        agencies.update_programme(programme, current_user._get_current_object(), **values)
        return programme
    except agencies.ProgrammeError as exc:
        form[exc.field].errors = [person_message(exc)]
    except EligibilityError as exc:
        message = person_message(exc)
        form.eligibility.errors = [f"{exc.where}: {message}" if exc.where else message]
    return None


@bp.route("/agency/programmes", methods=["GET", "POST"])
@access(AGENCY)
def programmes():
    form = ProgrammeForm()
    status = 200
    if form.validate_on_submit():
        if _save(form) is not None:
            db.session.commit()
            flash(_("Programme added."), "success")
            return redirect(url_for(".programmes"), code=303)
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("agency/programmes.html", form=form, example=EXAMPLE,
                           programmes=agencies.programmes_of(my_agency()),
                           action_form=ActionForm(), q=current_questionnaire()), status  # fmt: skip


@bp.route("/agency/programmes/<int:programme_id>", methods=["GET", "POST"])
@access(AGENCY)
def programme(programme_id: int):
    programme = programme_of_my_agency(programme_id)
    form = ProgrammeForm(data=None if request.method == "POST" else {
        "name": programme.name, "description": programme.description, "link": programme.link,
        "eligibility": programme.eligibility_text})  # fmt: skip
    status = 200
    if form.validate_on_submit():
        if _save(form, programme) is not None:
            db.session.commit()
            flash(_("Programme saved."), "success")
            return redirect(url_for(".programmes"), code=303)
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("agency/programme.html", form=form, programme=programme,
                           example=EXAMPLE, q=current_questionnaire(),
                           matching=agencies.eligible_consenting(programme)), status  # fmt: skip


@bp.post("/agency/programmes/<int:programme_id>/remove")
@access(AGENCY)
def remove_programme(programme_id: int):
    programme = programme_of_my_agency(programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    agencies.remove_programme(programme, current_user._get_current_object())
    db.session.commit()
    flash(_("Programme removed."), "success")
    return redirect(url_for(".programmes"), code=303)
