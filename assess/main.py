"""Public pages: the home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from .permissions import PUBLIC, access

bp = Blueprint("main", __name__)


@bp.get("/")
@access(PUBLIC)
def home():
    """The product in two lines and a start button."""
    return render_template("main/home.html")
