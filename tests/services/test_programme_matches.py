"""Each result's programme matches are stored (services.agencies) and the dashboard counts them
from there: whatever the order in which programmes and results come, however a programme changes
and whatever the filter, the stored matches are exactly those a fresh evaluation of every
programme on every result gives, and so are the dashboard's figures."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, func, insert, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult, Programme, ProgrammeMatch
from assess.questionnaire.eligibility import eligibility_test
from assess.services import accounts, agencies, aggregates, drafts, submission
from assess.services.aggregates import Filters, N
from assess.services.demo import SAMPLE_PROGRAMMES, seed_demo_firms
from assess.services.questionnaires import current_questionnaire
from tests.scoring.documents import BASE_FIRM

R = AssessmentResult
# Over the dimension scores, the profile and the answers; one that nobody meets.
CONDITIONS = {
    "low_dx": "{dimension: dx_ax, lt: 40}",
    "small": "{profile: employees, lt: 20}",
    **{name: text for name, text in SAMPLE_PROGRAMMES},
    "nobody": "{profile: employees, gte: 100000}",
}


def new_agency(name: str = "부산지원센터"):
    return accounts.create_organisation(name, "agency")


def add_programmes(agency, conditions: dict[str, str] = CONDITIONS) -> list[Programme]:
    return [agencies.create_programme(agency, None, name=name, description="", link="",
                                      eligibility_text=text)
            for name, text in conditions.items()]  # fmt: skip


def stored(programmes) -> set[tuple[int, int]]:
    return {(programme_id, assessment_id) for programme_id, assessment_id in db.session.execute(
        select(ProgrammeMatch.programme_id, ProgrammeMatch.assessment_id)
        .where(ProgrammeMatch.programme_id.in_([p.id for p in programmes])))}  # fmt: skip


def fresh(programmes) -> set[tuple[int, int]]:
    """Every (programme, result) that meets the programme's conditions, evaluated now."""
    tests = [(p.id, eligibility_test(p.eligibility)) for p in programmes]
    return {(programme_id, result.assessment_id)
            for assessment, result in db.session.execute(
                select(Assessment, R).join(R, R.assessment_id == Assessment.id))
            for programme_id, test in tests if test(agencies.facts_of(assessment, result))}  # fmt: skip


def every_filter() -> list[Filters]:
    q = current_questionnaire()
    quarters = aggregates.known_quarters()
    region, industry = db.session.execute(
        select(R.region, R.industry).group_by(R.region, R.industry)
        .order_by(func.count().desc()).limit(1)).one()  # fmt: skip
    return [Filters(), Filters(region=region), Filters(industry=industry),
            Filters(region=region, industry=industry),
            *(Filters(size_band=b.id) for b in q.profile.size_bands),
            Filters(quarter_from=quarters[len(quarters) // 2])]  # fmt: skip


def assert_figures_as_evaluated(programmes) -> int:
    """The stored matches are the fresh ones; under every filter, the stored figures and the
    dashboard's unprotected programme cells equal a fresh evaluation. Returns how many filters
    published a dashboard."""
    assert stored(programmes) == fresh(programmes)
    published = 0
    for filters in every_filter():
        evaluated = agencies.eligible_stats(programmes, filters.conditions())
        assert agencies.matched_stats(programmes, filters.conditions()) == evaluated, filters
        data = aggregates.dashboard(filters, programmes)
        if not data.publishable:
            continue
        published += 1
        n = data.table.cells[N]
        for p in programmes:
            yes = data.table.cells[(("programme", p.id), "yes")]
            no = data.table.cells[(("programme", p.id), "no")]
            assert (yes.count, yes.total_score) == evaluated[p.id], (filters, p.name)
            assert (no.count, no.total_score) == (n.count - yes.count,
                                                  n.total_score - yes.total_score)  # fmt: skip
    return published


def counts(programmes) -> dict[str, int]:
    return {p.name: agencies.eligible_count(p) for p in programmes}


def test_a_firm_submitting_after_the_programmes_exist_is_counted(app):
    with app.app_context():
        programmes = add_programmes(new_agency())
        db.session.commit()
        assert stored(programmes) == set()
        seed_demo_firms(150, seed=21, spread=True)
        db.session.commit()
        assert assert_figures_as_evaluated(programmes) >= 4
        found = counts(programmes)
        assert found["nobody"] == 0
        assert all(found[name] > 0 for name in CONDITIONS if name != "nobody"), found


def test_a_programme_added_after_the_results_counts_them(app):
    with app.app_context():
        seed_demo_firms(150, seed=22, spread=True)
        db.session.commit()
        programmes = add_programmes(new_agency())
        db.session.commit()
        assert assert_figures_as_evaluated(programmes) >= 4
        assert counts(programmes)["low_dx"] > 0


def test_an_edited_eligibility_replaces_the_matches_and_a_renaming_keeps_them(app, monkeypatch):
    with app.app_context():
        seed_demo_firms(80, seed=23)
        db.session.commit()
        (programme,) = add_programmes(new_agency(), {"low_dx": CONDITIONS["low_dx"]})
        db.session.commit()
        before = stored([programme])
        assert before and before == fresh([programme])
        agencies.update_programme(programme, None, name="low_dx", description="", link="",
                                  eligibility_text=CONDITIONS["small"])  # fmt: skip
        db.session.commit()
        after = stored([programme])
        assert after and after == fresh([programme]) and after != before
        assert assert_figures_as_evaluated([programme]) >= 1
        # A new name, the same condition written otherwise: no pass over the results.
        monkeypatch.setattr(agencies, "recount", lambda p: pytest.fail("recounted"))
        agencies.update_programme(programme, None, name="소규모", description="설명", link="",
                                  eligibility_text="{profile: employees,   lt: 20}")  # fmt: skip
        db.session.commit()
        assert stored([programme]) == after


def test_a_removed_or_deleted_programme_leaves_no_match(app):
    with app.app_context():
        seed_demo_firms(40, seed=24)
        db.session.commit()
        removed, deleted, kept = add_programmes(new_agency(), {
            "removed": CONDITIONS["low_dx"], "deleted": CONDITIONS["low_dx"],
            "kept": CONDITIONS["low_dx"]})  # fmt: skip
        db.session.commit()
        assert stored([removed]) and stored([deleted])
        agencies.remove_programme(removed, None)
        db.session.commit()
        assert stored([removed]) == set()
        # A removed programme is not evaluated for later firms either.
        seed_demo_firms(10, seed=25)
        db.session.commit()
        assert stored([removed]) == set()
        deleted_id = deleted.id
        db.session.execute(delete(Programme).where(Programme.id == deleted_id))  # the cascade
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ProgrammeMatch)
                                 .where(ProgrammeMatch.programme_id == deleted_id)) == 0  # fmt: skip
        assert stored([kept]) == fresh([kept])


def test_a_deleted_result_takes_its_matches_with_it(app):
    with app.app_context():
        seed_demo_firms(20, seed=26)
        (programme,) = add_programmes(new_agency(), {"all": "{profile: employees, gte: 0}"})
        db.session.commit()
        ids = db.session.scalars(select(R.assessment_id).order_by(R.assessment_id)).all()
        assert {a for _p, a in stored([programme])} == set(ids)
        db.session.execute(delete(R).where(R.assessment_id == ids[0]))  # plain SQL: the cascade
        db.session.commit()
        assert {a for _p, a in stored([programme])} == set(ids[1:])


def test_the_stored_figures_round_half_hundredths_as_the_running_totals_do(app):
    """Scores on a half hundredth of a point: the programme's sum is the one the running totals
    hold for the same firms (the database's rounding, which SQLite takes away from zero and
    PostgreSQL to the even number), and a fresh evaluation adds them up the same way."""
    with app.app_context():
        seed_demo_firms(12, seed=27)
        db.session.flush()
        template = db.session.scalar(select(Assessment).where(Assessment.status == "submitted")
                                     .limit(1))  # fmt: skip
        first = (db.session.scalar(select(func.max(Assessment.id))) or 0) + 1
        scores = (12.345, 79.995, 40.005, 10.125, 0.125, 50.125, 33.335, 20.0)
        for i, overall in enumerate(scores):
            ident = first + i
            db.session.execute(insert(Assessment).values(
                id=ident, questionnaire_id=template.questionnaire_id,
                questionnaire_version=template.questionnaire_version, language="ko",
                profile={"employees": 30}, answers={}, to_review=[], status="submitted",
                revision=2, created_at=template.created_at, updated_at=template.updated_at,
                submitted_at=template.submitted_at))  # fmt: skip
            db.session.execute(insert(R).values(
                assessment_id=ident, questionnaire_id=template.questionnaire_id,
                questionnaire_version=template.questionnaire_version, industry=None,
                region="busan", size_band=None, quarter="2019Q1",
                submitted_at=template.submitted_at, overall=overall, level=1, confidence=0.9,
                dx_ax=overall, roi=None, infra=None, export=None, succession=None))  # fmt: skip
        db.session.commit()
        (programme,) = add_programmes(new_agency(), {"all": "{profile: employees, gte: 0}"})
        db.session.commit()
        old = Filters(quarter_to="2019Q1")
        totals = db.session.execute(select(func.count(), aggregates.SCORE)
                                    .where(*old.conditions())).one()  # fmt: skip
        expected = (len(scores), int(totals[1]))  # the running totals' count and sum
        assert agencies.matched_stats([programme], old.conditions())[programme.id] == expected
        assert agencies.eligible_stats([programme], old.conditions())[programme.id] == expected
        data = aggregates.dashboard(old, [programme])
        assert data.publishable
        yes, n = data.table.cells[(("programme", programme.id), "yes")], data.table.cells[N]
        assert (yes.count, yes.total_score) == (n.count, n.total_score) == expected


# Firms submitting while a programme is saved: neither a lost match nor one on old conditions.


def draft_firm():
    """A committed draft, ready to submit, of a firm with 28 employees."""
    assessment, _token = drafts.start_assessment("ko")
    drafts.save_profile(assessment, dict(BASE_FIRM), assessment.revision)
    db.session.commit()
    return assessment.id


def submit_in_thread(app, assessment_id: int) -> threading.Thread:
    def run():
        with app.app_context():
            submission.submit(db.session.get(Assessment, assessment_id))
            db.session.commit()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_programme_added_while_a_firm_submits_counts_it(app, monkeypatch):
    """The firm's result is written, then the programme is added and its pass over the results
    (which cannot see the result yet) is done before the firm reads the programmes: the firm
    must wait for the programme's commit and then match it itself."""
    with app.app_context():
        assessment_id = draft_firm()
    written, recounted = threading.Event(), threading.Event()
    match_programmes, recount = agencies.match_programmes, agencies.recount

    def submitting(assessment, result):
        written.set()
        recounted.wait(timeout=3)  # on SQLite the programme waits for the submission instead
        match_programmes(assessment, result)

    def counting(programme):
        found = recount(programme)
        recounted.set()
        time.sleep(0.5)  # not committed yet: a firm that read the programmes now would miss it
        return found

    monkeypatch.setattr(agencies, "match_programmes", submitting)
    monkeypatch.setattr(agencies, "recount", counting)
    thread = submit_in_thread(app, assessment_id)
    assert written.wait(timeout=10)
    with app.app_context():
        (programme,) = add_programmes(new_agency(), {"medium": "{profile: employees, gte: 10}"})
        db.session.commit()
        programme_id = programme.id
    thread.join(timeout=30)
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assert stored([programme]) == fresh([programme]) == {(programme.id, assessment_id)}


def test_a_programme_edited_while_a_firm_submits_counts_it_on_new_conditions(app, monkeypatch):
    """The firm has stored its match on the old conditions but not committed when the
    programme's conditions change: the change must wait for it and evaluate it again."""
    with app.app_context():
        (programme,) = add_programmes(new_agency(), {"medium": "{profile: employees, gte: 10}"})
        assessment_id = draft_firm()
        programme_id = programme.id
    matched = threading.Event()
    match_programmes = agencies.match_programmes

    def submitting(assessment, result):
        match_programmes(assessment, result)
        matched.set()
        time.sleep(0.5)  # not committed yet

    monkeypatch.setattr(agencies, "match_programmes", submitting)
    thread = submit_in_thread(app, assessment_id)
    assert matched.wait(timeout=10)
    with app.app_context():
        agencies.update_programme(db.session.get(Programme, programme_id), None, name="large",
                                  description="", link="",
                                  eligibility_text="{profile: employees, gte: 50}")  # fmt: skip
        db.session.commit()
    thread.join(timeout=30)
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        assert db.session.get(R, assessment_id) is not None
        assert stored([programme]) == fresh([programme]) == set()
