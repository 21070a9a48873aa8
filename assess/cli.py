"""The ``assess`` console script. ``assess score``, ``assess report`` and ``assess questionnaire``
run on a bare Flask app holding the settings (no blueprints, no database, no API document), so
that they start about as fast as Python imports Flask; every other command (and ``--help``) runs
on the whole app (``assess.commands``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, get_load_dotenv, load_dotenv, with_appcontext

from .questionnaire import (
    QuestionnaireError,
    UnknownQuestionnaire,
    get_questionnaire,
    load_questionnaire,
    version_directories,
)
from .scoring import AnswersError, read_document, result_text
from .services.documents import score_document

questionnaire_cli = AppGroup("questionnaire", help="Check and export questionnaire definitions.")
#: Commands that need only the settings: run without building the web app.
LIGHT_COMMANDS = ("questionnaire", "report", "score")
#: The whole app's other commands and what each does, so that ``assess --help`` lists every
#: command without building the app (tests/test_cli.py keeps this table in step with the app).
APP_COMMANDS = {
    "db": "Perform database migrations.",
    "demo": "Make a whole demo: synthetic firms with submitted assessments over eight quarters, a "
            "consultancy with clients, an agency with consents and sample programmes, and three "
            "sign-ins (consultant, agency analyst, administrator) whose passwords are printed once.",
    "import": "Store answers documents (YAML or JSON) as submitted assessments.",
    "orgs": "Organisations: consultancies and support agencies.",
    "purge": "Delete personal data past its retention period: rows deleted, files removed, one "
             "audit entry with the count of each kind.",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "shell": "Run a shell in the app context.",
    "spec": "Show the OpenAPI spec.",
    "tokens": "API tokens for scripts.",
    "users": "Accounts of consultants, analysts and administrators.",
    "worker": "Run the background-job consumer (batches of PDF reports) until SIGINT or SIGTERM.",
}  # fmt: skip


def main() -> None:
    args = sys.argv[1:]
    if args in ([], ["--help"], ["-h"]):
        overview().main(["--help"], prog_name="assess")
    elif args and args[0] in LIGHT_COMMANDS:
        if get_load_dotenv():
            load_dotenv()  # .env and .flaskenv, as Flask's own group reads them
        light = click.Group("assess", help="AX-readiness self-assessment.")
        for command in (questionnaire_cli, score_command, report_command):
            light.add_command(command)
        light.main(args, prog_name="assess", obj=ScriptInfo(create_app=settings_app))
    else:
        from .commands import cli

        cli.main(prog_name="assess")


def overview() -> click.Group:
    """The top-level help: the light commands themselves, the others by name and purpose."""
    group = click.Group("assess", help="AX-readiness self-assessment. Each command's options: "
                                       "assess COMMAND --help.")  # fmt: skip
    for command in (questionnaire_cli, score_command, report_command):
        group.add_command(command)
    for name, text in APP_COMMANDS.items():
        group.add_command(click.Command(name, short_help=text))
    return group


def settings_app():
    """A Flask app with the product's settings only, for the commands that read files."""
    from flask import Flask

    from .config import load_config

    app = Flask("assess", instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, None))
    return app


def __getattr__(name: str):
    if name == "cli":  # the whole group, as before (``from assess.cli import cli``)
        from .commands import cli

        return cli
    raise AttributeError(name)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@questionnaire_cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def questionnaire_check(path: Path | None) -> None:
    """Validate definition files: a version folder, or every version under PATH."""
    path = path or Path(current_app.config["QUESTIONNAIRE_DIR"])
    directories = (
        [path]
        if (path / "questionnaire.yaml").exists()
        else list(version_directories(path).values())
    )
    if not directories:
        fail(f"no questionnaire found under {path}", 1)
    failed = False
    for directory in directories:
        try:
            q = load_questionnaire(directory)
        except QuestionnaireError as exc:
            failed = True
            for line in exc.errors:
                click.echo(line, err=True)
            continue
        click.echo(
            f"ok  {q.id} v{q.version}: {len(q.questions)} questions, {len(q.rules)} rules, "
            f"{len(q.sources)} sources, {len(q.cases)} peer cases  ({directory})"
        )
    if failed:
        sys.exit(1)


@questionnaire_cli.command("export")
@click.option("--id", "qid", default="ax-readiness", show_default=True)
@click.option("--version", type=int, help="Version number (default: the latest).")
def questionnaire_export(qid: str, version: int | None) -> None:
    """Print the resolved questionnaire as JSON."""
    try:
        q = get_questionnaire(current_app.config["QUESTIONNAIRE_DIR"], qid, version)
    except UnknownQuestionnaire as exc:
        fail(str(exc), 2)
    except QuestionnaireError as exc:
        fail(str(exc), 1)
    click.echo(json.dumps(q.export(), ensure_ascii=False, indent=2))


@questionnaire_cli.command("diff")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option("--id", "qid", default="ax-readiness", show_default=True)
def questionnaire_diff(old: int, new: int, qid: str) -> None:
    """What changed from version OLD to version NEW (+ added, - removed, ~ changed fields)."""
    from .questionnaire.diff import diff

    root = current_app.config["QUESTIONNAIRE_DIR"]
    try:
        a, b = get_questionnaire(root, qid, old), get_questionnaire(root, qid, new)
    except UnknownQuestionnaire as exc:
        fail(str(exc), 2)
    except QuestionnaireError as exc:
        fail(str(exc), 1)
    lines = diff(a, b)
    click.echo(f"{qid} v{old} -> v{new}: {len(lines)} changes")
    for line in lines:
        click.echo(line)


@click.command("score")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json")
@click.option(
    "--lang", type=click.Choice(["ko", "en"]), help="Text language (default: the document's)."
)
@with_appcontext
def score_command(file: Path, fmt: str, lang: str | None) -> None:
    """Score an answers document (YAML or JSON)."""
    try:
        questionnaire, document, data = score_document(read_document(file))
    except AnswersError as exc:
        fail(str(exc), 2)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(result_text(questionnaire, data, lang or document.language))


@click.command("report")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the PDF.",
)  # fmt: skip
@click.option(
    "--lang", type=click.Choice(["ko", "en"]), help="Report language (default: the document's)."
)
@with_appcontext
def report_command(file: Path, output: Path, lang: str | None) -> None:
    """Render the PDF report of an answers document (YAML or JSON), offline."""
    import datetime as dt

    from reports import RenderError, format_date, render_pdf

    from .presentation.results import result_view

    if not output.parent.is_dir():
        fail(f"cannot write {output}: no such directory", 2)
    try:
        questionnaire, document, data = score_document(read_document(file))
    except AnswersError as exc:
        fail(str(exc), 2)
    lang = lang or document.language
    view = result_view(questionnaire, document, data, lang, date=format_date(dt.date.today(), lang))
    try:
        pdf = render_pdf(view)
    except RenderError as exc:
        fail(f"cannot render the report: {exc}", 1)
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", 2)
    click.echo(f"{output}: {len(pdf) // 1024} KB")
