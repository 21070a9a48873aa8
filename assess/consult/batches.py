"""Batches of PDF reports: chosen on the client list, rendered by the job queue, followed on a
progress page (refreshing by itself, with or without JavaScript), downloaded as one ZIP."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..jobs import QueueUnavailable, require_queue
from ..permissions import CONSULTANCY, access, job_of_my_organisation, my_consultancy
from ..services import batches, clients
from . import bp


@bp.post("/batches")
@access(CONSULTANCY)
def start_batch():
    """The latest submitted assessment of each chosen client (or of every client), in one ZIP."""
    if not ActionForm().validate_on_submit():
        abort(400)
    organisation = my_consultancy()
    rows = clients.client_rows(organisation)
    if request.form.get("all") != "1":
        chosen = set(request.form.getlist("client", type=int))
        rows = [row for row in rows if row.firm.id in chosen]
    ids = [row.assessment_id for row in rows if row.assessment_id is not None]
    language = request.form.get("language", "ko")
    try:
        require_queue()
    except QueueUnavailable as exc:
        flash(str(exc.description), "error")
        return redirect(url_for(".clients_list"), code=303)
    try:
        job = batches.start_batch(organisation, current_user._get_current_object(), ids,
                                  language)  # fmt: skip
    except batches.BatchError as exc:
        flash(exc.message if ids else _("Choose at least one client with a submitted assessment."),
              "error")  # fmt: skip
        return redirect(url_for(".clients_list"), code=303)
    db.session.commit()  # the renders are queued by this commit
    return redirect(url_for(".job", job_id=job.id), code=303)


@bp.get("/jobs/<int:job_id>")
@access(CONSULTANCY)
def job(job_id: int):
    job = job_of_my_organisation(job_id)
    progress = batches.job_progress(job)
    return render_template("consult/job.html", job=job, progress=progress, form=ActionForm(),
                           ready=batches.archive_path(job) is not None)  # fmt: skip


@bp.get("/jobs/<int:job_id>/progress")
@access(CONSULTANCY)
def job_progress(job_id: int):
    """What the progress page's script polls: the same figures as the API's job status."""
    job = job_of_my_organisation(job_id)
    return jsonify(batches.job_progress(job))


@bp.get("/jobs/<int:job_id>/download")
@access(CONSULTANCY)
def job_download(job_id: int):
    job = job_of_my_organisation(job_id)
    path = batches.archive_path(job)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"ax-readiness-reports-{job.id}.zip")  # fmt: skip


@bp.post("/jobs/<int:job_id>/retry")
@access(CONSULTANCY)
def job_retry(job_id: int):
    """Render again only the reports that failed."""
    job = job_of_my_organisation(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        require_queue()
        batches.retry_failed(job, current_user._get_current_object())
    except QueueUnavailable as exc:
        flash(str(exc.description), "error")
    except batches.BatchError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(url_for(".job", job_id=job.id), code=303)
