"""The CEO's journey: start without an account, answer page by page, submit, see results."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from . import views  # noqa: E402, F401  (registers the routes)
