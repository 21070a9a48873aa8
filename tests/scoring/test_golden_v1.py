"""Stored v1 assessments score exactly as before the errata: 240 generated answers documents,
scored by the code and questionnaire of commit f7c7a6a (``golden/capture_v1.py``), rescored now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assess.questionnaire import load_questionnaire
from assess.scoring import score, validate_document
from assess.scoring.engine import PRIORITY_ORDER

GOLDEN = json.loads((Path(__file__).parent / "golden" / "v1-results.json").read_text("utf-8"))
V1 = load_questionnaire(Path(__file__).resolve().parents[2] / "questionnaires/ax-readiness/v1")


def _findings(rows: list) -> list:
    # Order within one priority is presentation (now by gain), and the sources a finding cites
    # are text that errata may correct; which rules fire, with what priority, horizon and peer
    # cases, and the order of priorities, is scoring.
    return sorted((tuple(r[:4]) + (tuple(r[5]),) for r in rows),
                  key=lambda r: (PRIORITY_ORDER[r[2]], r[0]))  # fmt: skip


def summary(result) -> dict:
    return {
        "overall": result.overall, "level": result.level, "confidence": result.confidence,
        "dimensions": [[d.id, d.score, d.level, d.applicable, d.answered, d.unknown]
                       for d in result.dimensions],
        "findings": _findings([[f.rule, f.dimension, f.priority, f.horizon, list(f.sources),
                                list(f.cases)] for f in result.findings]),
        "priorities": [f.priority for f in result.findings],
        "ignored": list(result.ignored), "skipped": list(result.skipped),
    }  # fmt: skip


def expected(stored: dict) -> dict:
    return {**stored, "findings": _findings(stored["findings"]),
            "priorities": [f[2] for f in stored["findings"]]}  # fmt: skip


def test_the_golden_set_exercises_every_rule():
    fired = {f[0] for case in GOLDEN["cases"] for f in case["result"]["findings"]}
    assert fired == {r.id for r in V1.rules}


@pytest.mark.parametrize("index", range(len(GOLDEN["cases"])))
def test_v1_document_scores_as_before(index):
    case = GOLDEN["cases"][index]
    result = score(V1, validate_document(case["document"], V1))
    assert summary(result) == expected(case["result"])
