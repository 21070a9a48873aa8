"""A consultant's day in Chromium: sign in, add three clients, invite one (the mail reaches the
local SMTP server and its link works), fill one on the client's behalf, add notes, upload a logo,
download the batch ZIP of branded PDFs, compare clients; every page checked with axe-core, in
Korean, and the workspace's pages again in English."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from assess.extensions import db
from assess.services import accounts
from tests.e2e.ceo import BrowserCEO, url_of
from tests.e2e.checks import Auditor, pdf_text
from tests.scoring.documents import BASE_FIRM
from tests.web.journey import PAGES
from tests.web.test_auth import Inbox, smtp_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
ASSESS = str(Path(sys.executable).parent / "assess")
CLIENTS = [{**BASE_FIRM, "name": "한빛정밀"}, {**BASE_FIRM, "name": "대성금속", "employees": 120},
           {**BASE_FIRM, "name": "세진테크", "industry": "C26"}]


@pytest.fixture(scope="module")
def inbox(live_server) -> Iterator[Inbox]:
    with smtp_server() as (received, url):
        live_server.app.config["MAIL_URL"] = url
        yield received
        live_server.app.config["MAIL_URL"] = None


@pytest.fixture(scope="module")
def worker(live_server) -> Iterator[subprocess.Popen]:
    """`assess worker` on the live server's database, queue and folders."""
    config = live_server.app.config
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
               HUEY_SQLITE_PATH=config["HUEY_SQLITE_PATH"], BATCH_DIR=config["BATCH_DIR"],
               PDF_CACHE_DIR=config["PDF_CACHE_DIR"])  # fmt: skip
    process = subprocess.Popen([ASSESS, "worker", "--workers", "1"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    yield process
    process.terminate()
    process.communicate(timeout=60)


def consultancy_admin(live_server, organisation: str) -> str:
    email = f"admin@{abs(hash(organisation)) % 10**8}.example.kr"
    with live_server.app.app_context():
        org = accounts.create_organisation(organisation, "consultancy")
        accounts.create_user(email, PASSWORD, organisation=org, role="org_admin")
        db.session.commit()
    return email


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator('form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/clients$"))


def add_client(page: Page, firm: dict) -> int:
    page.goto("/clients/new")
    for name, value in firm.items():
        control = page.locator(f"#{name}")
        if name in ("industry", "region"):
            control.select_option(value)
        else:
            control.fill(str(value))
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_a_consultants_day_in_korean(new_page, live_server, inbox, worker, artifacts, tmp_path):
    look = Auditor(artifacts, "ko-consultant")
    email = consultancy_admin(live_server, "한빛컨설팅")
    page = new_page("ko")
    sign_in(page, email)
    look(page, "clients-empty")

    ids = [add_client(page, firm) for firm in CLIENTS]
    look(page, "client")
    page.goto("/clients")
    for firm in CLIENTS:
        expect(page.get_by_role("link", name=firm["name"])).to_be_visible()
    look(page, "clients")

    # Invite the first client: the mail arrives and its link opens the journey, saying first
    # who will receive the results.
    page.goto(f"/clients/{ids[0]}")
    page.locator("#email").fill("ceo@hanbit.example.kr")
    page.get_by_role("button", name="고객사 초대하기").click()
    expect(page.get_by_text("초대 메일을 보냈습니다")).to_be_visible()
    mail = next(m for m in reversed(inbox.messages) if m["To"] == "ceo@hanbit.example.kr")
    link = re.search(r"https?://\S+/invitation/\S+", mail.get_content()).group(0)
    client_page = new_page("ko")
    client_page.goto(link)
    expect(client_page.get_by_text("진단 결과는 한빛컨설팅에 전달됩니다").first).to_be_visible()
    look(client_page, "invitation")
    client_page.get_by_role("button", name="진단 시작하기").click()
    expect(client_page).to_have_url(re.compile(r"/r/[^/]+/profile\?new=1$"))
    expect(client_page.get_by_role("button", name="한빛컨설팅와(과) 공유 멈추기")).to_be_visible()
    look(client_page, "invited-profile")

    # Fill the second client's assessment on its behalf, on the respondent's own pages.
    page.goto(f"/clients/{ids[1]}")
    page.get_by_role("button", name="이 고객사의 진단 작성하기").click()
    expect(page).to_have_url(url_of("profile"))
    expect(page.locator("#name")).to_have_value("대성금속")
    ceo = BrowserCEO(page, firm=CLIENTS[1])
    ceo.go_on("profile")
    for page_id in PAGES:
        ceo.complete_page(page_id)
    ceo.submit()
    look(page, "results-on-behalf")

    # Notes on the results, in the consultant's view.
    page.goto(f"/clients/{ids[1]}")
    page.get_by_role("link", name="결과와 의견").click()
    look(page, "assessment")
    page.locator("#overall").fill("우선 생산 실적부터 시스템에 기록하시길 권합니다.")
    page.get_by_role("button", name="의견 저장").click()
    expect(page.get_by_text("의견을 저장했습니다.")).to_be_visible()

    # A logo for the reports.
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (31, 111, 139)).save(logo)
    page.goto("/organisation/branding")
    page.locator("#logo").set_input_files(str(logo))
    page.get_by_role("button", name=re.compile("로고 올리기|로고 업로드")).click()
    expect(page.locator("img.logo-preview")).to_be_visible()
    look(page, "branding")

    # A batch of the assessed client's PDF: progress, then the ZIP.
    page.goto("/clients")
    page.locator(f"#client-{ids[1]}").check()
    page.get_by_role("button", name="선택한 고객사 PDF 만들기").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    look(page, "job")
    download_link = page.get_by_role("link", name="ZIP 내려받기")
    expect(download_link).to_be_visible(timeout=90_000)  # the page reloads when it is done
    look(page, "job-done")
    with page.expect_download() as info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes()))
    names = archive.namelist()
    assert "status.csv" in names and any(n.startswith("대성금속") for n in names)
    status = list(csv.reader(io.StringIO(archive.read("status.csv").decode("utf-8-sig"))))
    assert len(status) == 2
    text = pdf_text(archive.read(next(n for n in names if n.endswith(".pdf"))))
    assert "한빛컨설팅" in text and "우선 생산 실적부터" in text

    # Compare two clients side by side.
    page.goto("/clients")
    page.locator(f"#client-{ids[0]}").check()
    page.locator(f"#client-{ids[1]}").check()
    page.get_by_role("button", name="선택한 고객사 비교하기").click()
    expect(page).to_have_url(re.compile(r"/compare\?"))
    look(page, "compare")


def test_the_workspace_in_english(new_page, live_server, artifacts):
    look = Auditor(artifacts, "en-consultant")
    email = consultancy_admin(live_server, "Hanbit Consulting")
    page = new_page("en")
    sign_in(page, email)
    firm_id = add_client(page, {**CLIENTS[0], "name": "Hanbit Precision"})
    for path, name in ((f"/clients/{firm_id}", "client"), ("/clients", "clients"),
                       ("/clients/new", "new-client"), (f"/clients/{firm_id}/edit", "edit"),
                       ("/organisation/branding", "branding")):  # fmt: skip
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        look(page, name)
