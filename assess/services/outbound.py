"""Requests to addresses people typed (webhooks): only to the public internet, never to this
machine or its network, and never following a redirect.

The host is resolved and every address checked when the webhook is registered and again before
each POST, and the POST connects to the address that was checked, so that a name which later
resolves to an internal address (DNS rebinding) cannot turn a webhook against the network.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..scoring.answers import N_

MAX_URL_CHARS = 2000
RESPONSE_BYTES = 64 * 1024  # read and dropped: the answer's body is not kept

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressError(ValueError):
    """A target that may not be called; ``template`` (marked for translation) and ``params`` say
    why to a person, ``message`` in English."""

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query


@dataclass(frozen=True)
class Outcome:
    """What one POST got: a status code, or an error (``kind: detail``), and how long it took."""

    status: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def parse_target(url: str, allow_private: bool = False) -> Target:
    """The parts of a webhook address, checked for form (not yet resolved).

    :raise AddressError: not https (http only with ``allow_private``), credentials, no host, a
        bad port, a fragment or an address too long.
    """
    url = (url or "").strip()
    if len(url) > MAX_URL_CHARS:
        raise AddressError(N_("The address is longer than %(n)d characters"), n=MAX_URL_CHARS)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressError(N_("Enter a full address, such as https://example.com/ax-hooks")) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise AddressError(N_("The address must start with https://"))
    if parts.username is not None or parts.password is not None:
        raise AddressError(N_("The address must not contain a user name or password"))
    if not parts.hostname or parts.fragment or any(c.isspace() or ord(c) < 32 for c in url):
        raise AddressError(N_("Enter a full address, such as https://example.com/ax-hooks"))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default, path)


def internal(address: Address) -> bool:
    """Whether an address belongs to this machine, a private network or a reserved range,
    including IPv4 addresses carried inside IPv6 ones (mapped, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = [address.ipv4_mapped, address.sixtofour,
                   address.teredo[1] if address.teredo else None]  # fmt: skip
        if any(inner is not None and internal(inner) for inner in carried):
            return True
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or not address.is_global)  # fmt: skip


def resolve(target: Target, allow_private: bool = False) -> list[str]:
    """Every address the host resolves to; all of them must be public.

    :raise AddressError: the host does not resolve, or one of its addresses is internal.
    """
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressError(N_("%(host)s could not be found: check the address"),
                           host=target.host) from None  # fmt: skip
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if allow_private:
        return addresses
    for text in addresses:
        if internal(ipaddress.ip_address(text.split("%", 1)[0])):
            if text == target.host.strip("[]"):
                raise AddressError(N_("%(address)s is a loopback, private or reserved address: "
                                      "webhooks go only to public internet addresses"),
                                   address=text)  # fmt: skip
            raise AddressError(N_("%(host)s points to %(address)s, a loopback, private or "
                                  "reserved address: webhooks go only to public internet "
                                  "addresses"), host=target.host, address=text)  # fmt: skip
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address (only where private targets are allowed: tests)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address, with the certificate still verified against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float,
                 context: ssl.SSLContext):  # fmt: skip
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         allow_private: bool = False) -> Outcome:  # fmt: skip
    """POST ``body`` once; never raises for the far end's faults, never follows a redirect."""
    started = time.monotonic()

    def outcome(status: int | None, error: str | None) -> Outcome:
        return Outcome(status, error, int((time.monotonic() - started) * 1000))

    try:
        target = parse_target(url, allow_private)
        address = resolve(target, allow_private)[0]
    except AddressError as exc:
        return outcome(None, f"address: {exc.message}")
    if target.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(
            target.host, target.port, address, timeout, ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(target.host, target.port, address, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_BYTES)
    except TimeoutError:
        return outcome(None, f"timeout: no answer within {timeout:g} s")
    except ssl.SSLError as exc:
        return outcome(None, f"tls: {exc.reason or exc}")
    except (OSError, http.client.HTTPException) as exc:
        return outcome(None, f"connection: {exc.__class__.__name__}: {exc}")
    finally:
        connection.close()
    if 300 <= response.status < 400:
        return outcome(response.status, "redirect: not followed")
    return outcome(response.status, None)
