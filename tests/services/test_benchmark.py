"""The results page's benchmark, counted in the database, agrees with the pure function."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import DIMENSION_COLUMNS, Assessment, AssessmentResult
from assess.scoring import PeerScores, benchmark
from assess.services import assessments as svc
from assess.services.demo import seed_demo_firms


@pytest.mark.parametrize("k", [3, 5, 40])
def test_sql_benchmark_matches_the_pure_function(app, k):
    app.config["BENCHMARK_MIN_COHORT"] = k
    with app.app_context():
        seed_demo_firms(60, seed=11)
        db.session.commit()
        rows = db.session.scalars(select(AssessmentResult)).all()
        for assessment in db.session.scalars(select(Assessment).limit(8)):
            _, _, data = svc.result_of(assessment)
            mine = next(r for r in rows if r.assessment_id == assessment.id)
            me = PeerScores(mine.industry, mine.size_band, data["overall"]["score"],
                            {d["id"]: d["score"] for d in data["dimensions"]})  # fmt: skip
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
            expected = benchmark(me, peers, k=k)
            got = svc.benchmark_of(assessment, data)
            assert got == expected
        assert any(
            svc.benchmark_of(a, svc.result_of(a)[2]) is not None
            for a in db.session.scalars(select(Assessment).limit(3))
        )
