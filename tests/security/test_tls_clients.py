"""The app as a TLS client: a webhook is posted only to a server whose certificate the machine
trusts and which is issued for the webhook's host; mail over SMTPS likewise (STARTTLS:
tests/web/test_auth.py::test_mail_over_tls_refuses_a_server_whose_certificate_is_not_trusted).

The servers run on this machine with certificates made for the test by ``openssl``; "trusted" is
said the way an operator says it, with ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from assess.extensions import db
from assess.models import WebhookDelivery
from assess.services import accounts, mail, webhooks
from tests.web.test_auth import Inbox, free_port


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for ``name``: an IP address or a host name."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / "key.pem", folder / "cert.pem"
    kind = "IP" if name[0].isdigit() else "DNS"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName={kind}:{name}", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)  # fmt: skip
    return key, cert


def server_tls(folder: Path, name: str) -> ssl.SSLContext:
    """A server's TLS context with a new self-signed certificate for ``name``."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*reversed(certificate(folder, name)))
    return tls


class HttpsReceiver:
    """A consultancy's endpoint over TLS that counts the POSTs it gets."""

    def __init__(self, tls: ssl.SSLContext):
        self.received: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_port}/ax-hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(tmp_path) -> Iterator:
    made: list[HttpsReceiver] = []

    def make(name: str) -> HttpsReceiver:
        made.append(HttpsReceiver(server_tls(tmp_path / name, name)))
        return made[-1]

    yield make
    for r in made:
        r.close()


def deliver_once(app, url: str) -> WebhookDelivery:
    """Register a webhook to ``url`` and send its test event once, as the worker would."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_DELAYS=(),
                      WEBHOOK_TIMEOUT_SECONDS=5.0)  # fmt: skip
    with app.test_request_context():
        organisation = accounts.create_organisation("한빛컨설팅", "consultancy")
        webhook = webhooks.register(organisation, url, None)
        delivery_id = webhooks.send_test(webhook, None).id
        db.session.commit()
        outgoing = webhooks.claim(delivery_id)
        assert outgoing is not None
        webhooks.record(outgoing, webhooks.send(outgoing))
        db.session.commit()
        delivery = db.session.get(WebhookDelivery, delivery_id)
        db.session.expunge(delivery)
        return delivery


def test_a_webhook_to_a_server_whose_certificate_is_not_trusted_is_not_sent(
        app, receiver, monkeypatch):  # fmt: skip
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    hook = receiver("127.0.0.1")
    delivery = deliver_once(app, hook.url)
    assert (delivery.status, delivery.last_status_code) == ("failed", None)
    assert delivery.last_error.startswith("tls: CERTIFICATE_VERIFY_FAILED"), delivery.last_error
    assert hook.received == []


def test_a_webhook_to_a_trusted_server_is_sent(app, receiver, monkeypatch, tmp_path):
    """The same server, once the machine trusts its certificate: the refusal above is the
    certificate check, not something else about the server."""
    hook = receiver("127.0.0.1")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "127.0.0.1" / "cert.pem"))
    delivery = deliver_once(app, hook.url)
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        "delivered", 200, None)
    assert hook.received == ["/ax-hooks"]


def test_a_webhook_to_a_trusted_certificate_for_another_host_is_not_sent(
        app, receiver, monkeypatch, tmp_path):  # fmt: skip
    """A certificate the machine trusts (as in the test above), but issued for another name
    than the webhook's host."""
    hook = receiver("hooks.other.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "hooks.other.example" / "cert.pem"))
    delivery = deliver_once(app, hook.url)
    assert (delivery.status, delivery.last_status_code) == ("failed", None)
    assert delivery.last_error.startswith("tls: CERTIFICATE_VERIFY_FAILED"), delivery.last_error
    assert hook.received == []


def test_mail_over_smtps_refuses_a_server_whose_certificate_is_not_trusted(
        app, tmp_path, monkeypatch):  # fmt: skip
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port(),
                            ssl_context=server_tls(tmp_path, "127.0.0.1"))  # fmt: skip
    controller.start()
    app.config["MAIL_URL"] = f"smtps://127.0.0.1:{controller.port}"
    try:
        with app.app_context(), pytest.raises(ssl.SSLCertVerificationError):
            mail.send("kim@example.kr", "제목", "본문")
    finally:
        controller.stop()
    assert received.messages == []
