"""The ``assess`` console script: Flask's CLI over the app factory plus the product's commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app


def _create_app():
    return create_app()


cli = FlaskGroup(create_app=_create_app, help="AX-readiness self-assessment.")


def main() -> None:
    cli.main(prog_name="assess")
