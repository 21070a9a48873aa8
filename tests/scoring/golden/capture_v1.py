"""How ``v1-results.json`` was made: run once, on commit f7c7a6a, before any errata were applied.

    python tests/scoring/golden/capture_v1.py tests/scoring/golden/v1-results.json

Do not re-run it to "fix" a failing golden test: the file records what v1 scored before.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from assess.questionnaire import load_questionnaire  # noqa: E402
from assess.scoring import score, validate_document  # noqa: E402
from assess.scoring.engine import applicable_answers, facts_profile  # noqa: E402

Q = load_questionnaire(ROOT / "questionnaires" / "ax-readiness" / "v1")
rng = random.Random(20261122)


def answer(q):
    if q.type == "number":
        r = rng.random()
        if r < 0.1:
            return "dont_know"
        if r < 0.45:
            xs = [x for x, _ in q.points] or [q.min, q.max]
            return rng.choice(xs + [q.min, (xs[0] + xs[-1]) / 2])
        if r < 0.5:
            return rng.randint(int(q.min), int(q.max))
        return round(rng.uniform(q.min, q.max), 2)
    ids = [o.id for o in q.options]
    if q.type == "single":
        return rng.choice(ids)
    excl = [o.id for o in q.options if o.exclusive or o.unknown]
    plain = [i for i in ids if i not in excl]
    if excl and rng.random() < 0.25:
        return [rng.choice(excl)]
    return sorted(rng.sample(plain, rng.randint(1, len(plain))), key=ids.index)


def firm():
    f = {"name": "시험"}
    for key, bounds in Q.profile.fields.items():
        if rng.random() < 0.9:
            f[key] = (
                rng.randint(int(bounds.min), int(bounds.max))
                if key != "annual_sales_mkrw"
                else round(rng.uniform(bounds.min, min(bounds.max, 100000)), 1)
            )
    if rng.random() < 0.9:
        f["industry"] = rng.choice(list(Q.industries))
    if rng.random() < 0.9:
        f["region"] = rng.choice(list(Q.regions))
    if "ceo_age" in f and rng.random() < 0.4:  # the 55 and 60 thresholds
        f["ceo_age"] = rng.choice([54, 55, 59, 60, 61, 70])
    return f


def doc():
    f = firm()
    answers = {}
    mode = rng.random()  # < 0.15: answer everything (ignored answers); > 0.85: sparse
    for _ in range(3):
        _, _, skipped = applicable_answers(Q, answers, facts_profile(Q, f))
        for q in Q.questions:
            if q.id in answers:
                continue
            if (mode < 0.15 or q.id not in skipped) and rng.random() < (
                0.6 if mode > 0.85 else 0.95
            ):
                answers[q.id] = answer(q)
    return {"questionnaire": Q.id, "version": Q.version,
            "language": rng.choice(["ko", "en"]), "firm": f, "answers": answers}  # fmt: skip


def summary(result):
    return {
        "overall": result.overall, "level": result.level, "confidence": result.confidence,
        "dimensions": [[d.id, d.score, d.level, d.applicable, d.answered, d.unknown]
                       for d in result.dimensions],
        "findings": [[f.rule, f.dimension, f.priority, f.horizon, list(f.sources), list(f.cases)]
                     for f in result.findings],
        "ignored": list(result.ignored), "skipped": list(result.skipped),
    }  # fmt: skip


def main(out: Path) -> None:
    cases = []
    for _ in range(240):
        data = doc()
        cases.append({"document": data, "result": summary(score(Q, validate_document(data, Q)))})
    payload = {"questionnaire": Q.id, "version": Q.version, "cases": cases}
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
