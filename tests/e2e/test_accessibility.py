"""Keyboard and screen-reader details of the questionnaire that axe-core cannot judge: focus order,
visible focus, the skip link, the progress indicator's name, the error summary's announcement."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.ceo import BrowserCEO
from tests.web.journey import PAGES, Q

pytestmark = pytest.mark.browser

PROGRESS = {"ko": "7단계 중 2단계 · {name}", "en": "Step 2 of 7 · {name}"}
SKIP = {"ko": "본문으로 건너뛰기", "en": "Skip to main content"}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_questionnaire_focus_order_and_names(new_page, lang):
    page = new_page(lang)
    ceo = BrowserCEO(page, keyboard_only=True)
    ceo.begin()
    dimension = Q.dimensions_by_id[PAGES[0]]
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_accessible_name(PROGRESS[lang].format(name=dimension.name.get(lang)))
    expect(progress).to_have_attribute("value", "2")

    # The first Tab shows the skip link; it leads past the header into the page.
    skip = ceo.tab()
    assert skip["text"] == SKIP[lang] and skip["focus_ring"]
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # on screen, not at -9999px
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Then one stop per question, in the order they are asked (the first option of each, as
    # none is chosen yet), then "Save and continue".
    stops = []
    while not stops or stops[-1]["value"] != "next":
        stops.append(ceo.tab())
        assert len(stops) < 100, "Tab never reached the Save and continue button"
    questions = [q for q in Q.questions_of(PAGES[0])]
    radios = [s for s in stops if s["type"] == "radio"]
    assert [s["question"] for s in radios] == [q.id for q in questions]
    assert [s["value"] for s in radios] == [q.options[0].id for q in questions]
    assert stops.index(radios[0]) == 0  # nothing between the skip target and the first answer
    assert all(stop["focus_ring"] for stop in stops), [s for s in stops if not s["focus_ring"]]


def test_error_summary_is_announced_and_leads_to_the_question(new_page):
    page = new_page("en")
    ceo = BrowserCEO(page, keyboard_only=True)
    ceo.begin()
    ceo.activate(ceo.button("next"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary).to_have_accessible_name("There is a problem")
    # The first link in it, followed with the keyboard, brings the question into view.
    link = ceo.tab()
    first = Q.questions_of(PAGES[0])[0]
    assert link["href"] == f"#{first.id}-field" and link["focus_ring"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"#{first.id}-field$"))
    expect(page.locator(f"#{first.id}-field")).to_be_in_viewport()
    # The next Tab lands in that question, whose description says what is wrong.
    assert ceo.tab()["question"] == first.id
    fieldset = page.locator(f"#{first.id}-field")
    expect(fieldset).to_have_accessible_description(re.compile("Answer this question"))
