"""Fill the database with synthetic submitted assessments (``assess demo``)."""

from __future__ import annotations

import random

from ..demo import synthetic_answers, synthetic_firm
from ..extensions import db
from . import assessments as svc


def seed_demo_firms(count: int, seed: int | None = None) -> list[str]:
    """Create ``count`` firms, each with one submitted assessment; return their resume tokens.

    Flushes; the caller commits.
    """
    q = svc.current_questionnaire()
    rnd = random.Random(seed)
    tokens = []
    for _ in range(count):
        firm = synthetic_firm(q, rnd)
        assessment, token = svc.start_assessment(rnd.choice(("ko", "ko", "en")))
        tokens.append(token)
        svc.save_profile(assessment, firm, assessment.revision)
        svc.save_answers(assessment, synthetic_answers(q, firm, rnd), assessment.revision)
        svc.submit(assessment)
    db.session.flush()
    return tokens
