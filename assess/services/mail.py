"""Outgoing mail through SMTP when ``MAIL_URL`` is set (smtp://, smtp+starttls:// or smtps://,
with optional user:password@); without it nothing is sent and the caller shows the link instead
(development) or says that mail is not configured (production)."""

from __future__ import annotations

import logging
import smtplib
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
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(url.hostname or "localhost", port, timeout=10) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
    log.info("mail sent to %s: %s", to, subject)
