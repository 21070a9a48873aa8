"""The agency's area through HTTP: only firms that consented to this agency are seen, withdrawal
removes a firm at once, programmes are checked and matched, and a consenting respondent sees the
programmes that fit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult, Consent, Programme, ProgrammeMatch
from assess.services import accounts, agencies, consents
from assess.services.aggregates import Filters
from assess.services.demo import seed_demo_firms
from assess.services.drafts import find_by_token
from tests.conftest import csrf_token
from tests.web.journey import Respondent
from tests.web.test_auth import make_user, sign_in
from tests.web.test_report_download import pdf_text

DX_BELOW_100 = "all:\n  - {profile: employees, gte: 10}\n  - {dimension: dx_ax, lt: 100}"


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)


@pytest.fixture
def analyst(app, client):
    make_user(app, "park@busan-sme.kr", org=("부산중소기업지원센터", "agency"), role="analyst")
    assert sign_in(client, "park@busan-sme.kr").headers["Location"] == "/agency"
    return client


def agency_named(app, name: str) -> int:
    with app.app_context():
        organisation = accounts.find_organisation(name) or accounts.create_organisation(name,
                                                                                       "agency")  # fmt: skip
        db.session.commit()
        return organisation.id


def submitted_firm(app, name: str, share_with: list[str] = ()) -> tuple[Respondent, int]:
    me = Respondent(app.test_client())
    me.firm = {**me.firm, "name": name}
    me.start("ko")
    me.answer_everything()
    assert me.submit().status_code == 303
    with app.app_context():
        assessment = find_by_token(me.token)
        for agency_name in share_with:
            consents.give_consent(assessment, accounts.find_organisation(agency_name))
        db.session.commit()
        return me, assessment.id


def add_programme(client, lang: str = "en", **fields):
    page = client.get("/agency/programmes")
    return client.post(f"/agency/programmes?lang={lang}",
                       data={"csrf_token": csrf_token(page.text), **fields})  # fmt: skip


def test_the_agency_sees_only_firms_that_consented_to_it(app, analyst):
    agency_named(app, "경남테크노파크")
    _, shared = submitted_firm(app, "공유정밀", ["부산중소기업지원센터"])
    _, elsewhere = submitted_firm(app, "남의공유", ["경남테크노파크"])
    _, private = submitted_firm(app, "비공개금속")
    page = unescape(analyst.get("/agency/firms").text)
    assert "공유정밀" in page and "남의공유" not in page and "비공개금속" not in page
    assert analyst.get(f"/agency/firms/{shared}").status_code == 200
    for other in (elsewhere, private):
        assert analyst.get(f"/agency/firms/{other}").status_code == 404
        assert analyst.get(f"/agency/firms/{other}/report-ko.pdf").status_code == 404
    pdf = analyst.get(f"/agency/firms/{shared}/report-ko.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_withdrawal_removes_the_firm_at_once(app, analyst):
    me, shared = submitted_firm(app, "공유정밀", ["부산중소기업지원센터"])
    assert analyst.get(f"/agency/firms/{shared}").status_code == 200
    results = me.client.get(me.url("results"))
    agency_id = agency_named(app, "부산중소기업지원센터")
    response = me.client.post(me.url("consent"), data={
        "csrf_token": csrf_token(results.text), "action": "withdraw", "agency": agency_id})  # fmt: skip
    assert response.status_code == 303
    assert analyst.get(f"/agency/firms/{shared}").status_code == 404
    assert "공유정밀" not in analyst.get("/agency/firms").text


def test_the_agencys_report_leaves_out_the_firms_answers(app, analyst):
    """The consent says the report is shared, not the answers: the firm's own PDF has the
    appendix of answers, the agency's copy of the same assessment does not."""
    me, shared = submitted_firm(app, "공유정밀", ["부산중소기업지원센터"])
    own = pdf_text(me.client.get(me.url("report-ko.pdf")).data)
    agency = pdf_text(analyst.get(f"/agency/firms/{shared}/report-ko.pdf").data)
    assert "부록 C" in own and "부록 B" in own
    assert "부록 C" not in agency and "부록 B" in agency
    assert "공유정밀" in agency


def test_a_consent_ends_with_its_term_and_the_firm_may_give_it_again(app, analyst):
    me, shared = submitted_firm(app, "기한정밀", ["부산중소기업지원센터"])
    with app.app_context():
        consent = db.session.scalar(select(Consent).where(Consent.assessment_id == shared))
        # The term the firm was told: CONSENT_YEARS from the day it agreed.
        assert consent.expires_at.year == consent.given_at.year + app.config["CONSENT_YEARS"]
        ago = datetime.now(UTC) - timedelta(days=1)
        consent.given_at, consent.expires_at = ago - timedelta(days=730), ago
        db.session.commit()
    assert analyst.get(f"/agency/firms/{shared}").status_code == 404
    assert "기한정밀" not in unescape(analyst.get("/agency/firms").text)
    results = me.client.get(me.url("results") + "?lang=en")
    assert "Withdraw consent" not in results.text  # nothing in force to withdraw
    response = me.client.post(me.url("consent"), data={
        "csrf_token": csrf_token(results.text), "action": "give", "share": "y",
        "agency": agency_named(app, "부산중소기업지원센터")})  # fmt: skip
    assert response.status_code == 303
    assert analyst.get(f"/agency/firms/{shared}").status_code == 200
    with app.app_context():
        records = list(db.session.scalars(select(Consent).where(Consent.assessment_id == shared)))
        assert len(records) == 2  # the ended consent stays on record beside the new one


@pytest.mark.parametrize(("ends_in", "in_force"), [(timedelta(hours=1), True),
                                                 (timedelta(hours=-1), False)])  # fmt: skip
def test_the_results_page_shows_a_consent_in_force_to_the_hour(app, analyst, ends_in, in_force):
    # Ending the same day, an hour apart: the page compares the stored end with the time now
    # as the database keeps times, not as text that sorts another way.
    me, shared = submitted_firm(app, "시한정밀", ["부산중소기업지원센터"])
    with app.app_context():
        consent = db.session.scalar(select(Consent).where(Consent.assessment_id == shared))
        consent.expires_at = datetime.now(UTC) + ends_in
        db.session.commit()
    results = me.client.get(me.url("results") + "?lang=en")
    assert results.status_code == 200
    assert ("Withdraw consent" in results.text) is in_force
    assert (analyst.get(f"/agency/firms/{shared}").status_code == 200) is in_force


@pytest.mark.parametrize(("eligibility", "expected"), [
    ("all: [", "not valid YAML"),
    ("{profile: employes, gte: 10}", "Unknown profile field employes"),
    ("{dimension: dx, lt: 40}", "Unknown dimension dx"),
    ("{answer: no_such_question, in: [x]}", "Unknown question id no_such_question"),
    ("{answer: exp_status, in: [to_mars]}", "Unknown option(s) of exp_status: to_mars"),
    ("{answer: exp_status, gte: 3}", "exp_status is a choice question"),
    ("{profile: region, in: [atlantis]}", "Unknown region value(s): atlantis"),
    ("{all: []}", "The condition's shape is not valid"),
])  # fmt: skip
def test_a_programme_with_a_wrong_condition_is_refused_naming_what_is_wrong(app, analyst,
                                                                            eligibility, expected):  # fmt: skip
    response = add_programme(analyst, name="스마트공장 지원", eligibility=eligibility)
    assert response.status_code == 422
    assert expected in unescape(response.text)
    with app.app_context():
        assert db.session.scalar(select(Programme)) is None


def test_a_refused_condition_is_explained_in_korean(app, analyst):
    page = analyst.get("/agency/programmes?lang=ko")
    response = analyst.post("/agency/programmes?lang=ko", data={
        "csrf_token": csrf_token(page.text), "name": "지원", "eligibility": "{dimension: dx, lt: 4}"})  # fmt: skip
    assert response.status_code == 422
    assert "알 수 없는 영역" in unescape(response.text)


def test_programmes_match_consenting_firms_and_the_firm_sees_them(app, analyst):
    me, shared = submitted_firm(app, "공유정밀", ["부산중소기업지원센터"])
    submitted_firm(app, "비공개금속")
    assert add_programme(analyst, name="스마트공장 지원", link="https://example.org/smart",
                         eligibility=DX_BELOW_100).status_code == 303  # fmt: skip
    assert add_programme(analyst, name="대기업 전용", eligibility="{profile: employees, gte: 5000}"
                         ).status_code == 303  # fmt: skip
    with app.app_context():
        fits = {p.name: [a.id for a, _ in agencies.eligible_consenting(p)]
                for p in db.session.scalars(select(Programme))}  # fmt: skip
        everyone = {p.name: agencies.eligible_count(p) for p in db.session.scalars(select(Programme))}  # fmt: skip
    assert fits == {"스마트공장 지원": [shared], "대기업 전용": []}
    assert everyone == {"스마트공장 지원": 2, "대기업 전용": 0}
    firms = unescape(analyst.get("/agency/firms").text)
    assert "스마트공장 지원" in firms and "대기업 전용" not in firms
    results = unescape(me.client.get(me.url("results") + "?lang=en").text)
    assert "Support programmes that fit your firm" in results
    assert "스마트공장 지원" in results and "대기업 전용" not in results


def test_a_firm_submitting_after_a_programme_exists_is_matched_and_sees_it(app, analyst):
    assert add_programme(analyst, name="스마트공장 지원", eligibility=DX_BELOW_100
                         ).status_code == 303  # fmt: skip
    me, shared = submitted_firm(app, "공유정밀", ["부산중소기업지원센터"])
    with app.app_context():
        programme = db.session.scalar(select(Programme))
        assert [a.id for a, _ in agencies.eligible_consenting(programme)] == [shared]
    assert "스마트공장 지원" in unescape(analyst.get("/agency/firms").text)
    assert "스마트공장 지원" in unescape(analyst.get(f"/agency/firms/{shared}").text)
    assert "스마트공장 지원" in unescape(me.client.get(me.url("results") + "?lang=en").text)


def programme_figure(client, query: str, name: str) -> str:
    """The firms of a programme in the dashboard's CSV export under the filters of ``query``."""
    body = client.get(f"/agency/aggregates.csv?lang=en&{query}").data.decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(body)) if row[:2] == ["Programme", name]]
    assert len(rows) == 1, body
    return rows[0][2]


def test_the_dashboard_counts_a_programme_as_evaluating_it_afresh_would(app, analyst):
    """Under a region and an industry filter, the dashboard's figure of a programme is the
    count that evaluating its conditions on every firm gives, after it is added and after its
    conditions change; removed, it leaves no match behind."""
    with app.app_context():
        seed_demo_firms(150, seed=31, spread=True)
        db.session.commit()
        region, industry = (db.session.scalar(
            select(column).group_by(column).order_by(func.count().desc()).limit(1))
            for column in (AssessmentResult.region, AssessmentResult.industry))  # fmt: skip
    filters = {f"region={region}": Filters(region=region),
               f"industry={industry}": Filters(industry=industry)}  # fmt: skip

    def figures_as_evaluated() -> dict[str, str]:
        with app.app_context():
            programme = db.session.scalar(select(Programme))
            evaluated = {query: str(agencies.eligible_stats(
                [programme], f.conditions())[programme.id][0]) for query, f in filters.items()}  # fmt: skip
        assert {query: programme_figure(analyst, query, "디지털 전환")
                for query in filters} == evaluated  # fmt: skip
        return evaluated

    assert add_programme(analyst, name="디지털 전환", eligibility="{dimension: dx_ax, lt: 45}"
                         ).status_code == 303  # fmt: skip
    before = figures_as_evaluated()
    with app.app_context():
        programme_id = db.session.scalar(select(Programme.id))
    page = analyst.get(f"/agency/programmes/{programme_id}")
    assert analyst.post(f"/agency/programmes/{programme_id}?lang=en", data={
        "csrf_token": csrf_token(page.text), "name": "디지털 전환",
        "eligibility": "{dimension: dx_ax, gte: 45}"}).status_code == 303  # fmt: skip
    after = figures_as_evaluated()
    assert before != after
    page = analyst.get("/agency/programmes")
    assert analyst.post(f"/agency/programmes/{programme_id}/remove",
                        data={"csrf_token": csrf_token(page.text)}).status_code == 303  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProgrammeMatch)) == 0


def test_another_agencys_programme_is_404(app, analyst):
    other = agency_named(app, "경남테크노파크")
    with app.app_context():
        programme = agencies.create_programme(db.session.get(accounts.Organisation, other), None,
                                              name="남의 지원", description="", link="",
                                              eligibility_text=DX_BELOW_100)  # fmt: skip
        db.session.commit()
        programme_id = programme.id
    assert analyst.get(f"/agency/programmes/{programme_id}").status_code == 404
    page = analyst.get("/agency/programmes")
    removed = analyst.post(f"/agency/programmes/{programme_id}/remove",
                           data={"csrf_token": csrf_token(page.text)})  # fmt: skip
    assert removed.status_code == 404


def test_consultants_and_respondents_cannot_open_the_agency_area(app, client):
    make_user(app, "kim@consult.kr", org=("한빛컨설팅", "consultancy"), role="consultant")
    sign_in(client, "kim@consult.kr")
    assert client.get("/agency/firms").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Assessment)) is None


def test_the_dashboard_and_its_exports_never_name_a_firm_or_show_an_answer(app, analyst):
    with app.app_context():
        from assess.services.demo import seed_demo_firms

        seed_demo_firms(40, seed=5, spread=True)
        db.session.commit()
        names = {a.profile["name"] for a in db.session.scalars(select(Assessment))}
        answers = {str(v) for a in db.session.scalars(select(Assessment))
                   for v in a.answers.values() if isinstance(v, str) and len(v) > 6}  # fmt: skip
    page = unescape(analyst.get("/agency?lang=en").text)
    assert "Firms by overall readiness index" in page and "Share of firms at each level" in page
    csv_body = analyst.get("/agency/aggregates.csv?lang=en").data.decode("utf-8-sig")
    xlsx = analyst.get("/agency/aggregates.xlsx")
    assert xlsx.status_code == 200
    for output in (page, csv_body):
        assert not any(name in output for name in names)
        assert not any(f">{answer}<" in output or f",{answer}," in output for answer in answers)


def test_a_narrow_filter_shows_nothing_but_says_why(app, analyst):
    with app.app_context():
        from assess.services.demo import seed_demo_firms

        seed_demo_firms(12, seed=5)
        db.session.commit()
    page = unescape(analyst.get("/agency?lang=en&region=jeju&industry=C10").text)
    assert "Too few firms match these filters" in page
    body = analyst.get("/agency/aggregates.csv?lang=en&region=jeju&industry=C10")
    assert body.data.decode("utf-8-sig").strip().count("\n") == 0  # the header only
