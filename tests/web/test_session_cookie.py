"""The session cookie is sent when it changes, not on every response: a respondent's pages and
autosaves after the first set no cookie; a signed-in session still ends when it is presented by
another browser (strong session protection)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from tests.conftest import csrf_token
from tests.scoring.documents import all_answers, worst_answer
from tests.web.journey import PAGES, Q, Respondent, form_fields, revision_of
from tests.web.test_auth import FAST_HASHING, make_user, sign_in, signed_in


def test_a_respondents_pages_and_autosaves_set_no_cookie_once_the_session_exists(client):
    me = Respondent(client)
    me.start("ko")
    assert me.fill_profile().status_code == 302
    html = me.get(PAGES[0]).text
    answers = all_answers(Q, worst_answer, me.firm)
    fields = [pair for q in Q.questions_of(PAGES[0]) for pair in form_fields(q.id, answers[q.id])]
    revision = revision_of(html)
    for _ in range(3):
        page = me.get(PAGES[0])
        assert page.status_code == 200
        assert page.headers.getlist("Set-Cookie") == []
        body = MultiDict([("csrf_token", csrf_token(html)), ("revision", revision), *fields])
        saved = client.post(me.url(PAGES[0]) + "/autosave", data=body)
        assert saved.status_code == 200
        assert saved.headers.getlist("Set-Cookie") == []
        revision = str(saved.get_json()["revision"])


def test_a_signed_in_session_presented_by_another_browser_is_signed_out(app):
    app.config.update(FAST_HASHING)
    make_user(app)
    mine = app.test_client()
    mine.environ_base["HTTP_USER_AGENT"] = "Firefox/140"
    assert sign_in(mine).status_code == 303
    assert signed_in(mine)
    cookie = mine.get_cookie("session").value
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "Chrome/150"
    other.set_cookie("session", cookie)
    assert not signed_in(other)
    same = app.test_client()
    same.environ_base["HTTP_USER_AGENT"] = "Firefox/140"
    same.set_cookie("session", cookie)
    assert signed_in(same)
