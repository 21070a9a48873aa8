"""`assess report FILE -o OUT.pdf [--lang ko|en]`."""

from __future__ import annotations

from .conftest import EXAMPLE, pdf_text, squash


def test_report_writes_the_pdf_in_the_documents_language(runner, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = squash(pdf_text(out.read_bytes()))
    assert "세진정밀(주)" in text and squash("AX 준비도 진단 보고서") in text


def test_report_in_english(runner, tmp_path):
    out = tmp_path / "report-en.pdf"
    result = runner.invoke(args=["report", str(EXAMPLE), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Executivesummary" in squash(pdf_text(out.read_bytes()))


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_document_over_1_mb_is_refused_before_rendering(runner, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(EXAMPLE.read_text(encoding="utf-8") + "# " + "x" * (1024 * 1024) + "\n")
    out = tmp_path / "big.pdf"
    line = one_error_line(runner.invoke(args=["report", str(big), "-o", str(out)]))
    assert "1 MB" in line and not out.exists()


def test_bad_input_exits_2_with_one_line(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("questionnaire: ax-readiness\nversion: 1\nfirm: {employees: -3}\n")
    line = one_error_line(runner.invoke(args=["report", str(bad), "-o", str(tmp_path / "o.pdf")]))
    assert "firm.employees" in line
    missing = tmp_path / "missing.yaml"
    line = one_error_line(
        runner.invoke(args=["report", str(missing), "-o", str(tmp_path / "o.pdf")])
    )
    assert "cannot read" in line


def test_an_unwritable_output_is_one_line(runner, tmp_path):
    out = tmp_path / "no-such-dir" / "report.pdf"
    assert "cannot write" in one_error_line(
        runner.invoke(args=["report", str(EXAMPLE), "-o", str(out)])
    )
