"""A consultancy's invitation link for a client firm lives ``INVITATION_HOURS`` (72) from the
moment it is made: a minute before, it opens and starts the firm's assessment; a second after,
it is not found, by GET or POST, and starts nothing. (Password links and CSRF tokens:
tests/services/test_accounts.py and tests/web/test_respond.py.)
"""

from __future__ import annotations

import time

from flask import url_for
from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, Firm, Invitation, User
from assess.services import clients
from tests.security.routes import token_for


def invite(site) -> tuple[int, str]:
    """A new invitation for consultancy A's client: (its id, its link)."""
    with site.app.test_request_context():
        firm = db.session.get(Firm, site.values["$client_a"])
        consultant = db.session.scalar(select(User).where(User.email == "a@example.org"))
        invitation, token = clients.invite_client(firm, consultant)
        db.session.commit()
        return invitation.id, url_for("respond.invitation", token=token)


def at(monkeypatch, moment: float) -> None:
    monkeypatch.setattr(time, "time", lambda: moment)


def assessments(site) -> int:
    return site.rows(select(func.count()).select_from(Assessment))[0][0]


def test_a_client_invitation_link_ends_when_its_hours_are_up(site, monkeypatch):
    made = time.time()
    lifetime = site.app.config["INVITATION_HOURS"] * 3600
    assert lifetime == 72 * 3600
    late_id, late = invite(site)
    _, on_time = invite(site)
    client = site.app.test_client()
    at(monkeypatch, made + lifetime - 60)
    assert client.get(on_time).status_code == 200
    before = assessments(site)
    assert client.post(on_time, data={"csrf_token": token_for(client)}).status_code == 303
    assert assessments(site) == before + 1
    at(monkeypatch, made + lifetime + 1)
    assert client.get(late).status_code == 404
    assert client.post(late, data={"csrf_token": token_for(client)}).status_code == 404
    assert assessments(site) == before + 1
    [(used_at,)] = site.rows(select(Invitation.used_at).where(Invitation.id == late_id))
    assert used_at is None
