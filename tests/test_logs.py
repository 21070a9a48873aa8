"""The logs (DESIGN §8): every line written while a request is handled carries that request's id,
and no line ever holds an answer, a firm's name, a note, a secret link, a token or a password,
whatever the level: whole journeys run with every logger at DEBUG.

SQLAlchemy's loggers are left at the WARNING level SQLAlchemy gives them: at INFO and DEBUG they
are its SQL echo, which prints statements and rows by design (a debugging tool the app never
turns on); what the app controls there is tested below: statement parameters never reach a
database error's message, which a traceback in the log would carry.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from assess.extensions import db
from assess.logs import FORMAT, RequestFormatter, one_line, redact_path
from assess.permissions import PUBLIC, access
from assess.services import accounts
from tests.api.conftest import bearer, example_document
from tests.scoring.documents import BASE_FIRM
from tests.web.journey import Q, Respondent, form_fields
from tests.web.test_auth import inbox, make_user, sign_in  # noqa: F401  (inbox is a fixture)
from tests.web.test_consult import add_client, fill_for_client, post
from tests.web.test_respond_hostile import autosave

PASSWORD = "Correct-horse-7Battery!"
WRONG_PASSWORD = "Wrong-pass-9Staple?"
# Typed by people: each must never reach a log line.
OWN_FIRM = "로그표식-OWNFIRM-9c1e {{7*7}} %s <b>x</b>"
CLIENT_FIRM = "로그표식-CLIENT-4d2a %(name)s"
API_FIRM = "로그표식-APIFIRM-77b0"
NOTE = "로그표식-NOTE-1f5e: 먼저 MES부터"
INVESTMENT_PCT = "61.37"  # a number answer, unusual enough to be noticed anywhere
# Loggers of the test's own SMTP server (aiosmtpd), which logs the mail it receives.
HARNESS = ("mail.log", "asyncio")


class RecordingClient(FlaskClient):
    """A test client that notes, for each request, its X-Request-ID and the log records written
    on this thread while it was handled."""

    handler: logging.Handler
    requests: list[tuple[str, list[logging.LogRecord]]]

    def open(self, *args, **kwargs):
        start = len(self.handler.records)
        response = super().open(*args, **kwargs)
        if not kwargs.get("follow_redirects"):  # each hop is noted by its own open()
            mine = [r for r in self.handler.records[start:] if r.thread == threading.get_ident()]
            self.requests.append((response.headers.get("X-Request-ID", ""), mine))
        return response


@pytest.fixture
def recorded(app, caplog):
    """Every logger at DEBUG (but SQLAlchemy's: see above), and the app's test clients noting
    which records each request wrote (in ``caplog.requests``)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        if not name.startswith("sqlalchemy"):
            caplog.set_level(logging.DEBUG, logger=name)
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    caplog.requests = []
    app.test_client_class = type("Recording", (RecordingClient,),
                                 {"handler": caplog.handler, "requests": caplog.requests})
    return caplog


def log_text(caplog) -> str:
    formatter = RequestFormatter()
    return "\n".join(formatter.format(r) for r in caplog.records if r.name not in HARNESS)


def respondent_journey(app) -> list[str]:
    """Profile, answers (pages and autosave), submit, results, PDF; the secrets it used."""
    me = Respondent(app.test_client())
    me.firm = {**BASE_FIRM, "name": OWN_FIRM}
    me.start("ko")
    answers = me.answer_everything()
    roi = {**answers, "roi_investment_pct": INVESTMENT_PCT}
    saved = autosave(me.client, me, "roi", [pair for q in Q.questions_of("roi") if q.id in roi
                                            for pair in form_fields(q.id, roi[q.id])])  # fmt: skip
    assert saved.status_code == 200, saved.get_json()
    assert me.submit().status_code == 303
    assert me.get("results").status_code == 200
    pdf = me.get("report-ko.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return [me.token]


def consultant_journey(app, inbox) -> list[str]:  # noqa: F811
    """Sign-in (one wrong password first), a client, an assessment filled for it, notes, the
    PDF with the notes, an invitation mailed, the export; the secrets it used."""
    make_user(app, "kim@consult.kr", PASSWORD, org=("한빛컨설팅", "consultancy"),
              role="consultant")  # fmt: skip
    consultant = app.test_client()
    assert sign_in(consultant, "kim@consult.kr", WRONG_PASSWORD).status_code == 401
    assert sign_in(consultant, "kim@consult.kr", PASSWORD).status_code == 303
    firm_id = add_client(consultant, {**BASE_FIRM, "name": CLIENT_FIRM})
    filled = fill_for_client(consultant, firm_id)
    with app.app_context():
        from assess.services.drafts import find_by_token

        assessment_id = find_by_token(filled.token).id
    url = f"/clients/{firm_id}/assessments/{assessment_id}"
    assert post(consultant, url, url, {"overall": NOTE}).status_code == 303
    assert consultant.get(url + "/report-ko.pdf").status_code == 200
    invited = post(consultant, f"/clients/{firm_id}", f"/clients/{firm_id}/invite",
                   {"email": "ceo@client.kr"})  # fmt: skip
    assert invited.status_code == 303
    link = re.search(r"https?://\S+/invitation/\S+", inbox.messages[-1].get_content()).group(0)
    assert consultant.get("/clients.csv").status_code == 200
    return [filled.token, urlsplit(link).path.rsplit("/", 1)[1], PASSWORD, WRONG_PASSWORD,
            consultant.get_cookie("session").value]  # fmt: skip


def api_journey(app) -> list[str]:
    """A token's calls: store an assessment, read it back, list them, score a document."""
    with app.app_context():
        organisation = accounts.find_organisation("한빛컨설팅")
        user = accounts.create_user("api@consult.kr", organisation=organisation,
                                    role="consultant")  # fmt: skip
        _, token = accounts.create_token(user, 30)
        db.session.commit()
    api = app.test_client()
    document = example_document()
    document["firm"]["name"] = API_FIRM
    stored = api.post("/api/v1/assessments", json=document, headers=bearer(token))
    assert stored.status_code == 201, stored.get_json()
    ident = stored.get_json()["id"]
    assert api.get(f"/api/v1/assessments/{ident}", headers=bearer(token)).status_code == 200
    assert api.get("/api/v1/assessments", headers=bearer(token)).status_code == 200
    assert api.post("/api/v1/score", json=document).status_code == 200
    return [token]


def answer_markers(answers: dict) -> set[str]:
    """The answers as they would appear if logged: distinctive option ids (common words such as
    ``none`` would be found in any text) and the unusual number."""
    values = set()
    for value in answers.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "_" in item and len(item) >= 8:
                values.add(item)
    return values | {INVESTMENT_PCT}


def test_no_log_line_holds_answers_names_notes_links_tokens_or_passwords(app, recorded,
                                                                         inbox):  # noqa: F811
    secrets = respondent_journey(app) + consultant_journey(app, inbox) + api_journey(app)
    from tests.scoring.documents import all_answers, worst_answer

    markers = {OWN_FIRM, CLIENT_FIRM, API_FIRM, NOTE, *secrets}
    markers |= answer_markers(all_answers(Q, worst_answer, BASE_FIRM))
    logged = log_text(recorded)
    # The journeys did write lines (an empty log would pass anything).
    assert "submitted" in logged and "rendered in" in logged and "mail sent" in logged
    leaked = sorted(m for m in markers if m in logged)
    assert leaked == [], leaked
    # Nor pieces of the names (a log that cut or escaped them).
    assert "로그표식" not in logged and "OWNFIRM" not in logged


def test_every_line_written_in_a_request_carries_its_id(app, recorded, inbox):  # noqa: F811
    respondent_journey(app)
    consultant_journey(app, inbox)
    api_journey(app)
    requests = recorded.requests
    assert len(requests) > 50
    with_lines = [(rid, records) for rid, records in requests if records]
    assert len(with_lines) >= 5  # saves, submits, renders, mail: not a check of nothing
    ids = [rid for rid, _ in requests]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids) and len(set(ids)) == len(ids)
    formatter = RequestFormatter()
    for rid, records in with_lines:
        for record in records:
            assert record.request_id == rid, (record.name, record.getMessage())
            assert f" request_id={rid} " in formatter.format(record)


def test_a_proxy_request_id_is_kept_and_lines_outside_requests_say_so(app, recorded):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens: readiness fails
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "nginx-0123456789ab"})
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "nginx-0123456789ab"
    line = next(r for r in recorded.records if "readiness check queue failed" in r.getMessage())
    assert line.request_id == "nginx-0123456789ab"
    logging.getLogger("assess.test").warning("outside any request")
    assert recorded.records[-1].request_id == "-"
    assert "request_id=- outside any request" in RequestFormatter().format(recorded.records[-1])


def test_a_failed_request_is_logged_without_the_secret_in_its_path(app, recorded):
    @app.get("/r/<token>/boom")
    @access(PUBLIC)
    def boom(token):  # a view that fails, under a resume link's path
        raise RuntimeError("boom")

    app.config.update(PROPAGATE_EXCEPTIONS=False)
    response = app.test_client().get("/r/SECRET-resume-token-123/boom")
    assert response.status_code == 500
    logged = log_text(recorded)
    assert "GET /r/***/boom" in logged
    assert "SECRET-resume-token-123" not in logged


# What someone could send to forge a record of their own, or to play with a terminal reading the
# log: a line break followed by what a line of this log looks like, an escape sequence, a
# direction override, a NUL, a Unicode line separator.
FORGED = "2031-01-01 00:00:00,000 [1] INFO assess.security request_id=- all clear"
HOSTILE = f"kim@consult.kr\r\n{FORGED}\x1b[2J\u202e\x00\u2028{FORGED}"


def test_a_log_line_is_one_line_whatever_its_message_and_arguments_hold():
    record = logging.LogRecord("assess", logging.WARNING, __file__, 1, "mail to %s failed: %s",
                               (HOSTILE, f"550 unknown\n{FORGED}"), None)  # fmt: skip
    line = RequestFormatter().format(record)
    assert line.splitlines() == [line] and line.isprintable()
    assert line.endswith("mail to kim@consult.kr\\r\\n" + FORGED + "\\x1b[2J\\u202e\\x00\\u2028"
                         + FORGED + " failed: 550 unknown\\n" + FORGED)  # fmt: skip
    # The message itself too, not only its arguments; the record is left as other handlers see it.
    record = logging.LogRecord("assess", logging.INFO, __file__, 1, HOSTILE, (), None)
    assert RequestFormatter().format(record).splitlines()[1:] == []
    assert record.getMessage() == HOSTILE
    # Ordinary text, Korean included, is untouched.
    assert one_line("보고서 rendered in 12 ms, 'q' \\ \"x\"") == "보고서 rendered in 12 ms, 'q' \\ \"x\""


def test_an_error_quoting_line_breaks_keeps_them_on_its_line_of_the_traceback(app, recorded):
    @app.get("/boom-with-lines")
    @access(PUBLIC)
    def boom():  # a view failing with a message that quotes what someone sent
        raise ValueError(f"unexpected value {HOSTILE!s}")

    app.config.update(PROPAGATE_EXCEPTIONS=False)
    assert app.test_client().get("/boom-with-lines").status_code == 500
    logged = log_text(recorded)
    assert "Traceback (most recent call last):" in logged  # still a traceback, line by line
    assert "ValueError: unexpected value kim@consult.kr\\r\\n" + FORGED in logged
    assert [line for line in logged.splitlines() if line.startswith("2031")] == []
    assert "\x1b" not in logged and "\u202e" not in logged and "\r" not in logged


@pytest.mark.parametrize("statement", [
    # A unique key: PostgreSQL's message quotes the key's value.
    "INSERT INTO organisation (name, kind, created_at) VALUES (:value, 'agency', "
    "CURRENT_TIMESTAMP)",
    # A check: PostgreSQL's message quotes the whole row, answers included.
    "INSERT INTO assessment (questionnaire_id, questionnaire_version, language, profile, answers, "
    "to_review, status, revision, created_at, updated_at) VALUES ('ax-readiness', 1, 'ko', '{}', "
    ":value, '[]', 'bogus', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
])  # fmt: skip
def test_a_logged_database_error_holds_no_value(app, statement):
    value = '{"q": "로그표식-DBVALUE"}'
    with app.app_context():
        if "organisation" in statement:
            db.session.execute(text(statement), {"value": value})
        with pytest.raises(IntegrityError) as failed:
            db.session.execute(text(statement), {"value": value})
        db.session.rollback()
    assert "SQL parameters hidden" in str(failed.value)
    record = logging.LogRecord("assess", logging.ERROR, __file__, 1, "Exception on %s [%s]",
                               ("/x", "POST"), (failed.type, failed.value, failed.tb))  # fmt: skip
    logging.Formatter().format(record)  # another handler's first: its text is cached on it
    line = RequestFormatter().format(record)
    assert "IntegrityError" in line and "Traceback" in line
    assert "로그표식" not in line


def test_redacted_paths_and_the_one_format():
    assert redact_path("/r/abc/results") == "/r/***/results"
    assert redact_path("/password/reset/x.y-z") == "/password/reset/***"
    assert "request_id=%(request_id)s" in FORMAT
