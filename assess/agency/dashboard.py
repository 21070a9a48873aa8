"""The population dashboard: filters, distributions, levels, common gaps, the quarterly trend and
programme matches; every figure passes disclosure control (services.aggregates), and a figure
that is not shown looks exactly like an empty one. Exports carry the same figures."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from reports.bars import bar_chart_svg
from reports.trend import trend_chart_svg

from ..downloads import table_download
from ..extensions import db
from ..i18n import current_language
from ..permissions import AGENCY, access, my_agency
from ..services import agencies, aggregates, audit
from ..services.aggregates import BIN_LABELS, NOT_SCORED, Dashboard, Filters, N
from ..services.questionnaires import current_questionnaire
from . import bp


def _filters() -> Filters:
    q = current_questionnaire()
    quarters = aggregates.known_quarters()
    args = request.args

    def pick(name: str, allowed) -> str | None:
        value = args.get(name) or None
        return value if value in allowed else None

    return Filters(
        industry=pick("industry", q.industries), region=pick("region", q.regions),
        size_band=pick("size_band", {b.id for b in q.profile.size_bands}),
        quarter_from=pick("from", quarters), quarter_to=pick("to", quarters),
    )  # fmt: skip


def _names(lang: str) -> dict:
    q = current_questionnaire()
    return {"dimensions": {"overall": _("Overall readiness index"),
                           **{d.id: d.name.get(lang) for d in q.dimensions}},
            "rules": {r.id: r.finding.get(lang) for r in q.rules},
            "bins": {**{b: b for b in BIN_LABELS}, NOT_SCORED: _("Not pursued or not scored")},
            "levels": {lv.level: lv.name.get(lang) for lv in q.levels}}  # fmt: skip


@bp.get("/agency")
@access(AGENCY)
def dashboard():
    lang = current_language()
    filters = _filters()
    agency = my_agency()
    data = aggregates.dashboard(filters, agencies.programmes_of(agency))
    names = _names(lang)
    charts = _charts(data, names) if data.publishable else {}
    q = current_questionnaire()
    return render_template(
        "agency/dashboard.html", data=data, names=names, charts=charts, N=N, filters=filters,
        industries=q.industries, regions=q.regions, size_bands=q.profile.size_bands,
        quarters=aggregates.known_quarters(), lang=lang, query=request.query_string.decode(),
    )  # fmt: skip


def _charts(data: Dashboard, names: dict) -> dict[str, str]:
    charts = {"overall": bar_chart_svg(
        [(label, data.count((("bins", "overall"), label))) for label in data.dimensions["overall"]],
        _("Firms by overall readiness index"), id_prefix="chart-overall")}  # fmt: skip
    charts["levels"] = bar_chart_svg(
        [(str(lv), data.share(("level", lv))) for lv in (1, 2, 3, 4, 5)],
        _("Share of firms at each level"), id_prefix="chart-levels", unit="%")
    means = [data.mean(("quarter", q)) for q in data.quarters]
    if len(data.quarters) > 1:
        charts["trend"] = trend_chart_svg(data.quarters, {"overall": means},
                                          {"overall": names["dimensions"]["overall"]},
                                          _("Mean overall index by quarter"))  # fmt: skip
    return charts


def _rows(data: Dashboard, names: dict) -> list[list]:
    """Every published figure as rows: table, label, firms, share of N (%), mean index."""
    rows = [[_("All firms"), "N", data.count(N), 100.0 if data.count(N) else None, data.mean(N)]]
    for column, labels in data.dimensions.items():
        for label in labels:
            cell = (("bins", column), label)
            rows.append([names["dimensions"][column], names["bins"][label], data.count(cell),
                         data.share(cell), None])  # fmt: skip
    for lv in (1, 2, 3, 4, 5):
        rows.append([_("Level"), str(lv), data.count(("level", lv)), data.share(("level", lv)),
                     None])  # fmt: skip
    for quarter in data.quarters:
        cell = ("quarter", quarter)
        rows.append([_("Quarter"), quarter, data.count(cell), data.share(cell), data.mean(cell)])
    for rule in data.gaps:
        cell = (("gap", rule), "yes")
        rows.append([_("Gap"), names["rules"].get(rule, rule), data.count(cell), data.share(cell),
                     None])  # fmt: skip
    for programme in data.programmes:
        cell = (("programme", programme.id), "yes")
        rows.append([_("Programme"), programme.name, data.count(cell), data.share(cell), None])
    return [[*r[:2], r[2], None if r[3] is None else round(r[3], 1),
             None if r[4] is None else round(r[4], 1)] for r in rows]


@bp.get("/agency/aggregates.<any(csv, xlsx):fmt>")
@access(AGENCY)
def export(fmt: str):
    """The dashboard's figures under the same filters and suppression; hidden and empty figures
    are the same blank cell."""
    lang = current_language()
    filters = _filters()
    agency = my_agency()
    data = aggregates.dashboard(filters, agencies.programmes_of(agency))
    header = [_("Table"), _("Group"), _("Firms"), _("Share") + " (%)", _("Mean overall index")]
    rows = _rows(data, _names(lang)) if data.publishable else []
    rows = [["" if v is None else v for v in row] for row in rows]
    audit.record("aggregates.export", f"organisation:{agency.id}",
                 current_user._get_current_object(), format=fmt,
                 filters={k: v for k, v in vars(filters).items() if v})  # fmt: skip
    db.session.commit()
    return table_download(fmt, _("Aggregates"), header, rows, "aggregates")
