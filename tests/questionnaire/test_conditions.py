"""Declarative conditions: a table of conditions, facts and the expected truth."""

from __future__ import annotations

import pytest

from assess.questionnaire import Facts, evaluate
from assess.questionnaire.conditions import ConditionError, parse

FACTS = Facts(
    answers={"status": "planning", "markets": ["us", "jp"], "staff": 2, "none": None},
    profile={"ceo_age": 62, "industry": "C29", "size_band": "small"},
    dimensions={"roi": 35.0, "infra": None},
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"answer": "status", "in": ["planning", "regular"]}, True),
        ({"answer": "status", "not_in": ["planning"]}, False),
        ({"answer": "markets", "in": ["jp"]}, True),
        ({"answer": "markets", "not_in": ["cn", "vn"]}, True),
        ({"answer": "staff", "gte": 2}, True),
        ({"answer": "staff", "gt": 2}, False),
        ({"answer": "staff", "lt": 3}, True),
        ({"answer": "status", "eq": "planning"}, True),
        ({"answer": "missing", "in": ["x"]}, False),
        ({"answer": "missing", "not_in": ["x"]}, False),  # unanswered is never "not in"
        ({"answer": "missing", "answered": False}, True),
        ({"answer": "status", "answered": True}, True),
        ({"answer": "status", "gte": 1}, False),  # text compared with a number: false
        ({"profile": "ceo_age", "gte": 55}, True),
        ({"profile": "industry", "in": ["C25", "C29"]}, True),
        ({"dimension": "roi", "lt": 40}, True),
        ({"dimension": "infra", "lt": 40}, False),  # nothing answered: no score
        ({"all": [{"profile": "ceo_age", "gte": 55}, {"dimension": "roi", "lt": 40}]}, True),
        ({"any": [{"profile": "ceo_age", "lt": 40}, {"answer": "staff", "eq": 2}]}, True),
        ({"not": {"answer": "status", "in": ["planning"]}}, False),
        (
            {
                "all": [
                    {
                        "any": [
                            {"answer": "staff", "gt": 5},
                            {"not": {"profile": "size_band", "in": ["micro"]}},
                        ]
                    }
                ]
            },
            True,
        ),
    ],
)
def test_condition_table(condition, expected):
    assert evaluate(parse(condition), FACTS) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {},
        {"answer": "a"},
        {"answer": "a", "in": []},
        {"answer": "a", "gt": "3"},
        {"answer": "a", "in": ["x"], "gt": 3},
        {"all": []},
        {"all": [{"answer": "a", "in": ["x"]}], "any": []},
        {"exec": "import os"},
        ["not", "a", "mapping"],
    ],
)
def test_malformed_conditions_are_refused(condition):
    with pytest.raises(ConditionError):
        parse(condition)
