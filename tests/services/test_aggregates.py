"""The agency dashboard's figures: read from the result table, published only through
disclosure control, audited as an attacker with a linear-programming solver would read them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import AssessmentResult
from assess.services import accounts, agencies, aggregates
from assess.services.aggregates import Filters, N
from assess.services.demo import seed_demo_firms
from tests.disclosure.attacker import audit


@pytest.fixture
def population(app):
    with app.app_context():
        seed_demo_firms(120, seed=7, spread=True)
        db.session.commit()
    return app


def test_every_shown_figure_covers_k_firms_and_no_hidden_one_can_be_narrowed(population):
    app = population
    with app.app_context():
        agency = accounts.create_organisation("지원기관", "agency")
        programme = agencies.create_programme(agency, None, name="예시 사업", description="",
                                              link="", eligibility_text="{dimension: dx_ax, lt: 40}")
        db.session.flush()
        regions = db.session.scalars(select(AssessmentResult.region).distinct()).all()
        checked = 0
        for filters in [Filters(), *(Filters(region=r) for r in regions)]:
            data = aggregates.dashboard(filters, [programme])
            if not data.publishable:
                continue
            checked += 1
            assert data.published is not None and data.table is not None
            for cell, count in data.published:
                assert count is None or count == 0 or count >= data.k, (filters, cell, count)
            audit(data.table, data.published)  # HiGHS: every hidden count keeps its width
        assert checked >= 2


def test_a_population_too_small_or_too_close_to_its_parent_publishes_nothing(population):
    app = population
    with app.app_context():
        by_region = dict(db.session.execute(select(AssessmentResult.region, func.count())
                                            .group_by(AssessmentResult.region)).all())  # fmt: skip
        small = next(r for r, n in by_region.items() if 0 < n < 5)
        assert not aggregates.dashboard(Filters(region=small)).publishable
        total = sum(by_region.values())
        data = aggregates.dashboard(Filters())
        assert data.publishable and data.count(N) == total


def test_a_four_firm_level_is_hidden_and_a_five_firm_level_shown(app):
    with app.app_context():
        seed_demo_firms(60, seed=3)
        db.session.commit()
        levels = dict(db.session.execute(select(AssessmentResult.level, func.count())
                                         .group_by(AssessmentResult.level)).all())  # fmt: skip
        data = aggregates.dashboard(Filters())
        for level, n in levels.items():
            if 0 < n < 5:
                assert data.count(("level", level)) is None
        shown = [lv for lv in levels if data.count(("level", lv)) is not None]
        assert all(levels[lv] >= 5 for lv in shown)
