"""Pages that read several rows read them on one pooled connection: on PostgreSQL each checkout
is a round trip (the pre-ping) before the read itself."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from assess.extensions import db
from assess.models.plain import shared_connection
from assess.services import drafts
from tests.web.test_agency import submitted_firm


@pytest.fixture
def checkouts(app):
    """How many times a connection is taken from the app's pool, counted by the pool itself."""
    counted = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_: counted.append(1)  # noqa: E731
    event.listen(engine, "checkout", listener)
    yield counted
    event.remove(engine, "checkout", listener)


def test_the_results_page_takes_one_connection_for_all_its_reads(app, checkouts):
    me, _ = submitted_firm(app, "한판정밀")
    assert me.get("results").status_code == 200  # the first view keeps the result
    checkouts.clear()
    page = me.get("results")
    assert page.status_code == 200
    assert "한판정밀" in page.text
    # The assessment, the results version, the agencies and consents, the consultancy.
    assert len(checkouts) == 1


def test_reads_in_a_shared_scope_take_one_connection_and_give_it_back(app, checkouts):
    me, _ = submitted_firm(app, "반납금속")
    with app.app_context():
        pool = db.engine.pool
        checkouts.clear()  # those of the journey
        outside = [drafts.find_row_by_token(me.token) for _ in range(2)]
        assert len(checkouts) == 2
        checkouts.clear()
        with shared_connection():
            inside = [drafts.find_row_by_token(me.token) for _ in range(2)]
            assert pool.checkedout() == 1
        assert len(checkouts) == 1
        assert pool.checkedout() == 0  # given back when the scope ends
    assert inside == outside and inside[0].status == "submitted"


def test_a_failed_read_in_a_shared_scope_gives_its_connection_back(app, checkouts):
    with app.app_context():
        pool = db.engine.pool
        with pytest.raises(ValueError), shared_connection():
            drafts.find_row_by_token("x" * 20)
            assert pool.checkedout() == 1
            raise ValueError("the page failed after its read")
        assert pool.checkedout() == 0
