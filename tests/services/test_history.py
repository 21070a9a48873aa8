"""What changed between two results, as the consultant's client page shows it (pure functions)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assess.presentation.history import changes_between, trend_series
from assess.scoring import result_json, score
from tests.scoring.documents import (
    BASE_FIRM,
    all_answers,
    best_answer,
    document,
    shipped,
    worst_answer,
)

Q = shipped()


def result(pick) -> dict:
    doc = document(Q, all_answers(Q, pick, BASE_FIRM))
    return result_json(Q, doc, score(Q, doc))


def test_moving_from_worst_to_best_resolves_findings_and_raises_every_score():
    before, after = result(worst_answer), result(best_answer)
    change = changes_between(before, after)
    assert change["overall"]["delta"] > 0
    assert change["resolved"] and not change["new"]
    assert set(change["resolved"]) == {f["rule"] for f in before["findings"]} - {
        f["rule"] for f in after["findings"]}
    assert all(d["delta"] is None or d["delta"] >= 0 for d in change["dimensions"])
    assert change["version_changed"] is False


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([worst_answer, best_answer]), min_size=1, max_size=4))
def test_a_trend_has_one_value_per_assessment_in_every_series(picks):
    results = [(f"2026-0{i + 1}-01", result(pick)) for i, pick in enumerate(picks)]
    series = trend_series(results)
    assert list(series)[0] == "overall"
    assert all(len(values) == len(picks) for values in series.values())
    assert series["overall"] == [data["overall"]["score"] for _, data in results]
