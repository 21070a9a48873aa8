"""dict → HTML → PDF in this process. The sandbox runs this in its worker; call ``render_pdf``."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .charts import dimension_chart_svg
from .fetcher import PACKAGE_DIR, StaticOnlyFetcher
from .labels import LABELS

HANGUL = r"\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
HAS_HANGUL = re.compile(f"[{HANGUL}]")
# Word joiners go wherever Hangul meets another non-space character inside one word.
INSIDE_WORD = re.compile(f"(?<=[{HANGUL}])(?=\\S)|(?<=\\S)(?=[{HANGUL}])")
WORD_JOINER = "\u2060"
SPACES = re.compile(r"(\s+)")
KEEP_WORD_MAX = 16  # longer "words" may break, or they would overflow narrow table cells
LOGO_TYPES = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;",
              "data:image/svg+xml")  # fmt: skip
MAX_LOGO_CHARS = 700_000
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")  # the only accent that reaches the stylesheet
DEFAULT_MIN_COHORT = 5


def keep_words(text: Any) -> Markup:
    """Escape ``text`` and keep each Korean word on one line.

    WeasyPrint ignores ``word-break: keep-all`` and breaks Hangul between any two syllables.
    Wrapping each word in a ``nowrap`` span works but makes layout about three times slower, so
    the letters of a word are tied with U+2060 WORD JOINER instead: it forbids a break, has no
    glyph and no width, and text extracted from the PDF does not contain it.
    """
    if text is None:
        return Markup("")
    words = SPACES.split(str(text))
    return escape("".join(
        INSIDE_WORD.sub(WORD_JOINER, word)
        if len(word) <= KEEP_WORD_MAX and HAS_HANGUL.search(word) else word
        for word in words
    ))  # fmt: skip


def number(value: float | None, digits: int = 1) -> str:
    """A score for print: one decimal by default, a dash when there is none."""
    return "—" if value is None else f"{value:,.{digits}f}"


def signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(kw=keep_words, number=number, signed=signed)
    return env


ENVIRONMENT = _environment()


def build_html(report: dict[str, Any]) -> str:
    """The report as one HTML document; ``report`` is ``assess.presentation.results.result_view``."""
    lang = report["lang"]
    labels = LABELS[lang]
    chart = dimension_chart_svg(report["dimensions"], lang, labels["chart_title"])
    issuer = report.get("issuer") or None
    logo = (issuer or {}).get("logo_data_uri") or ""
    if not (logo.startswith(LOGO_TYPES) and len(logo) <= MAX_LOGO_CHARS):
        logo = ""
    accent = str((issuer or {}).get("accent") or "")
    return ENVIRONMENT.get_template("report.html").render(
        r=report,
        t=labels,
        chart=Markup(chart),  # noqa: S704 - built by charts.py, every text in it escaped
        issuer=issuer,
        logo=logo,
        accent=accent if ACCENT.fullmatch(accent) else "",
        source_numbers={s["id"]: i for i, s in enumerate(report["sources"], 1)},
        first_case_rule=first_case_rules(report),
        min_cohort=report.get("min_cohort") or DEFAULT_MIN_COHORT,
        has_previous=report.get("previous") is not None,
        has_benchmark=report.get("benchmark") is not None,
    )


def first_case_rules(report: dict[str, Any]) -> dict[str, str]:
    """For each peer case, the finding that shows it in full; later ones refer back to it."""
    first: dict[str, str] = {}
    for dimension in report["dimensions"]:
        for finding in dimension["findings"]:
            for case in finding["cases"]:
                first.setdefault(case["id"], finding["rule"])
    return first


class PdfRenderer:
    """Holds what every render shares: the parsed stylesheet, the fonts and the fetcher."""

    def __init__(self) -> None:
        self.fetcher = StaticOnlyFetcher()
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            filename=str(PACKAGE_DIR / "report.css"),
            font_config=self.font_config,
            url_fetcher=self.fetcher,
        )
        self.base_url = (PACKAGE_DIR / "static").as_uri() + "/"

    def html_to_pdf(self, html: str) -> bytes:
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        # PDF/UA-1: tagged structure for screen readers, with the document's language and title
        # (from <html lang> and <title>); the outline comes from the headings (report.css).
        return document.write_pdf(
            stylesheets=[self.stylesheet], font_config=self.font_config, pdf_variant="pdf/ua-1"
        )

    def render(self, report: dict[str, Any]) -> bytes:
        return self.html_to_pdf(build_html(report))

    def warm_up(self) -> None:
        """Load the fonts and the layout code once, before the first real render is timed."""
        self.html_to_pdf(
            '<html lang="ko"><p>AX 준비도 <b>진단 보고서</b> 0123456789</p><svg '
            'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>가</text></svg></html>'
        )
