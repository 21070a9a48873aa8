"""The respondent's journey under clumsy and hostile use: no 500, no false "Saved", clear errors.

Each test reproduces one finding of a probe of the journey (racing requests, odd input, forged
headers) and checks the answer a person should get instead.
"""

from __future__ import annotations

import io
import threading
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from assess.extensions import db
from assess.models import Assessment, AssessmentResult
from tests.conftest import csrf_token
from tests.scoring.documents import all_answers, best_answer
from tests.web.journey import PAGES, Q, Respondent, revision_of


def stored(app) -> Assessment:
    with app.app_context():
        assessment = db.session.scalar(select(Assessment))
        db.session.expunge(assessment)
        return assessment


def multiple_question():
    return next(q for q in Q.questions if q.type == "multiple"
                and q.id not in Q.question_conditions)  # fmt: skip


def number_question():
    return next(q for q in Q.questions if q.type == "number"
                and q.id not in Q.question_conditions)  # fmt: skip


def autosave(client, me: Respondent, page: str, fields: list[tuple[str, str]], html=None):
    html = html if html is not None else me.get(page).text
    data = [("csrf_token", csrf_token(html)), ("revision", revision_of(html)), *fields]
    return client.post(me.url(page) + "/autosave", data=MultiDict(data),
                       headers={"Accept": "application/json"})  # fmt: skip


# 1. The check page before the profile is filled.


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_check_page_without_a_profile_says_so_and_links_to_it(client, lang):
    me = Respondent(client)
    me.start(lang)
    response = me.get("check")
    assert response.status_code == 200
    assert f'href="/r/{me.token}/profile"' in response.text
    missing = "회사 정보를 아직 입력하지 않았습니다" if lang == "ko" else "firm's details are missing"
    assert missing in unescape(response.text)


def test_next_on_the_last_section_without_a_profile_reaches_the_check_page(client):
    me = Respondent(client)
    me.start("en")
    response = me.fill_section(PAGES[-1], {}, action="next")
    assert response.status_code == 422  # unanswered questions on the page
    response = me.fill_section(PAGES[-1], {}, action="later")
    assert response.status_code == 302
    assert me.get("check").status_code == 200


def test_submit_without_a_profile_goes_to_the_profile_with_a_message(client, app):
    me = Respondent(client)
    me.start("en")
    html = me.get("profile").text
    response = client.post(me.url("submit"), data={"csrf_token": csrf_token(html)},
                           follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert "Fill in your firm's details before you submit" in unescape(response.text)
    assert stored(app).status == "draft"


# 2. Submit racing a save from another tab.


def test_page_post_after_submit_in_another_tab_leads_to_the_results(client, app):
    me = Respondent(client)
    me.start("en")
    me.answer_everything()
    stale = me.get(PAGES[0]).text  # a second tab, loaded before the submit
    assert me.submit().status_code == 303
    response = me.post_page(PAGES[0], [], html=stale, action="next")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/r/{me.token}/results"
    results = client.get(response.headers["Location"])
    assert "This assessment has already been submitted" in results.text


def test_autosave_after_submit_answers_json_the_script_can_show(client, app):
    me = Respondent(client)
    me.start("ko")
    me.answer_everything()
    stale = me.get(PAGES[0]).text
    me.submit()
    first = Q.questions_of(PAGES[0])[0]
    response = autosave(client, me, PAGES[0], [(first.id, first.options[0].id)], html=stale)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "submitted"
    assert "제출" in body["message"]


def test_submit_racing_saves_never_fails(app):
    """One tab submits while others autosave and post pages: every request gets an answer."""
    rounds = 3
    for _ in range(rounds):
        statuses = race_submit_against_saves(app, savers=6)
        assert len(statuses) == 7
        assert all(status < 500 for _, status in statuses), statuses
        assert ("submit", 303) in statuses
    with app.app_context():
        assert db.session.query(AssessmentResult).count() == rounds


def race_submit_against_saves(app, savers: int) -> list[tuple[str, int]]:
    """Start ``savers`` saves (autosaves and page posts) and one submit at the same moment."""
    me = Respondent(app.test_client())
    me.start("en")
    me.answer_everything(all_answers(Q, best_answer, me.firm))
    html = me.get(PAGES[0]).text
    check = me.get("check").text
    first = Q.questions_of(PAGES[0])[0]
    barrier = threading.Barrier(savers + 1)
    statuses: list[tuple[str, int]] = []
    session = me.client.get_cookie("session").value

    def tab():
        """Another tab of the same browser: its own connection, the same session cookie."""
        client = app.test_client()
        client.set_cookie("session", session)
        return client

    def save(kind: str, index: int) -> None:
        client = tab()
        barrier.wait()
        option = first.options[index % len(first.options)].id
        if kind == "autosave":
            response = autosave(client, me, PAGES[0], [(first.id, option)], html=html)
        else:
            response = client.post(me.url(PAGES[0]), data=MultiDict([
                ("csrf_token", csrf_token(html)), ("revision", revision_of(html)),
                ("action", "later"), (first.id, option)]))  # fmt: skip
        statuses.append((kind, response.status_code))

    def submit() -> None:
        client = tab()
        barrier.wait()
        response = client.post(me.url("submit"), data={"csrf_token": csrf_token(check)})
        statuses.append(("submit", response.status_code))

    threads = [threading.Thread(target=save, args=("autosave" if i % 2 else "page", i))
               for i in range(savers)] + [threading.Thread(target=submit)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


# 3. Revision numbers the database cannot hold.


@pytest.mark.parametrize("revision", ["9223372036854775808", "2147483648", "-1", "1e9", "x"])
def test_out_of_range_revision_is_a_conflict_not_a_crash(client, app, revision):
    me = Respondent(client)
    me.start("en")
    html = me.get("profile").text
    fields = [(k, str(v)) for k, v in me.firm.items()]
    response = client.post(me.url("profile"), data=MultiDict([
        ("csrf_token", csrf_token(html)), ("revision", revision), ("action", "next"), *fields]))
    assert response.status_code == 409
    assert "changed in another window" in response.text
    assert me.firm["name"] in response.text  # what was typed is kept
    page = me.get(PAGES[0]).text
    first = Q.questions_of(PAGES[0])[0]
    data = [("csrf_token", csrf_token(page)), ("revision", revision), ("action", "next"),
            (first.id, first.options[0].id)]  # fmt: skip
    assert client.post(me.url(PAGES[0]), data=MultiDict(data)).status_code == 409
    response = client.post(me.url(PAGES[0]) + "/autosave", data=MultiDict(data))
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    assert stored(app).answers == {}


# 4. and 7. Free text: control characters, blank names.


@pytest.mark.parametrize("name", ["a\x00b", "tab\there", "line\nbreak", "bidi\u202eevil"])
def test_control_characters_in_the_firm_name_are_refused_with_a_field_error(client, app, name):
    me = Respondent(client)
    me.start("en")
    response = me.fill_profile(name=name)
    assert response.status_code == 422
    assert "Firm name: Remove the control characters" in response.text
    assert stored(app).profile == {}


@pytest.mark.parametrize("name", ["  ", "\u200b", "\u200b\u202c", "\u3000"])
def test_a_blank_firm_name_is_not_a_name(client, app, name):
    me = Respondent(client)
    me.start("ko")
    response = me.fill_profile(name=name)
    assert response.status_code == 422
    assert "회사명을 입력하세요" in response.text
    assert stored(app).profile == {}


def test_korean_name_with_spaces_is_kept(client, app):
    me = Respondent(client)
    me.start("ko")
    assert me.fill_profile(name="  (주) 예시 정밀  ").status_code == 302
    assert stored(app).profile["name"] == "(주) 예시 정밀"


# 5. Autosave never says saved for a value it did not store.


# The last is 12 with leading zeros, longer than a number field takes (NUMBER_MAX_CHARS).
@pytest.mark.parametrize("raw", ["-1", "150000000000", "nan", "1e309", "12,000.5.1", "abc",
                                 "0" * 29 + "12"])
def test_autosave_of_a_rejected_number_is_not_saved_and_names_the_field(client, app, raw):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    question = number_question()
    good = autosave(client, me, question.dimension, [(question.id, str(int(question.min)))])
    assert good.status_code == 200 and good.get_json()["saved"] is True
    response = autosave(client, me, question.dimension, [(question.id, raw)])
    assert response.status_code == 422
    body = response.get_json()
    assert body["saved"] is False
    assert body["error"] == "invalid"
    assert question.id in body["errors"]
    assert stored(app).answers[question.id] == int(question.min)


# 6. (one tab conflicting with itself) is a browser matter: tests/e2e/test_progressive.py.

# 8. The resume link does not come from the Host header.


def test_resume_link_ignores_a_forged_host_header(app):
    app.config["PUBLIC_URL"] = "https://assess.example.kr"
    client = app.test_client()
    page = client.get("/start", headers={"Host": "evil.example"})
    response = client.post("/start", data={"csrf_token": csrf_token(page.text)},
                           headers={"Host": "evil.example"}, follow_redirects=True)  # fmt: skip
    assert "evil.example" not in response.text
    assert 'value="https://assess.example.kr/r/' in response.text


def test_behind_a_trusted_proxy_https_is_seen_and_hsts_sent(database_url, tmp_path):
    from assess import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": 1, "PDF_CACHE_DIR": str(tmp_path)})  # fmt: skip
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    untrusted = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                            "PDF_CACHE_DIR": str(tmp_path)})  # fmt: skip
    response = untrusted.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


# 9. Messages that say what is wrong.


def test_an_oversized_chunked_body_is_413_not_session_expired(client):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()

    body = b"revision=2&" + b"a" * (10 * 1024 * 1024) + b"&csrf_token=x"
    # As gunicorn passes a chunked upload: no length, the server ends the stream.
    response = client.post(me.url(PAGES[0]), input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})  # fmt: skip
    assert response.status_code == 413
    assert "session expired" not in response.text
    assert "too large" in response.text


def test_autosave_too_large_answers_json(client):
    me = Respondent(client)
    me.start("en")
    me.fill_profile()
    response = client.post(me.url(PAGES[0]) + "/autosave", data={"x": "a" * (2 * 1024 * 1024)},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_a_body_that_is_not_utf8_is_400_saying_so(client, app):
    me = Respondent(client)
    me.start("en")
    html = me.get("profile").text
    body = (f"csrf_token={csrf_token(html)}&revision={revision_of(html)}&action=next"
            "&name=%FF%FEbad").encode()  # fmt: skip
    response = client.post(me.url("profile"), data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400
    assert "UTF-8" in response.text
    assert "session expired" not in response.text
    assert stored(app).profile == {}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_error_of_a_page_is_shown_in_the_page_language(client, lang):
    me = Respondent(client)
    me.start(lang)
    me.fill_profile()
    question = multiple_question()
    number = next(q for q in Q.questions_of(question.dimension) if q.type == "number"
                  and q.id not in Q.question_conditions)  # fmt: skip
    option = question.options[0].id
    response = me.post_page(question.dimension, [
        (question.id, option), (question.id, option), (number.id, "-5")], action="later")
    assert response.status_code == 422
    twice = "같은 보기를 두 번 골랐습니다" if lang == "ko" else "An option is chosen twice"
    assert twice in response.text
    assert f'id="{number.id}-error"' in response.text
    assert f'id="{question.id}-error"' in response.text
    assert "an option is chosen twice" not in response.text  # the untranslated engine message


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_profile_error_is_listed(client, lang):
    me = Respondent(client)
    me.start(lang)
    response = me.fill_profile(name="", employees="-3", ceo_age="abc", founded_year="")
    assert response.status_code == 422
    for field in ("name", "employees", "ceo_age", "founded_year"):
        assert f'id="{field}-error"' in response.text
        assert f'href="#{field}"' in response.text
