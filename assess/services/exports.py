"""Tables that leave the product as CSV or XLSX. Text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are neutralised, headers included; numbers stay
numbers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from .archive import neutralise, status_csv


def table_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel shows Korean as Korean."""
    return status_csv(header, rows)


def table_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = neutralise(title)[:31] or "Sheet"
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([cell if isinstance(cell, int | float) and not isinstance(cell, bool)
                      else neutralise(cell) for cell in row])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
