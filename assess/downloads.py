"""Files that pages hand out as downloads: a table as CSV or XLSX (formula-safe), a PDF report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import Response, make_response

from .services import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, mimetype: str, filename: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_download(fmt: str, title: str, header: Sequence[str],
                   rows: Iterable[Sequence[object]], stem: str) -> Response:  # fmt: skip
    """``fmt`` "csv" or "xlsx"; the file is ``<stem>.<fmt>``."""
    if fmt == "csv":
        return attachment(exports.table_csv(header, rows), "text/csv; charset=utf-8",
                          f"{stem}.csv")  # fmt: skip
    return attachment(exports.table_xlsx(title, header, rows), XLSX, f"{stem}.xlsx")


def report_download(pdf: bytes, assessment_id: int, lang: str) -> Response:
    return attachment(pdf, "application/pdf", f"ax-readiness-{assessment_id}-{lang}.pdf")
