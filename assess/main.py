"""Public pages: the home page and the JSON API's documentation."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .permissions import PUBLIC, access

bp = Blueprint("main", __name__)


@bp.get("/")
@access(PUBLIC)
def home():
    """The product in two lines and a start button."""
    return render_template("main/home.html")


@bp.get("/developers/api")
@access(PUBLIC)
def api_docs():
    """The JSON API's reference, rendered here from its OpenAPI document (no script, no CDN)."""
    spec = current_app.spec  # type: ignore[attr-defined]  (APIFlask builds and caches it)
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template("main/api_docs.html", spec=spec, operations=operations)
