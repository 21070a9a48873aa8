"""Database models, a module per area; importing this package registers every table."""

from .assessments import DIMENSION_COLUMNS, Assessment, AssessmentResult, Consent, Firm
from .base import utcnow

__all__ = ["DIMENSION_COLUMNS", "Assessment", "AssessmentResult", "Consent", "Firm", "utcnow"]
