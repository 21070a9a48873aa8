"""The respondent's PDF is rendered by a worker at submit, so that the download is instant."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assess.jobs import queue_of
from assess.services import pdf
from tests.web.journey import Respondent


def submitted(client, lang: str = "en") -> Respondent:
    me = Respondent(client)
    me.start(lang)
    me.answer_everything()
    assert me.submit().status_code == 303
    return me


def cached_files(app) -> list[Path]:
    return sorted(Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"))


def wait_for_cache(app, timeout: float = 90.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if files := cached_files(app):
            return files[0]
        time.sleep(0.1)
    pytest.fail("the report was not rendered at submit")


def no_render(monkeypatch) -> None:
    import reports

    def fail(*args, **kwargs):
        raise AssertionError("rendered or rescored in the request instead of using the cache")

    monkeypatch.setattr(reports, "render_pdf", fail)
    monkeypatch.setattr(pdf, "report_view", fail)


def heartbeat(app, age: float = 0.0) -> None:
    """What a running worker keeps writing; ``age`` seconds old."""
    queue_of(app).huey.storage.put_data(pdf.HEARTBEAT_KEY, str(time.time() - age).encode())


def test_submit_renders_the_pdf_with_no_download_and_the_download_serves_it(
        queue_app, worker, client, monkeypatch):  # fmt: skip
    me = submitted(client, "en")
    path = wait_for_cache(queue_app)
    assert "-en-t" in path.name  # the assessment's language, the respondent's standard report
    rendered = path.read_bytes()
    assert rendered.startswith(b"%PDF")
    no_render(monkeypatch)
    for _ in range(2):  # the first download and a re-download: the same file, nothing rendered
        response = client.get(me.url("report-en.pdf"))
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.data == rendered
    assert cached_files(queue_app) == [path]  # the download used the worker's file


def test_a_download_before_the_worker_rendered_says_it_is_being_prepared(
        request, queue_app, client):  # fmt: skip
    heartbeat(queue_app)  # a worker is running, but has not taken the render yet
    me = submitted(client, "en")
    waiting = client.get(me.url("report-en.pdf"))
    assert waiting.status_code == 202
    assert waiting.headers["Refresh"] == "2" and waiting.headers["Cache-Control"] == "no-store"
    assert "being prepared" in waiting.text
    assert 'http-equiv="refresh"' in waiting.text and "<script>" not in waiting.text
    assert cached_files(queue_app) == []  # the page rendered nothing
    korean = client.get(me.url("report-en.pdf") + "?lang=ko")  # the reader's language
    assert korean.status_code == 202 and "보고서를 준비하고 있습니다" in korean.text

    request.getfixturevalue("worker")  # the worker takes the render queued at submit
    path = wait_for_cache(queue_app)
    ready = client.get(me.url("report-en.pdf"))
    assert ready.status_code == 200 and ready.data == path.read_bytes()


def test_with_no_worker_running_the_download_renders_in_the_request(queue_app, client):
    heartbeat(queue_app, age=60)  # a worker that stopped a minute ago
    me = submitted(client, "en")
    response = client.get(me.url("report-en.pdf"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_wait_is_bounded_and_only_for_the_report_queued_at_submit(queue_app, client):
    heartbeat(queue_app)
    me = submitted(client, "en")
    other_language = client.get(me.url("report-ko.pdf"))  # not queued: rendered at once
    assert other_language.status_code == 200 and other_language.data.startswith(b"%PDF")
    queue_app.config["PDF_WAIT_SECONDS"] = 0  # waited long enough: the request renders it
    heartbeat(queue_app)
    response = client.get(me.url("report-en.pdf"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
