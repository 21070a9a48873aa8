"""Scoring throughput: assessments scored per second in one process (target ≥ 5,000/s).

Baseline, measured in the same run: the bare weighted mean of the same answers (option score
lookup and sum, no skip logic, no rules, no validation). The ratio shows what skip logic, rules and
peer-case ordering cost on top of arithmetic that any scorer must do.

    .venv/bin/python bench/scoring.py [--n 5000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assess.scoring import score, validate_document  # noqa: E402
from tests.scoring.documents import BASE_FIRM, shipped  # noqa: E402


def random_documents(q, n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    docs = []
    for _ in range(n):
        answers = {}
        for question in q.questions:
            if question.type == "number":
                answers[question.id] = rnd.randint(int(question.min), int(min(question.max, 50)))
            elif question.type == "single":
                answers[question.id] = rnd.choice(question.options).id
            else:
                plain = [o.id for o in question.options if not (o.exclusive or o.unknown)]
                answers[question.id] = sorted(rnd.sample(plain, rnd.randint(1, len(plain))))
        firm = {**BASE_FIRM, "ceo_age": rnd.randint(30, 75), "employees": rnd.randint(3, 300)}
        docs.append({"questionnaire": q.id, "version": q.version, "firm": firm, "answers": answers})
    return docs


def bare_weighted_mean(q, answers: dict) -> float:
    total = weights = 0.0
    options = q.options_by_question
    for question in q.questions:
        value = answers.get(question.id)
        if value is None or question.weight == 0 or question.type == "number":
            continue
        chosen = value if isinstance(value, list) else [value]
        total += question.weight * min(100.0, sum(options[question.id][v].score or 0 for v in chosen))
        weights += question.weight
    return total / weights if weights else 0.0


def rate(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="also print one line of JSON figures")
    args = parser.parse_args()
    q = shipped()
    raw = random_documents(q, args.n)
    documents = [validate_document(d, q) for d in raw]
    rate(lambda d: score(q, d), documents[:200])  # warm up caches
    baseline = rate(lambda d: bare_weighted_mean(q, d.answers), documents)
    ours = rate(lambda d: score(q, d), documents)
    with_validation = rate(lambda d: score(q, validate_document(d, q)), raw)
    print(f"documents: {args.n}, questions: {len(q.questions)}, rules: {len(q.rules)}")
    print(f"baseline (bare weighted mean):   {baseline:10,.0f} /s")
    print(f"score():                         {ours:10,.0f} /s   target >= 5,000 /s")
    print(f"validate + score():              {with_validation:10,.0f} /s")
    print(f"ratio score()/baseline time:     {baseline / ours:10.1f} x")
    if args.json:
        print("BENCHJSON " + json.dumps({"script": "scoring", "figures": [
            {"figure": "score() per second", "ours": ours, "baseline": baseline,
             "ratio": ours / baseline, "unit": "/s", "target": ">= 5,000 /s", "met": ours >= 5000,
             "note": "baseline: bare weighted mean"},
            {"figure": "validate + score() per second", "ours": with_validation,
             "baseline": baseline, "ratio": with_validation / baseline, "unit": "/s"},
        ]}))


if __name__ == "__main__":
    main()
