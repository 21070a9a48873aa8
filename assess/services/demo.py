"""Synthetic but plausible firms for demos and benchmarks (``assess demo``).

Each firm gets a latent maturity; answers lean towards better options the more mature the firm,
so scores spread over all five levels the way a real population would, not uniformly at random.
"""

from __future__ import annotations

import random
from typing import Any

from ..extensions import db
from ..questionnaire import Questionnaire
from ..scoring.engine import applicable_answers, facts_profile
from . import drafts
from .questionnaires import current_questionnaire
from .submission import submit

FIRM_WORDS = ("정밀", "산업", "테크", "금속", "기계", "화학", "식품", "전자", "플라스틱", "소재")
FIRM_STEMS = ("대한", "동양", "신흥", "세원", "한빛", "우성", "태성", "삼우", "영진", "대성")
INDUSTRY_WEIGHTS = {"C25": 8, "C29": 8, "C30": 6, "C22": 5, "C26": 4, "C28": 4, "C10": 4, "C20": 3}


def synthetic_firm(q: Questionnaire, rnd: random.Random) -> dict[str, Any]:
    industries = list(q.industries)
    weights = [INDUSTRY_WEIGHTS.get(i, 1) for i in industries]
    employees = int(min(999, max(3, rnd.lognormvariate(3.2, 0.8))))
    return {
        "name": rnd.choice(FIRM_STEMS) + rnd.choice(FIRM_WORDS),
        "industry": rnd.choices(industries, weights)[0],
        "region": rnd.choice(list(q.regions)),
        "employees": employees,
        "annual_sales_mkrw": int(employees * rnd.uniform(150, 400)),
        "founded_year": rnd.randint(1965, 2020),
        "ceo_age": rnd.randint(38, 74),
    }


def synthetic_answers(q: Questionnaire, firm: dict, rnd: random.Random) -> dict[str, Any]:
    """Answer every applicable question, leaning to better options for a more mature firm."""
    maturity = rnd.betavariate(2, 3)
    answers: dict[str, Any] = {}
    profile = facts_profile(q, firm)
    for _ in range(3):  # gating answers open more questions
        _, _, skipped = applicable_answers(q, answers, profile)
        for question in q.questions:
            if question.id in skipped or question.id in answers:
                continue
            answers[question.id] = _pick(question, maturity, rnd)
    applied, _, _ = applicable_answers(q, answers, profile)
    return applied


def _pick(question, maturity: float, rnd: random.Random) -> Any:
    if rnd.random() < 0.06:
        unknown = [o.id for o in question.options if o.unknown]
        if unknown:
            return unknown[0] if question.type == "single" else [unknown[0]]
    position = min(0.999, max(0.0, rnd.gauss(maturity, 0.2)))
    if question.type == "number":
        top = question.points[-1][0] * 1.5 if question.points else question.max
        low, high = question.min, min(question.max, top)
        return round(low + (high - low) * position, 1)
    ranked = sorted((o for o in question.options if not o.unknown), key=lambda o: o.score or 0)
    if question.type == "single":
        return ranked[int(position * len(ranked))].id
    plain = [o for o in ranked if not o.exclusive]
    count = int(position * (len(plain) + 1))
    if count == 0:
        exclusive = [o.id for o in ranked if o.exclusive]
        return exclusive[:1] or [plain[0].id]
    chosen = {o.id for o in rnd.sample(plain, count)}
    return [o.id for o in question.options if o.id in chosen]


def seed_demo_firms(count: int, seed: int | None = None) -> list[str]:
    """Create ``count`` firms, each with one submitted assessment; return their resume tokens.

    Flushes; the caller commits.
    """
    q = current_questionnaire()
    rnd = random.Random(seed)
    tokens = []
    for _ in range(count):
        firm = synthetic_firm(q, rnd)
        assessment, token = drafts.start_assessment(rnd.choice(("ko", "ko", "en")))
        tokens.append(token)
        drafts.save_profile(assessment, firm, assessment.revision)
        drafts.save_answers(assessment, synthetic_answers(q, firm, rnd), assessment.revision)
        submit(assessment)
    db.session.flush()
    return tokens
