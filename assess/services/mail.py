"""Outgoing mail through SMTP when ``MAIL_URL`` is set (smtp://, smtp+starttls:// or smtps://,
with optional user:password@); without it nothing is sent and the caller shows the link instead
(development) or says that mail is not configured (production)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(current_app.config.get("MAIL_URL"))


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail. :raise OSError: (smtplib errors included) when it cannot be sent."""
    url = urlsplit(current_app.config["MAIL_URL"])
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    # One line whatever a name in it holds: a line break in a header would be refused (or, by
    # a laxer library, start a header of its own).
    message["Subject"] = " ".join(subject.split())
    message.set_content(body)
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 587 if url.scheme == "smtp+starttls" else 25)
    # TLS checks the server's certificate and name (Python's smtplib does not, unless given a
    # context): a password or a sign-in link never goes to a server that only claims the name.
    tls = ssl.create_default_context()
    host = url.hostname or "localhost"
    if secure:
        connection = smtplib.SMTP_SSL(host, port, timeout=10, context=tls)
    else:
        connection = smtplib.SMTP(host, port, timeout=10)
    with connection as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls(context=tls)
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
    log.info("mail sent to %s: %s", to, subject)
