"""A hostile autosave answer in a real browser: what the server says is shown as text, and no
key it names reaches an object's prototype (docs/security.md V3.2.2 and V15.3.6; the scripts
themselves are read by tests/security/test_scripts.py)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.ceo import BrowserCEO
from tests.web.journey import PAGES, Q

pytestmark = pytest.mark.browser

MARKUP = '<img id="injected" src="x" onerror="window.pwned = 1">'
MESSAGE = '<b id="injected-message">Not saved</b>'


def test_what_the_autosave_answers_is_shown_as_text_and_pollutes_nothing(new_page):
    """The autosave's answer replaced by a hostile one: its error text and message are markup,
    its errors carry a ``__proto__`` key, its list of questions names ``__proto__`` and
    ``constructor``. The page shows the markup as text, runs nothing, and no object gains a
    property."""
    page = new_page()
    ceo = BrowserCEO(page)
    ceo.begin()
    first = next(q for q in Q.questions_of(PAGES[0])
                 if q.type == "single" and q.id not in Q.question_conditions)  # fmt: skip
    shown = [q.id for q in Q.questions_of(PAGES[0])]
    hostile = {"error": "invalid", "saved": False, "revision": 2, "message": MESSAGE,
               "applicable": [*shown, "__proto__", "constructor", "toString"],
               "errors": {first.id: MARKUP, "__proto__": {"polluted": "yes"},
                          "constructor": {"prototype": {"polluted": "yes"}}}}  # fmt: skip
    page.route("**/autosave", lambda route: route.fulfill(
        status=422, content_type="application/json", body=json.dumps(hostile)))
    page.locator(f'input[name="{first.id}"]').first.check()
    status = page.locator("[data-save-status]")
    expect(status).to_have_text(MESSAGE)
    expect(page.locator(f"#{first.id}-error")).to_have_text(MARKUP)
    assert page.locator("#injected, #injected-message").count() == 0
    assert page.evaluate("""() => [window.pwned, ({}).polluted, Object.prototype.polluted,
                                   [].polluted, Object.keys(Object.prototype).length]""") == [
        None, None, None, None, 0]
    # Every question of the page is in the list, so every one is shown (and no other key
    # counts as a question).
    fieldsets = page.locator("fieldset[data-question]")
    assert fieldsets.count() > 1
    expect(page.locator("fieldset[data-question][hidden]")).to_have_count(0)
