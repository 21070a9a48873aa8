"""The site administrators' area: users, organisations and memberships, tokens, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views  # noqa: E402, F401  (registers the routes)
