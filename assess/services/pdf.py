"""PDF reports of stored assessments, cached by (assessment revision, language, template version).

A cached file is reused until the assessment changes or the templates do; the benchmark inside a
cached PDF is the one of the day it was first rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app

from ..models import Assessment
from ..presentation.results import result_view
from .benchmarks import benchmark_of
from .submission import previous_result, result_of


def report_view(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None,
) -> dict:
    """The plain dict the PDF renderer takes, for a stored assessment (dated as `assess report`
    dates its PDF: the reader's way of writing the date); ``issuer`` is
    ``branding.issuer_of(organisation)`` and ``notes`` a consultant's (see ``result_view``)."""
    from reports import format_date

    questionnaire, document, data = result_of(assessment)
    view = result_view(
        questionnaire, document, data, lang,
        date=format_date(assessment.submitted_at.date(), lang) if assessment.submitted_at else "",
        benchmark=benchmark_of(assessment, data) if assessment.status == "submitted" else None,
        previous=previous_result(assessment), issuer=issuer, notes=notes,
    )  # fmt: skip
    view["min_cohort"] = current_app.config["BENCHMARK_MIN_COHORT"]
    return view


def cache_key(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None,
) -> str:
    """Names one rendered version: a new logo, colour or note is a new file, never a stale one."""
    from reports import TEMPLATE_VERSION

    issuer_part = digest(issuer)
    key = f"a{assessment.id}-r{assessment.revision}-{lang}-t{TEMPLATE_VERSION}-i{issuer_part}"
    return key + (f"-n{digest(notes)}" if notes else "")


def digest(value: dict[str, Any] | None) -> str:
    """A short digest of plain data that does not depend on the order of dict keys."""
    text = json.dumps(value or {}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def assessment_pdf(
    assessment: Assessment, lang: str, issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None,
) -> bytes:
    """The report as PDF bytes, from the cache when this exact version was rendered before."""
    from reports import render_pdf

    cache_dir = Path(current_app.config["PDF_CACHE_DIR"])
    path = cache_dir / (cache_key(assessment, lang, issuer, notes) + ".pdf")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render_pdf(report_view(assessment, lang, issuer, notes))
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename: a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    os.replace(tmp, path)
    return pdf
