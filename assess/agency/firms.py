"""The firms that consented to share with this agency: their results and PDF. A firm that did not
consent, or withdrew, is a 404 (assess.permissions)."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _

from reports import RenderError, dimension_chart_svg

from ..downloads import report_download
from ..i18n import current_language
from ..permissions import AGENCY, access, assessment_shared_with_my_agency, my_agency
from ..presentation.results import result_view
from ..services import agencies
from ..services.pdf import assessment_pdf
from ..services.submission import result_of
from . import bp


@bp.get("/agency/firms")
@access(AGENCY)
def firms():
    agency = my_agency()
    rows = agencies.consenting_results(agency)
    programmes = agencies.programmes_of(agency)
    fits = {p.id: {a.id for a, _r in agencies.eligible_consenting(p)} for p in programmes}
    return render_template("agency/firms.html", rows=rows, programmes=programmes, fits=fits)


@bp.get("/agency/firms/<int:assessment_id>")
@access(AGENCY)
def firm(assessment_id: int):
    assessment = assessment_shared_with_my_agency(assessment_id)
    lang = current_language()
    q, document, data = result_of(assessment)
    view = result_view(
        q, document, data, lang,
        date=assessment.submitted_at.date().isoformat() if assessment.submitted_at else "")
    chart = dimension_chart_svg(view["dimensions"], lang, _("Scores by dimension"))
    return render_template("agency/firm.html", assessment=assessment, view=view, chart=chart,
                           programmes=agencies.programmes_for(assessment))  # fmt: skip


@bp.get("/agency/firms/<int:assessment_id>/report-<any(ko, en):lang>.pdf")
@access(AGENCY)
def report(assessment_id: int, lang: str):
    assessment = assessment_shared_with_my_agency(assessment_id)
    try:
        # The firm agreed to share its scores, findings and report, not its answers.
        pdf = assessment_pdf(assessment, lang, with_answers=False)
    except RenderError:
        abort(503)
    return report_download(pdf, assessment.id, lang)
