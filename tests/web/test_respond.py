"""The CEO's journey through the test client: start, answer, resume, skip logic, submit, results."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, AssessmentResult, Consent
from assess.services import accounts, drafts
from tests.conftest import csrf_token
from tests.scoring.documents import Solver, all_answers, best_answer, worst_answer
from tests.web.journey import PAGES, Q, Respondent, revision_of


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_whole_journey(client, app, lang):
    me = Respondent(client)
    me.start(lang)
    page = me.get("profile")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert me.token in page.text  # the private link is shown at once
    assert page.headers["Cache-Control"] == "no-store"
    me.answer_everything()
    check = me.get("check")
    assert check.status_code == 200 and me.firm["name"] in check.text
    response = me.submit()
    assert response.status_code == 303
    results = client.get(response.headers["Location"])
    assert results.status_code == 200
    html = results.text
    assert "<svg" in html and "<table" in html
    first_dim = Q.dimensions[0].name.get(lang)
    assert first_dim in html
    assert 'class="finding"' in html and "case-box" in html
    word = "출처" if lang == "ko" else "Source"
    assert word in html
    with app.app_context():
        assessment = db.session.scalar(select(Assessment))
        assert assessment.status == "submitted"
        assert db.session.get(AssessmentResult, assessment.id) is not None


def test_resume_from_a_second_client_lands_on_first_unanswered_page(app, client):
    me = Respondent(client)
    me.start()
    assert me.fill_profile().status_code == 302
    answers = all_answers(Q, best_answer, me.firm)
    assert me.fill_section(PAGES[0], answers).status_code == 302
    other = app.test_client()
    response = other.get(f"/r/{me.token}/")
    assert response.status_code == 302
    # A new device continues in the language the assessment was started in.
    assert response.headers["Location"].endswith(f"/r/{me.token}/{PAGES[1]}?lang=ko")
    # The second device sees the answers the first one saved.
    page = other.get(f"/r/{me.token}/{PAGES[0]}").text
    first = Q.questions_of(PAGES[0])[0]
    assert re.search(rf'name="{first.id}" value="{answers[first.id]}" checked', page)


def test_wrong_token_is_404(client):
    assert client.get("/r/not-a-real-token/").status_code == 404
    assert client.get("/r/not-a-real-token/profile").status_code == 404
    assert client.post("/r/not-a-real-token/submit").status_code == 404


def test_unanswered_questions_are_flagged_and_typed_answers_kept(client):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    first, second = Q.questions_of(PAGES[0])[:2]
    option = first.options[0].id
    response = me.fill_section(PAGES[0], {first.id: option})
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert f'href="#{second.id}-field"' in response.text
    assert re.search(rf'name="{first.id}" value="{option}" checked', response.text)
    # What was given is saved even though the page was incomplete.
    assert re.search(rf'name="{first.id}" value="{option}" checked', me.get(PAGES[0]).text)


def test_bad_number_is_refused_with_a_clear_error(client):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    number = next(
        q for q in Q.questions if q.type == "number" and q.id not in Q.question_conditions
    )
    response = me.fill_section(number.dimension, {number.id: "lots"})
    assert response.status_code == 422
    assert "Enter a number" in response.text
    assert 'value="lots"' in response.text


def test_skip_logic_is_enforced_on_the_server(client, app):
    conditional = next(iter(Q.question_conditions))
    question = Q.questions_by_id[conditional]
    me = Respondent(client)
    me.start()
    answers, firm = all_answers(Q, best_answer, me.firm), dict(me.firm)
    Solver(Q).satisfy(Q.question_conditions[conditional], answers, firm)
    me.firm = firm
    me.fill_profile()
    me.fill_section(question.dimension, answers)
    page = me.get(question.dimension).text
    assert re.search(rf'data-question="{conditional}"\s+aria-describedby="[^"]*"\s*>', page)
    # Now change the gating answer so the question stops applying: it is hidden and cleared.
    closed, firm2 = dict(answers), dict(firm)
    Solver(Q).satisfy(Q.question_conditions[conditional], closed, firm2, negate=True)
    me.firm = firm2
    me.fill_profile()
    response = me.fill_section(question.dimension, {k: v for k, v in closed.items()
                                                    if k != conditional})  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    page = me.get(question.dimension).text
    assert re.search(rf'data-question="{conditional}"[^>]*hidden disabled', page)
    with app.app_context():
        stored = db.session.scalar(select(Assessment)).answers
        assert conditional not in stored


def test_double_submit_makes_one_submission(client, app):
    me = Respondent(client)
    me.start()
    me.answer_everything()
    html = me.get("check").text
    token = csrf_token(html)
    first = client.post(me.url("submit"), data={"csrf_token": token})
    second = client.post(me.url("submit"), data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentResult)) == 1
        assert db.session.scalar(select(Assessment)).status == "submitted"


def test_two_tabs_get_a_conflict_not_a_silent_overwrite(client, app):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    tab_one = me.get(PAGES[0]).text
    tab_two = me.get(PAGES[0]).text
    answers = all_answers(Q, best_answer, me.firm)
    worst = all_answers(Q, worst_answer, me.firm)
    fields = lambda a: [(q.id, a[q.id]) for q in Q.questions_of(PAGES[0]) if q.type == "single"]  # noqa: E731
    assert me.post_page(PAGES[0], fields(answers), html=tab_one, action="later").status_code == 302
    response = me.post_page(PAGES[0], fields(worst), html=tab_two)
    assert response.status_code == 409
    assert "changed in another window" in response.text
    first = Q.questions_of(PAGES[0])[0]
    with app.app_context():
        assert db.session.scalar(select(Assessment)).answers[first.id] == answers[first.id]
    # The page shows what this tab typed, with the new revision: saving again is a choice.
    assert re.search(rf'name="{first.id}" value="{worst[first.id]}" checked', response.text)
    again = me.post_page(PAGES[0], fields(worst), html=response.text, action="later")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Assessment)).answers[first.id] == worst[first.id]


def test_expired_csrf_keeps_the_typed_answers(client, app):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    html = me.get(PAGES[0]).text
    first = Q.questions_of(PAGES[0])[0]
    option = first.options[-1].id
    response = client.post(me.url(PAGES[0]), data={
        "csrf_token": "expired-or-forged", "revision": revision_of(html),
        "action": "next", first.id: option})  # fmt: skip
    assert response.status_code == 400
    assert "session expired" in response.text
    assert re.search(rf'name="{first.id}" value="{option}" checked', response.text)
    # Confirming (posting the re-rendered form) saves them.
    confirm = me.post_page(PAGES[0], [(first.id, option)], html=response.text, action="later")
    assert confirm.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Assessment)).answers[first.id] == option


def test_autosave_saves_one_change_and_reports_skip_logic(client, app):
    me = Respondent(client)
    me.start()
    me.fill_profile()
    html = me.get(PAGES[0]).text
    first = Q.questions_of(PAGES[0])[0]
    response = client.post(me.url(PAGES[0]) + "/autosave", data={
        "csrf_token": csrf_token(html), "revision": revision_of(html),
        first.id: first.options[0].id})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["saved"] and first.id in body["applicable"]
    with app.app_context():  # the answer tells what was stored, not what was there before
        stored = db.session.scalar(select(Assessment))
        assert body["revision"] == stored.revision == int(revision_of(html)) + 1
        assert body["applicable"] == drafts.applicable_questions(stored)
    stale = client.post(me.url(PAGES[0]) + "/autosave", data={
        "csrf_token": csrf_token(html), "revision": revision_of(html),
        first.id: first.options[1].id})  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    with app.app_context():
        assert db.session.scalar(select(Assessment)).answers[first.id] == first.options[0].id


XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}"]


@pytest.mark.parametrize("payload", XSS)
def test_free_text_is_escaped(client, payload):
    me = Respondent(client)
    me.start("en")
    me.firm["name"] = payload
    me.answer_everything()
    me.submit()
    for page in ("check", "results", "profile"):
        html = client.get(me.url(page), follow_redirects=True).text
        assert payload not in html or payload == "{{7*7}}"
        if payload == "{{7*7}}":
            assert "{{7*7}}" in html and ">49<" not in html


def test_consent_names_the_agency_is_explicit_recorded_and_withdrawable(client, app):
    with app.app_context():
        agency = accounts.create_organisation("부산중소기업지원센터", "agency")
        db.session.commit()
        agency_id = agency.id
    me = Respondent(client)
    me.start("en")
    me.answer_everything()
    me.submit()
    page = unescape(client.get(me.url("results")).text)
    assert "Share my results with 부산중소기업지원센터" in page
    assert "Not your individual answers" in page and "Saying no is fine" in page
    assert 'name="share" value="y"' in page and "checked" not in page.split('name="share"')[1][:40]
    token = csrf_token(page)
    # Not ticked: nothing is recorded.
    client.post(me.url("consent"), data={"csrf_token": token, "action": "give",
                                         "agency": agency_id})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 0
    client.post(me.url("consent"), data={"csrf_token": token, "action": "give", "share": "y",
                                         "agency": agency_id})  # fmt: skip
    with app.app_context():
        consent = db.session.scalar(select(Consent))
        assert consent.withdrawn_at is None and consent.text_version and consent.given_at
        assert consent.organisation_id == agency_id
    assert "Withdraw consent" in client.get(me.url("results")).text
    client.post(me.url("consent"), data={"csrf_token": token, "action": "withdraw",
                                         "agency": agency_id})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(Consent)).withdrawn_at is not None
    unknown = client.post(me.url("consent"), data={"csrf_token": token, "action": "give",
                                                   "share": "y", "agency": 999_999})  # fmt: skip
    assert unknown.status_code == 404


def test_reassessment_shows_the_last_result_and_the_change(client, app):
    me = Respondent(client)
    me.start("en")
    me.answer_everything(all_answers(Q, worst_answer, me.firm))
    me.submit()
    results = client.get(me.url("results")).text
    response = client.post(me.url("again"), data={"csrf_token": csrf_token(results)})
    assert response.status_code == 303
    second = Respondent(client, token=response.headers["Location"].split("/r/")[1].split("/")[0])
    profile = second.get("profile").text
    assert "Your last assessment" in profile
    second.answer_everything(all_answers(Q, best_answer, second.firm))
    second.submit()
    html = client.get(second.url("results")).text
    assert "Last time" in html and "Change" in html and "delta-up" in html
    with app.app_context():
        firms = {a.firm_id for a in db.session.scalars(select(Assessment))}
        assert len(firms) == 1


def test_benchmark_appears_once_the_cohort_is_big_enough(client, app):
    tokens = []
    for _ in range(6):
        me = Respondent(client)
        me.start("en")
        me.answer_everything()
        me.submit()
        tokens.append(me.token)
    html = client.get(f"/r/{tokens[-1]}/results").text
    assert "Among 5 firms" in html
