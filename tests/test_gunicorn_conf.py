"""gunicorn.conf.py: where it listens, and no secret link in its access log."""

from __future__ import annotations

import runpy
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
    ("/", "/"),
])  # fmt: skip
def test_access_log_hides_secret_links(path, logged):
    assert runpy.run_path(CONF)["redact_path"](path) == logged
