"""Synthetic but plausible firms for demos and benchmarks (``assess demo``).

Each firm gets a latent maturity; answers lean towards better options the more mature the firm,
so scores spread over all five levels the way a real population would, not uniformly at random.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import Assessment, AssessmentResult, Programme
from ..questionnaire import Questionnaire
from ..scoring.engine import applicable_answers, facts_profile
from . import drafts
from .accounts import (
    create_organisation,
    create_user,
    find_organisation,
    find_user,
    generated_password,
)
from .agencies import create_programme
from .consents import give_consent
from .questionnaires import current_questionnaire
from .submission import submit

FIRM_WORDS = ("정밀", "산업", "테크", "금속", "기계", "화학", "식품", "전자", "플라스틱", "소재")
FIRM_STEMS = ("대한", "동양", "신흥", "세원", "한빛", "우성", "태성", "삼우", "영진", "대성")
INDUSTRY_WEIGHTS = {"C25": 8, "C29": 8, "C30": 6, "C22": 5, "C26": 4, "C28": 4, "C10": 4, "C20": 3}
# Manufacturing clusters where most small plants are (the rest of the 17 units weigh 1).
REGION_WEIGHTS = {"gyeonggi": 10, "gyeongnam": 6, "busan": 4, "incheon": 4, "daegu": 4,
                  "gyeongbuk": 4, "chungnam": 3, "chungbuk": 3, "ulsan": 2}  # fmt: skip
QUARTERS = 8  # submissions are spread over the last eight quarters


def synthetic_firm(q: Questionnaire, rnd: random.Random) -> dict[str, Any]:
    industries = list(q.industries)
    weights = [INDUSTRY_WEIGHTS.get(i, 1) for i in industries]
    employees = int(min(999, max(3, rnd.lognormvariate(3.2, 0.8))))
    return {
        "name": rnd.choice(FIRM_STEMS) + rnd.choice(FIRM_WORDS),
        "industry": rnd.choices(industries, weights)[0],
        "region": rnd.choices(list(q.regions), [REGION_WEIGHTS.get(r, 1) for r in q.regions])[0],
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


def seed_demo_firms(count: int, seed: int | None = None, *, spread: bool = False) -> list[str]:
    """Create ``count`` firms, each with one submitted assessment; return their resume tokens.

    With ``spread``, submission dates fall over the last eight quarters (for trends). Flushes;
    the caller commits.
    """
    q = current_questionnaire()
    rnd = random.Random(seed)
    tokens = []
    now = datetime.now(UTC)
    for _ in range(count):
        firm = synthetic_firm(q, rnd)
        assessment, token = drafts.start_assessment(rnd.choice(("ko", "ko", "en")))
        tokens.append(token)
        drafts.save_profile(assessment, firm, assessment.revision)
        drafts.save_answers(assessment, synthetic_answers(q, firm, rnd), assessment.revision)
        submit(assessment)
        if spread:
            _backdate(assessment, now - timedelta(days=rnd.uniform(0, QUARTERS * 91)))
    db.session.flush()
    return tokens


def _backdate(assessment: Assessment, when: datetime) -> None:
    """As if submitted at ``when`` (the result row's quarter follows)."""
    assessment.submitted_at = when
    result = db.session.get(AssessmentResult, assessment.id)
    result.submitted_at = when
    result.quarter = f"{when.year}Q{(when.month - 1) // 3 + 1}"


# The people and organisations of a demo, and sample programmes (no real programme facts).
DEMO_CONSULTANCY, DEMO_AGENCY = "데모 컨설팅 (Demo Consulting)", "데모 지원기관 (Demo Agency)"
DEMO_USERS = (("consultant@demo.example", "consultant", DEMO_CONSULTANCY),
              ("analyst@demo.example", "analyst", DEMO_AGENCY),
              ("admin@demo.example", None, None))  # fmt: skip
SAMPLE_PROGRAMMES = (
    ("[예시] 스마트공장 첫걸음 (sample)", "all:\n  - {profile: employees, gte: 10}\n"
     "  - {dimension: dx_ax, lt: 50}"),
    ("[예시] 수출 첫걸음 (sample)", "{answer: exp_status, in: [planning]}"),
    ("[예시] 가업승계 준비 (sample)", "all:\n  - {profile: ceo_age, gte: 60}\n"
     "  - {dimension: succession, lt: 50}"),
)


def seed_demo(firms: int, seed: int | None = None, *, batch_size: int | None = None,
              after_batch: Callable[[int], None] | None = None) -> dict[str, str]:
    """A whole demo: ``firms`` firms over eight quarters, a consultancy with some of them as
    clients, an agency that a share of them consented to, with sample programmes, and a
    consultant, an analyst and an administrator. Returns each sign-in's password (email →
    password), made up now and shown once; a sign-in that exists already is left alone and not
    returned. Flushes; the caller commits.

    Firms are made ``batch_size`` at a time (all at once without it); ``after_batch(n)`` is called
    after the people and programmes (n = 0) and after each batch of n firms, e.g. to commit and
    show progress. Running it again adds firms, never a second organisation, user or programme.
    """
    rnd = random.Random(seed)
    consultancy = find_organisation(DEMO_CONSULTANCY) or create_organisation(DEMO_CONSULTANCY,
                                                                             "consultancy")
    agency = find_organisation(DEMO_AGENCY) or create_organisation(DEMO_AGENCY, "agency")
    passwords = {}
    for email, role, organisation in DEMO_USERS:
        if find_user(email) is None:
            password = generated_password()
            create_user(email, password, organisation=find_organisation(organisation)
                        if organisation else None, role=role, site_admin=role is None,
                        temporary=True)  # fmt: skip
            passwords[email] = password
    if not db.session.scalar(select(Programme.id).where(Programme.organisation_id == agency.id)):
        for name, eligibility in SAMPLE_PROGRAMMES:
            create_programme(agency, None, name=name, description="", link="",
                             eligibility_text=eligibility, sample=True)  # fmt: skip
    db.session.flush()
    if after_batch:
        after_batch(0)
    done = 0
    while done < firms:
        count = min(batch_size or firms, firms - done)
        before = db.session.scalar(select(func.max(Assessment.id))) or 0
        seed_demo_firms(count, None if seed is None else seed + done, spread=True)
        new = db.session.scalars(select(Assessment).where(
            Assessment.id > before, Assessment.status == "submitted").order_by(Assessment.id)).all()
        for assessment in rnd.sample(list(new), min(len(new), max(3, len(new) // 10))):
            if assessment.firm.organisation_id is None:
                assessment.firm.organisation_id = consultancy.id
        for assessment in new:
            if rnd.random() < 0.3:
                give_consent(assessment, agency)
        db.session.flush()
        done += count
        if after_batch:
            after_batch(count)
    return passwords
