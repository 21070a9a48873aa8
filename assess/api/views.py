"""The JSON API's views: parse (the schemas), call a service, answer JSON. Access rules and
scoped loads are in assess/permissions.py; errors in assess/errors.py."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from ..extensions import db
from ..jobs import require_queue
from ..permissions import (
    API_AGENCY,
    API_CONSULTANCY,
    PUBLIC,
    access,
    client_of_my_consultancy,
    job_of_my_organisation,
    my_consultancy,
    submitted_assessment_of_my_consultancy,
)
from ..scoring import AnswersError
from ..scoring.answers import JSONProblem, loads_json
from ..services import aggregates, audit, batches, imports
from ..services.documents import score_document
from ..services.imports import MAX_IDEMPOTENCY_KEY_CHARS
from ..services.questionnaires import current_questionnaire
from ..services.submission import result_of
from . import BEARER, bp
from .schemas import (
    Aggregates,
    AggregatesQuery,
    AnswersDocument,
    AssessmentPage,
    Batch,
    Created,
    Error,
    JobCreated,
    JobProgress,
    NewAssessment,
    Page,
    Questionnaire,
    Score,
    StoredAssessment,
)

NOT_FOUND = {404: "Not found, or another organisation's"}
TOKEN = {403: "The token's user is not a member of a consultancy"}
AGENCY_TOKEN = {403: "The token's user is not a member of a support agency"}
# Figures are rounded for publication: a mean to a tenth of a point.
MEAN_DIGITS = 1


class NotReady(Conflict):
    error_code = "not_ready"
    description = "The batch has no ZIP yet: poll GET /api/v1/jobs/{id} until its status is done."


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive times; every time stored is UTC, and the API always says so.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.before_request
def body_is_json() -> None:
    """A body that is not JSON is named as such (422, field ``body``), not as missing fields."""
    if request.method == "POST" and request.get_data(cache=True):
        try:
            loads_json(request.get_data(cache=True))
        except JSONProblem as exc:  # a duplicate key, nesting too deep, a number too long
            raise AnswersError("body", str(exc)) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise AnswersError("body", f"not a JSON document ({exc})") from None
        except RecursionError:  # thousands of nested brackets: no document is shaped so
            raise AnswersError("body", "nested too deeply to be an answers document") from None


@bp.get("/questionnaires/current")
@bp.output(Questionnaire)
@access(PUBLIC)
def questionnaire():
    """The current questionnaire

    The resolved questionnaire new assessments are answered with, as `assess questionnaire
    export` prints it.
    """
    return jsonify(current_questionnaire().export())


@bp.post("/score")
@bp.input(AnswersDocument, example={"questionnaire": "ax-readiness", "version": 1,
                                    "language": "ko", "firm": {"name": "예시정밀"},
                                    "answers": {}})  # fmt: skip
@bp.output(Score)
@access(PUBLIC)
def score(json_data):
    """Score an answers document

    Stateless: nothing is stored. The score document is the one `assess score --format json`
    prints.
    """
    _, _, data = score_document(request.get_json())  # the raw document, checked as the CLI does
    return jsonify(data)


@bp.post("/assessments")
@bp.input(NewAssessment)
@bp.output(Created, status_code=201, description="Stored and submitted")
@bp.doc(security=BEARER, responses={
    200: {"description": "The same Idempotency-Key and document again: the assessment stored "
                         "the first time", "content": {"application/json": {"schema": Created}}},
    **TOKEN, **NOT_FOUND,
    409: {"description": "The Idempotency-Key was used for another document",
          "content": {"application/json": {"schema": Error}}}})  # fmt: skip
@access(API_CONSULTANCY)
def create_assessment(json_data):
    """Store a submitted assessment

    An answers document for a client firm of the token's consultancy: `firm_id` names an
    existing client (its record is not changed; without a `firm` section the record's profile
    is used); without `firm_id` a new client is created from `firm`. Send an `Idempotency-Key`
    header (up to 200 characters) to make retries safe.
    """
    document = {k: v for k, v in request.get_json().items() if k != "firm_id"}
    firm = client_of_my_consultancy(json_data["firm_id"]) if "firm_id" in json_data else None
    key = request.headers.get("Idempotency-Key", "").strip()[:MAX_IDEMPOTENCY_KEY_CHARS] or None
    args = (my_consultancy(), document, current_user._get_current_object(), firm, key)
    try:
        stored = imports.store_document(*args)
        db.session.commit()
    except IntegrityError:
        if key is None:
            raise
        db.session.rollback()  # the same key at the same moment: that request stored it
        stored = imports.store_document(*args)
    return {"id": stored.assessment.id}, 201 if stored.created else 200


@bp.get("/assessments/<int:assessment_id>")
@bp.output(StoredAssessment)
@bp.doc(security=BEARER, responses=TOKEN)
@access(API_CONSULTANCY)
def assessment(assessment_id: int):
    """A submitted assessment

    Its score document (rescored with the questionnaire version it was answered with), its id,
    its client firm's id and when it was submitted.
    """
    stored = submitted_assessment_of_my_consultancy(assessment_id)
    _, _, data = result_of(stored)
    return jsonify({"id": stored.id, "firm_id": stored.firm_id,
                    "submitted_at": _utc(stored.submitted_at).isoformat(), **data})  # fmt: skip


@bp.get("/assessments")
@bp.input(Page, location="query")
@bp.output(AssessmentPage)
@bp.doc(security=BEARER, responses=TOKEN)
@access(API_CONSULTANCY)
def assessments(query_data):
    """The consultancy's submitted assessments

    Newest first, `per_page` (at most 100) at a time; `next` is the address of the next page.
    """
    page, per_page = query_data["page"], query_data["per_page"]
    rows, total = imports.submitted_page(my_consultancy(), page, per_page)
    more = page * per_page < total
    return {
        "items": [{"id": a.id, "firm_id": firm.id, "firm": firm.name,
                   "submitted_at": _utc(a.submitted_at), "overall": result.overall,
                   "level": result.level,
                   "questionnaire": {"id": a.questionnaire_id,
                                     "version": a.questionnaire_version}}
                  for a, result, firm in rows],
        "page": page, "per_page": per_page, "total": total,
        "next": url_for(".assessments", page=page + 1, per_page=per_page) if more else None,
    }  # fmt: skip


@bp.post("/reports/batch")
@bp.input(Batch)
@bp.output(JobCreated, status_code=202, description="Queued")
@bp.doc(security=BEARER, responses={**TOKEN, 503: {
    "description": "The job queue is not reachable: nothing was started; try again after "
                   "Retry-After seconds (error `queue_unavailable`)",
    "content": {"application/json": {"schema": Error}}}})  # fmt: skip
@access(API_CONSULTANCY)
def start_batch(json_data):
    """Render PDF reports in a batch

    The reports of the given submitted assessments, in one ZIP with a status table; follow the
    job with `GET /api/v1/jobs/{id}`.
    """
    require_queue()
    job = batches.start_batch(my_consultancy(), current_user._get_current_object(),
                              json_data["assessments"], json_data["language"])  # fmt: skip
    db.session.commit()  # the renders are queued by this commit
    return {"job": job.id}, 202


@bp.get("/jobs/<int:job_id>")
@bp.output(JobProgress)
@bp.doc(security=BEARER, responses=TOKEN)
@access(API_CONSULTANCY)
def job(job_id: int):
    """A batch's progress

    `done` reports rendered and `failed` ones that could not be, of `total`; the batch is `done`
    when every report has finished (some may have failed: the ZIP's status.csv says which).
    """
    return batches.job_progress(job_of_my_organisation(job_id))


@bp.get("/jobs/<int:job_id>/download")
@bp.doc(security=BEARER, responses={
    200: {"description": "The ZIP: one PDF per firm and status.csv",
          "content": {"application/zip": {"schema": {"type": "string",
                                                     "contentMediaType": "application/zip"}}}},
    **TOKEN,
    409: {"description": "No ZIP yet: the batch is not done (or its ZIP could not be written)",
          "content": {"application/json": {"schema": Error}}}})  # fmt: skip
@access(API_CONSULTANCY)
def job_download(job_id: int):
    """A finished batch's ZIP

    409 `not_ready` until the job's status is `done`.
    """
    job = job_of_my_organisation(job_id)
    path = batches.archive_path(job)
    if path is None:
        raise NotReady()
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"ax-readiness-reports-{job.id}.zip")  # fmt: skip



@bp.get("/aggregates")
@bp.input(AggregatesQuery, location="query")
@bp.output(Aggregates)
@bp.doc(security=BEARER, responses=AGENCY_TOKEN)
@access(API_AGENCY)
def aggregates_view(query_data):
    """Aggregate results by industry, region, size or quarter

    For a support agency's token: the number of firms and mean scores of submitted assessments,
    by one or two of `industry`, `region`, `size` and `quarter` (`by`), optionally filtered,
    under the same disclosure control as the agency dashboard (docs/disclosure.md). Cells with
    fewer than `k` firms, and the further cells needed so that no hidden cell can be worked out
    from the shown ones and the totals, are `"suppressed": true` with no figures at all; a cell
    without firms looks exactly the same. The margins (row, column and grand totals) are cells
    too, with the label `"total"`. Why only one or two variables: the exact check that hidden
    cells stay hidden supports one- and two-way tables. When the filtered population itself may
    not be published (too few firms, or too close to the population with one filter dropped),
    `cells` is empty and `message` says so.
    """
    by = [name.strip() for name in query_data["by"].split(",")]
    filters = aggregates.Filters(
        industry=query_data.get("industry"), region=query_data.get("region"),
        size_band=query_data.get("size"), quarter_from=query_data.get("quarter_from"),
        quarter_to=query_data.get("quarter_to"))  # fmt: skip
    result = aggregates.cross_table(by, filters)
    audit.record("aggregates.api", "", current_user._get_current_object(), by=by,
                 filters={k: v for k, v in query_data.items() if k != "by"},
                 published=result.publishable)  # fmt: skip
    db.session.commit()
    if not result.publishable:
        return jsonify({"k": result.k, "cells": [], "message": (
            "Nothing is published for these filters: the population is too small, or too close "
            "to the population with one filter dropped.")})  # fmt: skip
    return jsonify({"k": result.k, "cells": [_cell(result, cell) for cell in result.cells]})


def _cell(result: aggregates.CrossTable, cell) -> dict:
    out: dict = result.labels(cell)
    published = result.published
    if not published.shown(cell):
        return {**out, "suppressed": True}
    out["n"] = published.count(cell)
    out["overall"] = {"mean": round(published.mean(cell) / aggregates.SCALE, MEAN_DIGITS)}
    out["dimensions"] = {d: None if mean is None else round(mean, MEAN_DIGITS)
                         for d, mean in result.dimension_means[cell].items()}  # fmt: skip
    return {**out, "suppressed": False}
