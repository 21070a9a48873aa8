"""A database with personal data of every kind, some past its retention and some not, made
through the services and then aged (timestamps moved back), for the purge tests."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from assess.extensions import db
from assess.models import (
    ApiToken,
    Assessment,
    AssessmentNote,
    AssessmentResult,
    AuditEvent,
    Consent,
    Firm,
    Invitation,
    Job,
    JobItem,
    LoginFailure,
    ResultFinding,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from assess.services import accounts, batches, clients, consents, drafts, pdf
from assess.services.imports import import_document, store_document
from tests.api.conftest import example_document

YEAR = timedelta(days=365)
# Names typed by the firms: a purge must leave none of them anywhere but in a kept record.
OLD_OWN = "PURGED-own-firm-7f3a"
FRESH_OWN = "KEPT-own-firm-2b9c"
ANCIENT_OWN = "PURGED-ancient-firm-c41d"
KEPT_CLIENT = "KEPT-client-5e77"
ARCHIVED_LONG = "PURGED-archived-client-90aa"
ARCHIVED_RECENT = "KEPT-archived-client-13fe"
NOTE = "PURGED-note-text-6d21"
OLD_EMAIL = "purged-ceo@client.example"
# Every model that holds rows the world makes, for "nothing else changed" checks.
MODELS = (Firm, Assessment, AssessmentResult, ResultFinding, AssessmentNote, Invitation, Consent,
          Job, JobItem, Webhook, WebhookDelivery, WebhookAttempt, ApiToken, LoginFailure,
          AuditEvent)  # fmt: skip


@dataclass
class World:
    """Ids by name (``purged`` ones must go, ``kept`` ones must stay) and files on disk."""

    purged: dict[str, tuple[type, int]] = field(default_factory=dict)
    kept: dict[str, tuple[type, int]] = field(default_factory=dict)
    purged_files: list[Path] = field(default_factory=list)
    kept_files: list[Path] = field(default_factory=list)
    consent_kept: int = 0  # the consent of a purged assessment: kept, detached
    consent_live: int = 0  # the consent of a kept assessment: untouched
    reassessment: int = 0  # a kept assessment whose previous one is purged


def document(name: str) -> dict:
    data = example_document()
    data["firm"]["name"] = name
    return data


def age(model, ident: int, **moments: datetime) -> None:
    key = model.__mapper__.primary_key[0]
    db.session.execute(update(model).where(key == ident).values(**moments),
                       execution_options={"synchronize_session": False})  # fmt: skip


def age_assessment(assessment_id: int, ago: timedelta) -> None:
    at = datetime.now(UTC) - ago
    values = {"created_at": at, "updated_at": at}
    if db.session.get(Assessment, assessment_id).status == "submitted":
        values["submitted_at"] = at
        age(AssessmentResult, assessment_id, submitted_at=at)
    age(Assessment, assessment_id, **values)


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def build(app) -> World:
    """The world, committed; call in no app context."""
    world = World()
    now = datetime.now(UTC)
    with app.app_context():
        consultancy = accounts.create_organisation("한빛컨설팅", "consultancy")
        agency = accounts.create_organisation("부산지원센터", "agency")
        consultant = accounts.create_user("kim@consult.example", organisation=consultancy,
                                          role="consultant")  # fmt: skip
        _own_firms(world, agency, now)
        _drafts(world)
        _clients(world, app, consultancy, consultant, now)
        _operations(world, consultant, now)
        db.session.commit()
        _files(world, app)
    return world


def _own_firms(world: World, agency, now: datetime) -> None:
    old = import_document(None, document(OLD_OWN)).assessment
    fresh = import_document(None, document(FRESH_OWN)).assessment
    ancient = import_document(None, document(ANCIENT_OWN)).assessment
    kept_consent = consents.give_consent(old, agency)
    gone_consent = consents.give_consent(ancient, agency)
    world.consent_live = consents.give_consent(fresh, agency).id
    world.consent_kept = kept_consent.id
    db.session.flush()
    age_assessment(old.id, 4 * YEAR)
    age_assessment(ancient.id, 9 * YEAR)
    # Given 3.5 years ago, ran out 1.5 years ago: well within CONSENT_RECORD_DAYS of its end.
    age(Consent, kept_consent.id, given_at=now - 3.5 * YEAR, expires_at=now - 1.5 * YEAR)
    # Withdrawn 7 years ago: its record has been kept for longer than CONSENT_RECORD_DAYS.
    age(Consent, gone_consent.id, given_at=now - 8 * YEAR, expires_at=now - 6 * YEAR,
        withdrawn_at=now - 7 * YEAR)  # fmt: skip
    world.purged.update(old_own=(Assessment, old.id), old_own_firm=(Firm, old.firm_id),
                        old_own_result=(AssessmentResult, old.id),
                        ancient_own=(Assessment, ancient.id), ancient_firm=(Firm, ancient.firm_id),
                        consent_gone=(Consent, gone_consent.id))  # fmt: skip
    world.kept.update(fresh_own=(Assessment, fresh.id), fresh_own_firm=(Firm, fresh.firm_id),
                      fresh_own_result=(AssessmentResult, fresh.id),
                      consent_kept=(Consent, kept_consent.id),
                      consent_live=(Consent, world.consent_live))  # fmt: skip


def _drafts(world: World) -> None:
    abandoned, _ = drafts.start_assessment("ko")
    recent, _ = drafts.start_assessment("ko")
    db.session.flush()
    age_assessment(abandoned.id, timedelta(days=400))  # past DRAFT_RETENTION_DAYS
    age_assessment(recent.id, timedelta(days=300))
    world.purged["abandoned_draft"] = (Assessment, abandoned.id)
    world.kept["recent_draft"] = (Assessment, recent.id)


def _clients(world: World, app, consultancy, consultant, now: datetime) -> None:
    client = clients.create_client(consultancy, document(KEPT_CLIENT)["firm"], consultant)
    old = store_document(consultancy, document(KEPT_CLIENT), consultant, client).assessment
    clients.save_notes(old, {"overall": NOTE}, consultant)
    again, _ = drafts.start_assessment("ko", previous=old)  # a re-assessment under way
    old_invitation, _ = clients.invite_client(client, consultant, OLD_EMAIL)
    fresh_invitation, _ = clients.invite_client(client, consultant, "kept-ceo@client.example")
    long_gone = clients.create_client(consultancy, document(ARCHIVED_LONG)["firm"], consultant)
    long_gone_assessment = store_document(consultancy, document(ARCHIVED_LONG), consultant,
                                          long_gone).assessment  # fmt: skip
    long_gone_invitation, _ = clients.invite_client(long_gone, consultant, "archived@x.example")
    recent = clients.create_client(consultancy, document(ARCHIVED_RECENT)["firm"], consultant)
    recent_assessment = store_document(consultancy, document(ARCHIVED_RECENT), consultant,
                                       recent).assessment  # fmt: skip
    db.session.flush()
    note = db.session.scalar(select(AssessmentNote.id).where(AssessmentNote.assessment_id == old.id))
    for assessment in (old, long_gone_assessment, recent_assessment):
        age_assessment(assessment.id, 4 * YEAR)
    age(Invitation, old_invitation.id, created_at=now - 4 * YEAR, expires_at=now - 4 * YEAR)
    age(Firm, long_gone.id, archived_at=now - 3.5 * YEAR)
    age(Firm, recent.id, archived_at=now - timedelta(days=10))
    world.reassessment = again.id
    world.purged.update(
        old_client_assessment=(Assessment, old.id), note=(AssessmentNote, note),
        old_invitation=(Invitation, old_invitation.id),
        archived_long_firm=(Firm, long_gone.id),
        archived_long_assessment=(Assessment, long_gone_assessment.id),
        archived_long_invitation=(Invitation, long_gone_invitation.id),
        archived_recent_assessment=(Assessment, recent_assessment.id),
    )  # fmt: skip
    world.kept.update(kept_client=(Firm, client.id), reassessment=(Assessment, again.id),
                      fresh_invitation=(Invitation, fresh_invitation.id),
                      archived_recent_firm=(Firm, recent.id))  # fmt: skip
    _jobs_and_webhooks(world, consultancy, consultant, old, now)


def _jobs_and_webhooks(world: World, consultancy, consultant, old, now: datetime) -> None:
    fresh = store_document(consultancy, document(KEPT_CLIENT + "-2"), consultant).assessment
    of_purged = batches.start_batch(consultancy, consultant, [old.id], "ko")
    finished_long_ago = batches.start_batch(consultancy, consultant, [fresh.id], "en")
    recent = batches.start_batch(consultancy, consultant, [fresh.id], "ko")
    webhook = Webhook(organisation_id=consultancy.id, url="https://hooks.example.com/ax",
                      secret="whsec_test", active=True)  # fmt: skip
    db.session.add(webhook)
    db.session.flush()
    deliveries = {}
    for name, assessment in (("of_purged", old), ("long_ago", fresh), ("recent", fresh)):
        delivery = WebhookDelivery(webhook_id=webhook.id, event="assessment.submitted",
                                   assessment_id=assessment.id, status="delivered", attempts=1,
                                   payload=f'{{"firm": "{assessment.firm.name}"}}')  # fmt: skip
        db.session.add(delivery)
        db.session.flush()
        db.session.add(WebhookAttempt(delivery_id=delivery.id, number=1, status_code=200))
        deliveries[name] = delivery.id
    db.session.flush()
    age(Job, finished_long_ago.id, created_at=now - timedelta(days=40),
        finished_at=now - timedelta(days=40), status="done", archive_name=f"batch-{finished_long_ago.id}.zip")  # fmt: skip
    age(WebhookDelivery, deliveries["long_ago"], created_at=now - timedelta(days=40))
    world.purged.update(job_of_purged=(Job, of_purged.id), job_long_ago=(Job, finished_long_ago.id),
                        delivery_of_purged=(WebhookDelivery, deliveries["of_purged"]),
                        delivery_long_ago=(WebhookDelivery, deliveries["long_ago"]))  # fmt: skip
    world.kept.update(fresh_client_assessment=(Assessment, fresh.id), job_recent=(Job, recent.id),
                      delivery_recent=(WebhookDelivery, deliveries["recent"]),
                      webhook=(Webhook, webhook.id))  # fmt: skip


def _operations(world: World, consultant, now: datetime) -> None:
    # Made before the tokens' audit entries: SQLite gives a new row the id of a deleted row that
    # had the highest id, and the purge's own entry must not be taken for this one.
    old_event = AuditEvent(action="login", actor="kim@consult.example", target="user:1")
    db.session.add(old_event)
    db.session.flush()
    old_token, _ = accounts.create_token(consultant, 30)
    fresh_token, _ = accounts.create_token(consultant, 30)
    old_failure = LoginFailure(key="account:someone@x.example")
    fresh_failure = LoginFailure(key="account:someone@x.example")
    db.session.add_all([old_failure, fresh_failure])
    db.session.flush()
    age(ApiToken, old_token.id, created_at=now - 5 * YEAR, expires_at=now - 4 * YEAR)
    age(LoginFailure, old_failure.id, at=now - timedelta(hours=2))  # LOGIN_WINDOW_SECONDS: 15 min
    age(AuditEvent, old_event.id, at=now - 3 * YEAR)  # AUDIT_RETENTION_DAYS: 2 years
    world.purged.update(old_token=(ApiToken, old_token.id),
                        old_failure=(LoginFailure, old_failure.id),
                        old_event=(AuditEvent, old_event.id))  # fmt: skip
    world.kept.update(fresh_token=(ApiToken, fresh_token.id),
                      fresh_failure=(LoginFailure, fresh_failure.id),
                      consultant_created=(AuditEvent, _first_event()))  # fmt: skip


def _first_event() -> int:
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.create"))


def _files(world: World, app) -> None:
    """Cached PDFs and batch ZIPs as the app names them (their content does not matter here)."""
    with app.app_context():
        cache = Path(app.config["PDF_CACHE_DIR"])
        batch_dir = Path(app.config["BATCH_DIR"])
        cache.mkdir(parents=True, exist_ok=True)
        batch_dir.mkdir(parents=True, exist_ok=True)
        for name, kept in (("old_own", False), ("fresh_own", True),
                           ("old_client_assessment", False)):  # fmt: skip
            assessment = db.session.get(Assessment, (world.kept if kept else world.purged)[name][1])
            for lang in ("ko", "en"):
                path = pdf.cache_path(assessment, lang)
                path.write_bytes(b"%PDF-1.7 " + assessment.profile["name"].encode())
                (world.kept_files if kept else world.purged_files).append(path)
        orphan = cache / "a999999-r1-ko-t1-i0.pdf"  # a render that finished after a purge
        stale = cache / "tmpold.part"
        fresh_part = cache / "tmpnew.part"  # a render being written now
        for path in (orphan, stale, fresh_part):
            path.write_bytes(b"%PDF-1.7")
        two_days_ago = time.time() - 2 * 86400
        os.utime(stale, (two_days_ago, two_days_ago))
        world.purged_files += [orphan, stale]
        world.kept_files.append(fresh_part)
        for name, kept in (("job_of_purged", False), ("job_long_ago", False),
                           ("job_recent", True)):  # fmt: skip
            job_id = (world.kept if kept else world.purged)[name][1]
            archive = batch_dir / f"batch-{job_id}.zip"
            work = batch_dir / f"batch-{job_id}"
            work.mkdir()
            (work / "1.pdf").write_bytes(b"%PDF-1.7")
            archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
            (world.kept_files if kept else world.purged_files).extend([archive, work])
