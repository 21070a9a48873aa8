"""Re-assessing a firm last assessed on questionnaire v1: it starts on the current version, from
the previous answers (each marked for review) or empty, and the results say the version changed."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assess.extensions import db
from assess.models import Assessment
from assess.questionnaire import get_questionnaire
from assess.scoring.carry import carried_answers
from assess.services.drafts import find_by_token
from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM, all_answers, best_answer, shipped, worst_answer
from tests.web.journey import Respondent, form_fields

V1 = shipped()


def on_v1(app, token: str) -> None:
    """Put a fresh draft on questionnaire v1, as drafts started before v2 shipped are."""
    with app.app_context():
        assessment = find_by_token(token)
        assessment.questionnaire_version = 1
        db.session.commit()


@pytest.fixture
def v1_firm(app, client):
    """A firm whose last assessment, submitted on v1, answered every question."""
    me = Respondent(client)
    me.start("ko")
    on_v1(app, me.token)
    answers = me.answer_everything(all_answers(V1, worst_answer, BASE_FIRM))
    assert me.submit().status_code == 303
    return me, answers


def again(client, me: Respondent, start: str) -> Respondent:
    page = client.get(me.url("results"))
    response = client.post(me.url("again"), data={"csrf_token": csrf_token(page.text),
                                                   "start": start})  # fmt: skip
    assert response.status_code == 303
    return Respondent(client, token=response.headers["Location"].split("/r/")[1].split("/")[0])


def stored(app, token: str) -> Assessment:
    with app.app_context():
        assessment = find_by_token(token)
        db.session.expunge(assessment)
        return assessment


def test_results_of_a_v1_assessment_offer_to_start_from_its_answers_on_the_new_version(
        app, client, v1_firm):
    me, _ = v1_firm
    page = client.get(me.url("results") + "?lang=en")
    assert "version 1, now version 2" in unescape(page.text)
    assert 'value="previous"' in page.text and 'value="blank"' in page.text


def test_starting_from_v1_answers_carries_those_that_fit_v2_each_marked(app, client, v1_firm):
    me, answers = v1_firm
    new = again(client, me, "previous")
    assessment = stored(app, new.token)
    assert assessment.questionnaire_version == 2
    assert assessment.profile == stored(app, me.token).profile
    v2 = get_questionnaire(app.config["QUESTIONNAIRE_DIR"], "ax-readiness", 2)
    expected = carried_answers(answers, BASE_FIRM, v2)
    assert expected and assessment.answers == expected
    assert assessment.to_review == sorted(expected)

    profile = client.get(new.url("profile") + "?lang=en").text
    assert f"and {len(expected)} answers from it" in unescape(profile)
    section = client.get(new.url("dx_ax") + "?lang=en").text
    carried_here = [q.id for q in v2.questions_of("dx_ax") if q.id in expected]
    for qid in carried_here:
        assert f'id="{qid}-carried"' in section
    check = client.get(new.url("check") + "?lang=en").text
    assert f"{len(expected)} answers carried over from your last assessment" in unescape(check)


def test_saving_a_page_with_its_button_marks_its_carried_answers_checked(app, client, v1_firm):
    me, answers = v1_firm
    new = again(client, me, "previous")
    before = set(stored(app, new.token).to_review)
    v2_dx = [q.id for q in V1.questions_of("dx_ax")]
    response = new.fill_section("dx_ax", answers)
    assert response.status_code == 302
    after = set(stored(app, new.token).to_review)
    assert after == before - set(v2_dx)
    assert "-carried" not in client.get(new.url("dx_ax")).text


def test_autosave_unmarks_only_the_answers_that_changed(app, client, v1_firm):
    me, answers = v1_firm
    new = again(client, me, "previous")
    page = "roi"
    questions = [q for q in V1.questions_of(page) if q.id in answers]
    changed = next(q for q in questions if q.type == "single"
                   and best_answer(V1, q.id) != answers[q.id])  # fmt: skip
    html = new.get(page).text
    fields = [pair for q in questions for pair in form_fields(
        q.id, best_answer(V1, q.id) if q is changed else answers[q.id])]  # fmt: skip
    data = [("csrf_token", csrf_token(html)), ("revision", re.search(
        r'name="revision"[^>]*value="(\d+)"', html).group(1)), *fields]  # fmt: skip
    response = client.post(new.url(page) + "/autosave", data=MultiDict(data),
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200
    to_review = set(stored(app, new.token).to_review)
    assert changed.id not in to_review
    assert {q.id for q in questions if q is not changed} <= to_review


def test_starting_empty_copies_the_profile_and_no_answers(app, client, v1_firm):
    me, _ = v1_firm
    new = again(client, me, "blank")
    assessment = stored(app, new.token)
    assert assessment.questionnaire_version == 2
    assert assessment.answers == {} and assessment.to_review == []
    assert assessment.profile == stored(app, me.token).profile
    profile = client.get(new.url("profile") + "?lang=en").text
    assert "No answers were copied." in profile


def test_the_change_across_versions_is_shown_per_dimension_with_a_note(app, client, v1_firm):
    me, answers = v1_firm
    new = again(client, me, "previous")
    for page in [d.id for d in V1.dimensions]:
        assert new.fill_section(page, answers).status_code == 302
    assert new.submit().status_code == 303
    page = unescape(client.get(new.url("results") + "?lang=en").text)
    assert ("The last assessment used questionnaire version 1 and this one version 2. Questions "
            "and scoring changed between versions") in page
    with app.app_context():
        ids = [a.id for a in db.session.scalars(select(Assessment).order_by(Assessment.id))]
    assert stored(app, new.token).previous_id == ids[0]
    assert '<th scope="col" class="num">Change</th>' in page
    changes = re.findall(r'<td class="num">(?:<span class="[^"]*">([+-]\d+\.\d)</span>|–)</td>', page)
    assert len(changes) == len(V1.dimensions) + 1  # each dimension and the overall index
    assert "Last time: " in page


def test_carried_answers_drop_unknown_questions_options_and_questions_that_no_longer_apply():
    v2 = shipped()  # the same checks hold for any target version
    answers = all_answers(V1, worst_answer, BASE_FIRM)
    single = next(q for q in V1.questions if q.type == "single")
    hostile = {**answers, "gone_question": "x", single.id: "gone_option"}
    kept = carried_answers(hostile, BASE_FIRM, v2)
    assert "gone_question" not in kept and single.id not in kept
    assert set(kept) <= set(answers)
    exporter = {**answers, "exp_status": "none"}
    assert not any(k.startswith("exp_") and k != "exp_status"
                   for k in carried_answers(exporter, BASE_FIRM, v2))  # fmt: skip
