"""PDF reports of stored assessments, cached by (assessment revision, language, template version).

A cached file is reused until the assessment changes or the templates do; the benchmark inside a
cached PDF is the one of the day it was first rendered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app

from ..extensions import db
from ..models import Assessment
from ..models.base import as_utc
from ..presentation.results import result_view
from .batches import _enqueue_at_commit
from .benchmarks import benchmark_of
from .submission import previous_result, result_of

#: Kept in the queue's storage by a running `assess worker` (seconds since the epoch), so that a
#: download knows whether a render queued at submit will ever run.
HEARTBEAT_KEY = "worker-heartbeat"
HEARTBEAT_EVERY = 2.0  # seconds between a worker's heartbeats
HEARTBEAT_STALE = 10.0  # no heartbeat for this long: no worker is running
log = logging.getLogger(__name__)  # ids, languages and timings only


def report_view(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None, *, with_answers: bool = True,
) -> dict:
    """The plain dict the PDF renderer takes, for a stored assessment (dated as `assess report`
    dates its PDF: the reader's way of writing the date); ``issuer`` is
    ``branding.issuer_of(organisation)`` and ``notes`` a consultant's (see ``result_view``).
    Without answers (``with_answers=False``) the appendix of the firm's answers is left out:
    an agency's copy, as the firm's consent promises it."""
    from reports import format_date

    questionnaire, document, data = result_of(assessment)
    view = result_view(
        questionnaire, document, data, lang,
        date=format_date(assessment.submitted_at.date(), lang) if assessment.submitted_at else "",
        benchmark=benchmark_of(assessment, data) if assessment.status == "submitted" else None,
        previous=previous_result(assessment), issuer=issuer, notes=notes,
    )  # fmt: skip
    view["min_cohort"] = current_app.config["BENCHMARK_MIN_COHORT"]
    if not with_answers:
        view["answers"] = None
    return view


def cache_key(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None, *, with_answers: bool = True,
) -> str:
    """Names one rendered version: a new logo, colour or note is a new file, never a stale one."""
    from reports import TEMPLATE_VERSION

    issuer_part = digest(issuer)
    key = f"a{assessment.id}-r{assessment.revision}-{lang}-t{TEMPLATE_VERSION}-i{issuer_part}"
    return key + (f"-n{digest(notes)}" if notes else "") + ("" if with_answers else "-x")


def cache_path(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None, *, with_answers: bool = True,
) -> Path:
    """Where this version of the report is cached (it may not be there yet)."""
    return Path(current_app.config["PDF_CACHE_DIR"]) / (
        cache_key(assessment, lang, issuer, notes, with_answers=with_answers) + ".pdf"
    )


def cached_pdf(assessment: Assessment, lang: str) -> bytes | None:
    """The respondent's standard report if it was rendered already, else None: a file read and
    nothing else (no scoring, no benchmark query), for the download right after submit."""
    try:
        return cache_path(assessment, lang).read_bytes()
    except FileNotFoundError:
        return None


def prerender_at_commit(assessment: Assessment) -> None:
    """Queue, once the submit is committed, a render of the standard report in the assessment's
    language into the cache the download reads: the PDF is ready when the respondent clicks."""
    _enqueue_at_commit([("pdf", assessment.id, assessment.revision, assessment.language)])


def render_submitted(assessment_id: int, revision: int, lang: str) -> bool:
    """The queued render of ``prerender_at_commit``: False when the assessment changed since
    (another revision will be rendered on its own download) or is gone."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.status != "submitted" or assessment.revision != revision:
        return False
    assessment_pdf(assessment, lang)
    return True


def worker_alive() -> bool:
    """Whether a job consumer has shown signs of life lately (the queue's storage is shared by
    every web process and worker, on one machine or many)."""
    from ..jobs import queue_of

    queue = queue_of(current_app._get_current_object())  # type: ignore[attr-defined]
    if queue.huey.immediate:
        return False  # tasks run where they are queued: nothing is rendering elsewhere
    try:
        beat = queue.huey.storage.peek_data(HEARTBEAT_KEY)
        return time.time() - float(beat) < HEARTBEAT_STALE
    except Exception:  # no heartbeat yet (EmptyData), or the queue's storage is away
        return False


def worth_waiting(assessment: Assessment, lang: str) -> bool:
    """Whether the download should say "being prepared" rather than render in the request: only
    for the report queued at submit (the assessment's language), for a bounded time after the
    submit, and only while a worker is running to render it."""
    if lang != assessment.language or assessment.submitted_at is None:
        return False
    waited = (datetime.now(UTC) - as_utc(assessment.submitted_at)).total_seconds()
    return 0 <= waited < current_app.config["PDF_WAIT_SECONDS"] and worker_alive()


def digest(value: dict[str, Any] | None) -> str:
    """A short digest of plain data that does not depend on the order of dict keys."""
    text = json.dumps(value or {}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def assessment_pdf(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None, *, with_answers: bool = True,
) -> bytes:
    """The report as PDF bytes, from the cache when this exact version was rendered before."""
    from reports import render_pdf

    path = cache_path(assessment, lang, issuer, notes, with_answers=with_answers)
    cache_dir = path.parent
    try:
        pdf = path.read_bytes()
        log.debug("report of assessment %d (%s) read from the cache", assessment.id, lang)
        return pdf
    except FileNotFoundError:
        pass
    started = time.perf_counter()
    pdf = render_pdf(report_view(assessment, lang, issuer, notes, with_answers=with_answers))
    log.info("report of assessment %d (%s) rendered in %.0f ms, %d bytes", assessment.id, lang,
             (time.perf_counter() - started) * 1000, len(pdf))  # fmt: skip
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename: a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    os.replace(tmp, path)
    return pdf
