"""Forms of the respondent's journey; question pages are built at runtime from the questionnaire."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, StopValidation
from wtforms.widgets import HiddenInput

from ..forms import Form
from ..i18n import person_message
from ..questionnaire import Questionnaire
from ..questionnaire.schema import Question
from ..scoring.answers import MAX_NAME_CHARS, AnswersError, checked_text

UNKNOWN_SUFFIX = "__unknown"
NUMBER_MAX_CHARS = 30  # what a number field takes as typed


class RevisionForm(Form):
    """Every saving form carries the revision it was loaded at (two tabs must not overwrite)."""

    revision = HiddenField()


class FreeText:
    """The answers document's rules for free text (not blank, no control characters, bounded
    length) as a form error in the person's language; the stored value is the checked one."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars

    def __call__(self, form, field) -> None:
        try:
            field.data = checked_text(field.name, field.data or "", self.max_chars)
        except AnswersError as exc:
            raise StopValidation(person_message(exc)) from None


class ProfileForm(RevisionForm):
    name = StringField(_l("Firm name"), [InputRequired(_l("Enter the firm's name")),
                                         FreeText(MAX_NAME_CHARS)])  # fmt: skip
    industry = SelectField(_l("Industry (KSIC division)"),
                           [InputRequired(_l("Choose the industry"))])  # fmt: skip
    region = SelectField(_l("Region of the main plant"), [InputRequired(_l("Choose the region"))])
    employees = IntegerField(_l("Number of employees"),
                             [InputRequired(_l("Enter the number of employees"))])  # fmt: skip
    annual_sales_mkrw = IntegerField(_l("Annual sales (million KRW)"),
                                     [InputRequired(_l("Enter annual sales"))])  # fmt: skip
    founded_year = IntegerField(_l("Year founded"), [InputRequired(_l("Enter the year founded"))])
    ceo_age = IntegerField(_l("CEO's age"), [InputRequired(_l("Enter the CEO's age"))])


def profile_form(questionnaire: Questionnaire, lang: str, **kwargs: Any) -> ProfileForm:
    """The profile form with this questionnaire's industries, regions and ranges."""
    form = ProfileForm(**kwargs)
    placeholder = [SelectChoice("", _l("Choose…"))]
    form.industry.choices = placeholder + [
        SelectChoice(code, f"{code} {name.get(lang)}")
        for code, name in questionnaire.industries.items()
    ]
    form.region.choices = placeholder + [
        SelectChoice(rid, name.get(lang)) for rid, name in questionnaire.regions.items()
    ]
    for key, bounds in questionnaire.profile.fields.items():
        field = getattr(form, key)
        field.validators = [
            *field.validators,
            NumberRange(
                int(bounds.min), int(bounds.max), _l("Enter a number from %(min)s to %(max)s")
            ),  # fmt: skip
        ]
        field.render_kw = {"min": int(bounds.min), "max": int(bounds.max), "inputmode": "numeric"}
    return form


def parse_number(raw: str) -> float | int | None:
    """A number as people type it: '12,000', ' 3.5 ', '１２'; None when it is not a number."""
    text = raw.strip().replace(",", "").replace(" ", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value


def posted_revision(formdata: MultiDict) -> int:
    """The revision the page was loaded at; 0 (never current: a conflict) when malformed."""
    raw = str(formdata.get("revision") or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else 0


# A question page is read straight from the posted body: its HTML is drawn by markup.py and its
# answers are checked by the service, so a form object would only copy the values across.


def _ticked(formdata: MultiDict, name: str) -> bool:
    """A checkbox as browsers post it: present, with any value but an empty one or "false"."""
    return formdata.get(name) not in (None, "", "false")


def posted_answers(formdata: MultiDict, questions: list[Question]) -> tuple[dict, dict]:
    """(question id → answer or None, question id → error message) from a submitted page.
    An option id the question does not have is passed on: the service rejects it by name."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in questions:
        if q.type == "number":
            if _ticked(formdata, q.id + UNKNOWN_SUFFIX):
                answers[q.id] = "dont_know"
                continue
            raw = (formdata.get(q.id) or "").strip()
            value = parse_number(raw) if len(raw) <= NUMBER_MAX_CHARS else None
            if raw and value is None:
                errors[q.id] = str(_l("Enter a number, like 12 or 3.5"))
            elif value is not None and not q.min <= value <= q.max:
                errors[q.id] = str(
                    _l("Enter a number from %(min)s to %(max)s", min=f"{q.min:g}", max=f"{q.max:g}")
                )
            else:
                answers[q.id] = value
        elif q.type == "single":
            answers[q.id] = formdata.get(q.id) or None
        else:
            answers[q.id] = formdata.getlist(q.id) or None
    return answers, errors


def shown_values(questions: list[Question], answers: dict) -> dict[str, Any]:
    """What a freshly loaded page shows, by field name, from the stored answers."""
    values: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.id)
        if value is None:
            continue
        if q.type == "number":
            if value == "dont_know":
                values[q.id + UNKNOWN_SUFFIX] = True
            else:
                values[q.id] = f"{value:g}" if isinstance(value, float) else str(value)
        else:
            values[q.id] = value
    return values


def posted_values(formdata: MultiDict, questions: list[Question]) -> dict[str, Any]:
    """What a posted page shows again, by field name: what was sent, as typed."""
    values: dict[str, Any] = {}
    for q in questions:
        if q.type == "number":
            values[q.id] = formdata.get(q.id)
            values[q.id + UNKNOWN_SUFFIX] = _ticked(formdata, q.id + UNKNOWN_SUFFIX)
        elif q.type == "single":
            values[q.id] = formdata.get(q.id)
        else:
            values[q.id] = formdata.getlist(q.id)
    return values


class ConsentForm(Form):
    agency = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    share = BooleanField(_l("Share my results with this agency"))
