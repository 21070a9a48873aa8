"""A CEO answering the questionnaire in a real browser, with the mouse or with the keyboard only.

Answers come from the pickers of tests/scoring/documents.py; questions are answered as the page
shows them, so live skip logic (questions appearing after an autosave) is exercised too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.checks import focused
from tests.scoring.documents import BASE_FIRM, best_answer, worst_answer
from tests.web.journey import PAGES, Q

PROFILE_FIELDS = ("name", "industry", "region", "employees", "annual_sales_mkrw", "founded_year",
                  "ceo_age")  # fmt: skip
SAVED = {"ko": "저장되었습니다", "en": "Saved"}
TOKEN_RE = re.compile(r"/r/([^/]+)/")


def exporter_without_successor(q, qid: str) -> Any:
    """Best answers on export (the export follow-ups open), worst elsewhere (no successor: the
    succession follow-ups open; plenty of findings)."""
    return best_answer(q, qid) if qid.startswith("exp_") else worst_answer(q, qid)


def page_after(page_id: str) -> str:
    order = ["profile", *PAGES, "check"]
    return order[order.index(page_id) + 1]


def url_of(page_id: str) -> re.Pattern:
    return re.compile(rf"/r/[^/]+/{page_id}(\?.*)?(#.*)?$")


@dataclass
class BrowserCEO:
    """One respondent in one browser page; ``pick(q, question_id)`` chooses each answer."""

    page: Page
    pick: Callable = worst_answer
    firm: dict = field(default_factory=lambda: dict(BASE_FIRM))
    keyboard_only: bool = False
    js: bool = True
    focus_stops: list[dict] = field(default_factory=list)  # every element Tab reached
    flagged_on_the_way: bool = False  # without JavaScript: the server showed more questions

    @property
    def token(self) -> str:
        return TOKEN_RE.search(self.page.url).group(1)

    @property
    def lang(self) -> str:
        return self.page.locator("html").get_attribute("lang")

    # -- moving around -------------------------------------------------------------------
    def activate(self, locator, key: str = "Enter") -> None:
        """Click ``locator``, or Tab to it and press ``key``."""
        if not self.keyboard_only:
            locator.click()
            return
        self.tab_to(lambda _: locator.evaluate("el => el === document.activeElement"),
                    what=str(locator))  # fmt: skip
        self.page.keyboard.press(key)

    def tab(self) -> dict | None:
        self.page.keyboard.press("Tab")
        stop = focused(self.page)
        if stop:
            self.focus_stops.append(stop)
        return stop

    def tab_to(self, wanted: Callable[[dict], bool], what: str = "", limit: int = 200) -> dict:
        for _ in range(limit):
            stop = self.tab()
            if stop and wanted(stop):
                return stop
        raise AssertionError(f"Tab never reached {what} on {self.page.url}")

    def arrive(self, url: re.Pattern) -> None:
        """Wait for the page at ``url`` to have loaded, its script included."""
        expect(self.page).to_have_url(url)
        self.page.wait_for_load_state()

    def button(self, action: str):
        return self.page.locator(f'button[name="action"][value="{action}"]')

    def start_from_home(self) -> None:
        """Home page → "Start the assessment" → start page (left there)."""
        self.activate(self.page.locator('main a[href="/start"]'))
        self.arrive(re.compile(r"/start$"))

    def create(self) -> None:
        """Start page → the private assessment's profile page."""
        self.activate(self.page.locator('form[action="/start"] button[type="submit"]'), "Space")
        self.arrive(re.compile(r"/r/[^/]+/profile\?new=1$"))

    def begin(self) -> None:
        """Straight to the first section: start page, new assessment, firm profile."""
        self.page.goto("/start")
        self.create()
        self.fill_profile()
        self.go_on("profile")

    def go_on(self, page_id: str) -> None:
        """Press "Save and continue" and land on the page after ``page_id``."""
        self.activate(self.button("next"))
        self.arrive(url_of(page_after(page_id)))

    def later(self) -> str:
        """Press "Save and finish later"; the resume link shown."""
        self.activate(self.button("later"))
        self.arrive(url_of("saved"))
        return self.resume_link()

    def resume_link(self) -> str:
        return self.page.locator("#resume-url").input_value()

    def submit(self) -> None:
        self.activate(self.page.locator('form[action$="/submit"] button[type="submit"]'), "Space")
        self.arrive(url_of("results"))

    def download(self, lang: str) -> tuple[bytes, str]:
        """Download the PDF report from the results page: (bytes, file name)."""
        with self.page.expect_download() as info:
            self.activate(self.page.locator(f'a[href$="/report-{lang}.pdf"]'))
        download = info.value
        assert download.failure() is None, download.failure()
        return download.path().read_bytes(), download.suggested_filename

    # -- the firm profile ----------------------------------------------------------------
    def fill_profile(self) -> None:
        if self.keyboard_only:
            return self._profile_by_keyboard()
        for name in PROFILE_FIELDS:
            control = self.page.locator(f"#{name}")
            if name in ("industry", "region"):
                control.select_option(self.firm[name])
            else:
                control.fill(str(self.firm[name]))
        return None

    def _profile_by_keyboard(self) -> None:
        for name in PROFILE_FIELDS:
            stop = self.tab_to(lambda el, name=name: el["id"] == name, what=f"#{name}")
            if stop["tag"] == "select":
                options = self.page.locator(f"#{name} option").evaluate_all(
                    "options => options.map(o => o.value)")  # fmt: skip
                steps = options.index(self.firm[name]) - options.index(stop["value"])
                for _ in range(steps):
                    self.page.keyboard.press("ArrowDown")
                expect(self.page.locator(f"#{name}")).to_have_value(self.firm[name])
            else:
                self.page.keyboard.type(str(self.firm[name]))

    # -- question pages ------------------------------------------------------------------
    def unanswered(self) -> list[str]:
        """Questions shown on the page that have no answer yet."""
        return self.page.locator("fieldset[data-question]:not([hidden])").evaluate_all(
            """sets => sets.filter(f => !f.querySelector("input:checked")
                  && !Array.from(f.querySelectorAll("input[type=text]")).some(i => i.value))
               .map(f => f.dataset.question)"""
        )

    def answer_page(self) -> None:
        """Answer every question shown, then those the answers opened (with JavaScript, they
        appear after the autosave)."""
        if self.keyboard_only:
            return self._answer_by_keyboard()
        for _ in range(5):
            shown = self.unanswered()
            if not shown:
                return None
            for qid in shown:
                self.answer_one(qid)
            if not self.js:
                return None
        raise AssertionError(f"questions keep appearing on {self.page.url}")

    def complete_page(self, page_id: str) -> None:
        """Answer the page and go on; without JavaScript, questions that the answers opened come
        back flagged by the server and are answered then."""
        self.answer_page()
        if self.js or self.keyboard_only:
            return self.go_on(page_id)
        self.flagged_on_the_way = False
        for _ in range(4):
            self.activate(self.button("next"))
            self.page.wait_for_load_state()
            if not self.page.locator("[data-error-summary]").count():
                break
            self.flagged_on_the_way = True
            self.answer_page()
        self.arrive(url_of(page_after(page_id)))
        return None

    def answer_one(self, qid: str) -> None:
        """Answer one question with the mouse (with JavaScript: once it is saved)."""
        question = Q.questions_by_id[qid]
        wanted = self.pick(Q, qid)
        for value in wanted if isinstance(wanted, list) else [wanted]:
            with self.autosaved():
                if question.type == "number" and value != "dont_know":
                    self.page.locator(f'input[type=text][name="{qid}"]').fill(str(value))
                else:
                    self.pick_label(qid, value).click()

    def pick_label(self, qid: str, value: str):
        """The words of an option (a click on them, as most people do, chooses it)."""
        fieldset = self.page.locator(f'fieldset[data-question="{qid}"]')
        box = fieldset.locator(
            f'input[name="{qid}__unknown"]' if value == "dont_know"
            and Q.questions_by_id[qid].type == "number" else f'input[value="{value}"]'
        )  # fmt: skip
        return fieldset.locator(f'label[for="{box.get_attribute("id")}"]')

    def _answer_by_keyboard(self) -> None:
        """Tab through the page; answer each question on reaching it; press Enter on "Save and
        continue" (left to the caller)."""
        stop = self.tab()
        while not (stop and stop["tag"] == "button" and stop["value"] == "next"):
            moved_to = self._key_answer(stop) if stop and stop["question"] else None
            stop = moved_to or self.tab()

    def _key_answer(self, stop: dict) -> dict | None:
        """Answer with keys at this focus stop; the new stop if focus moved on, else None."""
        keys = self.page.keyboard
        question = Q.questions_by_id[stop["question"]]
        wanted = self.pick(Q, question.id)
        if stop["type"] == "radio" and not stop["checked"]:
            options = [o.id for o in question.options]
            moves = options.index(wanted) - options.index(stop["value"])
            with self.autosaved():
                for _ in range(abs(moves)):
                    keys.press("ArrowDown" if moves > 0 else "ArrowUp")
                if not moves:
                    keys.press("Space")
        elif stop["type"] == "checkbox" and not stop["checked"]:
            listed = wanted if isinstance(wanted, list) else [wanted]
            unknown_box = stop["name"].endswith("__unknown")
            if (stop["value"] in listed and not unknown_box) or (
                unknown_box and wanted == "dont_know"
            ):
                with self.autosaved():
                    keys.press("Space")
        elif stop["type"] == "text" and not stop["value"] and wanted != "dont_know":
            # Tab away inside the wait: leaving the box is what saves it, in one request.
            with self.autosaved():
                keys.type(str(wanted))
                return self.tab()
        return None

    @contextmanager
    def autosaved(self) -> Iterator[None]:
        """With JavaScript: wait for the autosave this change makes, and its "Saved" status."""
        if not self.js:
            yield
            return
        with self.page.expect_response(lambda r: r.url.endswith("/autosave")) as info:
            yield
        response = info.value
        assert response.ok, f"autosave failed: {response.status} {response.text()[:300]}"
        expect(self.page.locator("[data-save-status]")).to_have_text(SAVED[self.lang])
