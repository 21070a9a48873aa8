"""Browser fixtures: Debian's Chromium, driven by Playwright, against the app served on localhost.

- ``browser``: one Chromium for the session (skipped with a reason when /usr/bin/chromium is
  missing; a failure under ``CI=true``).
- ``live_server``: the app on the test database, served by werkzeug in a thread for one module;
  the tables are emptied afterwards. ``live_server.url`` is its address.
- ``new_page(lang=, device=, js=)``: a page in a fresh browser context (a new device: no cookies),
  closed after the test; JavaScript errors on it fail the test.
- ``artifacts``: ``test-artifacts/e2e/``, emptied at the start of each run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from assess import create_app
from tests.conftest import empty_tables

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip
DEVICES = {"laptop": LAPTOP, "phone": PHONE}
# Console errors that are the browser reporting an HTTP status the page was meant to get (422 on
# a page with errors), not a script failing.
EXPECTED_CONSOLE = ("Failed to load resource",)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (install Debian's chromium: sudo apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the browser tests, but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter) -> Iterator[None]:
    """Say it last, under the list of skips: a green run without the browser tests is not all."""
    yield
    skipped = terminalreporter.stats.get("skipped", [])
    if any(str(CHROMIUM) in str(report.longrepr) for report in skipped):
        terminalreporter.write_sep("=", f"browser tests SKIPPED: {missing_browser()}", yellow=True)


class QuietHandler(WSGIRequestHandler):
    """Log only failures: a journey makes hundreds of requests."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="module")
def live_server(database_url, tmp_path_factory) -> Iterator[LiveServer]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PDF_CACHE_DIR": str(tmp_path_factory.mktemp("pdf-cache")),
            "HUEY_SQLITE_PATH": str(tmp_path_factory.mktemp("jobs") / "jobs.sqlite"),
            "BATCH_DIR": str(tmp_path_factory.mktemp("batches")),
            "REDIS_URL": None,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        empty_tables(app)


@dataclass
class PageProblems:
    """What went wrong inside the pages of one test: uncaught exceptions, console errors."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("console", self._console(page))

    def _console(self, page: Page) -> Callable:
        def record(message) -> None:
            if message.type == "error" and not message.text.startswith(EXPECTED_CONSOLE):
                self.errors.append(f"{page.url}: console: {message.text}")

        return record


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Page]]:
    """``new_page(lang=None, device="laptop", js=True)``: a page in a new browser context.

    ``lang`` sets the language cookie as if chosen earlier (None: what a first visit gets);
    ``device`` is "laptop" (1280×800), "phone" (390×844, touch) or Playwright context options
    such as ``{"viewport": {"width": 768, "height": 1024}}``.
    """
    contexts = []
    problems = PageProblems()

    def open_page(lang: str | None = None, device: str | dict = "laptop", js: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=js, accept_downloads=True,
            locale="en-US" if lang == "en" else "ko-KR",
            **(DEVICES[device] if isinstance(device, str) else device),
        )  # fmt: skip
        contexts.append(context)
        context.set_default_timeout(15_000)
        if lang:
            context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
        page = context.new_page()
        problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems.errors, "errors in the browser:\n" + "\n".join(problems.errors)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots, PDFs and PNGs of their first pages from this run, for people to look at."""
    path = ROOT / "test-artifacts" / "e2e"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
