"""Database models, a module per area; importing this package registers every table."""

from .accounts import (
    MEMBER_ROLES,
    ORGANISATION_KINDS,
    ApiToken,
    Membership,
    Organisation,
    RecoveryCode,
    User,
    UserSession,
)
from .agencies import Programme, ProgrammeMatch, ResultFinding
from .assessments import DIMENSION_COLUMNS, Assessment, AssessmentResult, Consent, Firm
from .audit import AuditEvent, LoginFailure
from .base import utcnow
from .clients import MAX_NOTE_CHARS, AssessmentNote, Invitation
from .jobs import ITEM_STATUSES, JOB_STATUSES, Job, JobItem
from .totals import finding_total, result_total, results_version
from .webhooks import DELIVERY_STATUSES, Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "DELIVERY_STATUSES", "DIMENSION_COLUMNS", "ITEM_STATUSES", "JOB_STATUSES", "MAX_NOTE_CHARS",
    "MEMBER_ROLES", "ORGANISATION_KINDS", "ApiToken", "Assessment", "AssessmentNote",
    "AssessmentResult", "AuditEvent", "Consent", "Firm", "Invitation", "Job", "JobItem",
    "LoginFailure", "Membership", "Organisation", "Programme", "ProgrammeMatch", "RecoveryCode",
    "ResultFinding", "User", "UserSession", "Webhook", "WebhookAttempt", "WebhookDelivery",
    "finding_total", "result_total", "results_version", "utcnow",
]  # fmt: skip
