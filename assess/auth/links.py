"""Password links (reset and invitation) delivered by mail, or handed back to be shown on screen
when no mail server is configured."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from ..models import User
from ..security import public_url
from ..services import accounts, mail


def deliver_password_link(user: User, purpose: str, inviter: User | None = None) -> str | None:
    """Mail ``user`` a link to set a password; return the link instead when mail is not set up.

    :raise OSError: when the mail server refuses or cannot be reached.
    """
    link = public_url("auth.set_password", purpose=purpose,
                      token=accounts.password_link_token(user, purpose))  # fmt: skip
    if not mail.configured():
        current_app.logger.warning("mail is not configured; %s link for %s: %s",
                                   purpose, user.email, link)  # fmt: skip
        return link
    if purpose == "invitation":
        organisation = user.organisation.name if user.organisation else ""
        subject = _("You are invited to %(organisation)s", organisation=organisation)
        body = render_template("auth/invitation_mail.txt", link=link, organisation=organisation,
                               inviter=inviter.email if inviter else "",
                               hours=current_app.config["INVITATION_HOURS"])  # fmt: skip
    else:
        subject = _("Reset your password")
        body = render_template("auth/reset_mail.txt", link=link,
                               hours=current_app.config["PASSWORD_RESET_HOURS"])  # fmt: skip
    mail.send(user.email, subject, body)
    return None
