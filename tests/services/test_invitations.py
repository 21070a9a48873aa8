"""A client's invitation starts one assessment, however many clicks arrive at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment, Invitation
from assess.services import accounts, clients
from tests.scoring.documents import BASE_FIRM


def invite(name: str, email: str) -> tuple[Invitation, str]:
    """A consultancy's new client and its invitation (inside an app context)."""
    consultancy = accounts.create_organisation(name, "consultancy")
    consultant = accounts.create_user(email, organisation=consultancy, role="consultant")
    firm = clients.create_client(consultancy, dict(BASE_FIRM), consultant)
    return clients.invite_client(firm, consultant)


def test_two_clicks_at_once_start_one_assessment(app):
    with app.app_context():
        _, token = invite("초대컨설팅", "c@example.org")
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(Assessment))
    clicks = 4
    barrier = threading.Barrier(clicks)

    def click(_n: int) -> bool:
        with app.app_context():
            invitation = clients.invitation_for(token)
            barrier.wait()  # every click has read the invitation unused
            started = clients.accept_invitation(invitation, "ko")
            db.session.commit()
            return started is not None

    with ThreadPoolExecutor(clicks) as pool:
        results = list(pool.map(click, range(clicks)))
    assert sorted(results) == [False] * (clicks - 1) + [True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == before + 1


def test_an_invitation_ends_at_the_term_it_was_given_even_if_the_setting_grows(app):
    app.config["INVITATION_HOURS"] = 1
    with app.app_context():
        invitation, token = invite("기한컨설팅", "d@example.org")
        invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)  # its hour has passed
        db.session.commit()
        invitation_id = invitation.id
    app.config["INVITATION_HOURS"] = 72
    with app.app_context():
        assert clients.invitation_for(token) is None
        db.session.get(Invitation, invitation_id).expires_at = datetime.now(UTC) + timedelta(hours=1)
        db.session.commit()
        assert clients.invitation_for(token) is not None
