"""The JSON API's request and response shapes (marshmallow, as APIFlask documents them).

Request schemas check the structure (required fields, types, no unknown fields); the values are
then checked by the same validation as the command line (``assess.scoring``), which knows the
questionnaire's options and ranges. Score documents are returned exactly as the scoring core made
them (the schemas below describe them for the OpenAPI document).
"""

from __future__ import annotations

import re

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates

from ..scoring.answers import LANGUAGES
from ..services.aggregates import BY_COLUMNS, MAX_BY, TOTAL, UNKNOWN
from ..services.batches import MAX_ASSESSMENTS

MAX_PER_PAGE = 100
# Row ids are 32-bit integers on PostgreSQL; anything larger names no row.
MAX_ID = 2**31 - 1
TEXT = {"type": "object", "properties": {"ko": {"type": "string"}, "en": {"type": "string"}},
        "description": "the same text in Korean and English"}  # fmt: skip
ANSWER = {"description": "an option id, a number, \"dont_know\", or a list of option ids",
          "oneOf": [{"type": "string"}, {"type": "number"},
                    {"type": "array", "items": {"type": "string"}}]}  # fmt: skip


def _text(**kwargs) -> Dict:
    return Dict(keys=String(), values=String(), metadata={"description": TEXT["description"]},
                **kwargs)  # fmt: skip


class Error(Schema):
    error = String(required=True, metadata={"description": "a stable code, e.g. not_found"})
    message = String(required=True, metadata={"description": "what went wrong, in English"})
    request_id = String(required=True, metadata={
        "description": "this request's id (also the X-Request-ID header): quote it to support"})
    field = String(metadata={"description": "the input at fault (dotted path), for 422"})
    fields = Dict(keys=String(), values=String(),
                  metadata={"description": "every input at fault → its problem, for 422"})


class FirmProfile(Schema):
    name = String(allow_none=True)
    industry = String(allow_none=True, metadata={"description": "KSIC division, e.g. C29"})
    employees = Integer(strict=True, allow_none=True)
    annual_sales_mkrw = Float(allow_none=True, metadata={"description": "million KRW"})
    region = String(allow_none=True, metadata={"description": "e.g. busan"})
    founded_year = Integer(strict=True, allow_none=True)
    ceo_age = Integer(strict=True, allow_none=True)


class AnswersDocument(Schema):
    """An answers document (DESIGN §5), as the command line reads it."""

    questionnaire = String(required=True, metadata={"example": "ax-readiness"})
    version = Integer(required=True, strict=True, metadata={"example": 1})
    language = String(validate=OneOf(LANGUAGES))
    firm = Nested(FirmProfile, allow_none=True)
    answers = Dict(keys=String(), values=Raw(allow_none=True, metadata=ANSWER), allow_none=True,
                   metadata={"description": "question id → answer"})  # fmt: skip


class NewAssessment(AnswersDocument):
    """An answers document for a client firm: ``firm_id`` names an existing client of the
    token's consultancy; without it a new client is created from ``firm`` (which needs a name)."""

    firm_id = Integer(strict=True, validate=Range(min=1, max=MAX_ID),
                      metadata={"description": "an existing client firm's id"})  # fmt: skip


class Created(Schema):
    id = Integer(required=True)


class Overall(Schema):
    score = Float(required=True)
    level = Integer(required=True)
    level_name = _text()


class DimensionScore(Schema):
    id = String(required=True)
    name = _text()
    status = String(validate=OneOf(["scored", "not_pursued"]))
    score = Float(required=True, allow_none=True)
    level = Integer(required=True, allow_none=True)
    applicable = Integer()
    answered = Integer(required=True)
    unknown = Integer(required=True)


class Finding(Schema):
    rule = String(required=True)
    dimension = String(required=True)
    priority = String(required=True, validate=OneOf(["high", "medium", "low"]))
    horizon = String(required=True)
    text = _text(required=True)
    recommendation = _text()
    sources = List(String(), required=True)
    cases = List(String(), required=True)
    gain = Float(allow_none=True)
    change = Dict(keys=String(), values=Raw(metadata=ANSWER), allow_none=True,
                  metadata={"description": "the answers that would resolve the finding"})


class PeerCase(Schema):
    id = String(required=True)
    name = _text(required=True)
    why = _text(required=True)


class QuestionnaireRef(Schema):
    id = String(required=True)
    version = Integer(required=True)


class Score(Schema):
    """The score document of ``assess score --format json``."""

    questionnaire = Nested(QuestionnaireRef, required=True)
    language = String()
    firm = Nested(FirmProfile)
    overall = Nested(Overall, required=True)
    dimensions = List(Nested(DimensionScore), required=True)
    findings = List(Nested(Finding), required=True)
    cases = List(Nested(PeerCase), required=True)
    roadmap = Dict(keys=String(), values=List(String()))
    confidence = Float(required=True)
    ignored = List(String(), required=True)


class StoredAssessment(Score):
    id = Integer(required=True)
    firm_id = Integer(required=True)
    submitted_at = DateTime(required=True)


class AssessmentSummary(Schema):
    id = Integer(required=True)
    firm_id = Integer(required=True)
    firm = String(required=True, metadata={"description": "the client firm's name"})
    submitted_at = DateTime(required=True)
    questionnaire = Nested(QuestionnaireRef, required=True)
    overall = Float(required=True)
    level = Integer(required=True)


class Page(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=1_000_000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE))


class AssessmentPage(Schema):
    items = List(Nested(AssessmentSummary), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)
    next = String(required=True, allow_none=True,
                  metadata={"description": "the next page's address, null on the last"})


class Batch(Schema):
    assessments = List(Integer(strict=True, validate=Range(min=1, max=MAX_ID)), required=True,
                       validate=Length(min=1, max=MAX_ASSESSMENTS))  # fmt: skip
    language = String(load_default="ko", validate=OneOf(["ko", "en"]))


class JobCreated(Schema):
    job = Integer(required=True)


class JobProgress(Schema):
    status = String(required=True, validate=OneOf(["queued", "running", "done", "failed"]))
    done = Integer(required=True)
    total = Integer(required=True)
    failed = Integer(required=True)


class Questionnaire(Schema):
    """The resolved questionnaire of ``assess questionnaire export``."""

    id = String(required=True)
    version = Integer(required=True)
    title = _text()
    dimensions = List(Dict(), required=True)
    questions = List(Dict(), required=True)
    rules = List(Dict(), required=True)
    sources = List(Dict(), required=True)
    cases = List(Dict(), required=True)
    levels = List(Dict(), required=True)
    profile = Dict()
    errata = List(Dict())



QUARTER = re.compile(r"^[0-9]{4}Q[1-4]$")
BY_DESCRIPTION = (
    f"comma-separated, one or two of {', '.join(BY_COLUMNS)}. Three or more are refused (422): "
    "the exact check that no hidden cell can be narrowed from the shown ones and their totals "
    "supports one- and two-way tables only (deeper cross-tables would need a solver).")


class AggregatesQuery(Schema):
    """What to group by, and the filters (values of the current questionnaire)."""

    by = String(required=True, metadata={"description": BY_DESCRIPTION,
                                         "example": "industry,region"})
    industry = String(metadata={"description": "a KSIC division of the questionnaire, e.g. C29"})
    region = String(metadata={"description": "a region id of the questionnaire, e.g. busan"})
    size = String(metadata={"description": "a size band id of the questionnaire"})
    quarter_from = String(data_key="from", metadata={"description": "first quarter, e.g. 2025Q1"})
    quarter_to = String(data_key="to", metadata={"description": "last quarter, e.g. 2025Q4"})

    @validates("by")
    def _by(self, value: str, **_) -> None:
        names = [name.strip() for name in value.split(",")]
        unknown = [name for name in names if name not in BY_COLUMNS]
        if unknown:
            raise ValidationError(f"unknown variable {unknown[0]!r}: use one or two of "
                                  f"{', '.join(BY_COLUMNS)}")
        if len(set(names)) != len(names):
            raise ValidationError("each variable once")
        if len(names) > MAX_BY:
            raise ValidationError(
                f"at most {MAX_BY} variables: the exact protection check supports one- and "
                "two-way tables")

    def _known(self, value: str, allowed, what: str) -> None:
        if value not in allowed:
            raise ValidationError(f"{value!r} is not {what} of the current questionnaire")

    @validates("industry")
    def _industry(self, value: str, **_) -> None:
        from ..services.questionnaires import current_questionnaire

        self._known(value, current_questionnaire().industries, "an industry")

    @validates("region")
    def _region(self, value: str, **_) -> None:
        from ..services.questionnaires import current_questionnaire

        self._known(value, current_questionnaire().regions, "a region")

    @validates("size")
    def _size(self, value: str, **_) -> None:
        from ..services.questionnaires import current_questionnaire

        bands = {b.id for b in current_questionnaire().profile.size_bands}
        self._known(value, bands, "a size band")

    @validates("quarter_from")
    def _from(self, value: str, **_) -> None:
        if not QUARTER.match(value):
            raise ValidationError("a quarter such as 2025Q1")

    @validates("quarter_to")
    def _to(self, value: str, **_) -> None:
        if not QUARTER.match(value):
            raise ValidationError("a quarter such as 2025Q4")


class OverallMean(Schema):
    mean = Float(required=True, metadata={"description": "mean readiness index, 0-100"})


_LABEL = (f"the cell's label; \"{TOTAL}\" in a margin (row, column or grand total); "
          f"\"{UNKNOWN}\" for firms whose profile does not say")


class AggregateCell(Schema):
    """One cell. It has a key for each variable of `by`. A shown cell has `n`, `overall` and
    `dimensions`; a hidden cell has only its keys and `"suppressed": true`, and a cell without
    firms looks exactly like a hidden one."""

    industry = String(metadata={"description": _LABEL})
    region = String(metadata={"description": _LABEL})
    size = String(metadata={"description": _LABEL})
    quarter = String(metadata={"description": _LABEL})
    n = Integer(metadata={"description": "firms in the cell (at least k); shown cells only"})
    overall = Nested(OverallMean, metadata={"description": "shown cells only"})
    dimensions = Dict(keys=String(), values=Float(allow_none=True), metadata={
        "description": "dimension id -> mean score of the cell's firms that have it scored "
                       "(null when fewer than k of them do); shown cells only"})
    suppressed = Boolean(required=True)


class Aggregates(Schema):
    k = Integer(required=True, metadata={"description": "the fewest firms a shown cell covers"})
    cells = List(Nested(AggregateCell), required=True, metadata={
        "description": "inner cells, then the margins: row totals, column totals, the grand "
                       "total (every key \"total\"); empty when nothing may be published"})
    message = String(metadata={"description": "why nothing is published, when cells is empty"})
