"""What changed between two versions of a questionnaire: questions, options, scores, weights,
conditions, rules, sources, cases and texts, as plain lines (``assess questionnaire diff``)."""

from __future__ import annotations

from .model import Questionnaire


def _by_id(items) -> dict:
    return {i.id: i.model_dump(exclude_none=True) for i in items}


def _compare(kind: str, old: dict, new: dict) -> list[str]:
    lines = [f"+ {kind} {k}" for k in new if k not in old]
    lines += [f"- {kind} {k}" for k in old if k not in new]
    for key in (k for k in new if k in old):
        changed = sorted(f for f in set(old[key]) | set(new[key])
                         if old[key].get(f) != new[key].get(f))  # fmt: skip
        if changed:
            lines.append(f"~ {kind} {key}: {', '.join(changed)}")
    return lines


def _options(a: Questionnaire, b: Questionnaire) -> list[str]:
    lines = []
    for qid, question in b.questions_by_id.items():
        if qid in a.questions_by_id:
            before = {o.id: o.model_dump(exclude_none=True) for o in a.questions_by_id[qid].options}
            after = {o.id: o.model_dump(exclude_none=True) for o in question.options}
            lines += _compare(f"option {qid}.", before, after)
    return [line.replace(". ", ".", 1) for line in lines]


def diff(a: Questionnaire, b: Questionnaire) -> list[str]:
    """One line per change: ``+`` added, ``-`` removed, ``~`` changed (and which fields)."""
    return [
        *_compare("dimension", _by_id(a.dimensions), _by_id(b.dimensions)),
        *_compare("level", {str(x.level): x.model_dump() for x in a.levels},
                  {str(x.level): x.model_dump() for x in b.levels}),  # fmt: skip
        *_compare("question", _by_id(a.questions), _by_id(b.questions)),
        *_options(a, b),
        *_compare("rule", _by_id(a.rules), _by_id(b.rules)),
        *_compare("source", _by_id(a.sources), _by_id(b.sources)),
        *_compare("case", _by_id(a.cases), _by_id(b.cases)),
    ]
