"""Password links (reset and invitation) delivered by mail, or handed back to be shown on screen
when no mail server is configured."""

from __future__ import annotations

from flask import current_app, flash, render_template
from flask_babel import gettext as _

from ..models import User
from ..notices import show_on_this_page
from ..security import public_url
from ..services import accounts, mail


def deliver_password_link(user: User, purpose: str, inviter: User | None = None) -> str | None:
    """Mail ``user`` a link to set a password; return the link instead when mail is not set up.

    :raise OSError: when the mail server refuses or cannot be reached.
    """
    link = public_url("auth.set_password", purpose=purpose,
                      token=accounts.password_link_token(user, purpose))  # fmt: skip
    if not mail.configured():
        # The caller shows the link on the page; a log line must not hold it (whoever reads the
        # log could set the password).
        current_app.logger.warning("mail is not configured: the %s link for user %d is shown "
                                   "on the page instead of mailed", purpose, user.id)  # fmt: skip
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


def hand_over_link(user: User, purpose: str, inviter: User | None = None,
                   page: str | None = None) -> bool:
    """For an administrator: mail the link, or show it when mail is not configured or fails.

    The account is made either way; an administrator may see the link, so a mail server that is
    down never costs them the invitation (the public reset page never shows it). True when the
    link is to be shown: the caller then renders its page (``page`` is its address, see
    ``show_on_this_page``) instead of redirecting, since a flash would carry the link in the
    session cookie.
    """
    try:
        link = deliver_password_link(user, purpose, inviter)
    except OSError as exc:
        current_app.logger.warning("mail to %s failed: %s", user.email, exc)
        link = public_url("auth.set_password", purpose=purpose,
                          token=accounts.password_link_token(user, purpose))  # fmt: skip
        show_on_this_page(_("The mail server could not be reached: give %(email)s this link "
                            "yourself: %(link)s", email=user.email, link=link), "error", page)  # fmt: skip
        return True
    if link:
        show_on_this_page(_("No mail server is configured: give %(email)s this link yourself: "
                            "%(link)s", email=user.email, link=link), "success", page)  # fmt: skip
        return True
    flash(_("A link was mailed to %(email)s.", email=user.email), "success")
    return False
