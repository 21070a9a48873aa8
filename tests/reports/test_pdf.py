"""The standard report as PDF, in Korean and English, read back by its text."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from reports import LABELS, render_pdf

from .conftest import ARTIFACTS, PEER_BENCHMARK, embedded_fonts, pdf_pages_text, run, squash

ISSUER = {"ko": "한결경영컨설팅", "en": "Hangyeol Management Consulting"}


@pytest.fixture(scope="module", params=["ko", "en"])
def rendered(request, make_report):
    """(report dict, PDF bytes, text of each page), rendered once per language."""
    lang = request.param
    report = make_report(
        lang,
        benchmark=PEER_BENCHMARK,
        issuer={"name": ISSUER[lang], "logo_data_uri": None},
    )
    pdf = render_pdf(report)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"report-{lang}.pdf").write_bytes(pdf)
    run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2",
         str(ARTIFACTS / f"report-{lang}.pdf"), str(ARTIFACTS / f"report-{lang}-page")])  # fmt: skip
    return report, pdf, pdf_pages_text(pdf)


def missing(text: str, *needles: str | None) -> list[str | None]:
    """The needles not found in ``text``, both compared without whitespace."""
    haystack = squash(text)
    return [n for n in needles if not n or squash(n) not in haystack]


def test_page_count_and_numbering(rendered):
    _, pdf, pages = rendered
    count = len(PdfReader(io.BytesIO(pdf)).pages)
    assert len(pages) == count
    assert 8 <= count <= 20  # cover, summary, five dimensions, roadmap, appendix
    for number, text in enumerate(pages[1:], start=2):
        assert f"{number} / {count}" in text  # the cover has no header or footer


def test_cover_names_firm_issuer_date_and_questionnaire(rendered):
    report, _, pages = rendered
    assert not missing(
        pages[0], report["firm"]["name"], ISSUER[report["lang"]], report["date"],
        "ax-readiness v1", report["firm"]["industry_name"], report["firm"]["region_name"],
    )  # fmt: skip


def test_running_header_has_the_firm_name(rendered):
    report, _, pages = rendered
    assert all(report["firm"]["name"] in page for page in pages[1:])


def test_summary_has_index_level_chart_table_benchmark_and_top_actions(rendered):
    report, _, pages = rendered
    overall = report["overall"]
    assert not missing(pages[1], f"{overall['score']:.1f}", overall["level_name"],
                       overall["level_description"], "n = 14")  # fmt: skip
    for dimension in report["dimensions"]:
        # in the chart (rounded) and in its data table (one decimal)
        assert not missing(pages[1], dimension["name"], f"{dimension['score']:.1f}")
    assert len(report["top_actions"]) == 5
    for action in report["top_actions"]:
        first_sentence = re.split(r"(?<=[.!?])\s", action["recommendation"])[0]
        assert not missing(pages[1], first_sentence, action["dimension_name"])


def test_each_dimension_has_its_findings_sources_and_peer_cases(rendered):
    report, _, pages = rendered
    text = "".join(pages)
    for dimension in report["dimensions"]:
        assert not missing(text, dimension["description"], dimension["level_description"])
        for finding in dimension["findings"]:
            assert not missing(text, finding["finding"], finding["recommendation"])
    cases = {c["id"]: c for f in report["findings"] for c in f["cases"]}
    assert len(cases) >= 3  # the example firm meets three peers
    for case in cases.values():
        assert not missing(text, case["name"], case["lesson"], *case["facts"])


def test_every_cited_source_is_listed_with_speaker_organisation_event_and_file(rendered):
    report, _, pages = rendered
    text = "".join(pages)
    articles = [s for s in report["sources"] if s["kind"] == "article"]
    assert len(articles) >= 5
    for source in articles:
        parts = (source["speaker"], source["organisation"], source["event"], source["file"])
        assert not missing(text, *parts, source["statement"]), source["id"]
    heading = squash(LABELS[report["lang"]]["sources_list"])
    appendix = squash(text)[squash(text).rindex(heading) :]
    numbers = re.findall(r"\[(\d+)\]", appendix)[: len(report["sources"])]
    assert numbers == [str(n) for n in range(1, len(report["sources"]) + 1)]


def test_roadmap_methodology_and_answers(rendered):
    report, _, pages = rendered
    text = "".join(pages)
    assert not missing(text, *[group["label"] for group in report["roadmap"]])
    assert not missing(text, *[level["name"] for level in report["levels"]])
    rows = [row for group in report["answers"] for row in group["rows"]]
    assert len(rows) > 40
    assert not missing(text, *[row["question"] for row in rows], *[row["answer"] for row in rows])


def test_only_nanum_fonts_are_embedded_as_subsets(rendered, tmp_path):
    _, pdf, _ = rendered
    fonts = embedded_fonts(pdf, tmp_path)
    assert fonts and all(re.fullmatch(r"[A-Z]{6}\+NanumGothic(-Bold)?", f) for f in fonts), fonts


def test_the_pdf_is_small(rendered):
    _, pdf, _ = rendered
    assert len(pdf) < 300 * 1024
