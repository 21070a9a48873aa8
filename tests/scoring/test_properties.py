"""Property tests of the scoring core over thousands of generated answers documents."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from assess.scoring import score
from tests.scoring.documents import (
    all_answers,
    best_answer,
    document,
    shipped,
    worst_answer,
)

Q = shipped()


def _gating_questions() -> set[str]:
    from assess.questionnaire.conditions import leaves

    return {
        leaf.key
        for c in Q.question_conditions.values()
        for leaf in leaves(c)
        if leaf.subject == "answer"
    }


GATING = _gating_questions()


@st.composite
def answer_for(draw, question):
    if question.type == "number":
        return draw(
            st.one_of(
                st.just("dont_know"),
                st.integers(int(question.min), int(question.max)),
                st.floats(question.min, question.max, allow_nan=False),
            )
        )
    ids = [o.id for o in question.options]
    if question.type == "single":
        return draw(st.sampled_from(ids))
    exclusive = [o.id for o in question.options if o.exclusive or o.unknown]
    plain = [i for i in ids if i not in exclusive]
    if exclusive and draw(st.booleans()):
        return [draw(st.sampled_from(exclusive))]
    chosen = draw(st.lists(st.sampled_from(plain), min_size=1, unique=True))
    return sorted(chosen, key=ids.index)


@st.composite
def documents(draw):
    fields = Q.profile.fields
    firm = {
        "name": "속성검사",
        "industry": draw(st.sampled_from(list(Q.industries))),
        "region": draw(st.sampled_from(list(Q.regions))),
        "employees": draw(st.integers(int(fields["employees"].min), 500)),
        "annual_sales_mkrw": draw(st.integers(0, 200_000)),
        "founded_year": draw(st.integers(1950, 2026)),
        "ceo_age": draw(st.integers(int(fields["ceo_age"].min), int(fields["ceo_age"].max))),
    }
    answers = {}
    for question in Q.questions:
        if draw(st.integers(0, 9)) == 0:
            continue  # leave some unanswered
        answers[question.id] = draw(answer_for(question))
    return document(Q, answers, firm)


@settings(max_examples=1500, deadline=None)
@given(documents())
def test_scores_stay_in_range(doc):
    result = score(Q, doc)
    assert 0 <= result.overall <= 100
    assert 1 <= result.level <= 5
    assert 0 <= result.confidence <= 100
    for d in result.dimensions:
        assert d.score is None or 0 <= d.score <= 100
        assert 0 <= d.unknown <= d.answered <= d.applicable
    assert set(result.ignored) <= set(doc.answers)


@settings(max_examples=500, deadline=None)
@given(documents(), st.randoms(use_true_random=False))
def test_results_are_deterministic_and_independent_of_answer_order(doc, rnd: random.Random):
    items = list(doc.answers.items())
    rnd.shuffle(items)
    shuffled = document(Q, dict(items), doc.firm)
    assert score(Q, doc) == score(Q, doc)
    first, second = score(Q, doc), score(Q, shuffled)
    assert (first.overall, first.dimensions, first.findings, sorted(first.ignored)) == (
        second.overall, second.dimensions, second.findings, sorted(second.ignored),
    )  # fmt: skip


SINGLE_NON_GATING = [
    q for q in Q.questions if q.type == "single" and q.weight > 0 and q.id not in GATING
]


@settings(max_examples=1500, deadline=None)
@given(documents(), st.sampled_from(SINGLE_NON_GATING), st.data())
def test_a_better_option_never_lowers_a_score(doc, question, data):
    scored = [o for o in question.options if not o.unknown]
    worse = data.draw(st.sampled_from(question.options))
    better = data.draw(st.sampled_from(scored))
    worse_score = 0.0 if worse.unknown else worse.score
    if better.score < worse_score:
        worse, better = better, worse
    before = score(Q, document(Q, {**doc.answers, question.id: worse.id}, doc.firm))
    after = score(Q, document(Q, {**doc.answers, question.id: better.id}, doc.firm))
    dim = question.dimension
    if before.dimension(dim).score is not None:
        assert after.dimension(dim).score >= before.dimension(dim).score - 1e-9
    assert after.overall >= before.overall - 1e-9


def test_all_best_scores_at_least_90_and_all_worst_at_most_15():
    best = score(Q, document(Q, all_answers(Q, best_answer)))
    worst = score(Q, document(Q, all_answers(Q, worst_answer)))
    for d in best.dimensions:
        assert d.score is not None and d.score >= 90, d
    for d in worst.dimensions:
        assert d.score is not None and d.score <= 15, d
    assert best.level == 5 and worst.level == 1


@settings(max_examples=1500, deadline=None)
@given(documents(), st.data())
def test_the_gain_searchs_rescoring_of_a_change_equals_scoring_the_changed_answers(doc, data):
    """The gain search rescores only what a change can touch; it must agree with a full
    rescore of the changed answers, whether or not the change moves skip logic or export."""
    from assess.scoring.engine import facts_profile, rescore
    from assess.scoring.gain import Rescorer

    profile = facts_profile(Q, doc.firm)
    rescorer = Rescorer(Q, profile, dict(doc.answers))
    for _ in range(3):
        chosen = data.draw(st.lists(st.sampled_from(Q.questions), min_size=1, max_size=3,
                                    unique_by=lambda q: q.id))  # fmt: skip
        change = {q.id: data.draw(answer_for(q)) for q in chosen}
        fast = rescorer(change)
        full = rescore(Q, profile, {**doc.answers, **change})
        assert (fast[0], sorted(fast[1]), fast[2], fast[3]) == (
            full[0], sorted(full[1]), full[2], full[3])  # fmt: skip
        assert fast[4] == full[4]
        assert rescorer(change) == fast  # asked again: the same
