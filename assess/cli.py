"""The ``assess`` console script: Flask's CLI over the app factory plus the product's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from . import create_app
from .accounts_cli import COMMANDS as ACCOUNT_COMMANDS
from .questionnaire import (
    QuestionnaireError,
    UnknownQuestionnaire,
    get_questionnaire,
    load_questionnaire,
    version_directories,
)
from .scoring import AnswersError, read_document, result_text
from .services.documents import score_document


def _create_app():
    return create_app()


cli = FlaskGroup(create_app=_create_app, help="AX-readiness self-assessment.")
questionnaire_cli = AppGroup("questionnaire", help="Check and export questionnaire definitions.")
cli.add_command(questionnaire_cli)
for _command in ACCOUNT_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli.main(prog_name="assess")


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
    lines = diff(a, b)
    click.echo(f"{qid} v{old} -> v{new}: {len(lines)} changes")
    for line in lines:
        click.echo(line)


@cli.command("score")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json")
@click.option(
    "--lang", type=click.Choice(["ko", "en"]), help="Text language (default: the document's)."
)
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


@cli.command("report")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the PDF.",
)  # fmt: skip
@click.option(
    "--lang", type=click.Choice(["ko", "en"]), help="Report language (default: the document's)."
)
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


@cli.command("demo")
@click.option("--firms", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--seed", type=int, help="Random seed, for the same firms every time.")
def demo_command(firms: int, seed: int | None) -> None:
    """Fill the database with synthetic firms, each with a submitted assessment."""
    from .extensions import db
    from .services.demo import seed_demo_firms

    with click.progressbar(length=firms, label="Creating firms") as bar:
        tokens: list[str] = []
        for start in range(0, firms, 100):
            batch = min(100, firms - start)
            tokens += seed_demo_firms(batch, None if seed is None else seed + start)
            db.session.commit()
            bar.update(batch)
    click.echo(f"{firms} firms created. Results of one: /r/{tokens[0]}/results")


@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))  # fmt: skip
@click.option("--org", "org_name",
              help="The consultancy (by name) whose clients the firms become; without it each "
                   "firm is one of its own.")  # fmt: skip
def import_command(files: tuple[Path, ...], org_name: str | None) -> None:
    """Store answers documents (YAML or JSON) as submitted assessments.

    Each document is stored once: importing the same document again changes nothing. A bad
    document is reported with its file and field and the others are still imported; the exit
    status is 1 when any failed.
    """
    from .extensions import db
    from .services.accounts import find_organisation
    from .services.clients import ClientError
    from .services.imports import DuplicateKey, import_document

    organisation = None
    if org_name is not None:
        organisation = find_organisation(org_name)
        if organisation is None or organisation.kind != "consultancy":
            fail(f"org: no consultancy named {org_name!r} (see `assess orgs list`)", 2)
    imported, present, failures = 0, 0, []
    with click.progressbar(files, label="Importing", item_show_func=lambda f: f and str(f),
                           file=sys.stderr) as bar:  # fmt: skip
        for path in bar:
            try:
                stored = import_document(organisation, read_document(path))
            except (AnswersError, ClientError) as exc:
                db.session.rollback()  # this document only: the others are committed
                failures.append(f"{path}: {exc.field}: {exc.message}")
                continue
            except DuplicateKey:  # pragma: no cover (a hash collision)
                db.session.rollback()
                failures.append(f"{path}: file: stored before with other answers")
                continue
            db.session.commit()
            if stored.created:
                imported += 1
            else:
                present += 1
    for line in failures:
        click.echo(f"error: {line}", err=True)
    click.echo(f"{imported} imported, {present} already there, {len(failures)} failed")
    if failures:
        sys.exit(1)


@cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Tasks run at once (threads; renders go to the sandboxed render pool).")
def worker_command(workers: int) -> None:
    """Run the background-job consumer (batches of PDF reports) until SIGINT or SIGTERM."""
    from .jobs.worker import run_worker

    run_worker(current_app._get_current_object(), workers)  # type: ignore[attr-defined]
