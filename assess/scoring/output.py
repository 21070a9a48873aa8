"""A result as plain data (the JSON of ``assess score`` and the API) and as terminal text."""

from __future__ import annotations

from typing import Any

from ..questionnaire import Questionnaire
from .answers import AnswersDocument
from .cases import relevant_cases
from .engine import NOT_PURSUED, Result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def result_json(questionnaire: Questionnaire, document: AnswersDocument, result: Result) -> dict:
    """The result in the contract's shape: plain, JSON-ready, both languages."""
    rules = {r.id: r for r in questionnaire.rules}
    level = questionnaire.level_for(result.overall)
    return {
        "questionnaire": {"id": result.questionnaire, "version": result.version},
        "language": document.language,
        "firm": dict(document.firm),
        "overall": {
            "score": _round(result.overall),
            "level": result.level,
            "level_name": level.name.model_dump(),
        },
        "dimensions": [
            {
                "id": d.id,
                "name": questionnaire.dimensions_by_id[d.id].name.model_dump(),
                "status": d.status,
                "score": _round(d.score),
                "level": d.level,
                "applicable": d.applicable,
                "answered": d.answered,
                "unknown": d.unknown,
            }
            for d in result.dimensions
        ],
        "findings": [
            {
                "rule": f.rule,
                "dimension": f.dimension,
                "priority": f.priority,
                "horizon": f.horizon,
                "text": rules[f.rule].finding.model_dump(),
                "recommendation": rules[f.rule].recommendation.model_dump(),
                "sources": list(f.sources),
                "cases": list(f.cases),
                "gain": _round(f.gain),
                "change": f.change,
            }
            for f in result.findings
        ],
        "cases": [
            {"id": c.id, "name": questionnaire.cases_by_id[c.id].name.model_dump(),
             "why": c.why.model_dump()}
            for c in relevant_cases(questionnaire, document.firm,
                                    {d.id: d.score for d in result.dimensions})
        ],  # fmt: skip
        "roadmap": {h: [f.rule for f in fs] for h, fs in result.roadmap().items()},
        "confidence": _round(result.confidence),
        "ignored": list(result.ignored),
    }


LABELS = {
    "ko": {"overall": "종합 지수", "level": "수준", "confidence": "응답 신뢰도",
           "dimension": "영역", "score": "점수", "unknown": "모름", "actions": "우선 실행 과제",
           "ignored": "해당되지 않아 제외된 답변", "none": "없음",
           "0-3": "0-3개월", "3-12": "3-12개월", "12+": "12개월 이상",
           "not_pursued": "추진하지 않음", "points": "+{gain:.1f}점", "cases": "참고할 동종 기업 사례"},
    "en": {"overall": "Overall index", "level": "Level", "confidence": "Confidence",
           "dimension": "Dimension", "score": "Score", "unknown": "Don't know",
           "actions": "Priority actions", "ignored": "Answers ignored (not applicable)",
           "none": "none", "0-3": "0-3 months", "3-12": "3-12 months", "12+": "12+ months",
           "not_pursued": "not pursued", "points": "+{gain:.1f} points",
           "cases": "Peer cases for you"},
}  # fmt: skip


def result_text(questionnaire: Questionnaire, data: dict[str, Any], lang: str, top: int = 5) -> str:
    """A readable terminal summary of ``result_json`` output."""
    t = LABELS[lang]
    lines = [
        f"{questionnaire.title.get(lang)} (v{questionnaire.version})",
        f"{t['overall']}: {data['overall']['score']:.1f} / 100   "
        f"{t['level']} {data['overall']['level']} — {data['overall']['level_name'][lang]}",
        f"{t['confidence']}: {data['confidence']:.0f}%",
        "",
        f"{t['dimension']:<28}{t['score']:>8}{t['level']:>8}{t['unknown']:>8}",
    ]
    for d in data["dimensions"]:
        score = "-" if d["score"] is None else f"{d['score']:.1f}"
        if d.get("status") == NOT_PURSUED:
            score = t["not_pursued"]
        level = "-" if d["level"] is None else str(d["level"])
        lines.append(f"{d['name'][lang]:<28}{score:>8}{level:>8}{d['unknown']:>8}")
    lines += ["", f"{t['actions']}:"]
    for i, f in enumerate(data["findings"][:top], 1):
        worth = f" ({t['points'].format(gain=f['gain'])})" if f.get("gain") else ""
        lines.append(f"{i}. [{f['priority']}, {t[f['horizon']]}]{worth} "
                     f"{f['recommendation'][lang]}")  # fmt: skip
    if not data["findings"]:
        lines.append(f"   {t['none']}")
    lines += ["", f"{t['cases']}:"]
    lines += [f"- {c['name'][lang]}: {c['why'][lang]}" for c in data["cases"]]
    if data["ignored"]:
        lines += ["", f"{t['ignored']}: {', '.join(data['ignored'])}"]
    return "\n".join(lines)
