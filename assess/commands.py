"""The ``assess`` command group on the whole app: Flask's CLI over the app factory plus the
product's commands (the light ones are defined in ``assess.cli``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from . import create_app
from .accounts_cli import COMMANDS as ACCOUNT_COMMANDS
from .cli import fail, questionnaire_cli, report_command, score_command
from .scoring import AnswersError, read_document


def _create_app():
    return create_app()


cli = FlaskGroup(create_app=_create_app, help="AX-readiness self-assessment.")
for _command in (questionnaire_cli, score_command, report_command, *ACCOUNT_COMMANDS):
    cli.add_command(_command)


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
    click.echo(f"Each works for {current_app.config['INVITATION_HOURS']} hours, and only to choose "
               "one's own at the first sign-in.")  # fmt: skip
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


@cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Purge personal data (assessments, drafts, firms, invitations, API tokens) "
                   "last active before this day instead of RETENTION_DAYS and "
                   "DRAFT_RETENTION_DAYS ago. The other records keep their own periods.")  # fmt: skip
def purge_command(dry_run: bool, before) -> None:
    """Delete personal data past its retention period: rows deleted, files removed, one audit
    entry with the count of each kind. Consent records are kept, detached from the purged
    assessments, for CONSENT_RECORD_DAYS after the consent ended. See docs/privacy.md.

    Meant to run daily (a systemd timer or cron); running it again purges nothing more.
    """
    from .extensions import db
    from .services import retention

    try:
        cut = retention.cutoffs(before=before.date() if before else None)
    except retention.PurgeError as exc:
        fail(str(exc), 2)
    plan = retention.plan_purge(cut)
    click.echo("Purge of personal data past its retention period"
               + (" (dry run: nothing is deleted)." if dry_run else "."))  # fmt: skip
    _echo_cutoffs(cut)
    if dry_run:
        db.session.rollback()
        _echo_counts(plan.counts(), "Would delete:", "Would keep:")
        return
    counts = retention.purge(plan)
    db.session.commit()
    retention.checkpoint()
    db.session.commit()
    # Files only once the rows are gone for good: a failed commit leaves both as they were.
    errors = retention.remove_files(plan.pdf_files + plan.batch_files)
    _echo_counts(counts, "Deleted:", "Kept:")
    click.echo("Recorded in the audit log as data.purge (counts only).")
    for line in errors:
        click.echo(f"error: not removed: {line}", err=True)
    if errors:
        fail(f"{len(errors)} files could not be removed; the next purge tries again", 1)


def _echo_cutoffs(cut) -> None:
    config = current_app.config
    given = f"--before {cut.before.isoformat()}" if cut.before else None
    click.echo("Last active before (UTC):")
    for label, at, why in (
        ("personal data", cut.personal, given or f"RETENTION_DAYS={config['RETENTION_DAYS']}"),
        ("drafts", cut.drafts, given or f"DRAFT_RETENTION_DAYS={config['DRAFT_RETENTION_DAYS']}"),
        ("consent records, after they ended", cut.consent_records,
         f"CONSENT_RECORD_DAYS={config['CONSENT_RECORD_DAYS']}"),
        ("audit log", cut.audit, f"AUDIT_RETENTION_DAYS={config['AUDIT_RETENTION_DAYS']}"),
        ("batches and webhook deliveries", cut.jobs,
         f"JOB_RETENTION_DAYS={config['JOB_RETENTION_DAYS']}"),
        ("failed sign-ins", cut.login_failures,
         f"LOGIN_WINDOW_SECONDS={config['LOGIN_WINDOW_SECONDS']}"),
    ):  # fmt: skip
        click.echo(f"  {label:<34} {at:%Y-%m-%d %H:%M}  ({why})")


def _echo_counts(counts: dict[str, int], deleted: str, kept: str) -> None:
    from .services.retention import KEPT, KINDS

    width = max(len(str(n)) for n in counts.values())
    for title, kinds in ((deleted, KINDS), (kept, KEPT)):
        click.echo(title)
        for kind, what in kinds.items():
            click.echo(f"  {counts[kind]:>{width}}  {kind:<19} {what}")
