"""Fixtures for the PDF report: the example firm's report dict, built as the web app builds it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from assess import create_app
from assess.presentation.results import result_view
from assess.scoring import Benchmark, read_document
from assess.services.documents import score_document
from reports import format_date

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "answers-ko.yaml"
ARTIFACTS = ROOT / "test-artifacts"
PEER_BENCHMARK = Benchmark(
    cohort="industry", industry="C29", size_band=None, n=14, overall=38.0,
    dimensions={"dx_ax": 30.0, "roi": 45.0, "infra": 60.0, "export": 50.0, "succession": 20.0},
)  # fmt: skip


@pytest.fixture(scope="session")
def report_app():
    """An app for scoring only: the report tests need the questionnaire, not the database."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture(scope="session")
def make_report(report_app):
    """Factory: the example firm's report dict in ``lang``; keyword arguments go to result_view."""

    def make(lang: str = "ko", path: Path = EXAMPLE, **options) -> dict:
        options.setdefault("date", format_date(dt.date(2026, 11, 22), lang))
        with report_app.app_context():
            questionnaire, document, data = score_document(read_document(path))
            return result_view(questionnaire, document, data, lang, **options)

    return make


@pytest.fixture(scope="session")
def questionnaire_export(report_app) -> dict:
    from assess.questionnaire import get_questionnaire

    with report_app.app_context():
        return get_questionnaire(report_app.config["QUESTIONNAIRE_DIR"], "ax-readiness").export()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in drawing order (pdftotext -raw keeps table cells whole)."""
    return run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], pdf).decode()


def pdf_pages_text(pdf: bytes) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    """Names of the fonts pdffonts lists (it needs a file)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = run(["pdffonts", str(path)]).decode().splitlines()[2:]
    return [line.split()[0] for line in lines if line.strip()]


def squash(text: str) -> str:
    """Text without whitespace, so a sentence matches across the PDF's line breaks (which may
    fall after a hyphen, where the source text has no space)."""
    return "".join(text.split())


def run(command: list[str], stdin: bytes | None = None) -> bytes:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is missing: install poppler-utils (make test does)")
    return subprocess.run(command, input=stdin, capture_output=True, check=True).stdout


@pytest.fixture(scope="session")
def small_report(make_report, tmp_path_factory):
    """A short report (one answer, few findings) for tests that only need a PDF to come back."""
    path = tmp_path_factory.mktemp("answers") / "small.yaml"
    path.write_text(
        "questionnaire: ax-readiness\nversion: 1\nlanguage: en\n"
        "firm: {name: Small Works, industry: C25, employees: 8}\n"
        "answers: {dx_production_records: erp}\n",
        encoding="utf-8",
    )
    return make_report("en", path=path)
