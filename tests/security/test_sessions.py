"""Sessions and tokens that should be dead stay dead.

Already proven in tests/web/test_auth.py, and not repeated here:
- test_session_is_renewed_at_sign_in (a cookie planted or captured before sign-in is not
  signed in: session fixation);
- test_sign_out_ends_every_session_of_the_user (a copied cookie after sign-out);
- test_password_change_ends_every_other_session (a copied cookie after a password change);
- test_password_reset_by_mail_works_once (a reset ends every earlier session).

Added here: no remember-me cookie is ever issued, and one forged for a session that was
signed out or had its password changed is refused; a session ends when its account is disabled,
removed from its organisation or given another role; an API token stops working when revoked
(by an administrator or the command line), expired, or its user disabled or removed; the session
cookie's flags.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from assess.extensions import db
from assess.models import ApiToken, User
from assess.services import accounts
from tests.security.routes import token_for
from tests.world import PASSWORD, visitor


def signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def member(site, email: str, role: str = "consultant", org: str = "$org_a") -> tuple[str, str]:
    """A new member of an organisation of the world with a password and an API token:
    (email, plain token)."""
    with site.app.app_context():
        from assess.models import Organisation

        organisation = db.session.get(Organisation, site.values[org])
        user = accounts.create_user(email, PASSWORD, organisation=organisation, role=role)
        _, token = accounts.create_token(user, 30)
        db.session.commit()
    return email, token


def remember_cookie(site, email: str) -> str:
    """A remember-me cookie as Flask-Login would sign it for the user's current session."""
    with site.app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        cookie = encode_cookie(user.get_id())
        db.session.remove()
    return cookie


def api_status(site, token: str) -> int:
    return site.app.test_client().get("/api/v1/assessments",
                                      headers={"Authorization": f"Bearer {token}"}).status_code


def act(site, role: str, url: str, data: dict | None = None) -> int:
    client = site.visitor(role)
    return client.post(url, data={**(data or {}), "csrf_token": token_for(client)}).status_code


def test_signing_in_issues_no_remember_me_cookie(site):
    client = site.app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"email": "a@example.org", "password": PASSWORD,
                                           "remember": "y", "csrf_token": token_for(client)})
    assert response.status_code == 303 and page.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["session"]


def test_a_remember_me_cookie_of_a_signed_out_or_changed_session_is_refused(site):
    email, _ = member(site, "remembered@example.org")
    client = visitor(site.app, "x", {"x": email})
    before_logout = remember_cookie(site, email)
    # Even a cookie for the session as it is now is not taken: none is ever issued, and a
    # session needs the clock started at sign-in (idle and maximum age), which it lacks.
    fresh = site.app.test_client()
    fresh.set_cookie("remember_token", before_logout)
    assert not signed_in(fresh)
    assert client.post("/logout", data={"csrf_token": token_for(client)}).status_code == 303
    replay = site.app.test_client()
    replay.set_cookie("remember_token", before_logout)
    assert not signed_in(replay)
    # After a password change, likewise.
    client = visitor(site.app, "x", {"x": email})
    before_change = remember_cookie(site, email)
    response = client.post("/account", data={"current": PASSWORD, "password": "another pass 1",
                                             "confirm": "another pass 1",
                                             "csrf_token": token_for(client)})  # fmt: skip
    assert response.status_code == 303
    replay = site.app.test_client()
    replay.set_cookie("remember_token", before_change)
    assert not signed_in(replay)
    assert signed_in(client)  # the session that changed it goes on


def test_a_session_ends_when_its_account_is_disabled(site):
    email, token = member(site, "disabled@example.org")
    client = visitor(site.app, "x", {"x": email})
    assert signed_in(client) and api_status(site, token) == 200
    user_id = _user_id(site, email)
    assert act(site, "site_admin", f"/admin/users/{user_id}/disable") == 303
    assert not signed_in(client)
    assert api_status(site, token) == 401


def test_a_session_and_its_tokens_end_when_the_member_is_removed(site):
    email, token = member(site, "removed@example.org")
    client = visitor(site.app, "x", {"x": email})
    assert signed_in(client) and api_status(site, token) == 200
    membership = _membership_id(site, email)
    assert act(site, "org_admin", f"/organisation/members/{membership}/remove") == 303
    assert not signed_in(client)
    assert api_status(site, token) == 401


def test_a_session_ends_when_the_members_role_changes(site):
    email, _ = member(site, "promoted@example.org")
    client = visitor(site.app, "x", {"x": email})
    assert client.get("/organisation/members").status_code == 403
    membership = _membership_id(site, email)
    assert act(site, "site_admin", f"/admin/memberships/{membership}/role",
               {"role": "org_admin"}) == 303
    assert not signed_in(client)  # signed in again, the new role applies from the start


def test_an_api_token_stops_at_revocation_by_an_administrator(site):
    _, token = member(site, "revoked-admin@example.org")
    assert api_status(site, token) == 200
    token_id = _token_id(site, token)
    assert act(site, "site_admin", f"/admin/tokens/{token_id}/revoke") == 303
    assert api_status(site, token) == 401


def test_an_api_token_stops_at_revocation_from_the_command_line(site):
    _, token = member(site, "revoked-cli@example.org")
    assert api_status(site, token) == 200
    result = site.app.test_cli_runner().invoke(args=["tokens", "revoke", token[:12]])
    assert result.exit_code == 0, result.output
    assert api_status(site, token) == 401


def test_an_expired_api_token_is_refused(site):
    _, token = member(site, "expired@example.org")
    assert api_status(site, token) == 200
    with site.app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == accounts.token_hash(
            token)).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    assert api_status(site, token) == 401


def test_an_api_call_never_takes_or_sets_the_session_cookie(site):
    browser = site.visitor("consultant_a")
    response = browser.get("/api/v1/assessments")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_the_session_cookie_is_httponly_and_samesite(site):
    """(Secure in production: tests/test_config.py::test_production_with_secret_key_starts.)"""
    client = site.app.test_client()
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def _user_id(site, email: str) -> int:
    return site.rows(select(User.id).where(User.email == email))[0][0]


def _membership_id(site, email: str) -> int:
    from assess.models import Membership

    return site.rows(select(Membership.id).join(User).where(User.email == email))[0][0]


def _token_id(site, token: str) -> int:
    return site.rows(select(ApiToken.id).where(
        ApiToken.token_hash == accounts.token_hash(token)))[0][0]
