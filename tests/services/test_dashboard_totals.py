"""The dashboard reads running totals that database triggers keep with every result and finding
(models.totals): whatever writes the rows (a submission, an ORM update, plain SQL, a purge, a
cascade), every figure must equal the same figure computed straight from the results."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import Integer, case, cast, delete, func, insert, select, update

from assess import create_app
from assess.extensions import db
from assess.models import (
    DIMENSION_COLUMNS,
    Assessment,
    AssessmentResult,
    ResultFinding,
    finding_total,
    result_total,
)
from assess.services import aggregates
from assess.services.aggregates import BIN_LABELS, BINS, NOT_SCORED, TOP_GAPS, Filters, N
from assess.services.demo import seed_demo_firms
from assess.services.questionnaires import current_questionnaire

R = AssessmentResult
SCORED = ("overall", *DIMENSION_COLUMNS)


def straight(filters: Filters) -> dict:
    """The dashboard's unprotected cells, means and lists, by plain GROUP BYs over the results
    (as it computed them before it had running totals)."""
    where = filters.conditions()
    score = func.coalesce(func.sum(cast(func.round(R.overall * 100), Integer)), 0)

    def grouped(label, join=None) -> dict:
        query = select(label, func.count(), score).select_from(R)
        if join is not None:
            query = query.join(*join)
        return {key: (int(c), int(s)) for key, c, s in
                db.session.execute(query.where(*where).group_by(label))}  # fmt: skip

    cells = {}
    levels = grouped(R.level)
    cells |= {("level", lv): levels.get(lv, (0, 0)) for lv in (1, 2, 3, 4, 5)}
    quarters = grouped(R.quarter)
    cells |= {("quarter", q): v for q, v in quarters.items()}
    n = sum(c for c, _s in quarters.values())
    total = sum(s for _c, s in quarters.values())
    cells[N] = (n, total)
    unscored_anywhere = {d: db.session.scalar(select(func.count()).where(getattr(R, d).is_(None)))
                         for d in DIMENSION_COLUMNS}  # fmt: skip
    dimensions = {}
    for column in SCORED:
        value = getattr(R, column)
        bands = grouped(case(*[(value < top, i) for i, (_low, top) in enumerate(BINS)],
                             else_=-1))  # fmt: skip
        unscored = grouped(value.is_(None)).get(True, (0, 0))
        cells |= {(("bins", column), label): bands.get(i, (0, 0))
                  for i, label in enumerate(BIN_LABELS)}  # fmt: skip
        dimensions[column] = list(BIN_LABELS)
        if column != "overall" and unscored_anywhere[column]:
            cells[(("bins", column), NOT_SCORED)] = unscored
            dimensions[column].append(NOT_SCORED)
    gaps = grouped(ResultFinding.rule, (ResultFinding, ResultFinding.assessment_id ==
                                        R.assessment_id))  # fmt: skip
    top = sorted(gaps, key=lambda r: (-gaps[r][0], r))[:TOP_GAPS]
    for rule in top:
        c, s = gaps[rule]
        cells[(("gap", rule), "yes")] = (c, s)
        cells[(("gap", rule), "no")] = (n - c, total - s)
    means = db.session.execute(select(*(func.avg(getattr(R, d)) for d in DIMENSION_COLUMNS))
                               .where(*where)).one()  # fmt: skip
    return {"cells": cells, "quarters": sorted(quarters), "gaps": top, "dimensions": dimensions,
            "means": dict(zip(DIMENSION_COLUMNS, means, strict=True))}  # fmt: skip


def assert_same_as_straight(filters: Filters) -> bool:
    """The dashboard's figures equal the straight ones; False when nothing is publishable."""
    data = aggregates.dashboard(filters)
    if not data.publishable:
        return False
    expected = straight(filters)
    assert {cell: (c.count, c.total_score) for cell, c in data.table.cells.items()} \
        == expected["cells"], filters
    assert data.quarters == expected["quarters"]
    assert data.gaps == expected["gaps"]
    assert data.dimensions == expected["dimensions"]
    # Sums of floats in another order: equal to the last few bits.
    for d, mean in expected["means"].items():
        assert data.dimension_means[d] == (None if mean is None else pytest.approx(
            mean, rel=1e-12)), (filters, d)  # fmt: skip
    return True


def every_filter() -> list[Filters]:
    q = current_questionnaire()
    quarters = aggregates.known_quarters()
    out = [Filters()]
    out += [Filters(industry=i) for i in q.industries]
    out += [Filters(region=r) for r in q.regions]
    out += [Filters(size_band=b.id) for b in q.profile.size_bands]
    out += [Filters(quarter_from=quarters[1]), Filters(quarter_to=quarters[-2]),
            Filters(quarter_from=quarters[2], quarter_to=quarters[4])]
    region = db.session.scalar(select(R.region).group_by(R.region)
                               .order_by(func.count().desc()).limit(1))  # fmt: skip
    out += [Filters(region=region, size_band=b.id, quarter_from=quarters[1])
            for b in q.profile.size_bands]
    return out


def assert_totals_tidy() -> None:
    """No group is kept once it has no result, and no total is negative."""
    for table in (result_total, finding_total):
        assert db.session.scalar(select(func.count()).select_from(table)
                                 .where(table.c.n <= 0)) == 0  # fmt: skip
        assert db.session.scalar(select(func.count()).select_from(table)
                                 .where(table.c.score < 0)) == 0  # fmt: skip
    kept = [db.session.scalar(select(func.coalesce(func.sum(t.c.n), 0)))
            for t in (result_total, finding_total)]  # fmt: skip
    assert kept == [db.session.scalar(select(func.count()).select_from(R)),
                    db.session.scalar(select(func.count()).select_from(ResultFinding).join(R))]


@pytest.fixture
def population(app):
    with app.app_context():
        seed_demo_firms(150, seed=11, spread=True)  # submitted, then moved to earlier quarters
        db.session.commit()
    return app


def _compare_every_filter() -> int:
    published = sum(assert_same_as_straight(f) for f in every_filter())
    assert_totals_tidy()
    return published


def test_submitted_and_backdated_results_give_the_straight_figures(population):
    with population.app_context():
        assert _compare_every_filter() >= 10


def test_results_moved_deleted_and_added_by_plain_sql_keep_the_totals_exact(population):
    with population.app_context():
        regions = list(current_questionnaire().regions)
        ids = db.session.scalars(select(R.assessment_id).order_by(R.assessment_id)).all()
        # An ORM update: four firms move to a region of their own, and one to another quarter.
        for result in db.session.scalars(select(R).where(R.assessment_id.in_(ids[:4]))):
            result.region = regions[-1]
        db.session.get(R, ids[4]).quarter = "2019Q1"
        db.session.flush()
        # Plain SQL: a finding deleted alone; a result deleted after its findings (as a purge
        # does), and one with its findings taken by the cascade.
        finding = db.session.scalar(select(ResultFinding).where(
            ResultFinding.assessment_id == ids[5]).limit(1))  # fmt: skip
        db.session.execute(delete(ResultFinding).where(ResultFinding.id == finding.id))
        db.session.execute(delete(ResultFinding).where(ResultFinding.assessment_id == ids[6]))
        db.session.execute(delete(R).where(R.assessment_id == ids[6]))
        assert db.session.scalar(select(func.count()).select_from(ResultFinding)
                                 .where(ResultFinding.assessment_id == ids[7]))  # fmt: skip
        db.session.execute(delete(R).where(R.assessment_id == ids[7]))
        # A plain UPDATE of the score and the level, and a finding given to another firm.
        db.session.execute(update(R).where(R.assessment_id == ids[8])
                           .values(overall=R.overall / 2, level=1, export=None))  # fmt: skip
        db.session.execute(update(ResultFinding).where(ResultFinding.assessment_id == ids[9])
                           .values(assessment_id=ids[10], rule="moved_rule"))  # fmt: skip
        # Plain inserts: firms without industry or size band, scores on the bands' edges and
        # on a half hundredth (rounded the database's way on both sides).
        template = db.session.get(Assessment, ids[11])
        scores = [(20.0, 3), (100.0, 5), (12.345, 1), (79.995, 4), (0.0, 1), (40.005, 3)]
        for i, (overall, level) in enumerate(scores):
            new_id = max(ids) + 1 + i
            db.session.execute(insert(Assessment).values(
                id=new_id, questionnaire_id=template.questionnaire_id,
                questionnaire_version=template.questionnaire_version, language="ko",
                profile={}, answers={}, to_review=[], status="submitted", revision=2,
                created_at=template.created_at, updated_at=template.updated_at,
                submitted_at=template.submitted_at))  # fmt: skip
            db.session.execute(insert(R).values(
                assessment_id=new_id, questionnaire_id=template.questionnaire_id,
                questionnaire_version=template.questionnaire_version, industry=None,
                region=regions[0], size_band=None, quarter="2019Q1",
                submitted_at=template.submitted_at, overall=overall, level=level,
                confidence=0.9, dx_ax=overall, roi=None, infra=100.0, export=None,
                succession=19.999))  # fmt: skip
            db.session.execute(insert(ResultFinding).values(
                assessment_id=new_id, rule="edge_rule", dimension="dx_ax", priority="high"))
        db.session.commit()  # the dashboard reads on a connection of its own
        assert _compare_every_filter() >= 10
        # Every one of those firms together: exactly the figures of the plain computation.
        assert assert_same_as_straight(Filters(quarter_to="2019Q1"))


def test_results_deleted_in_bulk_leave_no_group_behind(population):
    with population.app_context():
        db.session.execute(delete(ResultFinding))
        db.session.execute(delete(R).where(R.region != list(current_questionnaire().regions)[0]))
        assert_totals_tidy()
        db.session.execute(delete(R))
        assert db.session.scalar(select(func.count()).select_from(result_total)) == 0
        assert db.session.scalar(select(func.count()).select_from(finding_total)) == 0
        db.session.commit()
        assert not aggregates.dashboard(Filters()).publishable


def test_a_firm_submitting_while_the_dashboard_reads_is_in_none_of_its_figures(population,
                                                                               monkeypatch):
    """Every table of one dashboard shares one N: its reads see one state of the data."""
    totals_by_quarter = aggregates._totals_by_quarter

    def submitted_meanwhile(conn, filters):
        seed_demo_firms(1, seed=99)
        db.session.commit()
        return totals_by_quarter(conn, filters)

    with population.app_context():
        before = db.session.scalar(select(func.count()).select_from(R))
        monkeypatch.setattr(aggregates, "_totals_by_quarter", submitted_meanwhile)
        data = aggregates.dashboard(Filters())
        assert data.count(N) == before
        assert db.session.scalar(select(func.count()).select_from(R)) == before + 1
        monkeypatch.undo()
        assert aggregates.dashboard(Filters()).count(N) == before + 1


def _app(tmp_path, url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                       "PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
                       "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
                       "BATCH_DIR": str(tmp_path / "batches")})  # fmt: skip


def test_the_dashboard_reads_the_replica_named_by_dashboard_database_url(app, tmp_path,
                                                                         monkeypatch):
    replica_url = f"sqlite:///{tmp_path}/replica.sqlite"
    replica = _app(tmp_path, replica_url)
    with replica.app_context():
        upgrade()
        seed_demo_firms(30, seed=5)
        db.session.commit()
        db.engine.dispose()
    with app.app_context():  # the primary has no result
        assert not aggregates.dashboard(Filters()).publishable
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", replica_url)
    reading = _app(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    with reading.app_context():
        assert db.session.scalar(select(func.count()).select_from(R)) == 0
        assert aggregates.dashboard(Filters()).count(N) == 30
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
