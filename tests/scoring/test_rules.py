"""Every rule of the shipped questionnaire fires when its condition holds and only then."""

from __future__ import annotations

import pytest

from tests.scoring.documents import (
    BASE_FIRM,
    Solver,
    all_answers,
    best_answer,
    fired,
    shipped,
    worst_answer,
)

Q = shipped()


@pytest.mark.parametrize("rule", [r.id for r in Q.rules])
def test_rule_fires_when_its_condition_holds(rule):
    answers, firm = all_answers(Q, best_answer), dict(BASE_FIRM)
    Solver(Q).satisfy(Q.rule_conditions[rule], answers, firm)
    assert rule in fired(Q, answers, firm)


@pytest.mark.parametrize("rule", [r.id for r in Q.rules])
def test_rule_stays_silent_when_its_condition_fails(rule):
    answers, firm = all_answers(Q, worst_answer), dict(BASE_FIRM)
    Solver(Q).satisfy(Q.rule_conditions[rule], answers, firm, negate=True)
    assert rule not in fired(Q, answers, firm)


def test_a_strong_firm_gets_few_findings_and_a_weak_one_many():
    strong = fired(Q, all_answers(Q, best_answer), BASE_FIRM)
    # A weak firm that plans to export, so that the export questions apply.
    answers = all_answers(Q, worst_answer) | {"exp_status": "planning"}
    weak = fired(Q, all_answers(Q, worst_answer, answers=answers), {**BASE_FIRM, "ceo_age": 64})
    assert len(strong) <= 3, strong
    assert len(weak) >= len(Q.rules) // 3, weak
    assert {r.dimension for r in Q.rules if r.id in weak} == {d.id for d in Q.dimensions}
