"""The result as a reader sees it: one plain dict, in one language, for the web page and the PDF."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..questionnaire import Questionnaire
from ..questionnaire.schema import PeerCase, Source
from ..scoring import AnswersDocument, Benchmark

HORIZON_LABELS = {
    "0-3": {"ko": "0-3개월", "en": "0-3 months"},
    "3-12": {"ko": "3-12개월", "en": "3-12 months"},
    "12+": {"ko": "12개월 이상", "en": "12+ months"},
}
PRIORITY_LABELS = {
    "high": {"ko": "높음", "en": "High"},
    "medium": {"ko": "중간", "en": "Medium"},
    "low": {"ko": "낮음", "en": "Low"},
}
COHORT_LABELS = {
    "industry_size": {"ko": "같은 업종·같은 규모", "en": "same industry and size"},
    "industry": {"ko": "같은 업종", "en": "same industry"},
    "all": {"ko": "전체 응답 기업", "en": "all firms assessed"},
}
UNKNOWN_LABEL = {"ko": "모름", "en": "Don't know"}
NOT_PURSUED_LABEL = {"ko": "추진하지 않음", "en": "Not pursued"}
GAIN_LABEL = {"ko": "+{:.1f}점", "en": "+{:.1f} points"}
VERSION_NOTE = {
    "ko": "지난 진단은 설문 v{before}, 이번 진단은 v{now}로 했습니다. 문항과 배점이 달라졌으므로 "
          "영역별 변화는 참고로만 보세요.",
    "en": "The last assessment used questionnaire v{before}, this one v{now}. Questions and scoring "
          "changed between versions, so read the change per dimension as indicative only.",
}  # fmt: skip


def gain_label(gain: float | None, lang: str) -> str | None:
    """"+4.2 points" for a positive gain; nothing for none or no gain."""
    return GAIN_LABEL[lang].format(gain) if gain else None
MAX_NOTE_CHARS = 2000
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_action(recommendation: str) -> tuple[str, str]:
    """(the first sentence — the action — and the rest) of a recommendation."""
    parts = SENTENCE_END.split(recommendation.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def source_view(source: Source, lang: str) -> dict[str, Any]:
    text = lambda t: t.get(lang) if t else None  # noqa: E731
    parts = [text(source.speaker), text(source.role), text(source.organisation)]
    who = ", ".join(p for p in parts if p)
    citation = f"{who} — {text(source.event)}" if source.kind == "article" else None
    return {
        "id": source.id, "kind": source.kind, "file": source.file,
        "speaker": text(source.speaker), "role": text(source.role),
        "organisation": text(source.organisation), "event": text(source.event),
        "law": text(source.law), "statement": source.statement.get(lang), "citation": citation,
    }  # fmt: skip


def case_view(case: PeerCase, questionnaire: Questionnaire, lang: str) -> dict[str, Any]:
    industry = questionnaire.industries.get(case.industry or "")
    return {
        "id": case.id,
        "name": case.name.get(lang),
        "industry": industry.get(lang) if industry else None,
        "facts": tuple(f.get(lang) for f in case.facts),
        "lesson": case.lesson.get(lang),
        "sources": tuple(case.sources),
    }


@lru_cache(maxsize=32)
def _sources_and_cases(questionnaire: Questionnaire, lang: str) -> tuple[dict, dict]:
    """Every source and peer case of a questionnaire in ``lang``: the same for every result, so
    made once. Every view of every result shares them: never change them (a view is pickled
    for the PDF renderer, so they are plain dicts and tuples)."""
    sources = {s.id: source_view(s, lang) for s in questionnaire.sources}
    cases = {c.id: case_view(c, questionnaire, lang) for c in questionnaire.cases}
    return sources, cases


def answer_text(questionnaire: Questionnaire, qid: str, value: Any, lang: str) -> str:
    """An answer as the respondent saw it."""
    question = questionnaire.questions_by_id[qid]
    if question.type == "number":
        if value == "dont_know":
            return UNKNOWN_LABEL[lang]
        return f"{value:,g} {question.unit.get(lang)}"
    options = questionnaire.options_by_question[qid]
    values = value if isinstance(value, list) else [value]
    return ", ".join(options[v].text.get(lang) for v in values)


def result_view(
    questionnaire: Questionnaire,
    document: AnswersDocument,
    data: dict[str, Any],
    lang: str,
    *,
    date: str = "",
    benchmark: Benchmark | None = None,
    previous: dict[str, Any] | None = None,
    issuer: dict[str, Any] | None = None,
    notes: dict[str, Any] | None = None,
    with_answers: bool = True,
) -> dict[str, Any]:
    """Everything the results page and the PDF show, resolved to ``lang``; the answers only
    ``with_answers`` (the results page does not list them).

    ``data`` is the contract JSON of the result; ``previous`` the same for the firm's last
    submitted assessment (for progress), with its ``date``. ``notes`` are a consultant's plain
    text notes, ``{"overall": str | None, "dimensions": {dimension id: str}}``.
    """
    notes = notes or {}
    dimension_notes = notes.get("dimensions") or {}
    q = questionnaire
    sources, cases = _sources_and_cases(q, lang)
    findings = [
        {
            "rule": f["rule"], "dimension": f["dimension"],
            "dimension_name": q.dimensions_by_id[f["dimension"]].name.get(lang),
            "priority": f["priority"], "priority_label": PRIORITY_LABELS[f["priority"]][lang],
            "horizon": f["horizon"], "horizon_label": HORIZON_LABELS[f["horizon"]][lang],
            "finding": f["text"][lang], "recommendation": f["recommendation"][lang],
            "action": split_action(f["recommendation"][lang])[0],
            "action_detail": split_action(f["recommendation"][lang])[1],
            "sources": [sources[s] for s in f["sources"]],
            "cases": [cases[c] for c in f["cases"]],
            "gain": f.get("gain"), "gain_label": gain_label(f.get("gain"), lang),
        }
        for f in data["findings"]
    ]  # fmt: skip
    previous_scores = {d["id"]: d["score"] for d in (previous or {}).get("dimensions", [])}
    dimensions = []
    for d in data["dimensions"]:
        dim = q.dimensions_by_id[d["id"]]
        level = q.levels[d["level"] - 1] if d["level"] else None
        before = previous_scores.get(d["id"])
        not_pursued = d.get("status") == "not_pursued"
        dimensions.append({
            **d, "name": dim.name.get(lang), "description": dim.description.get(lang),
            "not_pursued": not_pursued,
            "status_label": NOT_PURSUED_LABEL[lang] if not_pursued else None,
            "level_name": level.name.get(lang) if level else None,
            "level_description": level.description.get(lang) if level else None,
            "previous_score": before,
            "delta": round(d["score"] - before, 1) if None not in (d["score"], before) else None,
            "percentile": benchmark.dimensions.get(d["id"]) if benchmark else None,
            "findings": [f for f in findings if f["dimension"] == d["id"]],
            "note": note_text(dimension_notes.get(d["id"])),
        })  # fmt: skip
    overall_level = q.levels[data["overall"]["level"] - 1]
    cited = {s["id"] for f in findings for s in f["sources"]} | {
        s for f in findings for c in f["cases"] for s in c["sources"]
    } | {s for c in data.get("cases", []) for s in cases[c["id"]]["sources"]}
    return {
        "lang": lang,
        "title": q.title.get(lang),
        "questionnaire": dict(data["questionnaire"]),
        "date": date,
        "issuer": issuer,
        "overall_note": note_text(notes.get("overall")),
        "firm": firm_view(q, document.firm, lang),
        "overall": {
            **data["overall"],
            "level_name": overall_level.name.get(lang),
            "level_description": overall_level.description.get(lang),
            "previous_score": (previous or {}).get("overall", {}).get("score"),
        },  # fmt: skip
        "confidence": data["confidence"],
        "levels": [
            {
                "level": lv.level,
                "min": lv.min,
                "name": lv.name.get(lang),
                "description": lv.description.get(lang),
            }
            for lv in q.levels
        ],  # fmt: skip
        "dimensions": dimensions,
        "findings": findings,
        "top_actions": findings[:5],
        "roadmap": [
            {
                "horizon": h,
                "label": HORIZON_LABELS[h][lang],
                "findings": [f for f in findings if f["horizon"] == h],
            }
            for h in HORIZON_LABELS
        ],  # fmt: skip
        "benchmark": benchmark_view(benchmark, q, document.firm, lang),
        "sources": [sources[s.id] for s in q.sources if s.id in cited],
        "answers": answers_view(q, data, document, lang) if with_answers else None,
        "previous": previous_view(previous, data, lang),
        "cases": [{**cases[c["id"]], "why": c["why"][lang]} for c in data.get("cases", [])],
    }


def note_text(note: Any) -> str | None:
    """A consultant's note as printed: plain text, trimmed, at most MAX_NOTE_CHARS.

    Notes are checked for length where they are written; the cut here only keeps the PDF's input
    bounded whatever a caller passes."""
    if not isinstance(note, str) or not note.strip():
        return None
    text = note.strip().replace("\r\n", "\n")
    return text if len(text) <= MAX_NOTE_CHARS else text[: MAX_NOTE_CHARS - 1] + "…"


def previous_view(previous: dict | None, data: dict, lang: str) -> dict | None:
    """The last assessment's date and index, and a note when it used another version."""
    if not previous:
        return None
    now = data["questionnaire"]["version"]
    before = previous.get("questionnaire", {}).get("version", now)
    return {
        "date": previous.get("date"),
        "overall": previous["overall"]["score"],
        "version": before,
        "version_note": VERSION_NOTE[lang].format(before=before, now=now)
        if before != now else None,
    }


def firm_view(q: Questionnaire, firm: dict[str, Any], lang: str) -> dict[str, Any]:
    industry, region = (
        q.industries.get(firm.get("industry") or ""),
        q.regions.get(firm.get("region") or ""),
    )
    band = q.size_band_for(firm.get("employees"))
    band_name = next((b.name.get(lang) for b in q.profile.size_bands if b.id == band), None)
    return {
        **firm,
        "name": firm.get("name") or "",
        "industry_name": industry.get(lang) if industry else None,
        "region_name": region.get(lang) if region else None,
        "size_band": band,
        "size_band_name": band_name,
    }


def benchmark_view(
    benchmark: Benchmark | None, q: Questionnaire, firm: dict[str, Any], lang: str
) -> dict[str, Any] | None:
    if benchmark is None:
        return None
    return {
        "cohort": benchmark.cohort,
        "cohort_label": COHORT_LABELS[benchmark.cohort][lang],
        "industry_name": q.industries[benchmark.industry].get(lang) if benchmark.industry else None,
        "size_band_name": firm_view(q, firm, lang)["size_band_name"]
        if benchmark.size_band
        else None,
        "n": benchmark.n,
        "overall": round(benchmark.overall),
        "dimensions": {
            k: (round(v) if v is not None else None) for k, v in benchmark.dimensions.items()
        },  # fmt: skip
    }


def answers_view(
    q: Questionnaire, data: dict[str, Any], document: AnswersDocument, lang: str
) -> list[dict[str, Any]]:
    """The applicable answers, by dimension, as question text and answer text."""
    ignored = set(data["ignored"])
    out = []
    for dim in q.dimensions:
        rows = [
            {"question": question.text.get(lang),
             "answer": answer_text(q, question.id, document.answers[question.id], lang)}
            for question in q.questions_of(dim.id)
            if question.id in document.answers and question.id not in ignored
        ]  # fmt: skip
        out.append({"dimension": dim.id, "name": dim.name.get(lang), "rows": rows})
    return out
