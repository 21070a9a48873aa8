"""Fuzzing the condition language: the parser every rule and question condition goes through, and
a support programme's eligibility as an agency writes it (any text at all). The outcome is a
condition that compiles, evaluates and can be stored as JSON in PostgreSQL, or the clean error
(ConditionError, EligibilityError naming the place) that the programme form shows on its field."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from assess.extensions import db
from assess.models import Programme
from assess.questionnaire import conditions as cond
from assess.questionnaire.eligibility import EligibilityError, eligibility_test, parse_eligibility
from assess.questionnaire.schema import DIMENSION_IDS
from assess.services.demo import seed_demo_firms
from tests.conftest import csrf_token
from tests.scoring.documents import shipped
from tests.strategies import (
    MARKER,
    NASTY_TEXT,
    YAML_SNIPPETS,
    broken_text,
    condition_ids,
    conditions,
    deep,
    fuzz_settings,
    json_text,
    nested,
    trees,
    yaml_text,
)
from tests.web.test_agency import analyst, fast_hashing  # noqa: F401 (fixtures)

Q = shipped()
PROFILE = ["industry", "employees", "annual_sales_mkrw", "region", "founded_year", "ceo_age",
           "size_band"]  # fmt: skip
IDS = condition_ids(Q)
VALID = [
    "{profile: employees, gte: 10}",
    "all:\n  - {profile: employees, gte: 10}\n  - {dimension: dx_ax, lt: 50}",
    "any: [{profile: region, in: [busan, ulsan]}, {answer: exp_status, in: [regular]}]",
    "not: {answer: dx_ai_use, eq: none}",
    '{"all": [{"profile": "size_band", "not_in": ["micro"]}, {"answer": "infra_it_staff", '
    '"gte": 1}]}',
]
TEXTS = st.one_of(
    conditions(IDS, well_formed=True).map(yaml_text),
    conditions(IDS).map(yaml_text),
    conditions(IDS).map(json_text),
    st.sampled_from(VALID).flatmap(broken_text),
    conditions(IDS).map(yaml_text).flatmap(broken_text),
    st.sampled_from(YAML_SNIPPETS),
    st.builds(lambda d: yaml_text(nested({"profile": "employees", "gt": 1}, d, "not")),
              st.sampled_from([31, 32, 33, 200, 3000])),
    st.text(max_size=60),
)


# Facts as scoring makes them: answers and profile checked, dimension scores or None.
WORDS = st.sampled_from(IDS["values"] + sorted(IDS["answer"]))
FACTS = st.builds(
    cond.Facts,
    answers=st.dictionaries(st.sampled_from(sorted(IDS["answer"])), st.one_of(
        WORDS, st.lists(WORDS, max_size=3), st.integers(-5, 500), st.floats(0, 1e6),
        st.just("dont_know"))),
    profile=st.dictionaries(st.sampled_from(PROFILE), st.one_of(
        WORDS, st.integers(0, 100_000), st.floats(0, 1e7))),
    dimensions=st.dictionaries(st.sampled_from(DIMENSION_IDS), st.none() | st.floats(0, 100)),
)  # fmt: skip


def check_condition(parsed: cond.Condition, facts: cond.Facts) -> None:
    assert isinstance(cond.evaluate(parsed, facts), bool)
    assert all(isinstance(leaf, cond.Leaf) for leaf in cond.leaves(parsed))


@given(st.one_of(conditions(IDS), trees(), deep(), st.builds(nested, conditions(IDS),
                                                             st.integers(25, 40), st.just("not"))),
       FACTS)  # fmt: skip
@fuzz_settings(500)
def test_any_data_parses_to_a_condition_or_a_condition_error(raw, facts):
    try:
        parsed = cond.parse(raw)
    except cond.ConditionError as exc:
        assert isinstance(exc.loc, tuple) and len(str(exc).splitlines()) == 1
        return
    check_condition(parsed, facts)
    json.dumps(raw, allow_nan=False)  # what a rule or programme holds is plain JSON


@given(TEXTS, FACTS)
@fuzz_settings(500)
def test_any_eligibility_text_is_a_condition_or_an_error_naming_the_place(text, facts):
    try:
        condition = parse_eligibility(text, Q)
    except EligibilityError as exc:
        assert (exc.template % exc.params) if exc.params else exc.template
        assert isinstance(exc.where, str)
        return
    stored = json.dumps(condition, allow_nan=False, ensure_ascii=False)
    assert "\\u0000" not in stored  # PostgreSQL's JSONB refuses NUL
    assert isinstance(eligibility_test(json.loads(stored))(facts), bool)


@pytest.mark.parametrize(("text", "message"), [
    ("{not: " * 40 + "{profile: employees, gt: 1}" + "}" * 40, "The condition is too large"),
    ("[" * 5000 + "]" * 5000, "not valid YAML (line 1)"),
    ("{a: " * 3000, "not valid YAML (line 1)"),
    ("{profile: industry, in: [[C29]]}", "needs a non-empty list of ids or numbers"),
    ("{answer: dx_ai_use, in: [{none: 1}]}", "needs a non-empty list of ids or numbers"),
    ("{profile: employees, eq: [10]}", "'eq' needs a number or an id"),
    ("{profile: employees, eq: 2024-01-01}", "'eq' needs a number or an id"),
    ("{profile: employees, gt: .nan}", "'gt' needs a number"),
    ("{profile: employees, lte: .inf}", "'lte' needs a number"),
    ("{profile: employees, gt: 0x" + "f" * 300 + "}", "'gt' needs a number"),
    ("{profile: employees, gt: " + "9" * 5000 + "}", "not valid YAML (line 1)"),
    ("{1: a, b: c}", "unknown condition key(s): 1, b"),
    ("{profile: [employees], gt: 1}", "'profile' needs an id"),
    ("{profile: employees, eq: \"\\0\"}", "employees is a number: compare it with numbers"),
    ("{profile: ceo_age, in: [\"x\\0\"]}", "ceo_age is a number: compare it with numbers"),
    ("{answer: dx_ai_use, eq: nope}", "Unknown option(s) of dx_ai_use: nope"),
    ("{profile: region, eq: atlantis}", "Unknown region value(s): atlantis"),
    ("{profile: employees, gt: 1, gt: 2}", "not valid YAML (line 1)"),
    (f"!!python/object/apply:os.makedirs ['{MARKER}']", "not valid YAML (line 1)"),
])  # fmt: skip
def test_hostile_conditions_are_refused_saying_why(text, message):
    with pytest.raises(EligibilityError) as refused:
        parse_eligibility(text, Q)
    assert message in str(refused.value)


def test_a_billion_laughs_condition_is_refused_without_being_walked():
    """Aliases of aliases: a few lines naming 10^9 leaves."""
    laughs = "".join(f"- &l{i} {{any: [{', '.join([f'*l{i - 1}'] * 10)}]}}\n"
                     for i in range(1, 10))  # fmt: skip
    text = "all:\n- &l0 {profile: employees, gt: 1}\n" + laughs
    with pytest.raises(EligibilityError) as refused:
        parse_eligibility(text, Q)
    assert "The condition is too large" in str(refused.value)


# The programme form, as an agency analyst uses it.


def as_sent(text: str) -> str:
    """Text as a browser sends it: UTF-8, where a lone surrogate cannot be (it becomes U+FFFD)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def test_the_programme_form_saves_or_shows_a_field_error_never_500(app, analyst):  # noqa: F811
    with app.app_context():
        seed_demo_firms(3, seed=5)  # so that saved conditions are evaluated on real results
        db.session.commit()
    token = csrf_token(analyst.get("/agency/programmes").text)

    @given(conditions(IDS, well_formed=True).map(yaml_text) | TEXTS,
           st.just("지원사업") | NASTY_TEXT, st.just("") | NASTY_TEXT)
    @fuzz_settings(80)
    def fuzz(eligibility, name, description):
        fields = {"name": name, "description": description, "eligibility": eligibility}
        response = analyst.post("/agency/programmes?lang=ko", data={"csrf_token": token, **{
            key: as_sent(value) for key, value in fields.items()}})  # fmt: skip
        assert response.status_code in (303, 422), response.status_code
        if response.status_code == 422:  # the error is shown on its field
            assert re.search(r'id="(eligibility|name|description)-error1"', response.text)

    fuzz()
    # Every saved condition is evaluated against the results: on its page and the dashboard.
    with app.app_context():
        saved = db.session.scalars(select(Programme.id)).all()
    for programme_id in saved:
        assert analyst.get(f"/agency/programmes/{programme_id}").status_code == 200
    assert analyst.get("/agency").status_code == 200
    assert analyst.get("/agency/programmes").status_code == 200


@pytest.mark.parametrize(("eligibility", "name", "shown"), [
    ("{profile: employees, eq: \"\\0\"}", "지원", "employees"),
    ("{not: " * 40 + "{profile: employees, gt: 1}" + "}" * 40, "지원", "nested at most 30 deep"),
    ("{profile: employees, gte: 10}", "지원\x00사업", "Name"),
])  # fmt: skip
def test_a_hostile_programme_is_a_422_with_the_field_error(app, analyst, eligibility,  # noqa: F811
                                                           name, shown):  # fmt: skip
    page = analyst.get("/agency/programmes?lang=en")
    response = analyst.post("/agency/programmes?lang=en", data={
        "csrf_token": csrf_token(page.text), "name": name, "eligibility": eligibility})
    assert response.status_code == 422
    assert shown in unescape(response.text)
    assert re.search(r'id="(eligibility|name)-error1"', response.text)

