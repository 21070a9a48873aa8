"""Korean words are never broken across lines (WeasyPrint ignores word-break: keep-all)."""

from __future__ import annotations

from reports.render import PdfRenderer, keep_words

from .conftest import pdf_text

TEXT = (
    "세무 전문가와 함께 회사 자산을 사업용과 비사업용으로 나눠 비율을 계산하고, 비사업용 "
    "자산(임대 부동산, 투자 자산 등)은 증여 전에 합병, 분할, 매각으로 정리하는 방안을 "
    "검토하세요. 김병국 전무는 증여 재산 가운데 사업용 자산 비율에 해당하는 부분만 10% "
    "특례세율을 적용받는다고 설명했습니다."
)


def lines_of(paragraph: str) -> list[str]:
    html = f'<html lang="ko"><body><p style="width: 42mm">{paragraph}</p></body></html>'
    pdf = PdfRenderer().html_to_pdf(html)
    return [line for line in pdf_text(pdf).splitlines() if line.strip() and line != "1 / 1"]


def test_lines_break_only_between_words():
    lines = lines_of(keep_words(TEXT))
    assert len(lines) > 8  # a narrow column: many chances to break a word
    words = set(TEXT.split())
    assert [w for line in lines for w in line.split() if w not in words] == []


def test_without_the_filter_words_do_break():
    """The control: the same text, unfiltered, is broken inside words."""
    lines = lines_of(TEXT)
    words = set(TEXT.split())
    assert [w for line in lines for w in line.split() if w not in words]
