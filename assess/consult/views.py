"""Consultant views: thin; every firm and assessment is loaded through assess.permissions, scoped
to the consultant's own consultancy, so another organisation's is a 404 by construction."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from reports import RenderError, dimension_chart_svg
from reports.trend import series_colour, trend_chart_svg

from ..downloads import report_download, table_download
from ..extensions import db
from ..forms import ActionForm
from ..i18n import current_language, person_message
from ..models import Firm
from ..notices import show_on_this_page
from ..permissions import (
    CONSULTANCY,
    access,
    assessment_of_my_client,
    client_of_my_consultancy,
    my_consultancy,
)
from ..presentation.history import changes_between, trend_series
from ..presentation.results import result_view
from ..questionnaire import PROFILE_FIELDS
from ..respond.forms import profile_form
from ..scoring import AnswersError
from ..security import public_url
from ..services import audit, clients
from ..services.benchmarks import benchmark_of
from ..services.branding import issuer_of
from ..services.pdf import assessment_pdf
from ..services.questionnaires import current_questionnaire
from ..services.submission import previous_result, result_of
from . import bp
from .forms import InviteClientForm, notes_form
from .mails import mail_invitation


def me():
    return current_user._get_current_object()


@bp.get("/clients")
@access(CONSULTANCY)
def clients_list():
    """The clients with their latest index, level and date; searchable and sortable."""
    search = request.args.get("q", "")[:100]
    sort = request.args.get("sort", "name")
    sort = sort if sort in clients.SORTS else "name"
    archived = request.args.get("archived") == "1"
    rows = clients.client_rows(my_consultancy(), search, sort, archived)
    return render_template("consult/clients.html", rows=rows, search=search, sort=sort,
                           archived=archived, form=ActionForm())  # fmt: skip


@bp.get("/clients.<any(csv, xlsx):fmt>")
@access(CONSULTANCY)
def export_clients(fmt: str):
    """The client list with the latest scores, as CSV or XLSX (formula-safe)."""
    organisation = my_consultancy()
    lang = current_language()
    q = current_questionnaire()
    header = [_("Firm"), _("Industry (KSIC division)"), _("Region of the main plant"),
              _("Number of employees"), _("Assessed on"), _("Overall readiness index"),
              _("Level"), *(d.name.get(lang) for d in q.dimensions)]  # fmt: skip
    rows = []
    listed = clients.client_rows(organisation)
    scores_of = clients.dimension_scores([r.assessment_id for r in listed if r.assessment_id])
    for row in listed:
        scores = scores_of.get(row.assessment_id, {})
        rows.append([row.firm.name, row.firm.industry or "", row.firm.region or "",
                     row.firm.employees, row.date.date().isoformat() if row.date else "",
                     row.overall, row.level, *(scores.get(d.id) for d in q.dimensions)])  # fmt: skip
    audit.record("clients.export", f"organisation:{organisation.id}", me(), format=fmt)
    db.session.commit()
    return table_download(fmt, _("Clients"), header, rows, "clients")


def _client_form(firm: Firm | None = None):
    q = current_questionnaire()
    data = None if request.method == "POST" else (clients.profile_of(firm) if firm else {})
    return profile_form(q, current_language(), data=data)


def _save_client(form, firm: Firm | None):
    """(the firm, None) when saved; (None, status) when the form must be shown again."""
    if not form.validate_on_submit():
        return None, 422 if request.method == "POST" else 200
    profile = {k: getattr(form, k).data for k in PROFILE_FIELDS}
    try:
        if firm is None:
            firm = clients.create_client(my_consultancy(), profile, me())
        else:
            clients.update_client(firm, profile, me())
    except (AnswersError, clients.ClientError) as exc:
        field = getattr(form, exc.field.removeprefix("firm."), form.name)
        field.errors = [*field.errors, person_message(exc)]
        return None, 422
    db.session.commit()
    return firm, None


@bp.route("/clients/new", methods=["GET", "POST"])
@access(CONSULTANCY)
def new_client():
    form = _client_form()
    firm, status = _save_client(form, None)
    if firm is not None:
        flash(_("Client added."), "success")
        return redirect(url_for(".client", firm_id=firm.id), code=303)
    return render_template("consult/client_form.html", form=form, firm=None), status


@bp.route("/clients/<int:firm_id>/edit", methods=["GET", "POST"])
@access(CONSULTANCY)
def edit_client(firm_id: int):
    firm = client_of_my_consultancy(firm_id)
    form = _client_form(firm)
    saved, status = _save_client(form, firm)
    if saved is not None:
        flash(_("Client details saved."), "success")
        return redirect(url_for(".client", firm_id=firm.id), code=303)
    return render_template("consult/client_form.html", form=form, firm=firm), status


@bp.post("/clients/<int:firm_id>/<any(archive, restore):change>")
@access(CONSULTANCY)
def archive_client(firm_id: int, change: str):
    firm = client_of_my_consultancy(firm_id)
    _posted()
    clients.set_archived(firm, change == "archive", me())
    db.session.commit()
    flash(_("Client archived.") if change == "archive" else _("Client restored."), "success")
    return redirect(url_for(".client", firm_id=firm.id), code=303)


def _posted() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.get("/clients/<int:firm_id>")
@access(CONSULTANCY)
def client(firm_id: int):
    """One client: its record, every assessment the consultancy may see, what changed from one
    submitted assessment to the next, and the trend."""
    firm = client_of_my_consultancy(firm_id)
    lang = current_language()
    history, submitted = [], []
    for assessment in clients.assessments_of(firm):
        entry = {"assessment": assessment, "changes": clients.profile_changes(firm, assessment)}
        if assessment.status == "submitted":
            q, document, data = result_of(assessment)
            entry["view"] = result_view(q, document, data, lang)
            if submitted:
                entry["since"] = changes_between(submitted[-1][1], data)
            submitted.append((format_date(assessment.submitted_at, "short"), data, q))
        history.append(entry)
    trend = None
    if len(submitted) > 1:
        q = submitted[-1][2]
        names = {"overall": _("Overall readiness index"),
                 **{d.id: d.name.get(lang) for d in q.dimensions}}  # fmt: skip
        dates = [date for date, _data, _q in submitted]
        series = trend_series([(date, data) for date, data, _q in submitted])
        trend = {"names": names, "dates": dates, "series": series,
                 "colours": {key: series_colour(i) for i, key in enumerate(series)},
                 "svg": trend_chart_svg(dates, series, names, _("The index over time"))}  # fmt: skip
    rule_texts = {r.id: r for _date, _data, q in submitted for r in q.rules}
    return render_template(
        "consult/client.html", firm=firm, history=history, form=ActionForm(), trend=trend,
        invite_form=InviteClientForm(formdata=None), rule_texts=rule_texts, lang=lang,
        field_names=field_names(lang), q=current_questionnaire(),
    )  # fmt: skip


def field_names(lang: str) -> dict[str, str]:
    """The profile fields' labels, as the profile form shows them."""
    form = profile_form(current_questionnaire(), lang)
    return {k: str(getattr(form, k).label.text) for k in PROFILE_FIELDS}


@bp.post("/clients/<int:firm_id>/assessments")
@access(CONSULTANCY)
def start_assessment(firm_id: int):
    """Fill an assessment on the client's behalf: the respondent's pages, attributed to me."""
    firm = client_of_my_consultancy(firm_id)
    _posted()
    _assessment, token = clients.start_for_client(firm, me(), current_language())
    db.session.commit()
    return redirect(url_for("respond.page", token=token, page="profile"), code=303)


@bp.post("/clients/<int:firm_id>/assessments/<int:assessment_id>/continue")
@access(CONSULTANCY)
def continue_assessment(firm_id: int, assessment_id: int):
    firm = client_of_my_consultancy(firm_id)
    assessment = assessment_of_my_client(firm, assessment_id)
    _posted()
    if assessment.status != "draft" or assessment.created_by_id is None:
        abort(404)  # only a draft filled on the client's behalf is continued from here
    token = clients.reopen_link(assessment, me())
    db.session.commit()
    return redirect(url_for("respond.resume", token=token), code=303)


@bp.post("/clients/<int:firm_id>/invite")
@access(CONSULTANCY)
def invite(firm_id: int):
    """A link for the client to fill its own assessment: mailed, or shown to copy."""
    firm = client_of_my_consultancy(firm_id)
    form = InviteClientForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.email.errors) or _("Reload the page and try again."),
              "error")  # fmt: skip
        return redirect(url_for(".client", firm_id=firm.id), code=303)
    _invitation, token = clients.invite_client(firm, me(), form.email.data)
    db.session.commit()
    link = public_url("respond.invitation", token=token)
    if mail_invitation(form.email.data, link, my_consultancy(), firm):
        flash(_("The invitation was mailed to %(email)s.", email=form.email.data), "success")
        return redirect(url_for(".client", firm_id=firm.id), code=303)
    # Shown by this response, not flashed: a flash would carry the link in the session cookie.
    show_on_this_page(_("Copy this link and send it to your client: %(link)s", link=link),
                      "success", page=url_for(".client", firm_id=firm.id))  # fmt: skip
    return client(firm.id)


@bp.route("/clients/<int:firm_id>/assessments/<int:assessment_id>", methods=["GET", "POST"])
@access(CONSULTANCY)
def assessment(firm_id: int, assessment_id: int):
    """One assessment's results for the consultancy, with its notes (POST saves them)."""
    firm = client_of_my_consultancy(firm_id)
    assessment = assessment_of_my_client(firm, assessment_id)
    if assessment.status != "submitted":
        abort(404)
    lang = current_language()
    q, document, data = result_of(assessment)
    notes = clients.notes_of(assessment)
    form = notes_form(q, lang, notes, formdata=request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            posted = {name: form[name].data or "" for name in ("overall",
                      *(d.id for d in q.dimensions))}  # fmt: skip
            try:
                clients.save_notes(assessment, posted, me())
            except clients.ClientError as exc:
                form[exc.field].errors = [person_message(exc)]
                status = 422
            else:
                db.session.commit()
                flash(_("Notes saved."), "success")
                return redirect(url_for(".assessment", firm_id=firm.id,
                                        assessment_id=assessment.id) + "#notes", code=303)
        else:
            status = 422
    view = result_view(
        q, document, data, lang,
        date=assessment.submitted_at.date().isoformat() if assessment.submitted_at else "",
        benchmark=benchmark_of(assessment, data), previous=previous_result(assessment),
    )  # fmt: skip
    chart = dimension_chart_svg(view["dimensions"], lang, _("Scores by dimension"))
    return render_template(
        "consult/assessment.html", firm=firm, assessment=assessment, view=view, chart=chart,
        form=form, questionnaire=q, lang=lang,
        changes=clients.profile_changes(firm, assessment), action_form=ActionForm(),
        field_names=field_names(lang),
    ), status  # fmt: skip


@bp.post("/clients/<int:firm_id>/assessments/<int:assessment_id>/accept-profile")
@access(CONSULTANCY)
def accept_profile(firm_id: int, assessment_id: int):
    """Take the details the client gave into the consultancy's record of the firm."""
    firm = client_of_my_consultancy(firm_id)
    assessment = assessment_of_my_client(firm, assessment_id)
    _posted()
    clients.accept_profile(firm, assessment, me())
    db.session.commit()
    flash(_("The client's details are now in your record."), "success")
    return redirect(url_for(".client", firm_id=firm.id), code=303)


@bp.get("/clients/<int:firm_id>/assessments/<int:assessment_id>/report-<any(ko, en):lang>.pdf")
@access(CONSULTANCY)
def report(firm_id: int, assessment_id: int, lang: str):
    """The PDF under the consultancy's name, with its notes."""
    firm = client_of_my_consultancy(firm_id)
    assessment = assessment_of_my_client(firm, assessment_id)
    if assessment.status != "submitted":
        abort(404)
    try:
        pdf = assessment_pdf(assessment, lang, issuer=issuer_of(my_consultancy()),
                             notes=clients.report_notes(assessment))  # fmt: skip
    except RenderError:
        abort(503)
    return report_download(pdf, assessment.id, lang)


