"""Every character the report can print has a glyph in NanumGothic, so no fallback font is used."""

from __future__ import annotations

import re
import subprocess

import pytest
from fontTools.ttLib import TTFont
from markupsafe import escape

from reports import LABELS
from reports.charts import NOT_SCORED, PREVIOUS_LABEL
from reports.render import PdfRenderer, keep_words

from .conftest import embedded_fonts


def font_file(pattern: str) -> str:
    path = subprocess.run(
        ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=True
    ).stdout
    assert "Nanum" in path, f"fontconfig gives {path!r} for {pattern}: install fonts-nanum"
    return path


def cmap_of(path: str) -> set[int]:
    with TTFont(path) as font:
        return set(font.getBestCmap())


@pytest.fixture(scope="module")
def cmaps() -> dict[str, set[int]]:
    return {
        style: cmap_of(font_file(pattern))
        for style, pattern in [("regular", "NanumGothic"), ("bold", "NanumGothic:bold")]
    }


def texts(value) -> list[str]:
    """Every ko and en string inside the exported questionnaire."""
    if isinstance(value, dict):
        own = [v for k, v in value.items() if k in ("ko", "en") and isinstance(v, str)]
        return own + [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


@pytest.fixture(scope="module")
def all_strings(questionnaire_export) -> list[str]:
    fixed = [s for labels in LABELS.values() for s in labels.values()]
    chart = [*NOT_SCORED.values(), *PREVIOUS_LABEL.values()]
    strings = texts(questionnaire_export) + fixed + chart
    assert len(strings) > 1000  # questions, options, rules, sources, cases, levels, labels
    return strings


def test_every_character_is_in_the_font(all_strings, cmaps):
    for style, cmap in cmaps.items():
        missing = {c for s in all_strings for c in s if not c.isspace() and ord(c) not in cmap}
        examples = {c: next(s for s in all_strings if c in s)[:60] for c in sorted(missing)}
        assert not missing, f"{style}: no glyph for {examples}"


def test_rendering_every_character_embeds_only_nanum(all_strings, tmp_path):
    characters = sorted({c for s in all_strings for c in s if not c.isspace()})
    lines = ["".join(characters[i : i + 60]) for i in range(0, len(characters), 60)]
    body = "".join(f"<p>{escape(line)}</p><p><b>{keep_words(line)}</b></p>" for line in lines)
    pdf = PdfRenderer().html_to_pdf(f'<html lang="ko"><body>{body}</body></html>')
    fonts = embedded_fonts(pdf, tmp_path)
    assert {re.sub(r"^[A-Z]{6}\+", "", f) for f in fonts} == {"NanumGothic", "NanumGothic-Bold"}
