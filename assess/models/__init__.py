"""Database models, a module per area; importing this package registers every table."""

from .accounts import MEMBER_ROLES, ORGANISATION_KINDS, ApiToken, Membership, Organisation, User
from .assessments import DIMENSION_COLUMNS, Assessment, AssessmentResult, Consent, Firm
from .audit import AuditEvent, LoginFailure
from .base import utcnow
from .clients import MAX_NOTE_CHARS, AssessmentNote, Invitation

__all__ = [
    "DIMENSION_COLUMNS", "MAX_NOTE_CHARS", "MEMBER_ROLES", "AssessmentNote", "Invitation", "ORGANISATION_KINDS", "ApiToken", "Assessment",
    "AssessmentResult", "AuditEvent", "Consent", "Firm", "LoginFailure", "Membership",
    "Organisation", "User", "utcnow",
]  # fmt: skip
