"""A small, complete world of organisations, people and their objects, seeded through the
services, for tests that walk every route (the route × role matrix, the attack suite).

Two consultancies (A and B) and two support agencies (C and D), each with members, clients,
draft and submitted assessments, a batch job, webhooks and programmes, so that every kind of id
has one of "mine" and one of "theirs". ``values`` names each object for URL arguments
("$client_a" → its id); ``emails`` maps a visitor role to the email it signs in with.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import select

from assess import create_app
from assess.extensions import db
from assess.models import RecoveryCode, UserSession
from assess.services import (
    accounts,
    agencies,
    batches,
    clients,
    consents,
    drafts,
    sessions,
    submission,
    two_step,
    webhooks,
)
from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM

PASSWORD = "matrix-password-1"
ROLES = ["anonymous", "resume_holder", "consultant_a", "consultant_b", "analyst", "org_admin",
         "site_admin"]  # fmt: skip
# Cheap argon2: the worlds sign in dozens of times.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8}
ELIGIBLE_ALL = "{dimension: roi, lt: 101}"  # a programme every scored firm fits
STEP = 30  # seconds of a two-step sign-in code
# Visitors left at the second step of signing in (the password given, the code not yet).
HALF_SIGNED_IN = {"two_step_waiting"}


@dataclass
class World:
    app: Flask
    values: dict[str, Any]  # "$name" → id, token or list of ids
    emails: dict[str, str]  # visitor role → email
    tokens: dict[str, str] = field(default_factory=dict)  # role → plain API token

    def value(self, name: Any) -> Any:
        return self.values.get(name, name) if isinstance(name, str) else name


def world_app(database_url: str, tmp_path: Path, **config: Any) -> Flask:
    """The app of a world: its own PDF cache, job queue file and batch folder under
    ``tmp_path``; private webhook targets allowed (the world's webhooks point at 127.0.0.1)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                       "PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
                       "HUEY_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
                       "BATCH_DIR": str(tmp_path / "batches"), "WEBHOOK_ALLOW_PRIVATE": True,
                       # A half-signed-in visitor's second step stays open for a whole module.
                       "TWO_STEP_MINUTES": 120, **FAST_HASHING, **config})  # fmt: skip


def _submitted_for_client(firm, consultant):
    assessment, _ = clients.start_for_client(firm, consultant, "ko")
    drafts.save_answers(assessment, {}, assessment.revision)
    submission.submit(assessment)
    return assessment


def seed(app: Flask) -> World:
    """Fill the (empty) database of ``app`` with the world and commit it."""
    with app.app_context():
        a = accounts.create_organisation("Consultancy A", "consultancy")
        b = accounts.create_organisation("Consultancy B", "consultancy")
        agency = accounts.create_organisation("Agency C", "agency")
        agency_d = accounts.create_organisation("Agency D", "agency")
        users = {
            "consultant_a": accounts.create_user("a@example.org", PASSWORD, organisation=a,
                                                 role="consultant"),
            "consultant_b": accounts.create_user("b@example.org", PASSWORD, organisation=b,
                                                 role="consultant"),
            "analyst": accounts.create_user("c@example.org", PASSWORD, organisation=agency,
                                            role="analyst"),
            "org_admin": accounts.create_user("admin-a@example.org", PASSWORD, organisation=a,
                                              role="org_admin"),
            "site_admin": accounts.create_user("root@example.org", PASSWORD, site_admin=True),
            "org_admin_b": accounts.create_user("admin-b@example.org", PASSWORD, organisation=b,
                                                role="org_admin"),
            "analyst_d": accounts.create_user("d@example.org", PASSWORD, organisation=agency_d,
                                              role="analyst"),
            # Only there to be removed, disabled, have a password changed or set from a link.
            "spare_a": accounts.create_user("spare-a@example.org", PASSWORD, organisation=a,
                                            role="consultant"),
            "spare_a2": accounts.create_user("spare-a2@example.org", PASSWORD, organisation=a,
                                             role="consultant"),
            "reset": accounts.create_user("reset@example.org", PASSWORD),
            "changer": accounts.create_user("changer@example.org", PASSWORD),
            # Two-step sign-in: on and signed in, on and half-way (password given, code not
            # yet), and being set up (the key is shown, no code confirmed yet).
            "two_step_on": accounts.create_user("two-step@example.org", PASSWORD),
            "two_step_waiting": accounts.create_user("waiting@example.org", PASSWORD),
            "two_step_new": accounts.create_user("new-two-step@example.org", PASSWORD),
            # Lists and ends its own sessions.
            "session_keeper": accounts.create_user("sessions@example.org", PASSWORD),
        }  # fmt: skip
        # A session of another browser of the keeper (to end), and one of another user's.
        sessions.open_session(users["session_keeper"], "Firefox/133.0 (Android)", "10.0.0.7")
        spare_session = db.session.scalar(select(UserSession.id).order_by(UserSession.id.desc()))
        sessions.open_session(users["consultant_b"], "Chrome/131.0 (Windows)", "10.0.0.8")
        session_b = db.session.scalar(select(UserSession.id).order_by(UserSession.id.desc()))
        turn_on_two_step(users["two_step_on"])
        waiting_codes = turn_on_two_step(users["two_step_waiting"], extra_codes=40)
        two_step.begin_setup(users["two_step_new"])
        # The respondent's own draft (no firm of any consultancy), and two more of their links:
        # one with a profile, ready to submit, and one submitted.
        _, token = drafts.start_assessment("ko")
        ready, token_ready = drafts.start_assessment("ko")
        drafts.save_profile(ready, dict(BASE_FIRM), ready.revision)
        done, token_done = drafts.start_assessment("ko")
        drafts.save_profile(done, dict(BASE_FIRM), done.revision)
        submission.submit(done)
        consents.give_consent(done, agency)

        client = clients.create_client(a, dict(BASE_FIRM), users["consultant_a"])
        draft, _ = clients.start_for_client(client, users["consultant_a"], "ko")
        submitted = _submitted_for_client(client, users["consultant_a"])
        _, invitation = clients.invite_client(client, users["consultant_a"])
        second = clients.create_client(a, {**BASE_FIRM, "name": "둘째정밀"}, users["consultant_a"])
        job = batches.start_batch(a, users["consultant_a"], [submitted.id], "ko")
        consents.give_consent(submitted, agency)
        programme = agencies.create_programme(agency, users["analyst"], name="Programme C",
                                              description="", link="",
                                              eligibility_text=ELIGIBLE_ALL)  # fmt: skip
        spare_programme = agencies.create_programme(agency, users["analyst"], name="Spare C",
                                                    description="", link="",
                                                    eligibility_text=ELIGIBLE_ALL)  # fmt: skip
        hook_a = webhooks.register(a, "http://127.0.0.1:9/a", users["org_admin"])
        spare_hook = webhooks.register(a, "http://127.0.0.1:9/spare", users["org_admin"])

        client_b = clients.create_client(b, {**BASE_FIRM, "name": "Client of B"},
                                         users["consultant_b"])  # fmt: skip
        draft_b, _ = clients.start_for_client(client_b, users["consultant_b"], "ko")
        submitted_b = _submitted_for_client(client_b, users["consultant_b"])
        _, invitation_b = clients.invite_client(client_b, users["consultant_b"])
        job_b = batches.start_batch(b, users["consultant_b"], [submitted_b.id], "ko")
        consents.give_consent(submitted_b, agency_d)
        programme_d = agencies.create_programme(agency_d, users["analyst_d"], name="Programme D",
                                                description="", link="",
                                                eligibility_text=ELIGIBLE_ALL)  # fmt: skip
        hook_b = webhooks.register(b, "http://127.0.0.1:9/b", None)

        tokens = {role: accounts.create_token(users[role], 30)[1]
                  for role in ("consultant_a", "consultant_b", "analyst", "analyst_d",
                               "spare_a")}  # fmt: skip
        values = {"$token": token, "$token_ready": token_ready, "$token_done": token_done,
                  "$analyst_id": users["analyst"].id, "$missing": 999_999,
                  "$membership_b": users["consultant_b"].membership.id,
                  "$membership_spare": users["spare_a"].membership.id,
                  "$membership_spare2": users["spare_a2"].membership.id,
                  "$spare_user": users["spare_a"].id,
                  "$api_token_spare": users["spare_a"].tokens[0].id,
                  "$client_a": client.id, "$second_a": second.id, "$draft_a": draft.id,
                  "$submitted_a": submitted.id, "$invitation": invitation, "$compare": [
                      client.id, second.id], "$job_a": job.id, "$shared_c": submitted.id,
                  "$programme_c": programme.id, "$programme_spare": spare_programme.id,
                  "$webhook_a": hook_a.id, "$webhook_spare": spare_hook.id,
                  "$agency_c": agency.id, "$agency_d": agency_d.id,
                  "$org_a": a.id, "$org_b": b.id,
                  "$client_b": client_b.id, "$draft_b": draft_b.id,
                  "$submitted_b": submitted_b.id, "$invitation_b": invitation_b,
                  "$job_b": job_b.id, "$shared_d": submitted_b.id,
                  "$programme_d": programme_d.id, "$webhook_b": hook_b.id,
                  "$user_b": users["consultant_b"].id,
                  "$api_token_a": users["consultant_a"].tokens[0].id,
                  "$reset_link": accounts.password_link_token(users["reset"], "reset"),
                  "$recovery_codes": waiting_codes,
                  "$two_step_new_secret": users["two_step_new"].two_step_secret,
                  "$session_spare": spare_session, "$session_b": session_b,
                  }  # fmt: skip
        emails = {role: user.email for role, user in users.items()}
        db.session.commit()
    return World(app, values, emails, tokens)


def visitor(app: Flask, role: str, emails: dict[str, str]):
    """A test client signed in as ``role`` (anonymous and the resume-link holder are not; the
    roles of ``HALF_SIGNED_IN`` are at the second step of two-step sign-in)."""
    client = app.test_client()
    if role in emails:
        response = _post_form(app, client, "/login",
                              {"email": emails[role], "password": PASSWORD})  # fmt: skip
        assert response.status_code == 303, (role, response.status_code)
        if response.headers["Location"] == "/login/code" and role not in HALF_SIGNED_IN:
            response = _post_form(app, client, "/login/code",
                                  {"code": app_code(app, emails[role])})  # fmt: skip
            assert response.status_code == 303, (role, "code", response.status_code)
    return client


def _post_form(app: Flask, client, url: str, data: dict[str, str]):
    if app.config.get("WTF_CSRF_ENABLED", True):
        data = {**data, "csrf_token": csrf_token(client.get(url).text)}
    return client.post(url, data=data)


def turn_on_two_step(user, extra_codes: int = 0) -> list[str]:
    """Two-step sign-in on for ``user``, confirmed with the previous time step's code (so that
    signing in may take the current one): the recovery codes, with ``extra_codes`` more than
    the product gives, for suites that sign in more than ten times with them."""
    two_step.begin_setup(user)
    codes = two_step.enable(user, pyotp.TOTP(user.two_step_secret).at(time.time() - STEP))
    h = accounts.hasher()
    for n in range(extra_codes):
        # "u" is never in a code the product makes: no selector is taken twice.
        code = f"u{n:03d}-" + "-".join(secrets.token_hex(2) for _ in range(3))
        db.session.add(RecoveryCode(user_id=user.id, selector=code[:4],
                                    code_hash=h.hash(code.replace("-", ""))))  # fmt: skip
        codes.append(code)
    db.session.flush()
    return codes


def app_code(app: Flask, email: str) -> str:
    """A code of ``email``'s app that no sign-in took yet: of the earliest time step inside the
    clock's drift after the last one taken (waiting for the next step when all are taken)."""
    with app.app_context():
        user = accounts.find_user(email)
        secret, last = user.two_step_secret, user.two_step_last_step
        db.session.remove()
    while True:
        current = int(time.time()) // STEP
        step = max(current - 1, (last or 0) + 1)
        if step <= current + 1:
            return pyotp.TOTP(secret).generate_otp(step)
        time.sleep(STEP - time.time() % STEP + 0.1)
