"""The shipped questionnaire validates; malformed variants fail with file:line and the problem."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from assess.questionnaire import QuestionnaireError, load_questionnaire
from tests.scoring.documents import ROOT, SHIPPED

ARTICLES = ROOT / "questionnaires" / "sources"


def test_shipped_questionnaire_checks_ok(runner):
    result = runner.invoke(args=["questionnaire", "check"])
    assert result.exit_code == 0, result.output
    assert "ok  ax-readiness v1" in result.output


def test_export_has_the_contract_keys(runner):
    result = runner.invoke(args=["questionnaire", "export"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "id",
        "version",
        "dimensions",
        "questions",
        "rules",
        "sources",
        "cases",
        "levels",
    } <= set(data)
    assert [d["id"] for d in data["dimensions"]] == [
        "dx_ax",
        "roi",
        "infra",
        "export",
        "succession",
    ]
    question = data["questions"][0]
    assert {"id", "dimension", "type", "text", "help", "options"} <= set(question)
    assert set(question["text"]) == {"ko", "en"}
    assert len(data["levels"]) == 5
    assert any(q.get("condition") for q in data["questions"])
    rule = data["rules"][0]
    assert {"id", "dimension", "condition", "priority", "horizon", "sources", "cases"} <= set(rule)


def test_export_of_unknown_version_fails(runner):
    result = runner.invoke(args=["questionnaire", "export", "--version", "99"])
    assert result.exit_code == 2
    assert "unknown questionnaire" in result.output


def test_content_meets_the_brief():
    q = load_questionnaire(SHIPPED)
    assert 40 <= len(q.questions) <= 60
    for dim in q.dimensions:
        assert len(q.questions_of(dim.id)) >= 6, dim.id
        assert len([r for r in q.rules if r.dimension == dim.id]) >= 4, dim.id
    assert len(q.rules) >= 25
    assert len(q.question_conditions) >= 3
    assert {c.id for c in q.cases} == {"dong_a_plating", "taelim", "aidimode", "baekje", "hanho"}
    assert len(q.industries) == 25 and len(q.regions) == 17


def texts(node):
    """Every {ko, en} text in exported questionnaire data."""
    if isinstance(node, dict):
        if set(node) == {"ko", "en"}:
            yield node
        else:
            for value in node.values():
                yield from texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)


def test_every_korean_text_has_hangul_and_every_english_text_is_written():
    exported = load_questionnaire(SHIPPED).export()
    found = list(texts(exported))
    assert len(found) > 300
    for text in found:
        assert re.search(r"[\uac00-\ud7a3]", text["ko"]), text
        assert text["en"].strip() and not re.search(r"[\uac00-\ud7a3]", text["en"]), text


def test_every_number_in_a_case_fact_is_in_the_article_it_cites():
    q = load_questionnaire(SHIPPED)
    for case in q.cases:
        articles = " ".join(
            (ARTICLES / q.sources_by_id[s].file).read_text(encoding="utf-8")
            for s in case.sources
            if q.sources_by_id[s].file
        )
        assert articles, f"{case.id} cites no article"
        for fact in case.facts:
            for number in re.findall(r"\d[\d,.]*\d|\d", fact.en):
                assert number in articles, f"{case.id}: {number!r} of {fact.en!r} not in article"


def test_every_rule_cites_existing_sources_and_cases():
    q = load_questionnaire(SHIPPED)
    for rule in q.rules:
        assert rule.sources and all(s in q.sources_by_id for s in rule.sources), rule.id
        assert all(c in q.cases_by_id for c in rule.cases), rule.id
    named = {c for r in q.rules for c in r.cases}
    assert named == set(q.cases_by_id), "every peer case should back at least one rule"


# --- malformed variants -------------------------------------------------------------------


@pytest.fixture
def variant(tmp_path):
    """A copy of the shipped version that a test may break, beside a copy of the articles."""
    target = tmp_path / "ax-readiness" / "v1"
    shutil.copytree(SHIPPED, target)
    shutil.copytree(ARTICLES, tmp_path / "sources")
    return target


def edit(directory: Path, name: str, change) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def errors_of(directory: Path) -> str:
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(directory)
    for line in info.value.errors:
        assert re.match(r".+\.yaml:\d+: ", line), line
    return str(info.value)


def first_conditional(data):
    return next(q for q in data["questions"] if q.get("condition"))


def first_choice(data):
    return next(q for q in data["questions"] if q["type"] != "number" and q["weight"] > 0)


MUTATIONS = {
    "unknown question in a question condition": (
        "questions.yaml",
        lambda d: first_conditional(d).update(condition={"answer": "ghost", "in": ["x"]}),
        "unknown question id 'ghost'",
    ),
    "unknown question in a rule": (
        "rules.yaml",
        lambda d: d["rules"][0].update(condition={"answer": "ghost", "answered": True}),
        "unknown question id 'ghost'",
    ),
    "missing English text": (
        "questions.yaml",
        lambda d: d["questions"][0]["text"].pop("en"),
        "questions.0.text.en: Field required",
    ),
    "Korean text that is not Korean": (
        "questions.yaml",
        lambda d: d["questions"][1]["help"].update(ko="TODO"),
        "no Hangul",
    ),
    "rule citing an unknown source": (
        "rules.yaml",
        lambda d: d["rules"][2]["sources"].append("made_up_source"),
        "unknown source id 'made_up_source'",
    ),
    "rule citing an unknown case": (
        "rules.yaml",
        lambda d: d["rules"][3].update(cases=["acme"]),
        "unknown peer case id 'acme'",
    ),
    "option score out of range": (
        "questions.yaml",
        lambda d: first_choice(d)["options"][0].update(score=150),
        "less than or equal to 100",
    ),
    "duplicate question id": (
        "questions.yaml",
        lambda d: d["questions"][1].update(id=d["questions"][0]["id"]),
        "duplicate id",
    ),
    "duplicate option id": (
        "questions.yaml",
        lambda d: first_choice(d)["options"][1].update(id=first_choice(d)["options"][0]["id"]),
        "duplicate id",
    ),
    "unknown option in a condition": (
        "questions.yaml",
        lambda d: first_conditional(d).update(
            condition={"answer": d["questions"][0]["id"], "in": ["not_an_option"]}
        ),
        "unknown option id(s) 'not_an_option'",
    ),
    "condition on a later question": (
        "questions.yaml",
        lambda d: d["questions"][0].update(
            condition={"answer": d["questions"][-1]["id"], "answered": True}
        ),
        "does not come before",
    ),
    "code instead of a condition": (
        "rules.yaml",
        lambda d: d["rules"][0].update(condition={"eval": "__import__('os')"}),
        "unknown condition key",
    ),
    "level bands out of order": (
        "questionnaire.yaml",
        lambda d: d["levels"][2].update(min=5),
        "strictly ascend",
    ),
    "source citing an article that does not exist": (
        "sources.yaml",
        lambda d: next(s for s in d["sources"] if s.get("file")).update(file="999_none.txt"),
        "'999_none.txt' is not in",
    ),
    "unknown priority": (
        "rules.yaml",
        lambda d: d["rules"][0].update(priority="urgent"),
        "rules.0.priority",
    ),
    "case with an unknown industry": (
        "cases.yaml",
        lambda d: d["cases"][0].update(industry="C99"),
        "unknown industry 'C99'",
    ),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_malformed_variant_is_rejected(variant, name):
    file, change, expected = MUTATIONS[name]
    edit(variant, file, change)
    message = errors_of(variant)
    assert expected in message
    assert file in message


def test_error_names_the_right_line(variant):
    path = variant / "questions.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if re.match(r"\s+score: 100\b", line))
    lines[index] = lines[index].replace("score: 100", "score: 150")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"questions.yaml:{index + 1}: " in errors_of(variant)


def test_invalid_yaml_and_duplicate_keys(variant):
    path = variant / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")
    assert "invalid YAML" in errors_of(variant)
    path.write_text("rules: []\nrules: []\n", encoding="utf-8")
    assert "rules.yaml:2: duplicate key 'rules'" in errors_of(variant)


def test_check_command_exits_1_with_file_and_line(runner, variant):
    edit(variant, "rules.yaml", lambda d: d["rules"][0].update(horizon="someday"))
    result = runner.invoke(args=["questionnaire", "check", str(variant)])
    assert result.exit_code == 1
    assert re.search(r"rules\.yaml:\d+: rules\.0\.horizon", result.output)
