"""Webhooks without HTTP in front: which addresses are refused and why, what a submitted
assessment sends (scores, never answers), and the signature."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEvent, Webhook, WebhookDelivery
from assess.services import accounts, clients, drafts, submission, webhooks
from assess.services.batches import ENQUEUE_KEY
from assess.services.outbound import AddressError, internal, parse_target, resolve
from assess.services.questionnaires import questionnaire_of
from tests.scoring.documents import BASE_FIRM, all_answers, worst_answer


@pytest.fixture
def consultancy(app):
    with app.test_request_context():
        organisation = accounts.create_organisation("한빛컨설팅", "consultancy")
        admin = accounts.create_user("admin@hanbit.example", None, organisation=organisation,
                                     role="org_admin")  # fmt: skip
        yield organisation, admin


def client_assessment(organisation, admin, name: str = "시험정밀"):
    """A client's draft with every question answered, ready to submit."""
    firm = clients.create_client(organisation, {**BASE_FIRM, "name": name}, admin)
    assessment, _ = clients.start_for_client(firm, admin, "ko")
    assessment.answers = all_answers(questionnaire_of(assessment), worst_answer)
    db.session.flush()
    return assessment


@pytest.mark.parametrize(("url", "says"), [
    ("http://hooks.example.com/ax", "must start with https://"),
    ("ftp://hooks.example.com/ax", "must start with https://"),
    ("https://user:pw@hooks.example.com/ax", "user name or password"),
    ("https://token@hooks.example.com/ax", "user name or password"),
    ("https:///ax", "Enter a full address"),
    ("https://hooks.example.com:99999/ax", "Enter a full address"),
    ("https://hooks.example.com/ax#part", "Enter a full address"),
    ("https://127.0.0.1/ax", "127.0.0.1 is a loopback, private or reserved address"),
    ("https://10.0.0.1/ax", "10.0.0.1 is a loopback, private or reserved address"),
    ("https://192.168.1.20:8443/ax", "192.168.1.20 is a loopback"),
    ("https://[::1]/ax", "::1 is a loopback"),
    ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a loopback"),
    ("https://[::ffff:127.0.0.1]/ax", "::ffff:127.0.0.1 is a loopback"),
    ("https://[fe80::1]/ax", "fe80::1 is a loopback"),
    ("https://0.0.0.0/ax", "0.0.0.0 is a loopback"),
    ("https://224.0.0.1/ax", "224.0.0.1 is a loopback"),
    ("https://100.64.0.1/ax", "100.64.0.1 is a loopback"),
    ("https://2130706433/ax", "2130706433 points to 127.0.0.1"),  # 127.0.0.1 as a number
    ("https://localhost/ax", "localhost points to"),
    ("https://no-such-host.invalid/ax", "no-such-host.invalid could not be found"),
])  # fmt: skip
def test_an_address_that_is_not_public_https_is_refused_with_a_reason(consultancy, url, says):
    organisation, admin = consultancy
    with pytest.raises(webhooks.WebhookError) as refused:
        webhooks.register(organisation, url, admin)
    assert refused.value.field == "url"
    assert says in refused.value.message
    assert db.session.scalar(select(Webhook)) is None


def test_addresses_carrying_an_internal_ipv4_address_are_internal():
    import ipaddress

    for text in ("::ffff:10.0.0.1", "2002:7f00:1::1", "64:ff9b::7f00:1", "fc00::1", "::"):
        assert internal(ipaddress.ip_address(text)), text
    for text in ("93.184.215.14", "2606:4700:4700::1111"):
        assert not internal(ipaddress.ip_address(text)), text


def test_a_public_address_passes_and_private_ones_only_where_allowed():
    target = parse_target("https://93.184.215.14:8443/hooks?x=1")
    assert (target.host, target.port, target.path) == ("93.184.215.14", 8443, "/hooks?x=1")
    assert resolve(target) == ["93.184.215.14"]
    with pytest.raises(AddressError):
        resolve(parse_target("https://127.0.0.1/"))
    local = parse_target("http://127.0.0.1:8080/", allow_private=True)
    assert resolve(local, allow_private=True) == ["127.0.0.1"]


def test_register_remove_and_rotate_are_audited_and_the_secret_changes(app, consultancy):
    organisation, admin = consultancy
    webhook = webhooks.register(organisation, "https://93.184.215.14/hooks", admin)
    first = webhook.secret
    assert first.startswith("whsec_") and len(first) > 40
    assert webhooks.rotate_secret(webhook, admin) != first
    webhooks.remove(webhook, admin)
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("webhook.")] == [
        "webhook.register", "webhook.rotate", "webhook.remove"]  # fmt: skip
    assert db.session.scalar(select(Webhook)) is None


def test_an_agency_cannot_have_webhooks(app):
    with app.test_request_context():
        agency = accounts.create_organisation("지원기관", "agency")
        with pytest.raises(webhooks.WebhookError):
            webhooks.register(agency, "https://93.184.215.14/hooks", None)


def test_submitting_a_clients_assessment_queues_one_summary_without_answers(app, consultancy):
    organisation, admin = consultancy
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    webhook = webhooks.register(organisation, "http://127.0.0.1:9/hooks", admin)
    assessment = client_assessment(organisation, admin)
    answers = dict(assessment.answers)
    assert submission.submit(assessment)
    assert not submission.submit(assessment)  # a replay sends nothing more
    delivery = db.session.scalar(select(WebhookDelivery))
    assert db.session.info[ENQUEUE_KEY][-1] == ("webhook", delivery.id)
    assert (delivery.webhook_id, delivery.event, delivery.status) == (
        webhook.id, "assessment.submitted", "pending")  # fmt: skip
    body = json.loads(delivery.payload)
    assert body["event"] == "assessment.submitted"
    assert body["firm"] == {"id": assessment.firm_id, "name": "시험정밀"}
    summary = body["assessment"]
    assert summary["id"] == assessment.id
    assert summary["overall"]["score"] == assessment.result.overall
    assert summary["overall"]["level"] == assessment.result.level
    assert {d["id"] for d in summary["dimensions"]} == {
        "dx_ax", "roi", "infra", "export", "succession"}  # fmt: skip
    assert summary["findings"] and all(isinstance(f, str) for f in summary["findings"])
    assert "answers" not in delivery.payload and "profile" not in delivery.payload
    for qid in answers:
        assert f'"{qid}"' not in delivery.payload  # no question id, hence no answer
    db.session.rollback()


def test_no_delivery_when_the_client_withdrew_or_the_firm_is_not_a_client(app, consultancy):
    organisation, admin = consultancy
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    webhooks.register(organisation, "http://127.0.0.1:9/hooks", admin)
    withdrawn = client_assessment(organisation, admin)
    clients.withdraw_from_consultancy(withdrawn)
    assert submission.submit(withdrawn)
    own, _ = drafts.start_assessment("ko")  # a firm that came on its own
    own.answers = dict(withdrawn.answers)
    own.profile = dict(BASE_FIRM)
    assert submission.submit(own)
    assert db.session.scalar(select(WebhookDelivery)) is None
    db.session.rollback()


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body():
    body = b'{"event":"webhook.test"}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("whsec_x", 1700000000, body) == "sha256=" + expected


def test_a_delivery_not_yet_sent_stops_when_the_client_withdraws(app, consultancy):
    from assess.jobs import tasks

    organisation, admin = consultancy
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    webhooks.register(organisation, "http://127.0.0.1:9/hooks", admin)
    assessment = client_assessment(organisation, admin)
    assert submission.submit(assessment)
    db.session.commit()
    clients.withdraw_from_consultancy(assessment)
    db.session.commit()
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    tasks.deliver_webhook(delivery_id)  # what the worker does, in this process
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.last_error, delivery.attempt_log) == (
        "failed", "withdrawn: not sent", [])  # fmt: skip
