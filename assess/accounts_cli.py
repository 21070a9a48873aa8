"""``assess orgs``, ``assess users`` and ``assess tokens``: accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import ORGANISATION_KINDS, Organisation, User
from .services import accounts, two_step

orgs_cli = AppGroup("orgs", help="Organisations: consultancies and support agencies.")
users_cli = AppGroup("users", help="Accounts of consultants, analysts and administrators.")
tokens_cli = AppGroup("tokens", help="API tokens for scripts.")
COMMANDS = (orgs_cli, users_cli, tokens_cli)
# The CLI's roles (DESIGN §5) and the membership role each stands for.
CLI_ROLES = {"consultant": "consultant", "agency": "analyst", "org-admin": "org_admin",
             "admin": None}  # fmt: skip


def fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@orgs_cli.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice(ORGANISATION_KINDS), required=True)
def orgs_create(name: str, kind: str) -> None:
    """Create an organisation."""
    try:
        organisation = accounts.create_organisation(name, kind)
    except accounts.AccountError as exc:
        fail(f"{exc.field}: {exc.message}")
    db.session.commit()
    click.echo(f"Created {organisation.kind} {organisation.name!r} (id {organisation.id}).")


@orgs_cli.command("list")
def orgs_list() -> None:
    """List organisations with their member counts."""
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.name)):
        click.echo(f"{organisation.id}\t{organisation.kind}\t{organisation.name}\t"
                   f"{len(organisation.memberships)} members")  # fmt: skip


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(list(CLI_ROLES)), required=True,
              help="admin: a site administrator; the others are members of --org.")
@click.option("--org", "org_name", help="The organisation (by name) the user belongs to.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
def users_create(email: str, role: str, org_name: str | None, password_stdin: bool) -> None:
    """Create an account; without --password-stdin a random password is printed once."""
    organisation = None
    if org_name:
        organisation = accounts.find_organisation(org_name)
        if organisation is None:
            fail(f"org: no organisation named {org_name!r} (create it with `assess orgs create`)")
    elif role != "admin":
        fail(f"org: a {role} belongs to an organisation: give --org NAME")
    generated = not password_stdin
    password = (accounts.generated_password() if generated
                else sys.stdin.readline().rstrip("\r\n"))  # fmt: skip
    try:
        user = accounts.create_user(
            email, password, organisation=organisation,
            role=CLI_ROLES[role] or ("org_admin" if organisation else None),
            site_admin=role == "admin", temporary=generated)  # fmt: skip
    except accounts.AccountError as exc:
        fail(f"{exc.field}: {exc.message}")
    db.session.commit()
    where = f" in {organisation.name!r}" if organisation else ""
    click.echo(f"Created {role} {user.email}{where}.")
    if generated:
        # The password stays the last word of the last line, for scripts that read it.
        click.echo(f"The password below works for {current_app.config['INVITATION_HOURS']} hours, "
                   "and only to choose one's own at the first sign-in.")  # fmt: skip
        click.echo(f"Password (shown once): {password}")


@users_cli.command("list")
def users_list() -> None:
    """List accounts: email, organisation, role, status."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        status = "active" if user.active else "disabled"
        if user.password_hash is None:
            status = "invited"
        elif user.two_step_enabled:
            status += ", two-step"
        role = ("admin " if user.site_admin else "") + (user.role or "")
        organisation = user.organisation.name if user.organisation else "-"
        click.echo(f"{user.email}\t{organisation}\t{role.strip() or '-'}\t{status}")


@users_cli.command("two-step-off")
@click.argument("email")
def users_two_step_off(email: str) -> None:
    """Turn off the two-step sign-in of EMAIL, who lost both their app and their recovery
    codes; make sure first, by other means, that it is them asking. Their sessions end."""
    user = accounts.find_user(email)
    if user is None:
        fail(f"email: no account for {email!r}")
    if not user.two_step_enabled:
        fail(f"email: {user.email} has no two-step sign-in")
    two_step.reset(user)
    db.session.commit()
    click.echo(f"Two-step sign-in is off for {user.email}; they can turn it on again.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
def tokens_create(email: str, days: int) -> None:
    """Create an API token for EMAIL; it is printed once, as the last word of the last line."""
    user = accounts.find_user(email)
    if user is None:
        fail(f"email: no account for {email!r}")
    try:
        token, plain = accounts.create_token(user, days)
    except accounts.AccountError as exc:
        fail(f"{exc.field}: {exc.message}")
    db.session.commit()
    click.echo(f"Token {token.prefix} for {user.email}, expires {token.expires_at:%Y-%m-%d}.")
    click.echo(f"Store it now; it is not shown again: {plain}")


@tokens_cli.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token whose public prefix (its first 12 characters) is PREFIX."""
    token = accounts.find_token(prefix[:12])
    if token is None:
        fail(f"prefix: no token {prefix!r}")
    accounts.revoke_token(token)
    db.session.commit()
    click.echo(f"Revoked {token.prefix} of {token.user.email}.")
