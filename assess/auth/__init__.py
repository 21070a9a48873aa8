"""Signing in and out, password links (reset and invitation), and one's own account."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("auth", __name__)

ROLE_NAMES = {
    "consultant": _l("Consultant"),
    "analyst": _l("Agency analyst"),
    "org_admin": _l("Organisation administrator"),
}


@bp.app_context_processor
def role_names() -> dict:
    return {"role_names": ROLE_NAMES}

from . import session_list, two_step, views  # noqa: E402, F401  (registers the routes)
