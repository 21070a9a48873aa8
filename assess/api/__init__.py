"""The JSON API under /api/v1 (DESIGN §5), described by its OpenAPI 3.1 document at
/api/v1/openapi.json. Bearer tokens only, never the session cookie (assess/permissions.py), which
is why it alone is exempt from CSRF protection."""

from __future__ import annotations

from apiflask import APIBlueprint, APIFlask

from ..extensions import csrf

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="AX readiness")

BEARER = "bearer"
DESCRIPTION = """The AX-readiness self-assessment for programs: score an answers document, store
submitted assessments for a consultancy's client firms, render their PDF reports in batches, and,
for support agencies, aggregate results under disclosure control.

Endpoints marked with a lock need `Authorization: Bearer axr_...`, a token made with
`assess tokens create EMAIL`: of a consultancy member, or for `GET /aggregates` of an agency
member. Errors are JSON: `{"error": <stable code>, "message": ...}`,
and for invalid input (422) also `field`, the dotted path of the first input at fault, and
`fields`, every input at fault. Another organisation's assessment or job is a 404."""


def init_app(app: APIFlask) -> None:
    from . import schemas, views  # noqa: F401  (registers the routes)

    app.config.update(
        DESCRIPTION=DESCRIPTION,
        # Never the request's Host header: the document is cached and shared.
        SERVERS=[{"url": app.config["PUBLIC_URL"], "description": "this installation"}],
        SECURITY_SCHEMES={BEARER: {"type": "http", "scheme": "bearer",
                                   "description": "an API token, axr_..."}},
        HTTP_ERROR_SCHEMA=schemas.Error,
        VALIDATION_ERROR_SCHEMA=schemas.Error,
        VALIDATION_ERROR_DESCRIPTION="Invalid input: `field` names it",
    )  # fmt: skip
    csrf.exempt(bp)
    app.register_blueprint(bp)
