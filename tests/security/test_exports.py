"""Formula injection through every download that carries typed text: the client list (CSV and
XLSX) and the agency's aggregates (CSV and XLSX, whose rows name the agency's programmes); a
batch's status table is checked with its hostile firm name in
test_xss.py::test_the_batch_zip_names_and_prints_stored_text_safely. A name starting with
= + - or @ is stored as typed and exported as text, never as a formula.
(tests/web/test_consult.py and tests/services/test_archive.py check the client list and the
neutralising itself with one formula each.)"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from assess.extensions import db
from assess.services import imports
from tests.scoring.documents import BASE_FIRM
from tests.security.routes import ELIGIBLE, PROFILE

FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://evil.example")']
STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def xlsx_cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).active
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def formulas_in(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run; negative numbers written as numbers are not text."""
    return [c for c in cells if c.startswith(STARTS) and not c.lstrip("-").replace(".", "").isdigit()]


def download(client, url: str) -> bytes:
    response = client.get(url)
    data = response.data
    response.close()
    assert response.status_code == 200, url
    return data


def test_the_client_list_exports_typed_formulas_as_text(site):
    consultant = site.visitor("consultant_a")
    for name in FORMULAS:
        assert site.send("consult.new_client", "POST", client=consultant,
                         body={**PROFILE, "name": name}).status_code == 303
    cells = csv_cells(download(consultant, "/clients.csv"))
    assert formulas_in(cells) == []
    assert {"'" + name for name in FORMULAS} <= set(cells)
    xlsx = xlsx_cells(download(consultant, "/clients.xlsx"))
    assert [c.value for c in xlsx if c.data_type == "f"] == []
    assert formulas_in([str(c.value) for c in xlsx if isinstance(c.value, str)]) == []


def test_the_agencys_aggregates_export_programme_names_as_text(site):
    with site.app.app_context():  # enough firms for the figures to be published
        for n in range(20):
            imports.import_document(None, {"questionnaire": "ax-readiness", "version": 1,
                                           "firm": {**BASE_FIRM, "name": f"Firm {n}",
                                                    "employees": 10 + n}, "answers": {}})
        db.session.commit()
    analyst = site.visitor("analyst")
    for name in FORMULAS:
        response = site.send("agency.programmes", "POST", client=analyst, body={
            "name": name, "description": "", "link": "", "eligibility": ELIGIBLE})
        assert response.status_code == 303
    cells = csv_cells(download(analyst, "/agency/aggregates.csv"))
    assert {"'" + name for name in FORMULAS} <= set(cells), "the programmes are not exported"
    assert formulas_in(cells) == []
    xlsx = xlsx_cells(download(analyst, "/agency/aggregates.xlsx"))
    assert [c.value for c in xlsx if c.data_type == "f"] == []
    assert formulas_in([c.value for c in xlsx if isinstance(c.value, str)]) == []
