"""Signing in, a wrong password, a password reset through a local SMTP server and signing out,
in Chromium, in Korean and in English; every page checked with axe-core and photographed."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Page, expect

from assess.extensions import db
from assess.services import accounts
from tests.e2e.checks import Auditor
from tests.web.test_auth import Inbox, smtp_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple tray elephant"

TEXT = {
    "ko": {
        "email": "이메일", "password": "비밀번호", "sign_in": "로그인", "sign_out": "로그아웃",
        "wrong": "이메일 또는 비밀번호가 올바르지 않습니다.", "forgot": "비밀번호를 잊으셨나요?",
        "send": "링크 보내기", "sent": "이메일을 확인하세요", "new": "새 비밀번호",
        "again": "새 비밀번호 확인", "save": "비밀번호 저장", "account": "내 계정",
        "signed_out": "로그아웃했습니다.", "password_set": "비밀번호를 설정했습니다.",
        "invalid": "더 이상 쓸 수 없는 링크입니다",
    },
    "en": {
        "email": "Email", "password": "Password", "sign_in": "Sign in", "sign_out": "Sign out",
        "wrong": "The email or password is not right.", "forgot": "Forgot your password?",
        "send": "Send the link", "sent": "Check your email", "new": "New password",
        "again": "New password again", "save": "Save the password", "account": "Your account",
        "signed_out": "You are signed out.", "password_set": "Your password is set.",
        "invalid": "This link no longer works",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def inbox(live_server) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that the live app mails through."""
    with smtp_server() as (received, url):
        live_server.app.config["MAIL_URL"] = url
        yield received
        live_server.app.config["MAIL_URL"] = None


def new_consultant(live_server) -> str:
    """A consultant with a unique email (the live server's tables live for the whole module)."""
    app = live_server.app
    email = f"kim-{uuid.uuid4().hex[:8]}@example.kr"
    with app.app_context():
        organisation = accounts.find_organisation("정밀컨설팅") or accounts.create_organisation(
            "정밀컨설팅", "consultancy")  # fmt: skip
        accounts.create_user(email, PASSWORD, organisation=organisation, role="consultant")
        db.session.commit()
    return email


def fill_sign_in(page: Page, text: dict, email: str, password: str) -> None:
    page.get_by_label(text["email"], exact=True).fill(email)
    page.get_by_label(text["password"], exact=True).fill(password)
    page.get_by_role("button", name=text["sign_in"], exact=True).click()


def sign_out(page: Page, text: dict) -> None:
    page.get_by_role("button", name=text["sign_out"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text(text["signed_out"])).to_be_visible()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_sign_in_with_a_wrong_then_the_right_password_and_sign_out(new_page, live_server,
                                                                   artifacts, lang):  # fmt: skip
    text = TEXT[lang]
    email = new_consultant(live_server)
    look = Auditor(artifacts, f"{lang}-sign-in")
    page = new_page(lang)
    page.goto("/account")  # a signed-in page sends a visitor to sign in, and back after
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)account$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    look(page, "login")

    fill_sign_in(page, text, email, "not the password")
    alert = page.get_by_role("alert").filter(has_text=text["wrong"])
    expect(alert).to_be_visible()
    expect(page.get_by_label(text["email"], exact=True)).to_have_value(email)
    look(page, "wrong-password")

    fill_sign_in(page, text, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["account"])
    expect(page.get_by_role("link", name=email)).to_be_visible()
    look(page, "account")

    sign_out(page, text)
    look(page, "signed-out")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next="))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_reset_the_password_from_the_mailed_link(new_page, live_server, inbox, artifacts, lang):
    text = TEXT[lang]
    email = new_consultant(live_server)
    look = Auditor(artifacts, f"{lang}-reset")
    page = new_page(lang)
    page.goto("/login")
    page.get_by_role("link", name=text["forgot"]).click()
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    look(page, "forgot")

    page.get_by_label(text["email"], exact=True).fill(email)
    page.get_by_role("button", name=text["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["sent"])
    look(page, "sent")

    link = inbox.last_link(email)
    assert link.startswith(live_server.url + "/password/reset/")
    page.goto(link)
    look(page, "choose")
    page.get_by_label(text["new"], exact=True).fill(NEW_PASSWORD)
    page.get_by_label(text["again"], exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name=text["save"]).click()
    expect(page).to_have_url(re.compile(r"/clients$"))  # a consultant lands on the clients
    expect(page.get_by_text(text["password_set"])).to_be_visible()
    look(page, "password-set")

    sign_out(page, text)
    page.goto(link)  # the link worked once
    expect(page.get_by_role("heading", level=1)).to_have_text(text["invalid"])
    look(page, "link-used")

    page.goto("/login")
    fill_sign_in(page, text, email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/clients$"))


TWO_STEP_TEXT = {
    "ko": {"turn_on_link": "2단계 로그인 켜기", "qr": "인증 앱에 이 서비스를 추가하는 QR 코드",
           "app_code": "앱에 표시된 코드", "turn_on": "켜기", "codes": "복구 코드",
           "kept": "보관했습니다", "code": "코드"},
    "en": {"turn_on_link": "Turn on two-step sign-in",
           "qr": "QR code to add this service to an authenticator app",
           "app_code": "Code from your app", "turn_on": "Turn on", "codes": "Your recovery codes",
           "kept": "I have kept them", "code": "Code"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_turn_on_two_step_sign_in_and_sign_in_with_a_code(new_page, live_server, artifacts,
                                                          lang):  # fmt: skip
    text, words = TEXT[lang], TWO_STEP_TEXT[lang]
    email = new_consultant(live_server)
    look = Auditor(artifacts, f"{lang}-two-step")
    page = new_page(lang)
    page.goto("/login")
    fill_sign_in(page, text, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/clients$"))

    page.goto("/account")
    page.get_by_role("link", name=words["turn_on_link"]).click()
    expect(page).to_have_url(re.compile(r"/account/two-step/new$"))
    qr = page.get_by_role("img", name=words["qr"])
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    look(page, "setup")
    secret = page.locator("code.two-step-key").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label(words["app_code"], exact=True).fill(app.now())
    page.get_by_role("button", name=words["turn_on"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["codes"])
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    look(page, "recovery-codes")
    page.get_by_role("link", name=words["kept"]).click()
    expect(page).to_have_url(re.compile(r"/account$"))

    sign_out(page, text)
    fill_sign_in(page, text, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    look(page, "second-step")
    # The next time step's code: the one just used to turn it on is never taken again.
    page.get_by_label(words["code"], exact=True).fill(app.at(time.time() + 30))
    page.get_by_role("button", name=text["sign_in"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/clients$"))
