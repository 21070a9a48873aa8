"""Respondent views: thin; parsing lives in forms.py, rules in the services, error responses in
``assess.errors``; each view that changes something commits once."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from reports import RenderError, dimension_chart_svg

from ..downloads import report_download
from ..errors import error_json, json_view, log_refusal, wants_json
from ..extensions import db
from ..forms import ActionForm
from ..i18n import chosen_language, current_language, person_message
from ..models import Assessment
from ..models.plain import shared_connection
from ..permissions import (
    PUBLIC,
    RESUME_LINK,
    access,
    assessment_for_link,
    assessment_row_for_link,
)
from ..presentation.results import result_view
from ..questionnaire import PROFILE_FIELDS, Questionnaire
from ..scoring import AnswersError
from ..security import mark_firm_data, public_url
from ..services import agencies, clients, consents, drafts, pdf
from ..services.benchmarks import benchmark_of
from ..services.errors import AlreadySubmitted, RevisionConflict
from ..services.pdf import assessment_pdf
from ..services.questionnaires import current_questionnaire, questionnaire_of
from ..services.submission import previous_result, result_of
from ..services.submission import submit as submit_assessment
from . import bp
from .forms import (
    ConsentForm,
    posted_answers,
    posted_revision,
    posted_values,
    profile_form,
    shown_values,
)
from .fragments import drawn_once
from .markup import page_questions_html, progress_bar_html


def page_ids(q: Questionnaire) -> list[str]:
    return ["profile", *(d.id for d in q.dimensions)]


def page_questions(q: Questionnaire) -> list[tuple[str, list[str]]]:
    return [(d.id, [x.id for x in q.questions_of(d.id)]) for d in q.dimensions]


def progress(q: Questionnaire, page: str) -> dict:
    ids = page_ids(q)
    return {"step": ids.index(page) + 1, "total": len(ids) + 1}


@bp.get("/start")
@access(PUBLIC)
def start():
    """What to expect, and the button that creates a private assessment."""
    return render_template("respond/start.html", form=ActionForm())


@bp.post("/start")
@access(PUBLIC)
def create():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    assessment, token = drafts.start_assessment(current_language())
    db.session.commit()
    return redirect(url_for(".page", token=token, page="profile", new=1))


@bp.get("/r/<token>/")
@access(RESUME_LINK)
def resume(token: str):
    """Reopening the link lands on the first page with an unanswered question."""
    assessment = assessment_for_link(token)
    if assessment.status == "submitted":
        return redirect(url_for(".results", token=token))
    q = questionnaire_of(assessment)
    target = drafts.first_open_page(assessment, page_questions(q))
    # On a new device, continue in the language the assessment was started in.
    lang = {} if chosen_language() else {"lang": assessment.language}
    if target == "check":
        return redirect(url_for(".check", token=token, **lang))
    return redirect(url_for(".page", token=token, page=target, **lang))


@bp.route("/r/<token>/<page>", methods=["GET", "POST"])
@access(RESUME_LINK)
def page(token: str, page: str, csrf_failed: bool = False):
    """One page of the questionnaire: the firm profile or one dimension."""
    if request.method == "GET" and page != "profile":
        assessment = assessment_row_for_link(token)  # a question page as stored: only read
    else:
        assessment = assessment_for_link(token)
    q = questionnaire_of(assessment)
    if page not in page_ids(q):
        abort(404)
    if assessment.status == "submitted":
        if request.method == "POST":
            raise AlreadySubmitted()  # another tab submitted: say so on the results
        return redirect(url_for(".results", token=token))
    if page == "profile":
        return _profile_page(assessment, q, token, csrf_failed)
    return _section_page(assessment, q, token, page, csrf_failed)


def _next_url(q: Questionnaire, token: str, page: str, action: str) -> str:
    ids = page_ids(q)
    index = ids.index(page)
    if action == "back":
        return url_for(".page", token=token, page=ids[index - 1]) if index else url_for(".start")
    if action == "later":
        return url_for(".saved", token=token)
    if index + 1 < len(ids):
        return url_for(".page", token=token, page=ids[index + 1])
    return url_for(".check", token=token)


def _profile_page(assessment: Assessment, q: Questionnaire, token: str, csrf_failed: bool):
    lang = current_language()
    form = profile_form(q, lang, data=None if request.method == "POST" else assessment.profile)
    if request.method == "GET":
        form.revision.data = assessment.revision
    status, conflict = 200, False
    if request.method == "POST" and not csrf_failed:
        action = request.form.get("action", "next")
        if action == "back":
            return redirect(_next_url(q, token, "profile", action))
        if form.validate():
            profile = {k: getattr(form, k).data for k in PROFILE_FIELDS}
            # The page shows a conflict or an invalid field itself, with what was typed kept.
            try:
                drafts.save_profile(assessment, profile, posted_revision(request.form))
            except RevisionConflict as exc:
                form.revision.data, conflict, status = exc.current, True, 409
            except AnswersError as exc:
                field = getattr(form, exc.field.removeprefix("firm."), form.name)
                field.errors = [*field.errors, person_message(exc)]
                status = 422
            else:
                db.session.commit()
                return redirect(_next_url(q, token, "profile", action))
        else:
            status = 422
    if csrf_failed:
        status = 400
    return render_template(
        "respond/profile.html", form=form, token=token, assessment=assessment,
        progress=progress(q, "profile"), conflict=conflict, csrf_failed=csrf_failed,
        new=request.args.get("new"), previous=previous_result(assessment),
        consultancy=clients.consultancy_of(assessment), action_form=ActionForm(),
        resume_url=public_url(".resume", token=token),
    ), status  # fmt: skip


def _section_page(assessment, q: Questionnaire, token: str, page: str, csrf_failed: bool):
    lang = current_language()
    questions = q.questions_of(page)
    errors: dict[str, str] = {}
    status, conflict = 200, False
    answers = dict(assessment.answers)
    if request.method == "GET":
        # The page as stored: nothing to parse, so no form is built.
        values, revision = shown_values(questions, answers), assessment.revision
    else:
        values, revision = posted_values(request.form, questions), request.form.get("revision")
        if csrf_failed:
            status = 400
        else:
            action = request.form.get("action", "next")
            changes, errors = posted_answers(request.form, questions)
            try:
                # A button pressed on the page: its carried answers have been looked at again.
                rejected = drafts.save_answers(assessment, changes, posted_revision(request.form),
                                               reviewed=[x.id for x in questions])  # fmt: skip
            except RevisionConflict as exc:  # the page shows it, with what was typed kept
                revision, conflict, status = exc.current, True, 409
            else:
                db.session.commit()
                errors.update({qid: person_message(exc) for qid, exc in rejected.items()})
            if not conflict:
                answers = dict(assessment.answers)
                revision = assessment.revision
                applicable = set(drafts.applicable_questions(assessment))
                if action == "next":
                    for question in questions:
                        if question.id in applicable and question.id not in answers:
                            errors.setdefault(
                                question.id, _("Answer this question, or choose “Don't know”.")
                            )
                if not errors:
                    return redirect(_next_url(q, token, page, action))
                status = 422
    candidate = answers if request.method == "GET" or conflict else dict(assessment.answers)
    applicable = set(drafts.applicable_questions(assessment, candidate))
    dimension = q.dimensions_by_id[page]
    title = dimension.name.get(lang)
    steps = progress(q, page)
    questions_html = page_questions_html(q, page, lang, values, errors=errors,
                                         applicable=applicable,
                                         to_review=set(assessment.to_review))  # fmt: skip
    return render_template(
        "respond/section.html", revision=revision, token=token, questions=questions,
        title=title, description=dimension.description.get(lang),
        errors=errors, questions_html=questions_html,
        progress_html=progress_bar_html(steps["step"], steps["total"], title, lang),
        conflict=conflict, csrf_failed=csrf_failed, page=page,
        lang=lang,
    ), status  # fmt: skip


@bp.post("/r/<token>/<page>/autosave")
@access(RESUME_LINK)
@json_view
def autosave(token: str, page: str):
    """Save one page's answers as they change (JavaScript); JSON in, JSON out."""
    assessment = assessment_for_link(token)
    q = questionnaire_of(assessment)
    if page not in page_ids(q) or page == "profile":
        abort(404)
    if assessment.status != "draft":
        raise AlreadySubmitted()
    questions = q.questions_of(page)
    changes, errors = posted_answers(request.form, questions)
    # The form posts the whole page: an unticked question is one the respondent cleared.
    rejected = drafts.save_answers(assessment, changes, posted_revision(request.form))
    # Read before the commit, which expires the row (reading after it would load it again):
    # the save left the stored values in it, and nothing is answered unless the commit succeeds.
    revision, applicable = assessment.revision, drafts.applicable_questions(assessment)
    db.session.commit()
    errors.update({qid: person_message(exc) for qid, exc in rejected.items()})
    body = {"revision": revision, "applicable": applicable, "errors": errors, "saved": not errors}
    if errors:
        # The other answers on the page were saved; these keep their last saved value.
        message = _("The marked answers were not saved: correct them and they will be saved.")
        return error_json("invalid", message, 422, **body)
    return jsonify(body)


@bp.get("/r/<token>/saved")
@access(RESUME_LINK)
def saved(token: str):
    """The resume link, for someone who wants to continue later."""
    assessment = assessment_for_link(token)
    return render_template("respond/saved.html", token=token, assessment=assessment,
                           resume_url=public_url(".resume", token=token))  # fmt: skip


@bp.get("/r/<token>/check")
@access(RESUME_LINK)
def check(token: str):
    """Check your answers, then submit."""
    assessment = assessment_for_link(token)
    if assessment.status == "submitted":
        return redirect(url_for(".results", token=token))
    return _check_page(assessment, token)


def _check_page(assessment: Assessment, token: str, status: int = 200, message: str = ""):
    q = questionnaire_of(assessment)
    lang = current_language()
    applicable = set(drafts.applicable_questions(assessment))
    missing = [x for x in q.questions if x.id in applicable and x.id not in assessment.answers]
    _, document, data = result_of(assessment)
    view = result_view(q, document, data, lang)
    return render_template(
        "respond/check.html", token=token, assessment=assessment, view=view, q=q,
        missing=missing, form=ActionForm(), message=message, to_review=[
            x for x in q.questions if x.id in set(assessment.to_review)],
        profile_ok=drafts.has_profile(
            assessment), progress={"step": len(page_ids(q)) + 1,
            "total": len(page_ids(q)) + 1},
    ), status  # fmt: skip


@bp.post("/r/<token>/submit")
@access(RESUME_LINK)
def submit(token: str):
    """Submit once; a double click or replay lands on the same results."""
    assessment = assessment_for_link(token)
    if assessment.status == "draft":
        if not drafts.has_profile(assessment):
            flash(_("Fill in your firm's details before you submit."), "error")
            return redirect(url_for(".page", token=token, page="profile"), code=303)
        if submit_assessment(assessment):
            pdf.prerender_at_commit(assessment)
        db.session.commit()
    return redirect(url_for(".results", token=token), code=303)


@bp.get("/r/<token>/results")
@access(RESUME_LINK)
@shared_connection()  # four or five reads: one connection, one ping
def results(token: str):
    """Scores, chart, benchmark, priority actions and roadmap."""
    assessment = assessment_row_for_link(token)  # only read here
    if assessment.status != "submitted":
        return redirect(url_for(".check", token=token))
    q, document, data = result_of(assessment)
    lang = current_language()
    view = result_view(
        q, document, data, lang,
        date=assessment.submitted_at.date().isoformat() if assessment.submitted_at else "",
        benchmark=benchmark_of(assessment, data), previous=previous_result(assessment),
        with_answers=False,
    )  # fmt: skip
    # The chart and the scores table show the previous assessment's scores too, which a purge
    # can remove, and peers' percentiles, which move as peers submit: both are keyed by the
    # figures they show (and the questionnaire that names the dimensions and levels).
    previous = view["previous"] or {}
    figures = (lang, assessment.questionnaire_id, assessment.questionnaire_version,
               view["overall"]["score"], view["overall"]["level"],
               view["overall"]["previous_score"], view["confidence"], previous.get("date"),
               bool(view["previous"]), bool(view["benchmark"]),
               tuple((d["id"], d["score"], d["level"], d["not_pursued"], d["previous_score"],
                      d["delta"], d["percentile"]) for d in view["dimensions"]))  # fmt: skip
    chart = drawn_once(("chart", figures), lambda: (
        dimension_chart_svg(view["dimensions"], lang, _("Scores by dimension"))))
    scores_html = drawn_once(("scores", figures), lambda: render_template(
        "respond/_scores.html", view=view, chart=chart))  # fmt: skip
    # Ids can be used again after a purge; the link's hash is never.
    findings_html = drawn_once(("findings", assessment.resume_token_hash, assessment.revision,
                                lang), lambda: render_template("respond/_findings.html", view=view))
    offered = consents.agencies_and_consents(assessment)
    return render_template(
        "respond/results.html", token=token, view=view, chart=chart, assessment=assessment,
        findings_html=findings_html, scores_html=scores_html,
        agencies=offered, programmes=agencies.programmes_for(
            assessment, [agency.id for agency in offered if agency.consented_at is not None]),
        consent_years=current_app.config["CONSENT_YEARS"],
        resume_url=public_url(".resume", token=token),
        current_version=current_questionnaire().version,
        consultancy=clients.consultancy_of(assessment),
    )  # fmt: skip


@bp.post("/r/<token>/consent")
@access(RESUME_LINK)
def consent(token: str):
    """Give (ticked box) or withdraw consent to share results with one named support agency."""
    assessment = assessment_for_link(token)
    form = ConsentForm()
    if not form.validate_on_submit() or assessment.status != "submitted":
        abort(400)
    agency = next((a for a in consents.agencies() if a.id == form.agency.data), None)
    if agency is None:
        abort(404)
    if request.form.get("action") == "withdraw":
        consents.withdraw_consent(assessment, agency)
        flash(_("You withdrew your consent: %(agency)s no longer sees your results.",
                agency=agency.name), "success")  # fmt: skip
    elif form.share.data:
        consents.give_consent(assessment, agency)
        flash(_("Thank you. Your results are shared with %(agency)s.", agency=agency.name),
              "success")  # fmt: skip
    else:
        flash(_("Nothing was shared: tick the box to share your results."), "error")
    db.session.commit()
    return redirect(url_for(".results", token=token) + "#consent", code=303)


@bp.post("/r/<token>/again")
@access(RESUME_LINK)
def again(token: str):
    """Start a new assessment of the same firm, blank or from these answers (those that still fit
    the current questionnaire, each marked for review); the last result stays for comparison."""
    assessment = assessment_for_link(token)
    if not ActionForm().validate_on_submit() or assessment.status != "submitted":
        abort(400)
    carry = request.form.get("start") == "previous"
    new, new_token = drafts.start_assessment(current_language(), previous=assessment, carry=carry)
    db.session.commit()
    return redirect(url_for(".page", token=new_token, page="profile", new=1), code=303)


@bp.errorhandler(CSRFError)
def csrf_expired(error):
    """An expired form keeps what was typed: show it again with a fresh token to confirm."""
    log_refusal(400, "csrf")
    args = request.view_args or {}
    message = _("Your session expired, so nothing on this page was saved yet. "
                "Check your answers below and press the button again to save them.")  # fmt: skip
    # An unknown link is not found, whatever was posted; an invitation's token is not a resume
    # link, so it is looked up as an invitation.
    if request.endpoint == "respond.invitation":
        unknown = clients.invitation_for(args.get("token", "")) is None
    else:
        unknown = "token" in args and drafts.find_by_token(args["token"]) is None
    if unknown:
        return render_template("errors/404.html"), 404
    if wants_json():
        return error_json("csrf", message, 400)
    if request.endpoint == "respond.page":
        return page(csrf_failed=True, **args)
    if request.endpoint == "respond.submit" and drafts.find_by_token(args.get("token", "")):
        return _check_page(assessment_for_link(args["token"]), args["token"], 400, message)
    return render_template("errors/csrf.html", message=message), 400


PREPARING_REFRESH = 2  # seconds between the "being prepared" page's reloads


@bp.get("/r/<token>/report-<any(ko, en):lang>.pdf")
@access(RESUME_LINK)
def report(token: str, lang: str):
    """The PDF report in Korean or English, rendered once per revision: at submit by a worker
    (served from the cache at once), else here. While the worker is still at it, a page that
    reloads itself until the PDF is there (for a bounded time; then this request renders it)."""
    assessment = assessment_for_link(token)
    if assessment.status != "submitted":
        return redirect(url_for(".check", token=token))
    data = pdf.cached_pdf(assessment, lang)  # a file read: no scoring, no benchmark
    if data is None and pdf.worth_waiting(assessment, lang):
        # 202: accepted, not ready yet; the PDF itself always comes with 200.
        response = make_response(render_template(
            "respond/preparing.html", token=token, pdf_lang=lang, refresh=PREPARING_REFRESH), 202)
        response.headers["Refresh"] = str(PREPARING_REFRESH)
        response.headers["Retry-After"] = str(PREPARING_REFRESH)
        response.headers["Cache-Control"] = "no-store"
        return response
    if data is None:
        try:
            data = assessment_pdf(assessment, lang)
        except RenderError:
            abort(503)
    return report_download(data, assessment.id, lang)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def invitation(token: str):
    """A consultancy's invitation: who will receive the results, before anything is answered;
    the button starts the firm's own assessment (once)."""
    mark_firm_data()
    invitation = clients.invitation_for(token)
    if invitation is None:
        abort(404)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        started = clients.accept_invitation(invitation, current_language())
        if started is not None:
            db.session.commit()
            return redirect(url_for(".page", token=started[1], page="profile", new=1), code=303)
    return render_template("respond/invitation.html", invitation=invitation, form=ActionForm())


@bp.post("/r/<token>/consultancy")
@access(RESUME_LINK)
def withdraw_consultancy(token: str):
    """The firm stops sharing this assessment with the consultancy that invited it."""
    assessment = assessment_for_link(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    clients.withdraw_from_consultancy(assessment)
    db.session.commit()
    flash(_("Your consultancy no longer sees this assessment."), "success")
    target = ".results" if assessment.status == "submitted" else ".resume"
    return redirect(url_for(target, token=token), code=303)
