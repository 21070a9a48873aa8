"""Error pages: HTML for people, JSON under /api/; never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error):
        if request.path.startswith("/api/"):
            return jsonify(error="not_found", message="Not found"), 404
        return render_template("errors/404.html"), 404

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description), (
                error.code
            )
        return render_template("errors/http.html", error=error), error.code
