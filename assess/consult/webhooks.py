"""The consultancy administrator's webhooks: add, remove, rotate the secret, send a test event,
and read each webhook's deliveries with every attempt. Thin: the rules live in
assess.services.webhooks and every webhook is loaded through assess.permissions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..i18n import person_message
from ..permissions import ORG_ADMIN, access, my_consultancy, webhook_of_my_organisation
from ..services import webhooks
from . import bp
from .forms import WebhookForm

MAX_PAGE = 100_000  # far more pages of deliveries than a webhook keeps


def _list_page(form: WebhookForm, status: int = 200, revealed=None):
    """The list, the form, and a secret shown once (in this response only, never stored in
    the session or a cookie)."""
    organisation = my_consultancy()
    return render_template("consult/webhooks.html", organisation=organisation, form=form,
                           webhooks=webhooks.webhooks_of(organisation), action_form=ActionForm(),
                           revealed=revealed, max_webhooks=webhooks.MAX_WEBHOOKS), status  # fmt: skip


@bp.route("/organisation/webhooks", methods=["GET", "POST"])
@access(ORG_ADMIN)
def webhooks_list():
    """The consultancy's webhooks; a new one's secret is shown once, on the answer to the POST."""
    organisation = my_consultancy()
    form = WebhookForm()
    if not form.validate_on_submit():
        return _list_page(form, 422 if request.method == "POST" else 200)
    try:
        webhook = webhooks.register(organisation, form.url.data, current_user._get_current_object())
    except webhooks.WebhookError as exc:
        form.url.errors = [*form.url.errors, person_message(exc)]
        return _list_page(form, 422)
    db.session.commit()
    return _list_page(WebhookForm(formdata=None), revealed=webhook)


@bp.post("/organisation/webhooks/<int:webhook_id>/secret")
@access(ORG_ADMIN)
def rotate_webhook_secret(webhook_id: int):
    """A new secret, shown once; the old one stops working at once."""
    webhook = webhook_of_my_organisation(webhook_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    webhooks.rotate_secret(webhook, current_user._get_current_object())
    db.session.commit()
    return _list_page(WebhookForm(formdata=None), revealed=webhook)


@bp.post("/organisation/webhooks/<int:webhook_id>/remove")
@access(ORG_ADMIN)
def remove_webhook(webhook_id: int):
    webhook = webhook_of_my_organisation(webhook_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    webhooks.remove(webhook, current_user._get_current_object())
    db.session.commit()
    flash(_("The webhook was removed with its delivery log."), "success")
    return redirect(url_for(".webhooks_list"), code=303)


@bp.post("/organisation/webhooks/<int:webhook_id>/test")
@access(ORG_ADMIN)
def test_webhook(webhook_id: int):
    """Send a signed test event now; its attempts show on the delivery log."""
    webhook = webhook_of_my_organisation(webhook_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    webhooks.send_test(webhook, current_user._get_current_object())
    db.session.commit()  # the delivery is queued by this commit
    flash(_("A test event is on its way. Refresh this page to see how it went."), "success")
    return redirect(url_for(".webhook", webhook_id=webhook.id), code=303)


@bp.get("/organisation/webhooks/<int:webhook_id>")
@access(ORG_ADMIN)
def webhook(webhook_id: int):
    """The delivery log: each delivery and each of its attempts, newest first, paged."""
    webhook = webhook_of_my_organisation(webhook_id)
    page = request.args.get("page", 1, type=int) or 1
    # A page past the last one is empty; a huge number never reaches the database's OFFSET.
    page = min(max(1, page), MAX_PAGE)
    deliveries, pages = webhooks.deliveries_page(webhook, page)
    return render_template("consult/webhook.html", webhook=webhook, deliveries=deliveries,
                           page=page, pages=pages, form=ActionForm(),
                           error_kinds=error_kinds())  # fmt: skip


def error_kinds() -> dict[str, str]:
    """What each kind of failed attempt means, for people (the detail after it stays as is)."""
    return {
        "timeout": _("No answer in time"),
        "tls": _("Secure connection failed"),
        "connection": _("Could not connect"),
        "redirect": _("Redirect, not followed"),
        "address": _("Address refused"),
        "withdrawn": _("Not sent: the client withdrew your sight of the assessment"),
        "inactive": _("Not sent: the webhook is inactive"),
    }
