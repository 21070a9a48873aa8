"""A consultancy's client firms: add, edit, archive, list with their latest result; assessments
filled on a client's behalf; invitations for a client to fill its own; notes on assessments.

Every function takes objects already loaded through ``assess.permissions`` (scoped to the
consultancy), so none of them can reach another organisation's firm. Services flush; the caller
commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, or_, select, update

from .. import signing
from ..extensions import db
from ..models import (
    DIMENSION_COLUMNS,
    MAX_NOTE_CHARS,
    Assessment,
    AssessmentNote,
    AssessmentResult,
    Firm,
    Invitation,
    Organisation,
    User,
)
from ..models.base import as_utc
from ..models.plain import PlainRead
from ..questionnaire import PROFILE_FIELDS
from ..scoring.answers import N_, has_control_characters, validate_firm
from . import audit
from .drafts import start_assessment, token_hash
from .questionnaires import current_questionnaire, questionnaire_of

INVITATION_SALT = "client-invitation"  # a namespace, not a secret
SORTS = ("name", "index", "date")


class ClientError(ValueError):
    """A change to a client that cannot be made as asked; ``field`` names the input at fault."""

    def __init__(self, field: str, template: str, **params: Any):
        self.field = field
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


# Clients.


def _checked_profile(profile: dict[str, Any]) -> dict[str, Any]:
    checked = validate_firm({k: v for k, v in profile.items() if v not in (None, "")},
                            current_questionnaire())  # fmt: skip
    if not checked.get("name"):
        raise ClientError("name", N_("Enter the firm's name"))
    return checked


def checked_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """A firm record's fields from a profile: validated, and with a name.

    :raise AnswersError, ClientError: naming the field at fault.
    """
    checked = _checked_profile(profile)
    return {key: checked.get(key, "" if key == "name" else None) for key in PROFILE_FIELDS}


def create_client(organisation: Organisation, profile: dict[str, Any], actor: User | None) -> Firm:
    """:raise AnswersError: for a profile field out of range (as on the respondent's page)."""
    firm = Firm(organisation_id=organisation.id)
    _set_profile(firm, _checked_profile(profile))
    db.session.add(firm)
    db.session.flush()
    audit.record("client.create", f"firm:{firm.id}", actor)
    return firm


def update_client(firm: Firm, profile: dict[str, Any], actor: User) -> None:
    _set_profile(firm, _checked_profile(profile))
    audit.record("client.update", f"firm:{firm.id}", actor)
    db.session.flush()


def _set_profile(firm: Firm, profile: dict[str, Any]) -> None:
    for key in PROFILE_FIELDS:
        setattr(firm, key, profile.get(key, "" if key == "name" else None))


def profile_of(firm: Firm) -> dict[str, Any]:
    return {k: getattr(firm, k) for k in PROFILE_FIELDS if getattr(firm, k) not in (None, "")}


def set_archived(firm: Firm, archived: bool, actor: User) -> None:
    firm.archived_at = datetime.now(UTC) if archived else None
    audit.record("client.archive" if archived else "client.restore", f"firm:{firm.id}", actor)
    db.session.flush()


@dataclass(frozen=True)
class ClientRow:
    firm: Firm
    overall: float | None
    level: int | None
    date: datetime | None
    assessment_id: int | None


def visible_assessments(organisation_id: int):
    """The condition for an assessment the consultancy may see: of one of its clients, and not
    withdrawn by the client."""
    return (Assessment.firm_id == Firm.id, Firm.organisation_id == organisation_id,
            Assessment.consultancy_revoked_at.is_(None))  # fmt: skip


def client_rows(
    organisation: Organisation, search: str = "", sort: str = "name", archived: bool = False
) -> list[ClientRow]:
    """The consultancy's clients with the latest submitted result each (one query)."""
    latest = (
        select(Assessment.firm_id, func.max(AssessmentResult.submitted_at).label("at"))
        .join(AssessmentResult, AssessmentResult.assessment_id == Assessment.id)
        .join(Firm, Firm.id == Assessment.firm_id)
        .where(*visible_assessments(organisation.id))
        .group_by(Assessment.firm_id)
        .subquery()
    )
    query = (
        select(Firm, AssessmentResult.overall, AssessmentResult.level,
               AssessmentResult.submitted_at, AssessmentResult.assessment_id)
        .outerjoin(latest, latest.c.firm_id == Firm.id)
        .outerjoin(Assessment, (Assessment.firm_id == Firm.id)
                   & Assessment.consultancy_revoked_at.is_(None))
        .outerjoin(AssessmentResult, (AssessmentResult.assessment_id == Assessment.id)
                   & (AssessmentResult.submitted_at == latest.c.at))
        .where(Firm.organisation_id == organisation.id,
               Firm.archived_at.is_not(None) if archived else Firm.archived_at.is_(None))
    )  # fmt: skip
    search = (search or "").strip()
    if has_control_characters(search):
        return []  # no name holds one (they are refused), and PostgreSQL cannot compare a NUL
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Firm.name.ilike(pattern, escape="\\"),
                                Firm.industry.ilike(pattern, escape="\\")))  # fmt: skip
    rows: dict[int, ClientRow] = {}
    for firm, overall, level, at, assessment_id in db.session.execute(query):
        if firm.id not in rows or assessment_id is not None:
            rows[firm.id] = ClientRow(firm, overall, level, at, assessment_id)
    listed = list(rows.values())
    if sort == "index":
        listed.sort(key=lambda r: (r.overall is None, -(r.overall or 0), r.firm.name))
    elif sort == "date":
        listed.sort(key=lambda r: (r.date is None, -(r.date.timestamp() if r.date else 0),
                                   r.firm.name))  # fmt: skip
    else:
        listed.sort(key=lambda r: (r.firm.name.casefold(), r.firm.id))
    return listed


def dimension_scores(assessment_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """Assessment id → its stored scores per dimension (never rescored), in one query."""
    results = db.session.scalars(
        select(AssessmentResult).where(AssessmentResult.assessment_id.in_(assessment_ids)))
    return {r.assessment_id: {d: getattr(r, d) for d in DIMENSION_COLUMNS} for r in results}


def assessments_of(firm: Firm) -> list[Assessment]:
    """The client's assessments the consultancy may see, oldest first."""
    return list(db.session.scalars(
        select(Assessment).where(Assessment.firm_id == firm.id,
                                 Assessment.consultancy_revoked_at.is_(None))
        .order_by(Assessment.id)))  # fmt: skip


def latest_visible(firm: Firm) -> Assessment | None:
    """The client's latest submitted assessment that the consultancy may see."""
    return db.session.scalar(
        select(Assessment).where(Assessment.firm_id == firm.id, Assessment.status == "submitted",
                                 Assessment.consultancy_revoked_at.is_(None))
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc()).limit(1))  # fmt: skip


# Assessments for a client.


def start_for_client(firm: Firm, consultant: User, language: str) -> tuple[Assessment, str]:
    """A draft filled by the consultant on the client's behalf, starting from the client's
    record (and from its last assessment, for progress)."""
    previous = _last_submitted(firm)
    assessment, token = start_assessment(language, previous)
    assessment.firm = firm
    assessment.profile = profile_of(firm)
    assessment.created_by_id = consultant.id
    db.session.flush()
    audit.record("assessment.start_for_client", f"assessment:{assessment.id}", consultant,
                 firm=firm.id)  # fmt: skip
    return assessment, token


def reopen_link(assessment: Assessment, consultant: User) -> str:
    """A fresh resume link for a draft the consultant fills (only the hash is stored, so the
    old link stops working and a new one is issued)."""
    token = secrets.token_urlsafe(24)
    assessment.resume_token_hash = token_hash(token)
    db.session.flush()
    return token


def _last_submitted(firm: Firm) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.firm_id == firm.id, Assessment.status == "submitted")
        .order_by(Assessment.submitted_at.desc()).limit(1))  # fmt: skip


def profile_changes(firm: Firm, assessment: Assessment) -> list[tuple[str, Any, Any]]:
    """(field, on the consultancy's record, as the client gave it) where they differ: the client
    filling an invited assessment never overwrites the record; the consultant sees this."""
    mine = profile_of(firm)
    theirs = assessment.profile or {}
    return [(k, mine.get(k), theirs.get(k)) for k in PROFILE_FIELDS
            if theirs.get(k) not in (None, "") and mine.get(k) != theirs.get(k)]  # fmt: skip


def accept_profile(firm: Firm, assessment: Assessment, actor: User) -> None:
    """Take the client's own profile from ``assessment`` into the consultancy's record."""
    _set_profile(firm, {**profile_of(firm), **assessment.profile})
    audit.record("client.accept_profile", f"firm:{firm.id}", actor, assessment=assessment.id)
    db.session.flush()


# Invitations.


def _serializer() -> URLSafeTimedSerializer:
    return signing.serializer(INVITATION_SALT)


def invite_client(firm: Firm, actor: User, email: str | None = None) -> tuple[Invitation, str]:
    """A new invitation for ``firm`` and its signed link token (valid INVITATION_HOURS)."""
    hours = current_app.config["INVITATION_HOURS"]
    invitation = Invitation(firm_id=firm.id, organisation_id=firm.organisation_id,
                            created_by_id=actor.id, email=email or None,
                            expires_at=datetime.now(UTC) + timedelta(hours=hours))  # fmt: skip
    db.session.add(invitation)
    db.session.flush()
    audit.record("client.invite", f"firm:{firm.id}", actor, invitation=invitation.id)
    return invitation, _serializer().dumps({"i": invitation.id})


def invitation_for(token: str) -> Invitation | None:
    """The invitation behind a link; None when forged, expired or unknown."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_HOURS"] * 3600)
    except (BadSignature, SignatureExpired):
        return None
    invitation = db.session.get(Invitation, data.get("i")) if isinstance(data, dict) else None
    if invitation is None or invitation.firm.archived_at is not None:
        return None
    # The link's own age is checked above; the stored term is the one the invitation was given
    # (and shown with), whatever INVITATION_HOURS says now.
    if as_utc(invitation.expires_at) <= datetime.now(UTC):
        return None
    return invitation


def accept_invitation(invitation: Invitation, language: str) -> tuple[Assessment, str] | None:
    """Start the client's own assessment from an invitation, once; None when already used.

    The invitation is claimed by one conditional UPDATE before anything is made: of two clicks
    arriving together, the second finds it used (PostgreSQL re-checks the condition once the
    first commits; SQLite has one writer at a time), so no second draft is ever started."""
    if invitation.used_at is not None:
        return None
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    if claimed != 1:
        return None
    firm = invitation.firm
    assessment, token = start_assessment(language, _last_submitted(firm))
    assessment.firm = firm
    assessment.profile = profile_of(firm)
    invitation.used_at = now
    invitation.assessment_id = assessment.id
    db.session.flush()
    audit.record("client.invitation_used", f"assessment:{assessment.id}", None,
                 invitation=invitation.id)  # fmt: skip
    return assessment, token


def consultancy_of(assessment: Assessment) -> tuple | None:
    """The consultancy that receives this assessment's results, while the firm lets it: its
    ``id`` and ``name``, as the respondent's pages name it."""
    if assessment.firm_id is None or assessment.consultancy_revoked_at:
        return None
    return _CONSULTANCY_OF_FIRM.one_or_none(db.engine, firm=assessment.firm_id)


_CONSULTANCY_OF_FIRM = PlainRead(
    select(Organisation.id, Organisation.name).join(Firm, Firm.organisation_id == Organisation.id)
    .where(Firm.id == bindparam("firm")), "Consultancy")  # fmt: skip


def withdraw_from_consultancy(assessment: Assessment) -> None:
    """The client firm stops sharing this assessment with its consultancy."""
    if assessment.consultancy_revoked_at is None:
        assessment.consultancy_revoked_at = datetime.now(UTC)
        audit.record("consultancy.withdrawn", f"assessment:{assessment.id}", None)
        db.session.flush()


# Notes.


def notes_of(assessment: Assessment) -> dict[str, str]:
    """dimension id (or "overall") → note text."""
    return {n.dimension: n.text for n in db.session.scalars(
        select(AssessmentNote).where(AssessmentNote.assessment_id == assessment.id))}  # fmt: skip


def report_notes(assessment: Assessment) -> dict[str, Any] | None:
    """The notes as the PDF takes them: the overall comment and one note per dimension."""
    flat = notes_of(assessment)
    if not flat:
        return None
    return {"overall": flat.pop("overall", None), "dimensions": flat}


def save_notes(assessment: Assessment, notes: dict[str, str], actor: User) -> None:
    """Replace the notes given (an empty text removes one); keys are dimension ids or "overall"."""
    allowed = {"overall", *(d.id for d in questionnaire_of(assessment).dimensions)}
    for key, text in notes.items():
        if key not in allowed:
            raise ClientError(key, N_("Unknown dimension %(key)s"), key=key)
        text = (text or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_NOTE_CHARS:
            raise ClientError(key, N_("Use at most %(max)s characters"), max=MAX_NOTE_CHARS)
        if any(ord(c) < 32 and c not in "\n\t" for c in text):
            raise ClientError(key, N_("Remove the control characters"))
    existing = {n.dimension: n for n in db.session.scalars(
        select(AssessmentNote).where(AssessmentNote.assessment_id == assessment.id))}  # fmt: skip
    for key, text in notes.items():
        text = (text or "").replace("\r\n", "\n").strip()
        note = existing.get(key)
        if not text:
            if note is not None:
                db.session.delete(note)
        elif note is None:
            db.session.add(AssessmentNote(assessment_id=assessment.id, dimension=key, text=text,
                                          author_id=actor.id))  # fmt: skip
        elif note.text != text:
            note.text, note.author_id = text, actor.id
    audit.record("assessment.notes", f"assessment:{assessment.id}", actor)
    db.session.flush()
