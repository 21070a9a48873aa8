"""Webhooks through the real queue: `assess worker` in its own process POSTs to a real HTTP
receiver on 127.0.0.1, which checks the signature with the secret like a consultancy would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import WebhookDelivery
from assess.services import accounts, clients, submission, webhooks
from assess.services.questionnaires import questionnaire_of
from tests.scoring.documents import BASE_FIRM, all_answers, worst_answer


class Receiver:
    """A consultancy's endpoint: answers each POST with the next of ``statuses`` (the last one
    repeats) and keeps what it got."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body,
                                          "path": self.path, "at": time.time()})  # fmt: skip
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else \
                    receiver.statuses[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/x")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ax-hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app(app):
    """A receiver on this machine, and retries a second apart, for the test only."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_DELAYS=(1.0, 1.0),
                      WEBHOOK_TIMEOUT_SECONDS=5.0)  # fmt: skip
    return app


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*statuses: int) -> Receiver:
        made.append(Receiver(list(statuses)))
        return made[-1]

    yield make
    for r in made:
        r.close()


def client_submits(app, url: str, withdraw: bool = False) -> tuple[int, str, dict]:
    """A consultancy with a webhook to ``url``; one of its clients submits. Returns the
    assessment id, the webhook's secret and the answers."""
    with app.test_request_context():
        organisation = accounts.create_organisation("한빛컨설팅", "consultancy")
        consultant = accounts.create_user("kim@hanbit.example", None, organisation=organisation,
                                          role="consultant")  # fmt: skip
        webhook = webhooks.register(organisation, url, None)
        firm = clients.create_client(organisation, dict(BASE_FIRM), consultant)
        assessment, _ = clients.start_for_client(firm, consultant, "ko")
        assessment.answers = all_answers(questionnaire_of(assessment), worst_answer)
        if withdraw:
            clients.withdraw_from_consultancy(assessment)
        assert submission.submit(assessment)
        db.session.commit()  # the delivery is queued by this commit
        return assessment.id, webhook.secret, dict(assessment.answers)


def wait_for(app, done, timeout: float = 30.0) -> list[WebhookDelivery]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            deliveries = db.session.scalars(select(WebhookDelivery)).all()
            if deliveries and all(done(d) for d in deliveries):
                for d in deliveries:
                    _ = d.attempt_log  # loaded while the session is open
                return deliveries
        time.sleep(0.2)
    pytest.fail("the deliveries did not finish")


def test_a_submitted_assessment_is_posted_once_signed_and_without_answers(
        queue_app, worker, receiver):  # fmt: skip
    hook = receiver(200)
    assessment_id, secret, answers = client_submits(queue_app, hook.url)
    [delivery] = wait_for(queue_app, lambda d: d.status != "pending")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    [got] = hook.received
    headers, body = got["headers"], got["body"]
    assert got["path"] == "/ax-hooks"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-AX-Delivery"] == str(delivery.id)
    timestamp = headers["X-AX-Timestamp"]
    assert abs(int(timestamp) - got["at"]) < 30  # fresh
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(headers["X-AX-Signature"], "sha256=" + expected.hexdigest())
    data = json.loads(body)
    assert data["event"] == "assessment.submitted"
    assert data["assessment"]["id"] == assessment_id
    assert "answers" not in data["assessment"]
    assert not any(f'"{qid}"' in body.decode() for qid in answers)
    [attempt] = delivery.attempt_log
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, None)


def test_a_failed_post_is_retried_and_every_attempt_is_logged(queue_app, worker, receiver):
    hook = receiver(500, 200)
    client_submits(queue_app, hook.url)
    [delivery] = wait_for(queue_app, lambda d: d.status != "pending")
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [(a.number, a.status_code) for a in delivery.attempt_log] == [(2, 200), (1, 500)]
    first, second = hook.received
    assert first["headers"]["X-AX-Delivery"] == second["headers"]["X-AX-Delivery"]
    assert first["body"] == second["body"]
    assert second["at"] - first["at"] >= 0.9  # the backoff, not at once


def test_a_redirect_is_a_failure_and_is_not_followed(queue_app, worker, receiver):
    hook = receiver(302)
    client_submits(queue_app, hook.url)
    [delivery] = wait_for(queue_app, lambda d: d.status != "pending")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 302)
    assert [a.error for a in delivery.attempt_log] == ["redirect: not followed"] * 3
    assert [r["path"] for r in hook.received] == ["/ax-hooks"] * 3  # never /x


def test_no_delivery_when_the_client_withdrew_the_consultancys_sight(queue_app, worker,
                                                                     receiver):  # fmt: skip
    hook = receiver(200)
    client_submits(queue_app, hook.url, withdraw=True)
    time.sleep(2)
    with queue_app.app_context():
        assert db.session.scalar(select(WebhookDelivery)) is None
    assert hook.received == []
