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


DEMO_BATCH = 100  # firms per transaction: memory stays flat and an interrupted run keeps its work
DEMO_ROLES = {"consultant@demo.example": "consultant", "analyst@demo.example": "agency analyst",
              "admin@demo.example": "administrator"}  # fmt: skip


@cli.command("demo")
@click.option("--firms", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--seed", type=int, help="Random seed, for the same firms every time.")
@click.option("--if-empty", is_flag=True,
              help="Only in development, and only when the database has no assessment yet.")
def demo_command(firms: int, seed: int | None, if_empty: bool) -> None:
    """Make a whole demo: synthetic firms with submitted assessments over eight quarters, a
    consultancy with clients, an agency with consents and sample programmes, and three sign-ins
    (consultant, agency analyst, administrator) whose passwords are printed once."""
    from sqlalchemy import func, select

    from .extensions import db
    from .models import Assessment
    from .services.demo import DEMO_USERS, seed_demo

    if if_empty:
        env = current_app.config.get("ENV_NAME", "development")
        if env != "development":
            click.echo(f"No demo made: ASSESS_ENV={env} (a demo is only added in development).")
            return
        if db.session.scalar(select(Assessment.id).limit(1)) is not None:
            click.echo("No demo made: the database has assessments already.")
            return
    with click.progressbar(length=firms, label="Creating the demo") as bar:
        def committed(count: int) -> None:
            db.session.commit()
            bar.update(count)

        passwords = seed_demo(firms, seed, batch_size=DEMO_BATCH, after_batch=committed)
    total = db.session.scalar(select(func.count()).select_from(Assessment))
    click.echo(f"{firms} firms created ({total} assessments in the database).")
    if not passwords:
        click.echo("No new sign-ins were made: the demo accounts exist already "
                   f"({', '.join(email for email, _, _ in DEMO_USERS)}).")  # fmt: skip
        return
    url = (current_app.config.get("PUBLIC_URL")
           or f"http://127.0.0.1:{current_app.config.get('PORT', 5000)}")  # fmt: skip
    width = max(len(role) for role in DEMO_ROLES.values())
    click.echo("")
    click.echo(f"Demo sign-ins at {url}/login  (passwords shown this once only):")
    for email, password in passwords.items():
        click.echo(f"  {DEMO_ROLES.get(email, ''):<{width}}  {email:<24}  {password}")
    click.echo("")


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
