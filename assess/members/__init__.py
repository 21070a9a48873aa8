"""An organisation administrator's pages: the members (inviting, removing) and the branding."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import branding, views  # noqa: E402, F401  (registers the routes)
