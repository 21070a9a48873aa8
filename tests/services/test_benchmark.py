"""The results page's benchmark, counted in the database, agrees with the pure function."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import DIMENSION_COLUMNS, Assessment, AssessmentResult
from assess.scoring import PeerScores, benchmark
from assess.services.benchmarks import benchmark_of
from assess.services.demo import seed_demo_firms
from assess.services.questionnaires import questionnaire_of
from assess.services.submission import result_of


@pytest.mark.parametrize("k", [3, 5, 40])
def test_sql_benchmark_matches_the_pure_function(app, k):
    app.config["BENCHMARK_MIN_COHORT"] = k
    with app.app_context():
        seed_demo_firms(60, seed=11)
        db.session.commit()
        rows = db.session.scalars(select(AssessmentResult)).all()
        not_pursued = 0
        for assessment in db.session.scalars(select(Assessment).limit(20)):
            _, _, data = result_of(assessment)
            mine = next(r for r in rows if r.assessment_id == assessment.id)
            me = PeerScores(mine.industry, mine.size_band, data["overall"]["score"],
                            {d["id"]: d["score"] for d in data["dimensions"]},
                            frozenset(d["id"] for d in data["dimensions"]
                                      if d["status"] == "not_pursued"))  # fmt: skip
            not_pursued += bool(me.not_pursued)
            peers = [
                PeerScores(
                    r.industry,
                    r.size_band,
                    r.overall,
                    {d: getattr(r, d) for d in DIMENSION_COLUMNS},
                )  # fmt: skip
                for r in rows
                if r.assessment_id != assessment.id
            ]
            q = questionnaire_of(assessment)
            expected = benchmark(me, peers, k=k, weights={d.id: d.weight for d in q.dimensions})
            got = benchmark_of(assessment, data)
            assert got == expected
        assert not_pursued  # domestic-only firms are compared like with like, too
        assert any(
            benchmark_of(a, result_of(a)[2]) is not None
            for a in db.session.scalars(select(Assessment).limit(3))
        )
