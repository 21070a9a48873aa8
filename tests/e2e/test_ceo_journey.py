"""The CEO's whole journey in Chromium: Korean with the mouse on a laptop, Korean with the keyboard
only, English on a phone. Every page is checked with axe-core and photographed (test-artifacts/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.ceo import BrowserCEO, exporter_without_successor, url_of
from tests.e2e.checks import Auditor, keep_pdf, pdf_text
from tests.scoring.documents import worst_answer
from tests.web.journey import PAGES, Q

pytestmark = pytest.mark.browser

HALFWAY = 2  # sections answered before the CEO leaves


NO_ANSWERS = {"ko": "아직 답변이 없습니다.", "en": "No answers yet."}


def finish_and_read_the_pdf(page, ceo, lang: str, look, artifacts) -> str:
    """Answer the rest, check (nothing lost on the way), submit, see results, download the PDF
    and check its text; returns that text."""
    answer_sections(ceo, PAGES[HALFWAY:], look)
    expect(page.get_by_text(NO_ANSWERS[lang])).to_have_count(0)
    look(page, "check")
    ceo.submit()
    look(page, "results")
    see_results(page, lang)
    data, name = ceo.download(lang)
    assert name.endswith(f"-{lang}.pdf")
    keep_pdf(data, f"{lang}-report", artifacts)
    text = pdf_text(data)
    assert ceo.firm["name"] in text
    for dimension in Q.dimensions:
        name_in_lang = dimension.name.get(lang)
        assert name_in_lang.split()[0] in text, name_in_lang
    return text


def test_korean_ceo_with_the_mouse_leaves_halfway_resumes_and_gets_the_pdf(new_page, artifacts):
    look = Auditor(artifacts, "ko-laptop")
    page = new_page()
    ceo = BrowserCEO(page, pick=exporter_without_successor)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    look(page, "home")
    ceo.start_from_home()
    look(page, "start")
    ceo.create()
    expect(page.locator("#resume-url")).to_have_value(f"{page.url.split('/r/')[0]}/r/{ceo.token}/")
    look(page, "profile")
    ceo.fill_profile()
    ceo.go_on("profile")

    # Pressing on with nothing answered: the error summary is announced and takes the focus.
    look(page, f"section-{PAGES[0]}")
    ceo.activate(ceo.button("next"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(len(Q.questions_of(PAGES[0])))
    look(page, "error-summary")
    ceo.complete_page(PAGES[0])
    answer_sections(ceo, PAGES[1:HALFWAY], look)
    link = ceo.later()
    look(page, "saved")
    # "Copy link" puts the link on the clipboard and says so (to screen readers too).
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="링크 복사").click()
    expect(page.locator("[data-copy-status]")).to_have_text("링크를 복사했습니다")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # Later, on another computer: the link opens the first page not yet answered.
    page = new_page()
    ceo = BrowserCEO(page, pick=exporter_without_successor)
    page.goto(link)
    expect(page).to_have_url(url_of(PAGES[HALFWAY]))
    finish_and_read_the_pdf(page, ceo, "ko", look, artifacts)


def test_korean_ceo_with_the_keyboard_only(new_page):
    """Tab, Space, Enter and the arrow keys only: no click anywhere, from the home page to the
    PDF; every element Tab reaches shows where the focus is."""
    page = new_page()
    ceo = BrowserCEO(page, pick=exporter_without_successor, keyboard_only=True)
    page.goto("/")
    ceo.start_from_home()
    ceo.create()
    ceo.fill_profile()
    ceo.go_on("profile")
    for page_id in PAGES:
        ceo.complete_page(page_id)
    ceo.submit()
    see_results(page, "ko")
    data, _ = ceo.download("ko")
    assert data.startswith(b"%PDF")
    kinds = {(stop["tag"], stop["type"]) for stop in ceo.focus_stops}
    assert {("input", "radio"), ("input", "checkbox"), ("input", "text"), ("select", "select-one"),
            ("button", "submit"), ("a", "")} <= kinds  # fmt: skip
    unseen = [stop for stop in ceo.focus_stops if not stop["focus_ring"]]
    assert not unseen, f"focus not visible on: {unseen[:5]}"


def test_english_ceo_on_a_phone_switches_language_and_device(new_page, artifacts):
    look = Auditor(artifacts, "en-phone")
    page = new_page(device="phone")
    ceo = BrowserCEO(page, pick=worst_answer)
    page.goto("/")
    ceo.activate(page.locator("a.lang-switch"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state()
    look(page, "home")
    ceo.start_from_home()
    look(page, "start")
    ceo.create()
    look(page, "profile")
    # A profile sent empty: every field is listed in the error summary, which takes the focus.
    ceo.activate(ceo.button("next"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.locator("a")).to_have_count(7)
    look(page, "profile-errors")
    ceo.fill_profile()
    ceo.go_on("profile")
    look(page, f"section-{PAGES[0]}")
    # One answer, then on: the rest are flagged; the answer given is kept.
    first = Q.questions_of(PAGES[0])[0]
    ceo.answer_one(first.id)
    ceo.activate(ceo.button("next"))
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(len(Q.questions_of(PAGES[0])) - 1)
    expect(page.locator(f'input[name="{first.id}"]:checked')).to_have_count(1)
    look(page, "error-summary")
    ceo.complete_page(PAGES[0])
    answer_sections(ceo, PAGES[1:HALFWAY], look)
    link = ceo.later()
    look(page, "saved")

    # Another phone: the link opens in the assessment's language (English); the header link
    # switches to Korean and back, and the answers stay.
    page = new_page(device="phone")
    ceo = BrowserCEO(page, pick=worst_answer)
    page.goto(link)
    expect(page).to_have_url(url_of(PAGES[HALFWAY]))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    ceo.activate(page.locator("a.lang-switch"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.wait_for_load_state()
    ceo.activate(page.locator("a.lang-switch"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state()
    finish_and_read_the_pdf(page, ceo, "en", look, artifacts)


def answer_sections(ceo: BrowserCEO, page_ids: list[str], look: Auditor) -> None:
    """Check each section as it opens and, where answers open follow-up questions, once
    answered; then go on."""
    for page_id in page_ids:
        look(ceo.page, f"section-{page_id}")
        ceo.answer_page()
        if any(q.id in Q.question_conditions for q in Q.questions_of(page_id)):
            look(ceo.page, f"section-{page_id}-answered")
        ceo.go_on(page_id)


def see_results(page, lang: str) -> None:
    """The overall index, a chart with its table of the five dimensions, cited actions."""
    expect(page.locator(".score-big")).to_be_visible()
    chart = page.locator("figure svg")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 250
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(len(Q.dimensions))
    for dimension in Q.dimensions:
        expect(rows.filter(has_text=dimension.name.get(lang))).to_have_count(1)
    actions = page.locator("section[aria-labelledby=actions-heading] .finding")
    assert actions.count() >= 3
    expect(actions.first.locator(".citation").first).to_contain_text(
        "출처" if lang == "ko" else "Source"
    )
    expect(page.locator(".case-box").first).to_be_visible()
