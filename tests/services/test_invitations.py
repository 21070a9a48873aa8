"""A client's invitation starts one assessment, however many clicks arrive at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from assess.extensions import db
from assess.models import Assessment
from assess.services import accounts, clients
from tests.scoring.documents import BASE_FIRM


def test_two_clicks_at_once_start_one_assessment(app):
    with app.app_context():
        consultancy = accounts.create_organisation("초대컨설팅", "consultancy")
        consultant = accounts.create_user("c@example.org", organisation=consultancy,
                                          role="consultant")  # fmt: skip
        firm = clients.create_client(consultancy, dict(BASE_FIRM), consultant)
        _, token = clients.invite_client(firm, consultant)
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
