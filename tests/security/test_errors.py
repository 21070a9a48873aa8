"""No debugger and no traceback in any error page or JSON error; the request id on both, and in the
log line that has the traceback.

An unhandled exception is forced in a route the test adds to the app (the product has none that
fails on purpose), under the production configuration and under the default one (development,
as `make run` starts it: not the tests' configuration, which lets exceptions through to pytest).
"""

from __future__ import annotations

import logging
import re

import pytest

from assess import create_app
from assess.permissions import PUBLIC, access
from tests.security import test_headers

production_app = test_headers.production_app  # fixture: ASSESS_ENV=production, https

# What the failing view raises: none of it may reach the person.
SECRET_DETAIL = "ledger 4421 at /srv/assess/secret.cfg"
LEAKS = ("Traceback", "RuntimeError", SECRET_DETAIL, "failing_view", "File \"", "__debugger__",
         "Werkzeug Debugger", "werkzeug", "site-packages")  # fmt: skip
HTTPS = {"base_url": "https://assess.example.kr"}


def failing_view():
    raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def default_app(database_url, tmp_path, monkeypatch):
    for name in ("ASSESS_ENV", "FLASK_DEBUG", "SECRET_KEY", "PUBLIC_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HUEY_SQLITE_PATH", str(tmp_path / "jobs.sqlite"))
    return create_app()


@pytest.fixture(params=["production", "default"])
def failing(request):
    """(app, request options) with the test's failing routes: a page and an API path."""
    app = request.getfixturevalue(f"{request.param}_app")
    assert app.debug is False and app.testing is False
    app.add_url_rule("/failing", "failing", access(PUBLIC)(failing_view))
    app.add_url_rule("/api/v1/failing", "api_failing", access(PUBLIC)(failing_view))
    return app, HTTPS if request.param == "production" else {}


def unhandled_records(caplog, request_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and request_id in r.getMessage()]


def check_logged(caplog, request_id: str) -> None:
    """One error line names the request id and holds the traceback and the exception's text."""
    records = unhandled_records(caplog, request_id)
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    logged = logging.Formatter().format(records[0])
    assert "Traceback" in logged
    assert f"RuntimeError: {SECRET_DETAIL}" in logged


def test_an_unhandled_exception_is_the_generic_page_with_a_reference(failing, caplog):
    app, options = failing
    client = app.test_client()
    for lang, generic, quote in (
        ("ko", "저희 쪽에서 문제가 발생했습니다", "참조 번호를 알려 주세요:"),
        ("en", "Something went wrong on our side", "quote this reference:"),
    ):
        caplog.clear()
        response = client.get(f"/failing?lang={lang}", **options)
        assert response.status_code == 500
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert [leak for leak in LEAKS if leak in page] == []
        assert generic in page
        request_id = response.headers["X-Request-ID"]
        assert re.search(rf"{quote}[^<]*{request_id}", page), page
        assert response.headers["Cache-Control"] == "no-store"
        check_logged(caplog, request_id)


@pytest.mark.parametrize("path, headers", [
    ("/api/v1/failing", {}),  # the API answers in JSON
    ("/failing", {"Accept": "application/json"}),  # a script asked for JSON
])  # fmt: skip
def test_an_unhandled_exception_in_json_is_error_message_and_request_id(failing, caplog, path,
                                                                        headers):  # fmt: skip
    app, options = failing
    response = app.test_client().get(path, headers=headers, **options)
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert sorted(body) == ["error", "message", "request_id"]
    assert body["error"] == "internal_error"
    assert body["request_id"] == response.headers["X-Request-ID"]
    text = response.get_data(as_text=True)
    assert [leak for leak in LEAKS if leak in text] == []
    check_logged(caplog, body["request_id"])


def test_a_proxys_request_id_is_the_one_shown_and_logged(failing, caplog):
    """Behind a proxy that sets X-Request-ID, its id links its access log, ours and the page."""
    app, options = failing
    given = "edge-7f3a9c2e11d04b"
    response = app.test_client().get("/failing", headers={"X-Request-ID": given}, **options)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == given
    assert given in response.get_data(as_text=True)
    check_logged(caplog, given)


def test_every_error_page_and_json_error_carries_the_request_id(client):
    """The 4xx ones too: a person quoting the reference of a refused link is found in the log."""
    responses = [client.get("/no-such-page"), client.get("/r/" + "x" * 30 + "/profile"),
                 client.post("/start"), client.get("/api/v1/no-such-thing"),
                 client.delete("/api/v1/score"), client.post("/api/v1/score", json={})]  # fmt: skip
    for response in responses:
        request_id = response.headers["X-Request-ID"]
        if response.mimetype == "application/json":
            assert response.get_json()["request_id"] == request_id
        else:
            assert request_id in response.get_data(as_text=True), response.status_code
        assert "Traceback" not in response.get_data(as_text=True)


def test_the_tests_own_configuration_lets_exceptions_through(app):
    """Under TESTING an exception reaches pytest with its trace (so a failing test says why):
    the generic page above is not a net that hides failures in the other tests."""
    app.add_url_rule("/failing", "failing", access(PUBLIC)(failing_view))
    with pytest.raises(RuntimeError, match="ledger 4421"):
        app.test_client().get("/failing")
