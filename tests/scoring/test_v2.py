"""Version 2: export "not pursued", peer cases for every firm, and what each finding is worth."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.questionnaire import Facts, load_questionnaire
from assess.scoring import benchmark, result_json, result_text, score
from assess.scoring.benchmark import PeerScores
from assess.scoring.engine import facts_profile, rescore
from tests.scoring.documents import (
    ROOT,
    all_answers,
    best_answer,
    document,
    shipped,
    worst_answer,
)
from tests.scoring.test_properties import answer_for

V2 = load_questionnaire(ROOT / "questionnaires" / "ax-readiness" / "v2")
V1 = shipped()


def domestic(pick=best_answer):
    return document(V2, all_answers(V2, pick, answers={"exp_status": "none"}))


@pytest.mark.parametrize("pick", [best_answer, worst_answer])
def test_a_no_export_firm_is_indexed_on_the_other_four_dimensions(pick):
    result = score(V2, domestic(pick))
    export = result.dimension("export")
    assert (export.status, export.score, export.level) == ("not_pursued", None, None)
    weights = {d.id: d.weight for d in V2.dimensions}
    others = [d for d in result.dimensions if d.id != "export"]
    expected = sum(weights[d.id] * d.score for d in others) / sum(weights[d.id] for d in others)
    assert result.overall == pytest.approx(expected, abs=1e-9)
    assert result.level == V2.level_for(expected).level
    export_findings = [f for f in result.findings if f.dimension == "export"]
    assert [(f.rule, f.priority, f.gain) for f in export_findings] == [
        ("exp_consider_exports", "low", None)
    ]
    assert "mss_domestic_to_export" in export_findings[0].sources


def test_the_same_answers_on_v1_score_export_zero():
    answers = all_answers(V1, best_answer, answers={"exp_status": "none"})
    result = score(V1, document(V1, answers))
    assert (result.dimension("export").status, result.dimension("export").score) == ("scored", 0)
    assert result.overall < score(V2, document(V2, answers)).overall


def test_score_json_and_text_say_not_pursued_never_zero():
    doc = domestic()
    data = json.loads(json.dumps(result_json(V2, doc, score(V2, doc))))
    export = next(d for d in data["dimensions"] if d["id"] == "export")
    assert (export["status"], export["score"], export["level"]) == ("not_pursued", None, None)
    assert all(d["status"] == "scored" for d in data["dimensions"] if d["id"] != "export")
    line = next(x for x in result_text(V2, data, "en").splitlines() if x.startswith("Export"))
    assert re.match(r"Export readiness\s+not pursued\s+-\s", line)  # score, level, don't know
    line = next(x for x in result_text(V2, data, "ko").splitlines() if x.startswith("수출"))
    assert "추진하지 않음" in line


def test_an_exporting_firm_is_scored_on_all_five():
    result = score(V2, document(V2, all_answers(V2, best_answer, answers={"exp_status": "regular"})))
    assert all(d.status == "scored" and d.score is not None for d in result.dimensions)


def test_a_not_pursued_firm_is_benchmarked_on_its_four_dimensions():
    dims = ("dx_ax", "roi", "infra", "succession")
    me = PeerScores("C29", "small", 50.0, {**dict.fromkeys(dims, 50.0), "export": None},
                    frozenset({"export"}))  # fmt: skip
    # Peers score 40 on the four and 100 on export: over five their index is 52 (above mine),
    # over the four it is 40 (below mine). Like with like, the firm is ahead of all of them.
    peers = [PeerScores("C29", "small", 52.0, {**dict.fromkeys(dims, 40.0), "export": 100.0})
             for _ in range(6)]  # fmt: skip
    result = benchmark(me, peers, k=5, weights=dict.fromkeys((*dims, "export"), 1.0))
    assert (result.cohort, result.n, result.overall) == ("industry_size", 6, 100.0)
    assert result.dimensions["export"] is None


@st.composite
def v2_documents(draw):
    answers = {q.id: draw(answer_for(q)) for q in V2.questions if draw(st.integers(0, 9))}
    firm = {"name": "속성", "industry": draw(st.sampled_from(list(V2.industries))),
            "employees": draw(st.integers(1, 500)), "ceo_age": draw(st.integers(30, 85))}  # fmt: skip
    return document(V2, answers, firm)


@settings(max_examples=150, deadline=None)
@given(st.one_of(v2_documents(), st.just(domestic()), st.just(domestic(worst_answer))))
def test_every_scored_document_names_one_to_three_peer_cases_with_a_reason(doc):
    data = result_json(V2, doc, score(V2, doc))
    assert 1 <= len(data["cases"]) <= 3
    assert len({c["id"] for c in data["cases"]}) == len(data["cases"])
    for case in data["cases"]:
        assert case["why"]["ko"] and case["why"]["en"] and case["name"]["ko"]


def test_peer_cases_follow_industry_and_the_weakest_dimension():
    strong = all_answers(V2, best_answer, answers={"exp_status": "regular"})
    firm = {"name": "태양", "industry": "C30", "employees": 200}
    data = result_json(V2, document(V2, strong, firm), score(V2, document(V2, strong, firm)))
    assert data["findings"] == []  # a strong firm still gets peers of its industry
    ids = [c["id"] for c in data["cases"]]
    assert ids[0] == "taelim" and "hanho" in ids  # both C30; Taelim also shows ROI
    assert "같은 업종" in data["cases"][0]["why"]["ko"]


@settings(max_examples=120, deadline=None)
@given(v2_documents())
def test_applying_the_change_resolves_the_finding_and_gain_is_the_rescored_difference(doc):
    result = score(V2, doc)
    profile = facts_profile(V2, doc.firm)
    for finding in result.findings:
        if finding.change is None:
            assert finding.gain is None
            continue
        changed = {**doc.answers, **finding.change}
        applied, _, _, dimensions, overall = rescore(V2, profile, changed)
        facts = Facts(applied, profile, {d.id: d.score for d in dimensions})
        assert not V2.rule_predicates[finding.rule](facts)
        assert finding.gain == pytest.approx(overall - result.overall, abs=1e-6)
        after = score(V2, document(V2, changed, doc.firm))
        assert finding.rule not in {f.rule for f in after.findings}
        assert after.overall == pytest.approx(result.overall + finding.gain, abs=1e-6)


def test_findings_of_equal_priority_are_ordered_by_gain():
    result = score(V2, document(V2, all_answers(V2, worst_answer,
                                                answers={"exp_status": "occasional"})))  # fmt: skip
    for priority in ("high", "medium", "low"):
        gains = [f.gain for f in result.findings if f.priority == priority]
        assert gains == sorted(gains, reverse=True)
    assert any(f.gain and f.gain > 0 for f in result.findings)
