"""The invitation mail a consultancy sends its client."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from ..models import Firm, Organisation
from ..services import mail


def mail_invitation(email: str | None, link: str, organisation: Organisation, firm: Firm) -> bool:
    """Mail the invitation link; False when there is no address or mail server, or it fails —
    the consultant is then shown the link to send it themselves."""
    if not email or not mail.configured():
        return False
    subject = _("%(organisation)s invites you to the AX readiness assessment",
                organisation=organisation.name)  # fmt: skip
    body = render_template("consult/invitation_mail.txt", link=link, organisation=organisation.name,
                           firm=firm.name, hours=current_app.config["INVITATION_HOURS"])  # fmt: skip
    try:
        mail.send(email, subject, body)
    except OSError as exc:
        current_app.logger.warning("could not mail the invitation to %s: %s", email, exc)
        return False
    return True
