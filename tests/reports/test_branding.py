"""A consultancy's PDF: its name in every page's header, its logo and accent colour, and the
consultant's notes printed as plain text."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from assess.extensions import db
from assess.models import Assessment
from assess.presentation.results import MAX_NOTE_CHARS
from assess.services import accounts, branding, demo
from assess.services.pdf import assessment_pdf, cache_key
from reports import LABELS, render_pdf
from reports.render import build_html
from tests.services.test_branding import png_bytes

from .conftest import pdf_pages_text, run, squash

ISSUER = {"ko": "한결경영컨설팅", "en": "Hangyeol Management Consulting"}
HOSTILE_NOTE = "첫째 줄 {{7*7}} <b>굵게</b>\n둘째 줄 &amp; <script>x</script>"
OVERALL = {"ko": "종합 의견 첫 줄입니다.\n종합 의견 둘째 줄입니다.",
           "en": "Overall comment, first line.\nOverall comment, second line."}  # fmt: skip
HEADING = {"ko": "컨설턴트 의견 — ", "en": "Consultant's note — "}
OVERALL_HEADING = {"ko": "컨설턴트 종합 의견 — ", "en": "Consultant's overall comment — "}


def logo_uri() -> str:
    logo = branding.clean_logo(png_bytes(size=(300, 100)))
    return "data:image/png;base64," + base64.b64encode(logo).decode()


@pytest.fixture(scope="module", params=["ko", "en"])
def branded(request, make_report):
    lang = request.param
    notes = {
        "overall": OVERALL[lang],
        "dimensions": {"dx_ax": HOSTILE_NOTE, "export": f"{lang} export note", "nope": "ignored"},
    }
    issuer = {"name": ISSUER[lang], "logo_data_uri": logo_uri(), "accent": "#7a1f5c"}
    report = make_report(lang, issuer=issuer, notes=notes)
    pdf = render_pdf(report)
    return lang, report, pdf, pdf_pages_text(pdf)


def test_the_consultancy_is_named_on_the_cover_and_in_every_pages_header(branded):
    lang, _, _, pages = branded
    assert ISSUER[lang] in pages[0]
    header = running_header(ISSUER[lang], lang)
    for number, text in enumerate(pages[1:], start=2):
        assert header in squash(text), number


def running_header(issuer: str, lang: str) -> str:
    """The top right of every page after the cover: "issuer · report title"."""
    return squash(f"{issuer} · {LABELS[lang]['report_title']}")


def test_the_logo_is_embedded(branded, tmp_path: Path):
    _, _, pdf, _ = branded
    reader = PdfReader(io.BytesIO(pdf))
    sizes = {image.image.size for image in reader.pages[0].images}
    assert (300, 100) in sizes
    path = tmp_path / "branded.pdf"
    path.write_bytes(pdf)
    listing = run(["pdfimages", "-list", str(path)]).decode()
    assert any(line.split()[3:5] == ["300", "100"] for line in listing.splitlines()[2:])


def test_notes_are_printed_with_their_heading(branded):
    lang, report, _, pages = branded
    text = "\n".join(pages)
    assert squash(OVERALL_HEADING[lang] + ISSUER[lang]) in squash(text)
    assert squash(HEADING[lang] + ISSUER[lang]) in squash(text)
    assert f"{lang} export note" in text
    assert "ignored" not in text
    # the overall comment is in the summary, before the dimensions
    summary_end = next(i for i, page in enumerate(pages) if "export note" in page)
    assert any(squash(OVERALL[lang].splitlines()[0]) in squash(p) for p in pages[:summary_end])
    dimension = next(d for d in report["dimensions"] if d["id"] == "dx_ax")
    assert dimension["note"] == HOSTILE_NOTE


def test_notes_are_plain_text_with_their_line_breaks(branded):
    lang, _, _, pages = branded
    lines = [line.strip() for line in "\n".join(pages).splitlines()]
    assert "첫째 줄 {{7*7}} <b>굵게</b>" in lines  # literally: no markup, no template
    assert "둘째 줄 &amp; <script>x</script>" in lines  # the next line, as typed
    first, second = OVERALL[lang].splitlines()
    assert first in lines and second in lines


def test_accent_reaches_the_stylesheet_only_as_a_colour(make_report):
    issuer = {"name": "A", "logo_data_uri": None, "accent": "#7a1f5c"}
    assert "border-bottom-color: #7a1f5c" in build_html(make_report("en", issuer=issuer))
    for hostile in ("red;}body{display:none", "#7a1f5c;}h1{color:red}", "url(file:///etc/x)",
                    "#7a1f5", "</style><p>x"):  # fmt: skip
        html = build_html(make_report("en", issuer={**issuer, "accent": hostile}))
        assert "<style>" not in html and hostile not in html


def test_without_issuer_or_notes_nothing_is_added(make_report):
    html = build_html(make_report("en"))
    assert "Consultant" not in html and "<style>" not in html


def test_a_note_over_the_limit_is_cut(make_report):
    report = make_report("en", notes={"overall": "x" * 5000, "dimensions": {"dx_ax": "  \n "}})
    assert len(report["overall_note"]) == MAX_NOTE_CHARS
    assert all(d["note"] is None for d in report["dimensions"])


def test_stored_assessment_pdf_carries_issuer_and_notes_and_the_cache_follows_them(app):
    with app.app_context():
        demo.seed_demo_firms(1, seed=3)
        firm = accounts.create_organisation("Hangyeol Consulting", "consultancy")
        branding.set_logo(firm, png_bytes(size=(300, 100)), None)
        db.session.commit()
        assessment = db.session.scalar(db.select(Assessment).where(Assessment.status == "submitted"))
        notes = {"overall": "Talk to the bank first.", "dimensions": {"roi": "Track scrap."}}
        issuer = branding.issuer_of(firm)
        keys = {cache_key(assessment, "en", issuer, notes)}
        pdf = assessment_pdf(assessment, "en", issuer=issuer, notes=notes)
        pages = pdf_pages_text(pdf)
        header = running_header("Hangyeol Consulting", "en")
        assert all(header in squash(page) for page in pages[1:])
        assert "Talk to the bank first." in "".join(pages) and "Track scrap." in "".join(pages)
        assert assessment_pdf(assessment, "en", issuer=issuer, notes=notes) == pdf  # cached

        changed_note = {**notes, "overall": "Talk to the bank next week."}
        keys.add(cache_key(assessment, "en", issuer, changed_note))
        again = assessment_pdf(assessment, "en", issuer=issuer, notes=changed_note)
        assert "Talk to the bank next week." in "".join(pdf_pages_text(again))
        branding.set_accent_colour(firm, "#245c3e", None)
        keys.add(cache_key(assessment, "en", branding.issuer_of(firm), notes))
        branding.set_logo(firm, png_bytes(size=(300, 100), colour=(200, 0, 0)), None)
        keys.add(cache_key(assessment, "en", branding.issuer_of(firm), notes))
        keys.add(cache_key(assessment, "en", branding.issuer_of(firm), None))
        keys.add(cache_key(assessment, "en", None, None))
        assert len(keys) == 6
        # a dict with the same content in another order is the same rendered file
        reordered = {"dimensions": dict(notes["dimensions"]), "overall": notes["overall"]}
        assert cache_key(assessment, "en", issuer, reordered) == cache_key(
            assessment, "en", issuer, notes)
        db.session.rollback()
