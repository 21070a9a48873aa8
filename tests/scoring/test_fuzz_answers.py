"""Fuzzing the answers document (DESIGN §5): whatever comes in, through the service function, the
file reader, `assess score` and `POST /api/v1/score`, the outcome is a score document or the
clean error naming the field (AnswersError; exit 2; a 422 with ``field``), never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from flask.cli import ScriptInfo
from hypothesis import given
from hypothesis import strategies as st

from assess.cli import questionnaire_cli, report_command, score_command, settings_app
from assess.questionnaire import load_questionnaire
from assess.scoring import AnswersError, parse_document
from assess.services.documents import score_document
from tests.scoring.documents import BASE_FIRM, SHIPPED, all_answers, best_answer, worst_answer
from tests.strategies import (
    ERROR_FIELD,
    MARKER,
    broken_text,
    deep,
    fuzz_settings,
    json_text,
    mutated,
    trees,
    vocabulary,
    yaml_text,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "answers-ko.yaml"
V1, V2 = load_questionnaire(SHIPPED), load_questionnaire(SHIPPED.parent / "v2")
SETTINGS_APP = settings_app()  # what `assess score` runs on: the settings, no database


def _bases() -> list[dict]:
    docs = [yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))]
    for q in (V1, V2):
        for pick, lang in ((best_answer, "en"), (worst_answer, "ko")):
            docs.append({"questionnaire": q.id, "version": q.version, "language": lang,
                         "firm": dict(BASE_FIRM), "answers": all_answers(q, pick)})  # fmt: skip
    return docs


BASES = _bases()
# Every id a document may name, so that mutations put real ids in the wrong places.
WORDS = vocabulary(*BASES, [[q.id, *(o.id for o in q.options)] for q in V2.questions],
                   list(V2.industries), list(V2.regions), [2, 3, 0, "v1"])  # fmt: skip
DOCUMENTS = st.one_of(
    st.sampled_from(BASES).flatmap(lambda base: mutated(base, WORDS)),
    trees(),
    deep(),
    st.builds(lambda base, key, value: {**base, key: value}, st.sampled_from(BASES),
              st.sampled_from(["firm", "answers", "version", "language"]), deep()),
)  # fmt: skip
TEXTS = st.one_of(
    DOCUMENTS.map(yaml_text).flatmap(broken_text),
    DOCUMENTS.map(json_text),
    st.builds(json_text, st.sampled_from(BASES), st.just(True)),  # duplicate keys
    st.sampled_from(BASES).map(yaml_text).flatmap(broken_text),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=80),
)


def score_or_refuse(data) -> dict | AnswersError:
    """The service function as the CLI, the API and imports call it."""
    with SETTINGS_APP.app_context():
        try:
            return score_document(data)[2]
        except AnswersError as exc:
            return exc


def check(outcome: dict | AnswersError) -> None:
    """A score document that can be written out as JSON (no NaN, valid UTF-8), or a clean error
    naming the field, whose message for a person can be formatted and stays short."""
    if isinstance(outcome, AnswersError):
        assert outcome.field and isinstance(outcome.field, str)
        assert str(outcome) == f"{outcome.field}: {outcome.message}"
        assert len(outcome.message) < 2000  # the input is named, not echoed at any length
        assert outcome.template % outcome.params if outcome.params else outcome.template
        return
    json.dumps(outcome, allow_nan=False, ensure_ascii=False).encode("utf-8")


@given(DOCUMENTS)
@fuzz_settings(300)
def test_any_document_is_scored_or_refused_naming_the_field(data):
    check(score_or_refuse(data))


@given(TEXTS)
@fuzz_settings(300)
def test_any_text_is_scored_or_refused_naming_the_field(text):
    try:
        data = parse_document(text)
    except AnswersError as exc:
        check(exc)
        assert exc.field == "file"
        return
    check(score_or_refuse(data))
    assert not Path(MARKER).exists()  # no YAML tag ever ran code


@pytest.mark.parametrize(("text", "problem"), [
    (json_text(BASES[0], repeat_keys=True), "duplicate key 'name'"),
    ('{"answers": {"dx_ai_use": "none", "dx_ai_use": "pilot"}}', "duplicate key 'dx_ai_use'"),
    ("questionnaire: ax-readiness\nversion: 1\nversion: 2\n", "duplicate key 'version'"),
    ("a: 1\n" + "b:\n" + "- " * 2000 + "x\n", "nested more than"),
    ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than"),
    ('{"a": ' + "1" * 5000 + "}", "too many digits"),
    ("a: " + "9" * 5000, "line 1"),
    ("a: 0x" + "f" * 4000, "line 1"),
    ("firm:\n  founded_year: 2024-02-30\n", "line 2"),
    ("a: !!timestamp someday\n", "line 1"),
    ("a: !!bool maybe\n", "line 1"),
    (f"a: !!python/object/apply:os.makedirs ['{MARKER}']\n", "line 1"),
])  # fmt: skip
def test_text_no_document_can_hold_is_refused_with_its_place(text, problem):
    with pytest.raises(AnswersError) as refused:
        parse_document(text)
    assert refused.value.field == "file"
    assert problem in refused.value.message
    assert not Path(MARKER).exists()


@pytest.mark.parametrize(("firm", "field"), [
    ({"employees": float("nan")}, "firm.employees"),
    ({"ceo_age": float("inf")}, "firm.ceo_age"),
    ({"founded_year": -float("inf")}, "firm.founded_year"),
    ({"annual_sales_mkrw": float("nan")}, "firm.annual_sales_mkrw"),
    ({"industry": ["C29"]}, "firm.industry"),
    ({"region": {"busan": 1}}, "firm.region"),
    ({"name": "세진\ud800정밀"}, "firm.name"),
])  # fmt: skip
def test_values_json_can_carry_but_no_firm_has_are_refused(firm, field):
    outcome = score_or_refuse({**BASES[0], "firm": {**BASE_FIRM, **firm}})
    assert isinstance(outcome, AnswersError) and outcome.field == field


# The command line: the light group `assess score` runs on, in process.
LIGHT = click.Group("assess")
for command in (questionnaire_cli, score_command, report_command):
    LIGHT.add_command(command)


def run_score(path: Path):
    return CliRunner().invoke(LIGHT, ["score", str(path)],
                              obj=ScriptInfo(create_app=settings_app))  # fmt: skip


@given(TEXTS)
@fuzz_settings(100)
def test_assess_score_prints_a_score_or_exits_2_naming_the_field(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("score") / "answers.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = run_score(path)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        assert re.match("error: " + ERROR_FIELD + ": ", result.stderr), result.stderr


@pytest.mark.parametrize("text", [
    '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "a: " + "[" * 100_000 + "]" * 100_000,
    json_text({**BASES[0], "firm": {**BASE_FIRM, "name": "\ud800", "employees": float("nan")}}),
    f"questionnaire: !!python/object/apply:os.makedirs ['{MARKER}']\n",
])  # fmt: skip
def test_the_real_command_exits_2_on_hostile_files(tmp_path, text):
    """The installed console script in its own process (no test runner in between)."""
    path = tmp_path / "answers.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assess = Path(sys.executable).with_name("assess")
    done = subprocess.run([str(assess), "score", str(path)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert not Path(MARKER).exists()


# The JSON API: 422 naming the field, never 500.


def test_post_score_answers_422_naming_the_field_never_500(app, client):
    # One visitor sending hundreds of documents: past the anti-automation limits, on purpose.
    app.config["RATE_LIMITS"].update(costly="1000000/minute", api="1000000/minute")

    @given(st.one_of(DOCUMENTS.map(json_text), TEXTS))
    @fuzz_settings(250)
    def fuzz(body):
        response = client.post("/api/v1/score", data=body.encode("utf-8", "surrogatepass"),
                               content_type="application/json")  # fmt: skip
        assert response.status_code in (200, 422), (response.status_code, response.text[:300])
        data = response.get_json()
        if response.status_code == 422:
            assert data["error"] == "invalid" and data["field"]
            assert data["message"].startswith(f"{data['field']}: ")

    fuzz()
