"""An organisation administrator's page: the members, inviting and removing them."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import views  # noqa: E402, F401  (registers the routes)
