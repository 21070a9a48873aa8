"""Fuzzing the questionnaire loader: definition files mutated from the shipped v1 and v2 (keys
dropped, types changed, ids repeated, references left dangling, conditions on later questions or
on themselves, YAML broken or tagged to run code) either load, or fail with QuestionnaireError
whose every line is ``file:line: message``; `assess questionnaire` exits 1 saying the same."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from flask.cli import ScriptInfo
from hypothesis import given
from hypothesis import strategies as st

from assess.cli import questionnaire_cli, settings_app
from assess.questionnaire import QuestionnaireError, load_questionnaire
from assess.questionnaire.loader import FILES, OPTIONAL_FILES
from assess.questionnaire.yamlsource import read_yaml
from assess.scoring import AnswersError, result_json, score, validate_document
from tests.scoring.documents import BASE_FIRM, SHIPPED, all_answers, worst_answer
from tests.strategies import (
    MARKER,
    YAML_SNIPPETS,
    broken_text,
    condition_ids,
    conditions,
    fuzz_settings,
    mutated,
    paths,
    vocabulary,
    yaml_text,
)

ARTICLES = SHIPPED.parent.parent / "sources"
VERSIONS = {1: SHIPPED, 2: SHIPPED.parent / "v2"}
NAMES = [*FILES, *OPTIONAL_FILES]
TEXTS = {(v, name): (d / name).read_text(encoding="utf-8")
         for v, d in VERSIONS.items() for name in NAMES if (d / name).exists()}  # fmt: skip
DATA = {key: yaml.load(text, Loader=yaml.CSafeLoader) for key, text in TEXTS.items()}
LOADED = {v: load_questionnaire(d) for v, d in VERSIONS.items()}
IDS = condition_ids(LOADED[2])
WORDS = {key: vocabulary(data) + sorted(IDS["answer"]) + sorted(IDS["dimension"])
         for key, data in DATA.items()}  # fmt: skip
# A problem is named by its file and line, then what is wrong.
ERROR_LINE = re.compile(r"^.+/(" + "|".join(map(re.escape, NAMES)) + r"):\d+: \S.*$")


@st.composite
def definition_files(draw) -> tuple[int, str, str]:
    """(version, file name, text): one file of a shipped version, changed."""
    version, name = draw(st.sampled_from(sorted(TEXTS)))
    data = DATA[(version, name)]
    how = draw(st.sampled_from(["mutate", "condition", "both", "text", "snippet"]))
    if how == "text":
        return version, name, draw(broken_text(TEXTS[(version, name)]))
    if how == "snippet":
        return version, name, draw(st.sampled_from(YAML_SNIPPETS))
    if how in ("mutate", "both"):
        data = draw(mutated(data, WORDS[(version, name)]))
    if how == "condition":
        data = copy.deepcopy(data)  # the shipped data stays as it is
    if how in ("condition", "both"):
        data = draw(with_conditions(data))
    return version, name, yaml_text(data)


@st.composite
def with_conditions(draw, data):
    """``data`` with one to three of its conditions (or ``not_pursued``) replaced in place: over
    later questions, itself, unknown ids, wrong operators, or malformed."""
    places = [p for p in paths(data) if p and p[-1] in ("condition", "not_pursued")]
    if not places:
        return data
    for path in draw(st.lists(st.sampled_from(places), min_size=1, max_size=3)):
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(conditions(IDS))
    return data


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the questionnaires folder: each example changes one file and puts it back."""
    root = tmp_path_factory.mktemp("questionnaires")
    shutil.copytree(SHIPPED.parent.parent, root, dirs_exist_ok=True)
    return root


def load_changed(workdir: Path, version: int, name: str, text: str):
    directory = workdir / "ax-readiness" / f"v{version}"
    path = directory / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        return load_questionnaire(directory, ARTICLES)
    except QuestionnaireError as exc:
        return exc
    finally:
        path.write_text(TEXTS[(version, name)], encoding="utf-8")


def check_loaded(outcome, version: int) -> None:
    """Every error is ``file:line: message``; a questionnaire that loads exports as JSON and
    scores a document (or refuses it cleanly)."""
    assert not Path(MARKER).exists()  # no YAML tag ever ran code
    if isinstance(outcome, QuestionnaireError):
        assert outcome.errors
        for line in outcome.errors:
            assert ERROR_LINE.match(line) and len(line.splitlines()) == 1, line
        return
    json.dumps(outcome.export(), allow_nan=False)
    answers = all_answers(LOADED[version], worst_answer)
    raw = {"questionnaire": outcome.id, "version": outcome.version, "firm": dict(BASE_FIRM),
           "answers": answers}  # fmt: skip
    try:
        document = validate_document(raw, outcome)
    except AnswersError:
        return
    json.dumps(result_json(outcome, document, score(outcome, document)), allow_nan=False)


def test_changed_definition_files_load_or_fail_naming_file_and_line(workdir):
    @given(definition_files())
    @fuzz_settings(45)
    def fuzz(changed):
        version, name, text = changed
        check_loaded(load_changed(workdir, version, name, text), version)

    fuzz()


@given(st.one_of(
    st.sampled_from(sorted(TEXTS)).flatmap(lambda key: broken_text(TEXTS[key])),
    st.sampled_from(YAML_SNIPPETS),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=80),
))  # fmt: skip
@fuzz_settings(400)
def test_any_yaml_text_is_read_or_its_problems_recorded_with_their_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("yaml") / "questions.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    source = read_yaml(path)  # never raises: problems are recorded
    for line in source.errors:
        assert ERROR_LINE.match(line) and len(line.splitlines()) == 1, line
    assert not Path(MARKER).exists()


@pytest.mark.parametrize(("text", "problem"), [
    ("questions:\n" + "- " * 5000 + "x\n", "questions.yaml:2: invalid YAML: nested more than 64"),
    ("questions: " + "[" * 200_000, "questions.yaml:1: invalid YAML: nested more than 64"),
    (f"questions: !!python/object/apply:os.makedirs ['{MARKER}']\n",
     "questions.yaml:1: invalid YAML: could not determine a constructor"),
    ("questions:\n- id: a\n  weight: 0x" + "f" * 4000 + "\n", "questions.yaml:3: invalid YAML"),
    ("questions:\n- id: a\n  date: 2024-02-30\n", "questions.yaml:3: invalid YAML"),
    ("questions:\n- !!bool maybe\n", "questions.yaml:2: invalid YAML"),
])  # fmt: skip
def test_yaml_no_definition_can_hold_fails_at_its_line(workdir, text, problem):
    outcome = load_changed(workdir, 1, "questions.yaml", text)
    assert isinstance(outcome, QuestionnaireError)
    assert any(problem in line for line in outcome.errors), outcome.errors
    assert not Path(MARKER).exists()


def test_a_billion_laughs_loads_in_linear_time(workdir):
    """Aliases of aliases name a tree of 10^9 nodes in a few lines: nothing walks it whole."""
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    text = "l0: &l0 [lol]\n" + laughs + "questions: *l9\n"
    outcome = load_changed(workdir, 1, "questions.yaml", text)
    assert isinstance(outcome, QuestionnaireError)


@pytest.mark.parametrize(("name", "change", "problem"), [
    ("profile.yaml", lambda d: d["fields"].update({"": {"min": 0, "max": 1}}), "fields."),
    ("questions.yaml", lambda d: d["questions"][0]["options"][0].update(score=float("nan")),
     "finite number"),
    ("profile.yaml", lambda d: d["fields"]["employees"].update(max=float("inf")), "finite number"),
    ("questionnaire.yaml", lambda d: d["dimensions"][0].update(weight=float("nan")),
     "finite number"),
])  # fmt: skip
def test_keys_and_numbers_no_definition_needs_fail_naming_the_place(workdir, name, change,
                                                                    problem):  # fmt: skip
    data = json.loads(json.dumps(DATA[(1, name)]))
    change(data)
    outcome = load_changed(workdir, 1, name, yaml_text(data))
    assert isinstance(outcome, QuestionnaireError)
    assert any(problem in line and ERROR_LINE.match(line) for line in outcome.errors), outcome


# `assess questionnaire check|export|diff` on broken definition files.
LIGHT = click.Group("assess")
LIGHT.add_command(questionnaire_cli)


def run(args: list[str], **env: str):
    return CliRunner(env=env).invoke(LIGHT, ["questionnaire", *args],
                                     obj=ScriptInfo(create_app=settings_app))  # fmt: skip


def test_questionnaire_check_exits_1_listing_file_and_line(workdir):
    @given(definition_files())
    @fuzz_settings(25)
    def fuzz(changed):
        version, name, text = changed
        path = workdir / "ax-readiness" / f"v{version}" / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            result = run(["check", str(path.parent)])
        finally:
            path.write_text(TEXTS[(version, name)], encoding="utf-8")
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert isinstance(result.exception, SystemExit)
            for line in result.stderr.splitlines():
                assert ERROR_LINE.match(line), line

    fuzz()


@pytest.mark.parametrize("args", [["export", "--version", "1"], ["diff", "1", "2"],
                                  ["diff", "2", "1"], ["check"]])  # fmt: skip
def test_export_diff_and_check_of_a_broken_version_exit_1_naming_file_and_line(tmp_path, args):
    root = tmp_path / "questionnaires"
    shutil.copytree(SHIPPED.parent.parent, root)
    (root / "ax-readiness" / "v1" / "rules.yaml").write_text("rules: [", encoding="utf-8")
    result = run(args, QUESTIONNAIRE_DIR=str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(r"/v1/rules\.yaml:\d+: invalid YAML: ", result.stderr), result.stderr
