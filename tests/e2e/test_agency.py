"""An agency analyst's visit in Chromium, on a demo of about 200 firms (`seed_demo`): sign in, land
on the dashboard, filter by region and industry (figures shown, hidden ones as "–"), then too
narrowly (the "too few firms" notice), download the CSV and find the page's figures in it, open the
firms that share with the agency and one firm's results, and add a programme, first with a wrong
condition, then a right one. Every page is checked with axe-core in Korean, and the dashboard and
programmes pages again in English, on a laptop and on a phone."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from assess.extensions import db
from assess.services import accounts, agencies, aggregates
from assess.services.aggregates import Dashboard, Filters, N
from assess.services.demo import DEMO_AGENCY, seed_demo
from tests.e2e.checks import Auditor

pytestmark = pytest.mark.browser

ANALYST = "analyst@demo.example"
REGION, INDUSTRY = "gyeonggi", "C29"  # the biggest cluster: figures show for each, and for both
NARROW = {"region": "gyeonggi", "industry": "C25"}  # too few firms together for any figure
TEXT = {
    "ko": {"email": "이메일", "password": "비밀번호", "sign_in": "로그인", "show": "보기",
           "csv": "CSV로 내려받기", "firms": "결과를 공유한 기업", "programmes": "지원사업",
           "too_few": "조건에 맞는 기업이 너무 적어", "save": "지원사업 저장",
           "added": "지원사업을 추가했습니다.", "unknown_dimension": "알 수 없는 영역"},
    "en": {"email": "Email", "password": "Password", "sign_in": "Sign in", "show": "Show",
           "csv": "Download as CSV", "firms": "Firms that share with you",
           "programmes": "Support programmes", "too_few": "Too few firms match these filters",
           "save": "Save the programme", "added": "Programme added.",
           "unknown_dimension": "Unknown dimension"},
}  # fmt: skip


@pytest.fixture(scope="module")
def demo(live_server) -> Iterator[dict[str, str]]:
    """The demo's sign-ins (email → password) on the live server's database, each with a password
    its owner chose (a printed one leads only to choosing one's own: tests/web/test_auth.py)."""
    app = live_server.app
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    with app.app_context():
        passwords = {email: f"{printed}-own" for email, printed in seed_demo(200, 7).items()}
        for email, password in passwords.items():
            accounts.set_password(accounts.find_user(email), password, how="change")
        db.session.commit()
    yield passwords


def expected(live_server, **filters) -> Dashboard:
    """What the dashboard computes for these filters: the figures the page must show."""
    with live_server.app.test_request_context():
        agency = accounts.find_organisation(DEMO_AGENCY)
        return aggregates.dashboard(Filters(**filters), agencies.programmes_of(agency))


def shown(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def csv_shown(value: str, digits: int) -> str:
    return "–" if value == "" else f"{float(value):.{digits}f}"


def sign_in(page: Page, text: dict, password: str) -> None:
    page.goto("/login")
    page.get_by_label(text["email"], exact=True).fill(ANALYST)
    page.get_by_label(text["password"], exact=True).fill(password)
    page.get_by_role("button", name=text["sign_in"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/agency$"))


def table(page: Page, section: str) -> Locator:
    return page.locator(f'section[aria-labelledby="{section}-heading"] table')


def cells(row: Locator) -> list[str]:
    return [c.strip() for c in row.locator("th, td").all_inner_texts()]


def check_figures(page: Page, data: Dashboard) -> dict[str, list[list[str]]]:
    """The page shows the dashboard's figures, hidden ones as "–"; returns the tables read."""
    read = {}
    levels = [cells(r) for r in table(page, "levels").locator("tbody tr").all()]
    assert [r[1:] for r in levels] == [[shown(data.count(("level", lv))),
                                        shown(data.share(("level", lv)), 1)] for lv in range(1, 6)]
    read["levels"] = levels
    quarters = [cells(r) for r in table(page, "trend").locator("tbody tr").all()]
    assert quarters == [[q, shown(data.count(("quarter", q))),
                         shown(data.mean(("quarter", q)), 1)] for q in data.quarters]  # fmt: skip
    read["quarters"] = quarters
    programmes = [cells(r) for r in table(page, "programmes").locator("tbody tr").all()]
    assert [r[0] for r in programmes] == [p.name for p in data.programmes]
    assert [r[1] for r in programmes] == [shown(data.count((("programme", p.id), "yes")))
                                          for p in data.programmes]  # fmt: skip
    read["programmes"] = programmes
    overall = [cells(r) for r in table(page, "overall").locator("tbody tr").all()]
    assert len(overall) == len(data.dimensions["overall"]) >= 5
    read["overall"] = overall
    return read


def filter_to(page: Page, text: dict, **choices: str) -> None:
    for name in ("industry", "region", "size_band"):
        page.locator(f"#{name}").select_option(choices.get(name, ""))
    page.get_by_role("button", name=text["show"], exact=True).click()
    for name, value in choices.items():
        expect(page).to_have_url(re.compile(rf"[?&]{name}={value}(&|$)"))


def test_an_analysts_visit_in_korean(new_page, live_server, demo, artifacts):
    text = TEXT["ko"]
    look = Auditor(artifacts, "ko-agency")
    page = new_page("ko")
    sign_in(page, text, demo[ANALYST])
    whole = expected(live_server)
    assert whole.count(N) == 200
    expect(page.locator(".score-big").first).to_have_text("200")
    check_figures(page, whole)
    look(page, "dashboard")

    # One region: figures for its firms; some too small to show, as "–".
    filter_to(page, text, region=REGION)
    data = expected(live_server, region=REGION)
    assert data.publishable and 30 <= data.count(N) < 200
    expect(page.locator(".score-big").first).to_have_text(str(data.count(N)))
    expect(page.locator(".score-big").nth(1)).to_have_text(shown(data.mean(N), 1))
    check_figures(page, data)
    assert any(data.count(("level", lv)) is None for lv in range(1, 6))
    expect(table(page, "levels").locator("td", has_text="–").first).to_be_visible()
    look(page, "dashboard-region")

    # And one industry within it: still enough firms for the totals, most figures hidden.
    filter_to(page, text, region=REGION, industry=INDUSTRY)
    data = expected(live_server, region=REGION, industry=INDUSTRY)
    assert data.publishable
    expect(page.locator(".score-big").first).to_have_text(str(data.count(N)))
    read = check_figures(page, data)
    assert any(r[1] != "–" for r in read["programmes"]), "no programme figure shows"
    assert any(r[1] == "–" for r in read["quarters"]), "no quarter is hidden"
    look(page, "dashboard-region-industry")

    # The CSV of these filters has the page's figures, hidden ones as empty cells.
    with page.expect_download() as info:
        page.get_by_role("link", name=text["csv"]).click()
    download = info.value
    assert download.suggested_filename == "aggregates.csv"
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) > 20

    def csv_row(table_name: str | None, group: str) -> list[str]:
        """Firms, share and mean of one CSV row, written as the page writes them."""
        row = next(r for r in rows[1:] if r[1] == group and table_name in (None, r[0]))
        return [csv_shown(row[2], 0), csv_shown(row[3], 1), csv_shown(row[4], 1)]

    assert csv_row(None, "N")[0] == str(data.count(N))
    assert csv_row(None, "N")[2] == shown(data.mean(N), 1)
    for quarter, count, mean in read["quarters"]:
        assert csv_row("분기", quarter)[::2] == [count, mean]
    for name, count, share in read["programmes"]:
        assert csv_row("지원사업", name)[:2] == [count, share]
    for level_row in read["levels"]:
        level = level_row[0].split(" ")[0]
        assert csv_row("단계", level)[:2] == level_row[1:]

    # Too narrow: no figure at all, and a notice saying so.
    filter_to(page, text, **NARROW)
    assert not expected(live_server, **NARROW).publishable
    expect(page.get_by_role("status")).to_contain_text(text["too_few"])
    expect(page.locator(".score-big")).to_have_count(0)
    expect(page.get_by_role("link", name=text["csv"])).to_have_count(0)
    look(page, "dashboard-too-few")

    # The firms that agreed to share with this agency, and one firm's results.
    page.get_by_role("link", name=text["firms"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/agency/firms$"))
    firm_links = page.locator("tbody th a")
    assert firm_links.count() >= 30
    name = firm_links.first.inner_text().strip()
    look(page, "firms")
    firm_links.first.click()
    expect(page).to_have_url(re.compile(r"/agency/firms/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("svg").first).to_be_visible()
    look(page, "firm")

    # A programme with a wrong condition is refused naming the problem; a right one is added.
    page.get_by_role("link", name=text["programmes"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/agency/programmes$"))
    look(page, "programmes")
    page.locator("#name").fill("스마트 물류 바우처")
    page.locator("#eligibility").fill("{dimension: dx, lt: 40}")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator(".error-message").first).to_contain_text(
        text["unknown_dimension"])
    expect(page.locator("#eligibility")).to_have_value("{dimension: dx, lt: 40}")
    look(page, "programme-refused")
    page.locator("#eligibility").fill("all:\n  - {profile: region, in: [gyeonggi]}\n"
                                      "  - {dimension: dx_ax, lt: 60}")
    page.get_by_role("button", name=text["save"]).click()
    expect(page).to_have_url(re.compile(r"/agency/programmes$"))
    expect(page.get_by_text(text["added"])).to_be_visible()
    expect(page.get_by_role("link", name="스마트 물류 바우처")).to_be_visible()
    look(page, "programme-added")

    # The new programme appears among the dashboard's matches.
    page.goto(f"/agency?region={REGION}")
    programmes = [cells(r) for r in table(page, "programmes").locator("tbody tr").all()]
    assert "스마트 물류 바우처" in [r[0] for r in programmes]
    check_figures(page, expected(live_server, region=REGION))


@pytest.mark.parametrize("device", ["laptop", "phone"])
def test_the_dashboard_and_programmes_in_english(new_page, live_server, demo, artifacts, device):
    text = TEXT["en"]
    look = Auditor(artifacts, f"en-agency-{device}")
    page = new_page("en", device=device)
    sign_in(page, text, demo[ANALYST])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Firms assessed: the population picture")
    check_figures(page, expected(live_server))
    look(page, "dashboard")
    filter_to(page, text, region=REGION)
    check_figures(page, expected(live_server, region=REGION))
    look(page, "dashboard-region")
    page.get_by_role("link", name=text["programmes"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/agency/programmes$"))
    look(page, "programmes")
    page.locator("#name").fill("Export voucher")
    page.locator("#eligibility").fill("{profile: employes, gte: 10}")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.get_by_text("Unknown profile field employes").first).to_be_visible()
    look(page, "programme-refused")
    page.get_by_role("link", name=text["firms"], exact=True).click()
    look(page, "firms")
