"""The session cookie is sent when it changes, not on every response: a respondent's pages and
autosaves after the first set no cookie; a signed-in session still ends when it is presented by
another browser (strong session protection)."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

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


def autosave_status(client, me: Respondent, html: str) -> int:
    """An autosave of the first page with the CSRF token of ``html``: its status."""
    answers = all_answers(Q, worst_answer, me.firm)
    fields = [pair for q in Q.questions_of(PAGES[0]) for pair in form_fields(q.id, answers[q.id])]
    body = MultiDict([("csrf_token", csrf_token(html)), ("revision", revision_of(html)), *fields])
    return client.post(me.url(PAGES[0]) + "/autosave", data=body).status_code


def test_a_cookie_read_before_still_stops_working_when_its_lifetime_ends(app, client):
    # The server remembers cookies it has checked; that must not stretch their lifetime.
    app.permanent_session_lifetime = timedelta(seconds=30)
    me = Respondent(client)
    me.start("ko")
    me.fill_profile()
    html = me.get(PAGES[0]).text
    assert me.get(PAGES[0]).status_code == 200  # the same cookie, read again
    assert autosave_status(client, me, html) == 200
    later = time.time() + 90  # the cookie is past its 30 s; the page's token (1 h) is not
    with mock.patch.object(time, "time", lambda: later):
        assert autosave_status(client, me, html) == 400


def test_a_tampered_cookie_opens_an_empty_session_after_the_real_one_was_read(client):
    me = Respondent(client)
    me.start("ko")
    me.fill_profile()
    html = me.get(PAGES[0]).text
    real = client.get_cookie("session").value
    client.set_cookie("session", real[:-2] + ("AA" if not real.endswith("AA") else "BB"))
    assert autosave_status(client, me, html) == 400
    client.set_cookie("session", real)
    assert autosave_status(client, me, html) == 200


def test_pages_of_one_session_share_a_token_and_other_sessions_get_their_own(app, client):
    me, other = Respondent(client), Respondent(app.test_client())
    me.start("ko")
    other.start("ko")
    me.fill_profile()
    other.fill_profile()
    first, second = me.get(PAGES[0]).text, me.get(PAGES[1]).text
    assert csrf_token(first) == csrf_token(second)
    assert csrf_token(other.get(PAGES[0]).text) != csrf_token(first)
    assert autosave_status(client, me, first) == 200


def test_a_token_checked_before_still_expires_after_its_time_limit(app, client):
    me = Respondent(client)
    me.start("ko")
    me.fill_profile()
    html = me.get(PAGES[0]).text
    assert autosave_status(client, me, html) == 200
    html = me.get(PAGES[0]).text  # the next revision, with the same token
    assert autosave_status(client, me, html) == 200  # the token checked again
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 5
    with mock.patch.object(time, "time", lambda: later):
        assert autosave_status(client, me, html) == 400
