"""Passwords as people type them: masked, open to password managers and paste, checked exactly
as typed whatever their length, and a session planted before a password is set from a link is
not the one that comes out signed in.

The pages are found by walking every route for every visitor of the seeded world, so a password
field added anywhere is checked too.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assess.extensions import db
from assess.models import Organisation, User
from assess.services import accounts
from tests.security.routes import token_for
from tests.security.test_responses import walk
from tests.world import PASSWORD

STATIC = Path(__file__).resolve().parents[2] / "assess" / "static"
# Where people type a password, and what each field is for a password manager.
PASSWORD_PAGES = {
    "auth.login": {"email": "username", "password": "current-password"},
    "auth.set_password": {"username": "username", "password": "new-password",
                          "confirm": "new-password"},
    "auth.account": {"username": "username", "current": "current-password",
                     "password": "new-password", "confirm": "new-password"},
}  # fmt: skip
PASSWORD_NAMES = {"password", "confirm", "current"}


class Inputs(HTMLParser):
    """The attributes of every ``<input>`` of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def is_password_field(attrs: dict) -> bool:
    words = f"{attrs.get('name')} {attrs.get('id')} {attrs.get('autocomplete')}".lower()
    return attrs.get("type") == "password" or "password" in words or (
        attrs.get("name") in PASSWORD_NAMES)  # fmt: skip


@pytest.fixture(scope="module")
def pages(site) -> dict[str, list[dict]]:
    """endpoint → the inputs of its page, for every page any visitor opens."""
    found: dict[str, list[dict]] = {}
    for _, endpoint, response in walk(site):
        if response.status_code == 200 and response.mimetype == "text/html":
            found.setdefault(endpoint, Inputs(response.get_data(as_text=True)).inputs)
    assert set(PASSWORD_PAGES) <= set(found)  # each password page was opened
    return found


def test_every_password_field_on_every_page_is_masked(pages):
    unmasked = {endpoint: [i for i in inputs
                           if is_password_field(i) and i.get("type") != "password"]
                for endpoint, inputs in pages.items()}  # fmt: skip
    assert {e: i for e, i in unmasked.items() if i} == {}
    with_passwords = {e for e, inputs in pages.items() if any(map(is_password_field, inputs))}
    assert with_passwords == set(PASSWORD_PAGES)


def test_password_managers_are_told_what_each_field_is_and_paste_is_never_blocked(pages):
    for endpoint, wanted in PASSWORD_PAGES.items():
        inputs = {i.get("name"): i for i in pages[endpoint]}
        assert {name: inputs[name].get("autocomplete") for name in wanted} == wanted, endpoint
        if "username" in wanted and endpoint != "auth.login":
            # The account's address, hidden, so a manager saves the new password under it.
            assert "hidden" in inputs["username"] and "@" in inputs["username"]["value"]
        for field in inputs.values():
            blocking = {a for a in field if a in ("onpaste", "oncopy", "ondrop", "readonly")}
            assert blocking == set(), (endpoint, field)
            if field.get("type") == "password":
                assert field.get("autocomplete") not in ("off", None), (endpoint, field)
                assert int(field.get("maxlength") or 1000) >= 1000, (endpoint, field)
    # No script listens for a paste (or cancels one).
    for script in STATIC.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "paste" not in text and "clipboardData" not in text, script.name


def new_member(site, email: str, password: str | None) -> User:
    with site.app.app_context():
        organisation = db.session.get(Organisation, site.values["$org_a"])
        user = accounts.create_user(email, password, organisation=organisation,
                                    role="consultant")  # fmt: skip
        db.session.commit()
        db.session.expunge(user)
        return user


def link_of(site, email: str, purpose: str) -> str:
    with site.app.app_context():
        user = accounts.find_user(email)
        token = accounts.password_link_token(user, purpose)
        db.session.remove()
    return f"/password/{purpose}/{token}"


def set_from_link(client, link: str, password: str, confirm: str | None = None):
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": token_for(client)})  # fmt: skip


def sign_in_status(site, email: str, password: str) -> int:
    client = site.app.test_client()
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token_for(client)}).status_code  # fmt: skip


@pytest.fixture
def many_tries(site, monkeypatch):
    """Every variant below is one more failure for the same account: throttling is tested
    elsewhere (tests/web/test_auth.py), here the comparison is."""
    monkeypatch.setitem(site.app.config, "LOGIN_MAX_FAILURES", 100)
    monkeypatch.setitem(site.app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 100)


def variants(password: str) -> dict[str, str]:
    """What a careless check would take for the password: trimmed, case-folded, spaces
    squeezed, another Unicode normal form, cut short or lengthened."""
    return {
        "trimmed": password.strip(),
        "lower case": password.lower(),
        "upper case": password.upper(),
        "case swapped": password.swapcase(),
        "spaces squeezed": " ".join(password.split()),
        "decomposed (NFD)": unicodedata.normalize("NFD", password),
        "last character cut": password[:-1],
        "a space added": password + " ",
    }


def test_a_password_is_checked_exactly_as_it_was_typed(site, many_tries):
    typed = "  Correct Horse  배터리 Staple "  # spaces at both ends and inside, mixed case, Hangul
    email = "exact@example.org"
    new_member(site, email, None)
    client = site.app.test_client()
    assert set_from_link(client, link_of(site, email, "invitation"), typed).status_code == 303
    refused = {name: sign_in_status(site, email, variant)
               for name, variant in variants(typed).items()}  # fmt: skip
    assert refused == dict.fromkeys(refused, 401)
    assert sign_in_status(site, email, typed) == 303


@pytest.mark.parametrize("length", [65, 128, 1000])
def test_long_passwords_are_taken_whole_when_set_changed_and_signed_in_with(site, many_tries,
                                                                            length):  # fmt: skip
    email = f"long{length}@example.org"
    new_member(site, email, PASSWORD)
    chosen = ("긴 비밀번호 long passphrase " * 60)[: length - 1] + "!"
    assert len(chosen) == length
    client = site.app.test_client()
    assert set_from_link(client, link_of(site, email, "reset"), chosen).status_code == 303
    assert sign_in_status(site, email, chosen) == 303
    # No part of it stands for the whole (no truncation at 64 or 72 characters or bytes).
    cut = {n: sign_in_status(site, email, chosen[:n]) for n in (64, 72, length - 1) if n < length}
    assert cut == dict.fromkeys(cut, 401)
    # Changed on the account page to another as long, from the long one.
    other = chosen[:-1] + "?"
    account = site.app.test_client()
    signed_in = account.post("/login", data={"email": email, "password": chosen,
                                             "csrf_token": token_for(account)})  # fmt: skip
    assert signed_in.status_code == 303
    changed = account.post("/account", data={"current": chosen, "password": other,
                                              "confirm": other,
                                              "csrf_token": token_for(account)})  # fmt: skip
    assert changed.status_code == 303
    assert (sign_in_status(site, email, other), sign_in_status(site, email, chosen)) == (303, 401)


def test_a_password_over_1000_characters_is_refused_saying_so(site):
    email = "toolong@example.org"
    new_member(site, email, PASSWORD)
    client = site.app.test_client()
    response = set_from_link(client, link_of(site, email, "reset"), "x" * 990 + "ten chars!!")
    assert response.status_code == 422
    assert "1000" in response.get_data(as_text=True)
    assert sign_in_status(site, email, PASSWORD) == 303  # the old one still works


def session_of(site, client) -> dict:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return dict(site.app.session_interface.get_signing_serializer(site.app).loads(cookie.value))


def signed_in_as(client) -> str | None:
    response = client.get("/account")
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    return next(i["value"] for i in Inputs(response.get_data(as_text=True)).inputs
                if i.get("name") == "username")  # fmt: skip


@pytest.mark.parametrize("purpose", ["reset", "invitation"])
@pytest.mark.parametrize("planted_by", ["anonymous", "consultant_b"])
def test_a_session_planted_before_a_password_is_set_from_a_link_is_replaced(
        site, purpose, planted_by):  # fmt: skip
    """Someone plants their session cookie (an anonymous one, or their own signed-in one) in
    the victim's browser; the victim sets a password from a link. The victim comes out with a
    new session and a new CSRF secret; the planted cookie signs no one in as the victim."""
    email = f"planted-{purpose}-{planted_by}@example.org"
    new_member(site, email, PASSWORD if purpose == "reset" else None)
    link = link_of(site, email, purpose)
    planter = site.fresh(planted_by)
    planter.get(link)  # the cookie now carries a CSRF secret the planter knows
    planted = planter.get_cookie("session").value
    planted_secret = session_of(site, planter)["csrf_token"]
    victim = site.app.test_client()
    victim.set_cookie("session", planted)
    response = set_from_link(victim, link, "a fresh and long passphrase")
    assert response.status_code == 303
    assert victim.get_cookie("session").value != planted
    assert session_of(site, victim).get("csrf_token") != planted_secret
    assert signed_in_as(victim) == email
    replay = site.app.test_client()
    replay.set_cookie("session", planted)
    assert signed_in_as(replay) == (None if planted_by == "anonymous" else site.world.emails[
        planted_by])  # the planter's cookie is still only the planter's
