"""Engine details that the rule and property tests do not pin down."""

from __future__ import annotations

import pytest

from assess.scoring import score
from assess.scoring.engine import interpolate, order_cases
from tests.scoring.documents import BASE_FIRM, all_answers, document, shipped, worst_answer

Q = shipped()


def test_peer_cases_closest_to_the_firm_come_first():
    cases = ["dong_a_plating", "taelim", "baekje"]
    assert order_cases(Q, cases, {"industry": "C30", "employees": 200})[0] == "taelim"
    assert order_cases(Q, cases, {"industry": "C10", "employees": 20})[0] == "baekje"
    # Same industry as none of them: the one of the same size band (Dong-A: under 30) first.
    assert order_cases(Q, cases, {"industry": "C29", "employees": 20})[0] == "dong_a_plating"
    # Nothing in common: the rule's own order.
    assert order_cases(Q, cases, {"industry": "C29", "employees": 500}) == cases


def test_findings_are_ordered_by_priority_then_gain_then_impact():
    answers = all_answers(Q, worst_answer) | {"exp_status": "planning"}
    result = score(Q, document(Q, all_answers(Q, worst_answer, answers=answers)))
    order = {"high": 0, "medium": 1, "low": 2}
    keys = [(order[f.priority], -f.gain, -f.impact) for f in result.findings]
    assert keys == sorted(keys)
    # Gains differ within a priority, so the order is not the questionnaire's.
    assert len({f.gain for f in result.findings if f.priority == "high"}) > 1
    assert sum(len(v) for v in result.roadmap().values()) == len(result.findings)


def test_dont_know_scores_zero_and_lowers_confidence():
    first = next(q for q in Q.questions if q.type == "single" and q.weight > 0)
    best = max(o.score or 0 for o in first.options)
    known = score(Q, document(Q, {first.id: next(o.id for o in first.options
                                                 if o.score == best)}))  # fmt: skip
    unknown = score(Q, document(Q, {first.id: "dont_know"}))
    assert known.dimension(first.dimension).score == best
    assert unknown.dimension(first.dimension).score == 0
    assert unknown.dimension(first.dimension).unknown == 1
    assert unknown.confidence < known.confidence


@pytest.mark.parametrize(("x", "expected"), [(-5, 0), (0, 0), (2.5, 50), (5, 100), (99, 100)])
def test_number_scores_are_interpolated_and_held_flat(x, expected):
    assert interpolate([(0, 0), (5, 100)], x) == pytest.approx(expected)


def test_unanswered_questions_are_left_out_of_the_mean_not_scored_zero():
    first = next(q for q in Q.questions if q.type == "single" and q.weight > 0)
    best = next(o.id for o in first.options if o.score == max(x.score or 0 for x in first.options))
    result = score(Q, document(Q, {first.id: best}, BASE_FIRM))
    dim = result.dimension(first.dimension)
    assert dim.score == 100 and dim.answered == 1 and dim.applicable > 1
