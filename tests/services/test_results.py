"""The result view: what the results page and the PDF show."""

from __future__ import annotations

import pytest

from assess.presentation.results import split_action


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "이번 분기에 하나를 정하세요. 범위는 좁게. 석 달 뒤 결정하세요.",
            "이번 분기에 하나를 정하세요.",
        ),
        ("Pick one line. Then measure.", "Pick one line."),
        ("No full stop at the end", "No full stop at the end"),
    ],
)
def test_the_action_is_the_first_sentence(text, first):
    assert split_action(text)[0] == first
