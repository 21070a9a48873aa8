"""Two to six clients side by side: dimension scores, levels and top findings; printable."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms import ActionForm
from ..i18n import current_language
from ..permissions import CONSULTANCY, access, client_of_my_consultancy
from ..presentation.results import result_view
from ..services import clients
from ..services.submission import result_of
from . import bp

MIN_COMPARED, MAX_COMPARED = 2, 6


@bp.post("/compare")
@access(CONSULTANCY)
def choose_compare():
    """The client list's "compare" button: to a plain address that can be bookmarked."""
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen = request.form.getlist("client", type=int)
    if not MIN_COMPARED <= len(chosen) <= MAX_COMPARED:
        flash(_("Choose 2 to 6 clients to compare."), "error")
        return redirect(url_for(".clients_list"), code=303)
    return redirect(url_for(".compare", client=chosen), code=303)


@bp.get("/compare")
@access(CONSULTANCY)
def compare():
    chosen = list(dict.fromkeys(request.args.getlist("client", type=int)))
    if not MIN_COMPARED <= len(chosen) <= MAX_COMPARED:
        abort(404)
    lang = current_language()
    columns = []
    for firm_id in chosen:
        firm = client_of_my_consultancy(firm_id)  # another organisation's: 404
        assessment = clients.latest_visible(firm)
        if assessment is None:
            columns.append({"firm": firm, "view": None, "date": None})
            continue
        q, document, data = result_of(assessment)
        columns.append({"firm": firm, "view": result_view(q, document, data, lang),
                        "date": assessment.submitted_at})  # fmt: skip
    dimensions = next((c["view"]["dimensions"] for c in columns if c["view"]), [])
    return render_template("consult/compare.html", columns=columns, dimensions=dimensions)
