"""What the app fetches or posts on someone's word: webhook targets and the PDF renderer.

Already proven elsewhere, and not repeated here:
- tests/services/test_webhooks.py::test_an_address_that_is_not_public_https_is_refused_with_a_reason
  (http, credentials, loopback, private, link-local, multicast, shared, unspecified, IPv4 in
  IPv6, a decimal address, ``localhost``);
- tests/jobs/test_webhooks.py::test_a_redirect_is_a_failure_and_is_not_followed (a real
  receiver answering 302: never followed);
- tests/reports/test_fetcher.py (file://, internal addresses, other schemes, traversal and
  symbolic links out of the static folders; ``<link rel=attachment>``, ``@import``, images and
  SVG in hostile markup reach nothing) and tests/reports/test_safety.py (user text through the
  whole report).

Added here: more spellings of internal hosts; a name that resolves to an internal address among
public ones; a name that resolves to a public address when registered and to this machine when
the delivery is sent (DNS rebinding), which never connects; and a live server on this machine,
reached by the renderer neither directly nor through a redirect.
"""

from __future__ import annotations

import io
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from assess.services import outbound, webhooks
from reports.render import PdfRenderer

PUBLIC = "93.184.215.14"


@pytest.mark.parametrize("url", [
    "https://0x7f000001/", "https://0x7f.0.0.1/", "https://017700000001/", "https://127.1/",
    "https://0177.0.0.1/", "https://[::ffff:7f00:1]/", "https://[0:0:0:0:0:ffff:a9fe:a9fe]/",
    "https://[::ffff:169.254.169.254]/", "https://[::]/", "https://[fd00::1]/",
    "https://[2002:a00:1::]/", "https://169.254.169.254./", "https://LOCALHOST/",
    "https://localhost./", "https://127.0.0.1:443@example.org/",
])  # fmt: skip
def test_other_spellings_of_this_machine_and_its_network_are_refused(url):
    with pytest.raises(outbound.AddressError):
        outbound.resolve(outbound.parse_target(url))


def fake_dns(monkeypatch, *answers: list[str]) -> list[str]:
    """getaddrinfo answering each call with the next list of addresses (the last repeats);
    returns the names asked for."""
    asked: list[str] = []
    queue = list(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_with_one_internal_address_among_public_ones_is_refused(monkeypatch):
    fake_dns(monkeypatch, [PUBLIC, "10.0.0.7"])
    with pytest.raises(outbound.AddressError, match="10.0.0.7"):
        outbound.resolve(outbound.parse_target("https://mixed.example/hooks"))


class Listener:
    """A TCP server on this machine that only counts who connects."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.socket.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


def test_a_name_that_turns_internal_after_registration_is_never_connected_to(monkeypatch):
    """DNS rebinding: public when the webhook is registered, this machine when it is sent."""
    listener = Listener()
    try:
        asked = fake_dns(monkeypatch, [PUBLIC], ["127.0.0.1"])
        url = f"https://rebind.example:{listener.port}/hooks"
        outbound.resolve(outbound.parse_target(url))  # registration: a public address, accepted
        outcome = outbound.post(url, b"{}", {"Content-Type": "application/json"}, timeout=2)
        assert outcome.status is None
        assert outcome.error.startswith("address: ") and "127.0.0.1" in outcome.error
        assert asked == ["rebind.example", "rebind.example"]  # looked up again before sending
        assert listener.connections == 0
    finally:
        listener.close()


def test_registering_a_webhook_checks_the_resolved_addresses(app, monkeypatch):
    from assess.extensions import db
    from assess.services import accounts

    fake_dns(monkeypatch, ["192.168.0.10"])
    with app.app_context():
        organisation = accounts.create_organisation("Rebinding Consulting", "consultancy")
        with pytest.raises(webhooks.WebhookError, match="192.168.0.10"):
            webhooks.register(organisation, "https://hooks.example/ax", None)
        db.session.rollback()


class Trap:
    """An HTTP server on this machine that redirects every request to a local file and counts
    the requests it gets."""

    def __init__(self):
        trap = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                trap.requests.append(self.path)
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_renderer_reaches_no_internal_server_directly_or_by_redirect():
    trap = Trap()
    try:
        base = trap.base
        html = f"""<html><head>
          <link rel="attachment" href="{base}/attachment" title="a">
          <link rel="stylesheet" href="{base}/style.css">
          <style>@import url("{base}/import.css"); p {{ background: url("{base}/bg.png") }}</style>
        </head><body><p>text</p>
          <img src="{base}/image.png"><object data="{base}/object"></object>
          <a rel="attachment" href="{base}/anchor">a</a>
          <img src="http://169.254.169.254/latest/meta-data/">
          <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
            <image href="{base}/svg.png" width="10" height="10"/></svg>
        </body></html>"""
        HTML(string=html).write_pdf()  # the control: WeasyPrint's own fetcher does go there
        assert trap.requests
        trap.requests.clear()
        pdf = PdfRenderer().html_to_pdf(html)
        assert trap.requests == []
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.attachments == {}
        assert sum(len(page.images) for page in reader.pages) == 0
        assert b"root:" not in pdf
    finally:
        trap.close()
