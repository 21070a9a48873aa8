"""`assess score`: the contract JSON, a readable text summary, and exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.scoring.documents import BASE_FIRM, all_answers, shipped, worst_answer

Q = shipped()


def write(tmp_path, data, name="answers.yaml"):
    path = tmp_path / name
    if isinstance(data, str | bytes):
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def good_document(**changes):
    doc = {
        "questionnaire": Q.id, "version": Q.version, "language": "ko", "firm": dict(BASE_FIRM),
        "answers": all_answers(Q, worst_answer),
    }  # fmt: skip
    doc.update(changes)
    return doc


def test_score_prints_the_contract_json(runner, tmp_path):
    result = runner.invoke(args=["score", write(tmp_path, good_document())])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"questionnaire", "overall", "dimensions", "findings", "confidence", "ignored"} <= set(
        data
    )
    assert set(data["overall"]) >= {"score", "level"}
    assert [d["id"] for d in data["dimensions"]] == [
        "dx_ax",
        "roi",
        "infra",
        "export",
        "succession",
    ]
    for d in data["dimensions"]:
        assert {"id", "score", "level", "answered", "unknown"} <= set(d)
    finding = data["findings"][0]
    assert {"rule", "dimension", "priority", "horizon", "text", "sources", "cases"} <= set(finding)
    assert finding["priority"] in ("high", "medium", "low")
    assert set(finding["text"]) == {"ko", "en"}


def test_json_input_and_text_output(runner, tmp_path):
    path = write(tmp_path, json.dumps(good_document(language="en"), ensure_ascii=False), "a.json")
    result = runner.invoke(args=["score", path, "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "Overall index" in result.output and "Priority actions" in result.output
    result = runner.invoke(args=["score", path, "--format", "text", "--lang", "ko"])
    assert "종합 지수" in result.output


def test_answers_to_questions_that_do_not_apply_are_listed_not_refused(runner, tmp_path):
    skipped = next(iter(Q.question_conditions))
    gate_doc = good_document()
    question = Q.questions_by_id[skipped]
    from tests.scoring.documents import Solver

    answers, firm = dict(gate_doc["answers"]), dict(gate_doc["firm"])
    Solver(Q).satisfy(Q.question_conditions[skipped], answers, firm, negate=True)
    answers[skipped] = (
        question.min if question.type == "number" else
        question.options[0].id if question.type == "single" else [question.options[0].id]
    )  # fmt: skip
    result = runner.invoke(args=["score", write(tmp_path, good_document(answers=answers,
                                                                        firm=firm))])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert skipped in json.loads(result.output)["ignored"]


FIRST_SINGLE = next(q for q in Q.questions if q.type == "single")
FIRST_NUMBER = next(q for q in Q.questions if q.type == "number")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": {"no_such_question": "x"}}, "answers.no_such_question"),
        ({"answers": {FIRST_SINGLE.id: "no_such_option"}}, f"answers.{FIRST_SINGLE.id}"),
        ({"answers": {FIRST_SINGLE.id: 3}}, f"answers.{FIRST_SINGLE.id}"),
        ({"answers": {FIRST_NUMBER.id: FIRST_NUMBER.max + 1}}, f"answers.{FIRST_NUMBER.id}"),
        ({"answers": {FIRST_NUMBER.id: "many"}}, f"answers.{FIRST_NUMBER.id}"),
        ({"questionnaire": "nope"}, "questionnaire"),
        ({"version": 99}, "questionnaire"),
        ({"version": "one"}, "version"),
        ({"language": "fr"}, "language"),
        ({"firm": {**BASE_FIRM, "employees": -3}}, "firm.employees"),
        ({"firm": {**BASE_FIRM, "region": "atlantis"}}, "firm.region"),
        ({"firm": {**BASE_FIRM, "industry": "C99"}}, "firm.industry"),
        ({"firm": {**BASE_FIRM, "ceo_age": "old"}}, "firm.ceo_age"),
        ({"answers": ["not", "a", "mapping"]}, "answers"),
    ],
)
def test_bad_documents_exit_2_naming_the_field(runner, tmp_path, change, field):
    result = runner.invoke(args=["score", write(tmp_path, good_document(**change))])
    assert result.exit_code == 2, result.output
    assert f"error: {field}:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "content",
    ["questionnaire: [unclosed", '{"questionnaire": ', "- just\n- a list\n", b"\xff\xfe\x00bad"],
)
def test_malformed_files_exit_2(runner, tmp_path, content):
    result = runner.invoke(args=["score", write(tmp_path, content)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: file:")


def test_a_file_over_1_mb_is_refused(runner, tmp_path):
    big = good_document(firm={**BASE_FIRM, "name": "x" * (1024 * 1024)})
    result = runner.invoke(args=["score", write(tmp_path, big)])
    assert result.exit_code == 2
    assert "1 MB" in result.output


def test_missing_file(runner, tmp_path):
    result = runner.invoke(args=["score", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "error: file:" in result.output


def test_questionnaire_diff_names_what_changed_from_v1_to_v2(runner):
    result = runner.invoke(args=["questionnaire", "diff", "1", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("ax-readiness v1 -> v2: ")
    assert "~ dimension export: description, not_pursued" in lines
    assert "+ rule exp_consider_exports" in lines and "- rule exp_automation_to_export" in lines
    assert "~ question roi_investment_pct: points" in lines
    assert runner.invoke(args=["questionnaire", "diff", "1", "9"]).exit_code == 2
