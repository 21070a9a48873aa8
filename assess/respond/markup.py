"""The questions of a page as HTML, built once per questionnaire, page and language.

A question's wording, hints, options and their labels never change while a process runs (a
questionnaire version is immutable), so their escaped markup is made once and kept. A request
only adds what depends on it: which options are ticked, the number typed, the error, whether the
question applies and whether it was carried over. Drawing a page is then a join of ready-made
strings instead of a template loop over WTForms' sub-fields, which was most of the page's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..questionnaire import Questionnaire
from ..questionnaire.schema import Question
from .forms import NUMBER_MAX_CHARS, UNKNOWN_SUFFIX


@dataclass(frozen=True)
class ChoiceMarkup:
    value: str
    start: str  # up to the input's closing '>', where " checked" may go
    end: str


@dataclass(frozen=True)
class QuestionMarkup:
    id: str
    type: str
    body: str  # legend and hint
    carried: str
    choices: tuple[ChoiceMarkup, ...] = ()
    number_start: str = ""  # up to the value attribute
    number_end: str = ""  # after the value, to the "Don't know" box
    unknown_end: str = ""  # after that box


@lru_cache(maxsize=64)
def page_markup(questionnaire: Questionnaire, page: str, lang: str) -> tuple[QuestionMarkup, ...]:
    with force_locale(lang):
        return tuple(_question_markup(q, lang) for q in questionnaire.questions_of(page))


def _question_markup(question: Question, lang: str) -> QuestionMarkup:
    qid = escape(question.id)
    text = escape(question.text.get(lang))
    body = (f'<legend>{text}</legend>\n<p class="hint" id="{qid}-hint">'
            f"{escape(question.help.get(lang))}</p>\n")  # fmt: skip
    carried = (f'<p class="carried" id="{qid}-carried">'
               f"{escape(_('Carried over from your last assessment: check that it still holds.'))}"
               "</p>\n")  # fmt: skip
    if question.type == "number":
        unit = escape(question.unit.get(lang)) if question.unit else ""
        unknown = escape(question.id + UNKNOWN_SUFFIX)
        dont_know = escape(_("Don't know"))
        return QuestionMarkup(
            question.id, question.type, body, carried,
            number_start=(f'<div class="input-with-unit">\n<label class="visually-hidden" '
                          f'for="{qid}">{text}</label>\n<input autocomplete="off" id="{qid}" '
                          f'inputmode="decimal" maxlength="{NUMBER_MAX_CHARS}" name="{qid}" size="12" '
                          'type="text" value="'),
            number_end=(f'">\n<span>{unit}</span>\n</div>\n<div class="choice choice-unknown">'
                        f'<input id="{unknown}" name="{unknown}" type="checkbox" value="y"'),
            unknown_end=f'> <label for="{unknown}">{dont_know}</label></div>\n',
        )  # fmt: skip
    kind = "radio" if question.type == "single" else "checkbox"
    choices = []
    for index, option in enumerate(question.options):
        box = f"{qid}-{index}"
        css = "choice choice-unknown" if option.unknown else "choice"
        exclusive = " data-exclusive" if kind == "checkbox" and (
            option.exclusive or option.unknown) else ""  # fmt: skip
        choices.append(ChoiceMarkup(
            option.id,
            start=(f'<div class="{css}">\n<input type="{kind}" id="{box}" name="{qid}" '
                   f'value="{escape(option.id)}"'),
            end=f'{exclusive}>\n<label for="{box}">{escape(option.text.get(lang))}</label>\n</div>\n',
        ))  # fmt: skip
    return QuestionMarkup(question.id, question.type, body, carried, choices=tuple(choices))


def question_html(m: QuestionMarkup, *, value, unknown: bool = False, error: str | None = None,
                  applies: bool = True, carried: bool = False) -> str:  # fmt: skip
    """One question's fieldset, as escaped HTML, with this request's state: ``value`` is the
    option id (single), the list of option ids (multiple) or the typed text (number)."""
    described = f"{m.id}-hint"
    if carried:
        described += f" {m.id}-carried"
    if error:
        described += f" {m.id}-error"
    parts = [
        f'<fieldset class="question{" has-error" if error else ""}" id="{m.id}-field" '
        f'data-question="{m.id}" aria-describedby="{described}"'
        f'{" hidden disabled" if not applies else ""}>\n',
        m.body,
    ]
    if carried:
        parts.append(m.carried)
    if error:
        parts.append(f'<span class="error-message" id="{m.id}-error">{escape(error)}</span>\n')
    if m.type == "number":
        ticked = " checked" if unknown else ""
        parts += [m.number_start, escape(value or ""), m.number_end, ticked, m.unknown_end]
    else:
        chosen = set(value or ()) if m.type == "multiple" else {value}
        parts.append('<div class="choices">\n')
        for choice in m.choices:
            parts += [choice.start, " checked" if choice.value in chosen else "", choice.end]
        parts.append("</div>\n")
    parts.append("</fieldset>\n")
    return "".join(parts)  # every text in it was escaped above


def page_questions_html(questionnaire: Questionnaire, page: str, lang: str, values: dict, *,
                        errors: dict, applicable: set, to_review: set) -> Markup:  # fmt: skip
    """Every question of the page showing ``values`` (by field name: stored or as posted), as
    one piece of markup (the template outputs it once, rather than once per question)."""
    return Markup("".join([  # noqa: S704 - each question's markup is escaped in question_html
        question_html(
            m, value=values.get(m.id), error=errors.get(m.id), applies=m.id in applicable,
            unknown=bool(values.get(m.id + UNKNOWN_SUFFIX)), carried=m.id in to_review,
        )  # fmt: skip
        for m in page_markup(questionnaire, page, lang)
    ]))


@lru_cache(maxsize=64)
def progress_bar_html(step: int, total: int, label: str, lang: str) -> Markup:
    """The ``progress_bar`` macro's markup for a step of a page in ``lang``, the same on every
    view of that page: drawn once rather than by a macro call on each view."""
    with force_locale(lang):
        return current_app.jinja_env.globals["progress_bar"]({"step": step, "total": total}, label)
