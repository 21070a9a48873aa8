"""A domestic-only firm on v2, end to end: results page and the tagged PDF say "not pursued"."""

from __future__ import annotations

import io
import re
import subprocess

from pypdf import PdfReader

from tests.scoring.documents import all_answers, best_answer
from tests.web.journey import Q, Respondent


def test_domestic_firm_sees_not_pursued_a_fair_index_cases_and_gains(client, tmp_path):
    me = Respondent(client)
    me.start("ko")
    answers = all_answers(Q, best_answer, me.firm, answers={"exp_status": "none",
                                                             "dx_ai_use": "none"})  # fmt: skip
    me.answer_everything(answers)
    assert me.submit().status_code == 303
    page = client.get(me.url("results"))
    assert page.status_code == 200
    row = re.search(r"<th scope=\"row\">수출 준비도</th>\s*<td class=\"num\">([^<]+)</td>", page.text)
    assert row and row.group(1) == "추진하지 않음"
    assert "귀사가 참고할 동종 기업 사례" in page.text
    assert re.search(r"\+\d+(\.\d)?점", page.text)  # what an action is worth

    pdf = client.get(me.url("report-ko.pdf"))
    assert pdf.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)
    assert re.search(r"^Title:\s+AX 준비도 진단 보고서 — ", info.stdout, re.M)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "추진하지 않음" in text and "참고할 동종 기업 사례" in text
    assert re.search(r"\+\d+(\.\d)?점", text)
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.trailer["/Root"]["/Lang"] == "ko"
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[:3] == ["AX 준비도 진단 보고서", "요약", "참고할 동종 기업 사례"]
    assert "영역별 진단 결과" in titles and all("\u2060" not in t for t in titles)
