"""Degraded dependencies, through the HTTP surface: Redis away, the database refusing writes
(read-only, or its disk full), the database unreachable. Each is real, not mocked: a closed port,
a read-only connection (SQLite's ``query_only``, PostgreSQL's ``default_transaction_read_only``),
a database that may not grow (SQLite's ``max_page_count``), a server that is not there.

What must hold: sign-in works and stays throttled; answers save, submit succeeds and the PDF is
rendered on request when nothing can be queued; a batch that cannot be queued says so; a save that
cannot be written is a 503 saying it was NOT saved (a page, or JSON the autosave script shows), and
nothing of it is kept; an unreachable database is a 503 page with the request id; the health
checks tell which dependency is down.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import MultiDict

from assess import create_app
from assess.extensions import db
from assess.models import Assessment, AssessmentResult, Job, LoginFailure
from assess.services import accounts, clients, drafts, submission
from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM, all_answers, worst_answer
from tests.security.test_headers import header_problems
from tests.web.journey import PAGES, Q, Respondent, form_fields, revision_of
from tests.web.test_auth import make_user, sign_in
from tests.web.test_health import closed_port

NOT_SAVED = {"ko": "방금 보낸 내용은 저장되지 않았습니다",
             "en": "what you just sent was NOT saved"}  # fmt: skip
CANNOT_SHOW = {"ko": "지금은 이 페이지를 보여 드릴 수 없습니다",
               "en": "this page cannot be shown now"}  # fmt: skip
QUEUE_DOWN = {"ko": "작업 대기열에 연결할 수 없어", "en": "the job queue is not reachable"}
LEAKS = ("Traceback", "OperationalError", "InternalError", "sqlite3", "psycopg", "SELECT ",
         "UPDATE ", "INSERT ")  # fmt: skip


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)


def first_page_answers() -> list[tuple[str, str]]:
    answers = all_answers(Q, worst_answer)
    return [pair for q in Q.questions_of(PAGES[0]) if q.id in answers
            for pair in form_fields(q.id, answers[q.id])]  # fmt: skip


def check_unavailable_json(response, wanted: str) -> None:
    """The 503 the autosave script shows: its ``message`` (see assess/static/respond.js)."""
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "unavailable"
    assert wanted in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert int(response.headers["Retry-After"]) > 0
    assert [leak for leak in LEAKS if leak in response.get_data(as_text=True)] == []
    assert header_problems(response) == []


def check_unavailable_page(response, wanted: str) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert wanted in page
    assert response.headers["X-Request-ID"] in page  # the reference to quote
    assert response.headers["Cache-Control"] == "no-store"
    assert [leak for leak in LEAKS if leak in page] == []
    assert header_problems(response) == []


# Redis away: REDIS_URL names a port nothing listens on (sign-in throttling and the job queue).


@pytest.fixture
def redis_down(app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/5"
    return app


def test_sign_in_works_and_stays_throttled_while_redis_is_down(redis_down, caplog):
    app = redis_down
    make_user(app, "kim@example.kr")
    assert sign_in(app.test_client(), "kim@example.kr").status_code == 303
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
    guesser = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    tries = [sign_in(guesser, "kim@example.kr", "not-the-password").status_code
             for _ in range(limit)]  # fmt: skip
    assert tries == [401] * limit
    assert sign_in(guesser, "kim@example.kr", "not-the-password").status_code == 429
    with app.app_context():  # counted in the database meanwhile
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) >= limit


def test_answers_save_and_submit_while_redis_is_down_and_the_pdf_is_made_on_request(redis_down,
                                                                                     caplog):  # fmt: skip
    app = redis_down
    client = app.test_client()
    me = Respondent(client)
    me.start()
    assert me.fill_profile().status_code == 302
    html = me.get(PAGES[0]).text
    saved = client.post(me.url(PAGES[0]) + "/autosave", data=MultiDict([
        ("csrf_token", csrf_token(html)), ("revision", revision_of(html)),
        *first_page_answers()]))  # fmt: skip
    assert saved.status_code == 200 and saved.get_json()["saved"], saved.get_json()
    me.answer_everything()
    submitted = me.submit()
    assert submitted.status_code == 303
    assert client.get(submitted.headers["Location"]).status_code == 200
    # The render queued at submit could not be: logged, and the submit stands.
    assert any("could not queue" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert db.session.scalar(select(Assessment)).status == "submitted"
    # No worker can be rendering it, so the download renders it at once (not "being prepared").
    report = client.get(me.url("report-ko.pdf"))
    assert report.status_code == 200
    assert report.mimetype == "application/pdf" and report.data.startswith(b"%PDF")


@pytest.fixture
def consultant_with_a_client(redis_down):
    """A signed-in consultant with one client whose assessment is submitted; an API token."""
    app = redis_down
    make_user(app, "kim@consult.kr", org=("한빛컨설팅", "consultancy"), role="consultant")
    with app.app_context():
        user = accounts.find_user("kim@consult.kr")
        firm = clients.create_client(user.organisation, dict(BASE_FIRM), user)
        assessment, _ = clients.start_for_client(firm, user, "ko")
        drafts.save_answers(assessment, all_answers(Q, worst_answer), assessment.revision)
        submission.submit(assessment)
        _, token = accounts.create_token(user, 30)
        db.session.commit()
        firm_id, assessment_id = firm.id, assessment.id
    browser = app.test_client()
    assert sign_in(browser, "kim@consult.kr").status_code == 303
    return app, browser, firm_id, assessment_id, token


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_batch_says_the_queue_is_down_and_starts_nothing(consultant_with_a_client, lang):
    app, browser, firm_id, _, _ = consultant_with_a_client
    listing = browser.get(f"/clients?lang={lang}")
    response = browser.post("/batches", data={"csrf_token": csrf_token(listing.text),
                                              "client": str(firm_id), "language": "en"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/clients"
    page = browser.get("/clients")
    assert page.status_code == 200
    assert QUEUE_DOWN[lang] in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_api_batch_is_a_503_with_retry_after_while_the_queue_is_down(
        consultant_with_a_client):  # fmt: skip
    app, _, _, assessment_id, token = consultant_with_a_client
    response = app.test_client().post("/api/v1/reports/batch", json={
        "assessments": [assessment_id], "language": "en"},
        headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "queue_unavailable"
    assert QUEUE_DOWN["en"] in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert int(response.headers["Retry-After"]) > 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_readyz_reports_the_queue_down(redis_down):
    response = redis_down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["queue"]


# The database refusing writes: read-only, or its disk full.


@pytest.fixture(params=["read-only", "disk full"])
def refusal(request, app):
    if request.param == "disk full" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith(
            "sqlite"):  # fmt: skip
        pytest.skip("a full disk is simulated with SQLite's max_page_count; PostgreSQL's would "
                    "need a real disk filled")  # fmt: skip
    app.config["WTF_CSRF_ENABLED"] = False  # the subject here is the database, not the form
    return request.param


@contextmanager
def writes_refused(app, refusal: str):
    """Until the block ends, the app's new database connections cannot write (read-only) or
    cannot make the database grow by a page (disk full: after VACUUM, no free page is left)."""
    with app.app_context():
        engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    if refusal == "disk full":
        connection = engine.raw_connection()
        connection.execute("VACUUM")  # the pages freed by earlier tests would be written first
        connection.close()

    def refuse(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if refusal == "disk full":
            cursor.execute("PRAGMA max_page_count = 1")  # raised to the current size: no growth
        elif sqlite:
            cursor.execute("PRAGMA query_only = 1")
        else:
            cursor.execute("SET default_transaction_read_only = on")
        cursor.close()
        if not sqlite:
            dbapi_connection.commit()  # a SET in a rolled-back transaction would be undone

    engine.dispose()
    event.listen(engine, "connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "connect", refuse)
        engine.dispose()


def drafts_to_save(app, count: int, answered: bool) -> list[tuple[str, int]]:
    """(resume token, revision) of ``count`` drafts with a profile (and every answer)."""
    made = []
    with app.app_context():
        for _ in range(count):
            assessment, token = drafts.start_assessment("ko")
            drafts.save_profile(assessment, dict(BASE_FIRM), assessment.revision)
            if answered:
                drafts.save_answers(assessment, all_answers(Q, worst_answer), assessment.revision)
            db.session.flush()
            made.append((token, assessment.revision))
        db.session.commit()
    return made


def stored(app, token: str) -> tuple:
    with app.app_context():
        a = drafts.find_by_token(token)
        result = db.session.get(AssessmentResult, a.id)
        return a.status, a.revision, dict(a.answers), a.submitted_at, result is not None


# Under a full disk, saves succeed until one needs a page the database may not add: the first
# refused one is the one checked. Read-only refuses the first. Enough drafts to fill the pages.
DRAFTS = 40


def first_refused(app, refusal, made, send):
    """Send one save per draft until one is refused; (that draft's token, its response)."""
    with writes_refused(app, refusal):
        for token, revision in made:
            before = stored(app, token)
            response = send(token, revision)
            if response.status_code == 503:
                return token, before, response
            assert response.status_code in (200, 302, 303), response.status_code
    pytest.fail(f"no save was refused in {len(made)} tries: the database kept growing")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_an_autosave_that_cannot_be_written_says_so_and_keeps_nothing(app, refusal, lang):
    made = drafts_to_save(app, DRAFTS if refusal == "disk full" else 1, answered=False)
    client = app.test_client()

    def send(token, revision):
        return client.post(f"/r/{token}/{PAGES[0]}/autosave?lang={lang}",
                           data=MultiDict([("revision", str(revision)),
                                           *first_page_answers()]))  # fmt: skip

    token, before, response = first_refused(app, refusal, made, send)
    check_unavailable_json(response, NOT_SAVED[lang])
    assert stored(app, token) == before
    # Once the database takes writes again, the same save goes through.
    again = send(token, before[1])
    assert again.status_code == 200, again.get_json()


def test_a_page_save_that_cannot_be_written_is_a_clear_page_and_keeps_nothing(app, refusal):
    made = drafts_to_save(app, DRAFTS if refusal == "disk full" else 1, answered=False)
    client = app.test_client()

    def send(token, revision):
        return client.post(f"/r/{token}/{PAGES[0]}", data=MultiDict([
            ("revision", str(revision)), ("action", "next"), *first_page_answers()]))  # fmt: skip

    token, before, response = first_refused(app, refusal, made, send)
    check_unavailable_page(response, NOT_SAVED["ko"])
    assert stored(app, token) == before


def test_a_submit_that_cannot_be_written_leaves_the_draft_whole(app, refusal):
    made = drafts_to_save(app, DRAFTS if refusal == "disk full" else 1, answered=True)
    client = app.test_client()

    def send(token, _revision):
        return client.post(f"/r/{token}/submit?lang=en")

    token, before, response = first_refused(app, refusal, made, send)
    check_unavailable_page(response, NOT_SAVED["en"])
    after = stored(app, token)
    assert after == before
    assert after[0] == "draft" and after[4] is False  # no result row: not half submitted
    assert send(token, 0).status_code == 303  # and it submits once writes are taken again
    assert stored(app, token)[0] == "submitted"


def test_pages_that_only_read_still_open_while_writes_are_refused(app, refusal):
    [(token, _)] = drafts_to_save(app, 1, answered=False)
    with writes_refused(app, refusal):
        page = app.test_client().get(f"/r/{token}/{PAGES[0]}")
    assert page.status_code == 200


# The database unreachable: SQLite's file in a folder that does not exist; PostgreSQL on a port
# nothing listens on (whichever database the suite runs on: neither needs a server).


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable(request, app, tmp_path):
    """(app on an unreachable database, a resume token, a session cookie of a consultant, an
    API token): the token and the accounts exist on the working database ``app``."""
    url = {"sqlite": f"sqlite:///{tmp_path}/no-such-folder/assess.sqlite",
           "postgresql": f"postgresql://postgres@127.0.0.1:{closed_port()}/assess"}[request.param]
    make_user(app, "kim@consult.kr", org=("한빛컨설팅", "consultancy"), role="consultant")
    with app.app_context():
        _, resume = drafts.start_assessment("ko")
        _, api_token = accounts.create_token(accounts.find_user("kim@consult.kr"), 30)
        db.session.commit()
    signed_in = app.test_client()
    assert sign_in(signed_in, "kim@consult.kr").status_code == 303
    cookie = signed_in.get_cookie("session").value
    down = create_app({**{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "HUEY_SQLITE_PATH",
                                                      "PDF_CACHE_DIR", "BATCH_DIR")},
                       "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})  # fmt: skip
    return down, resume, cookie, api_token


def test_an_unreachable_database_is_a_503_page_with_the_reference(unreachable, caplog):
    app, resume, cookie, _ = unreachable
    client = app.test_client()
    check_unavailable_page(client.get(f"/r/{resume}/{PAGES[0]}?lang=en"), CANNOT_SHOW["en"])
    check_unavailable_page(client.get(f"/r/{resume}/{PAGES[0]}?lang=ko"), CANNOT_SHOW["ko"])
    check_unavailable_page(client.post(f"/r/{resume}/{PAGES[0]}", data={"revision": "2"}),
                           NOT_SAVED["ko"])  # fmt: skip
    check_unavailable_json(client.post(f"/r/{resume}/{PAGES[0]}/autosave", data={
        "revision": "2"}), NOT_SAVED["ko"])  # fmt: skip
    check_unavailable_page(client.post("/login", data={"email": "kim@consult.kr",
                                                       "password": "whatever"}), NOT_SAVED["ko"])
    # A signed-in consultant's page: the account menu (which reads the database) is left out.
    consultant = app.test_client()
    consultant.set_cookie("session", cookie)
    check_unavailable_page(consultant.get("/clients?lang=en"), CANNOT_SHOW["en"])
    # Each failure is logged with its request id.
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR
              and "database unavailable, request id" in r.getMessage()]  # fmt: skip
    assert len(logged) == 6 and all(r.exc_info for r in logged)


def test_an_unreachable_database_is_a_503_in_the_api(unreachable):
    app, _, _, api_token = unreachable
    response = app.test_client().get("/api/v1/assessments",
                                     headers={"Authorization": f"Bearer {api_token}"})
    check_unavailable_json(response, "this page cannot be shown now")  # the API speaks English


def test_an_unreachable_database_leaves_the_process_alive_but_not_ready(unreachable):
    app, _, _, _ = unreachable
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200  # the home page needs no database
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]
