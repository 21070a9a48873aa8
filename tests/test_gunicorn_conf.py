"""gunicorn.conf.py: where it listens, no secret link in its access log, and the request id on
every line a request writes."""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CONF = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")


@pytest.mark.parametrize(("env", "bind"), [
    ({}, "127.0.0.1:5000"),
    ({"PORT": "8000"}, "127.0.0.1:8000"),
    ({"PORT": "8000", "BIND": "0.0.0.0"}, "0.0.0.0:8000"),  # noqa: S104
    ({"BIND": "10.0.0.5:9000"}, "10.0.0.5:9000"),
    ({"BIND": "[::1]"}, "[::1]:5000"),
])  # fmt: skip
def test_bind(monkeypatch, env, bind):
    for name in ("PORT", "BIND", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(CONF)
    assert settings["bind"] == [bind]
    assert settings["workers"] == 2
    assert settings["worker_class"] == "gthread"
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0


@pytest.mark.parametrize(("path", "logged"), [
    ("/r/abcDEF123secret/", "/r/***/"),
    ("/r/abcDEF123secret/dx_ax/autosave", "/r/***/dx_ax/autosave"),
    ("/invitation/tok.en-1", "/invitation/***"),
    ("/password/reset/tok.en-1", "/password/reset/***"),
    ("/api/v1/jobs/3", "/api/v1/jobs/3"),
    # gunicorn's own lines quote whole request lines and URIs.
    ("Error handling request GET /r/tok-1/profile?lang=en", "Error handling request GET "
                                                              "/r/***/profile?lang=en"),
    ("http://assess.example.kr/invitation/abc.def", "http://assess.example.kr/invitation/***"),
    ("/", "/"),
])  # fmt: skip
def test_access_log_hides_secret_links(path, logged):
    assert runpy.run_path(CONF)["redact_path"](path) == logged


def test_under_gunicorn_every_line_of_a_request_carries_its_id(database_url, tmp_path):
    """The real server with this file: the access line and the app's own line of one request
    name the same request id, and a resume link's secret is in neither output."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "ACCESS_LOG": "1",
           "LOG_LEVEL": "debug", "ASSESS_ENV": "testing", "DATABASE_URL": database_url,
           "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens: /readyz logs a warning
           "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
           "PDF_CACHE_DIR": str(tmp_path / "pdf"), "BATCH_DIR": str(tmp_path / "batches")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "-c", CONF],
                              cwd=Path(CONF).parent, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(port)
        ready = fetch(port, "/readyz", {"X-Request-ID": "proxy-0123456789abcdef"})
        secret = fetch(port, "/r/SECRET-resume-link-42/results", {})
        # A path forging an access line of its own (gunicorn decodes %0D%0A into the path).
        forging = fetch(port, "/nowhere%0D%0A127.0.0.1%20%22GET%20/forged%22%20200", {})
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = (stream.decode() for stream in server.communicate(timeout=30))
    assert ready == (503, "proxy-0123456789abcdef")
    assert secret[0] == 404
    assert re.search(r'"GET /readyz" 503 .* request_id=proxy-0123456789abcdef$', out, re.M), out
    app_line = next(line for line in err.splitlines() if "readiness check queue failed" in line)
    assert " WARNING assess request_id=proxy-0123456789abcdef readiness check" in app_line
    assert '"GET /r/***/results" 404' in out and f"request_id={secret[1]}" in out
    assert "SECRET-resume-link-42" not in out + err
    assert forging[0] == 404
    assert r'"GET /nowhere\r\n127.0.0.1 \"GET /forged\" 200" 404' in out, out
    assert not re.search(r'^127\.0\.0\.1 "GET /forged"', out, re.M), out
    # gunicorn's own lines use the same format, outside any request.
    assert re.search(r" INFO gunicorn.error request_id=- Booting worker", err), err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """(status, X-Request-ID of the answer)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our server)
            return response.status, response.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-ID"]
