"""Where a firm stands among its peers: percentiles counted in the database over the result
table, and kept until the questionnaire's results change (``results_version``)."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, case, func, select

from ..extensions import db
from ..models import Assessment, AssessmentResult, results_version
from ..models.plain import PlainRead
from ..questionnaire import Questionnaire
from ..remembered import Remembered
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
    # Like with like: when the firm does not pursue a dimension, peers' index is taken over the
    # dimensions the firm has.
    dims = tuple(d for d, s in me.dimensions.items() if s is not None) if me.not_pursued else None
    scores = {key: value for key, value in {"overall": me.overall, **me.dimensions}.items()
              if value is not None}  # fmt: skip
    # Counted again only when the questionnaire's results changed since (one primary-key read):
    # a firm's page viewed again, or by its consultant, takes the counts kept under the version.
    row = _RESULTS_VERSION.one_or_none(db.engine, questionnaire=assessment.questionnaire_id)
    version = row.version if row is not None else None
    key = (assessment.questionnaire_id, version, assessment.id, me.industry, me.size_band, dims,
           tuple(scores.items()), k)  # fmt: skip
    return _BENCHMARKS.get(key, lambda: _counted(assessment, questionnaire, me, dims, scores, k))


def _counted(assessment: Assessment, questionnaire: Questionnaire, me: PeerScores,
             dims: tuple[str, ...] | None, scores: dict, k: int) -> Benchmark | None:
    keys = tuple(scores)
    params = {"questionnaire": assessment.questionnaire_id, "me": assessment.id,
              **{f"score_{key}": value for key, value in scores.items()}}  # fmt: skip
    # Counting in the database: the results page stays fast with 100,000 results stored.
    for name, filters in cohort_filters(me):
        fields = tuple(filters)
        cohort = {**params, **{f"cohort_{f}": v for f, v in filters.items()}}
        n = db.session.scalar(_cohort_size(fields, dims), cohort)
        if n >= k:
            row = db.session.execute(_score_counts(fields, dims, keys, questionnaire), cohort).one()
            counts = {key: (int(row[3 * i]), int(row[3 * i + 1]), int(row[3 * i + 2]))
                      for i, key in enumerate(keys)}  # fmt: skip
            return from_counts(name, me, n, counts)
    return None


_BENCHMARKS: Remembered[Benchmark | None] = Remembered(1024)  # a few hundred bytes each
_RESULTS_VERSION = PlainRead(select(results_version.c.version).where(
    results_version.c.questionnaire_id == bindparam("questionnaire")))


# The statements depend only on the cohort's fields, the dimensions compared and the scores the
# firm has; the values are bound parameters. Built once per shape: building SQLAlchemy
# expressions was a quarter of the results page's time.


def _where(fields: tuple[str, ...], dims: tuple[str, ...] | None) -> list:
    where = [
        AssessmentResult.questionnaire_id == bindparam("questionnaire"),
        AssessmentResult.assessment_id != bindparam("me"),
        *(getattr(AssessmentResult, f) == bindparam(f"cohort_{f}") for f in fields),
    ]
    return where + [getattr(AssessmentResult, d).is_not(None) for d in dims or ()]


@lru_cache(maxsize=128)
def _cohort_size(fields: tuple[str, ...], dims: tuple[str, ...] | None):
    return select(func.count()).select_from(AssessmentResult).where(*_where(fields, dims))


@lru_cache(maxsize=512)
def _score_counts(fields: tuple[str, ...], dims: tuple[str, ...] | None, keys: tuple[str, ...],
                  questionnaire: Questionnaire):  # fmt: skip
    """(below, equal, with a score) for each of the firm's scores, in one query."""
    overall = AssessmentResult.overall
    if dims is not None:
        weights = {d.id: d.weight for d in questionnaire.dimensions}
        overall = sum(weights[d] * getattr(AssessmentResult, d) for d in dims) / sum(
            weights[d] for d in dims)  # fmt: skip
    aggregates = []
    for key in keys:
        column = overall if key == "overall" else getattr(AssessmentResult, key)
        value = bindparam(f"score_{key}")
        aggregates += [
            func.coalesce(func.sum(case((column < value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((column == value, 1), else_=0)), 0),
            func.count(column),
        ]
    return select(*aggregates).where(*_where(fields, dims))
