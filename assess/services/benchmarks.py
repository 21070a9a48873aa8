"""Where a firm stands among its peers: percentiles counted in the database over the result table."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Assessment, AssessmentResult
from ..scoring.benchmark import Benchmark, PeerScores, cohort_filters, from_counts
from .questionnaires import questionnaire_of


def benchmark_of(assessment: Assessment, data: dict) -> Benchmark | None:
    """Percentiles among other firms' submitted results of the same questionnaire."""
    questionnaire = questionnaire_of(assessment)
    firm = data["firm"]
    me = PeerScores(
        firm.get("industry"),
        questionnaire.size_band_for(firm.get("employees")),
        data["overall"]["score"],
        {d["id"]: d["score"] for d in data["dimensions"]},
        frozenset(d["id"] for d in data["dimensions"] if d.get("status") == "not_pursued"),
    )
    k = current_app.config["BENCHMARK_MIN_COHORT"]
    mine = [
        AssessmentResult.questionnaire_id == assessment.questionnaire_id,
        AssessmentResult.assessment_id != assessment.id,
    ]
    overall = AssessmentResult.overall
    if me.not_pursued:
        # Like with like: peers' index over the same dimensions the firm has.
        weights = {d.id: d.weight for d in questionnaire.dimensions}
        dims = [d for d, s in me.dimensions.items() if s is not None]
        mine += [getattr(AssessmentResult, d).is_not(None) for d in dims]
        overall = sum(weights[d] * getattr(AssessmentResult, d) for d in dims) / sum(
            weights[d] for d in dims)  # fmt: skip
    # Counting in the database: the results page stays fast with 100,000 results stored.
    for name, filters in cohort_filters(me):
        where = mine + [getattr(AssessmentResult, f) == v for f, v in filters.items()]
        n = db.session.scalar(select(func.count()).select_from(AssessmentResult).where(*where))
        if n >= k:
            return from_counts(name, me, n, _score_counts(where, me, overall))
    return None


def _score_counts(where: list, me: PeerScores, overall) -> dict[str, tuple[int, int, int]]:
    """(below, equal, with a score) per score column, for the firm's own scores, in one query."""
    values = {"overall": me.overall, **me.dimensions}
    columns = [(key, overall if key == "overall" else getattr(AssessmentResult, key), value)
               for key, value in values.items() if value is not None]  # fmt: skip
    aggregates = []
    for _, column, value in columns:
        aggregates += [
            func.coalesce(func.sum(case((column < value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((column == value, 1), else_=0)), 0),
            func.count(column),
        ]
    row = db.session.execute(select(*aggregates).where(*where)).one()
    return {
        key: (int(row[3 * i]), int(row[3 * i + 1]), int(row[3 * i + 2]))
        for i, (key, _, _) in enumerate(columns)
    }

