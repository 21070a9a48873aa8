"""The report's fixed strings exist in both languages with the same placeholders."""

from __future__ import annotations

import datetime as dt
import string

from reports import LABELS, format_date


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    assert set(LABELS) == {"ko", "en"}
    assert set(LABELS["ko"]) == set(LABELS["en"])


def test_placeholders_match_across_languages():
    for key, ko in LABELS["ko"].items():
        assert placeholders(ko) == placeholders(LABELS["en"][key]), key


def test_korean_labels_are_korean():
    has_hangul = [key for key, text in LABELS["ko"].items() if any("가" <= c <= "힣" for c in text)]
    assert len(has_hangul) > len(LABELS["ko"]) * 0.8


def test_dates_are_written_per_language():
    day = dt.date(2026, 3, 5)
    assert format_date(day, "ko") == "2026년 3월 5일"
    assert format_date(day, "en") == "5 March 2026"
