"""A support agency's area: the population dashboard (aggregates under disclosure control), the
firms that consented to it, and its support programmes."""

from flask import Blueprint

bp = Blueprint("agency", __name__)

from . import dashboard, firms, programmes  # noqa: E402, F401  (registers the routes)
