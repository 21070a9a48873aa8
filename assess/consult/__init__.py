"""The consultant's workspace: client firms, their assessments and results, invitations, notes,
and the consultancy's webhooks."""

from flask import Blueprint

bp = Blueprint("consult", __name__)

from . import batches, compare, views, webhooks  # noqa: E402, F401  (registers the routes)
