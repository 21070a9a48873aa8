"""Progressive enhancement: without JavaScript every step still works (the server does the skip
logic); with it, an answer chosen just before the tab is closed is not lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.ceo import SAVED, BrowserCEO, exporter_without_successor, url_of
from tests.e2e.checks import Auditor
from tests.scoring.documents import worst_answer
from tests.web.journey import PAGES, Q

pytestmark = pytest.mark.browser


def test_korean_ceo_without_javascript_on_a_phone(new_page, artifacts):
    """Pages, errors, skip logic, submit and the PDF link all work with JavaScript off. (axe-core
    itself needs JavaScript: these pages are checked with it on, in the journeys.)"""

    look = Auditor(artifacts, "ko-phone-nojs", axe=False)
    page = new_page(device="phone", js=False)
    ceo = BrowserCEO(page, pick=exporter_without_successor, js=False)
    page.goto("/")
    look(page, "home")
    ceo.start_from_home()
    ceo.create()
    expect(page.locator("[data-copy-button]")).to_be_hidden()  # copying needs the script
    look(page, "profile")
    ceo.fill_profile()
    ceo.go_on("profile")
    for page_id in PAGES:
        look(page, f"section-{page_id}")
        ceo.complete_page(page_id)
        if page_id == "export":
            # Follow-up questions opened by "we export" came back from the server, flagged.
            assert ceo.flagged_on_the_way
    look(page, "check")
    ceo.submit()
    look(page, "results")
    expect(page.locator("figure svg")).to_be_visible()
    with page.expect_download() as info:
        page.locator('a[href$="/report-ko.pdf"]').click()
    assert info.value.path().read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("wait", ["saved-status", "nothing"])
def test_an_answer_chosen_just_before_the_tab_closes_is_kept(new_page, wait):
    """Closed after the "saved" status, or at once: the script saves on closing (a keepalive
    request), so the answer is there when the link is opened on another device."""
    page = new_page()
    ceo = BrowserCEO(page)
    ceo.begin()
    question = Q.questions_of(PAGES[0])[1]
    option = question.options[-1].id
    label = page.locator(f'label[for="{question.id}-{len(question.options) - 1}"]')
    if wait == "nothing":
        label.click()
    else:
        with page.expect_response(lambda r: r.url.endswith("/autosave")) as saved:
            label.click()
        assert saved.value.ok
        expect(page.locator("[data-save-status]")).to_have_text(SAVED["ko"])
    link = f"/r/{ceo.token}/"
    page.close(run_before_unload=True)

    page = new_page()
    chosen = page.locator(f'input[name="{question.id}"][value="{option}"]')
    for _ in range(10):  # the request sent while closing may still be on its way
        page.goto(link)
        if chosen.is_checked():
            break
        page.wait_for_timeout(200)
    expect(page).to_have_url(url_of(PAGES[0]))
    expect(chosen).to_be_checked()


def test_a_stale_tab_does_not_silently_undo_what_another_device_saved(new_page):
    """Two devices on one page: the stale one is told of the conflict, and its later clicks do
    not autosave over the other's answers (only an explicit Save keeps what it shows)."""
    stale = new_page()
    ceo = BrowserCEO(stale)
    ceo.begin()
    section = f"/r/{ceo.token}/{PAGES[0]}"
    first, second, third = Q.questions_of(PAGES[0])[:3]
    other = BrowserCEO(new_page())
    other.page.goto(section)
    other.answer_one(first.id)

    with stale.expect_response(lambda r: r.url.endswith("/autosave")) as conflict:
        ceo.pick_label(second.id, second.options[1].id).click()
    assert conflict.value.status == 409
    expect(stale.locator("[data-save-status]")).to_contain_text("다른 창")
    ceo.pick_label(third.id, third.options[1].id).click()
    stale.wait_for_timeout(1000)  # well past the autosave delay
    # Reloading, as the message suggests, shows what the other device saved.
    stale.reload()
    picked = worst_answer(Q, first.id)
    expect(stale.locator(f'input[name="{first.id}"][value="{picked}"]')).to_be_checked()
    expect(stale.locator(f'input[name="{third.id}"]:checked')).to_have_count(0)


# The script sees autosave answers this long after the server stored them, as on a slow network.
SLOW_ANSWERS = """
(() => {
  const fetchNow = window.fetch;
  window.fetch = (...args) => fetchNow(...args).then(
    (response) => new Promise((resolve) => setTimeout(() => resolve(response), 1200)));
})();
"""


def test_save_and_continue_while_an_autosave_is_on_its_way_does_not_conflict(new_page):
    """The button waits for the tab's own autosave and posts with the revision it returned:
    only another window or device can produce a conflict."""
    page = new_page()
    ceo = BrowserCEO(page)
    ceo.begin()
    page.evaluate(SLOW_ANSWERS)
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
    question = next(q for q in Q.questions_of(PAGES[0]) if q.type == "single")
    with page.expect_request(lambda r: r.url.endswith("/autosave")):
        ceo.pick_label(question.id, question.options[0].id).click()
    ceo.later()  # pressed while the autosave's answer is still on its way
    assert 409 not in statuses, statuses
    expect(page.locator(".notice-error")).to_have_count(0)


def test_a_rejected_number_is_marked_and_never_reported_saved(new_page):
    page = new_page()
    ceo = BrowserCEO(page)
    ceo.begin()
    question = next(q for q in Q.questions if q.type == "number"
                    and q.id not in Q.question_conditions)  # fmt: skip
    if question.dimension != PAGES[0]:
        page.goto(f"/r/{ceo.token}/{question.dimension}")
    field = page.locator(f'input[name="{question.id}"]')
    with page.expect_response(lambda r: r.url.endswith("/autosave")) as saved:
        field.fill("-5")
        field.blur()
    assert saved.value.status == 422
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("표시된 답변은 저장되지 않았습니다")
    expect(status).not_to_have_text(SAVED["ko"])
    expect(page.locator(f"#{question.id}-error")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/autosave")) as saved:
        field.fill(f"{question.min:g}")
        field.blur()
    assert saved.value.status == 200
    expect(status).to_have_text(SAVED["ko"])
    expect(page.locator(f"#{question.id}-error")).to_have_count(0)
