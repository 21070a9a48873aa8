"""The answers document (DESIGN §5): parse, check against a questionnaire, name what is wrong."""

from __future__ import annotations

import json
import math
import re
import reprlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..questionnaire import PROFILE_FIELDS, Questionnaire
from ..questionnaire.yamlsource import MAX_NESTING, load_yaml

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_NAME_CHARS = 200
UNKNOWN = "dont_know"  # a number question answered "don't know"
LANGUAGES = ("ko", "en")
INT_FIELDS = ("employees", "founded_year", "ceo_age")
NUMBER_FIELDS = ("employees", "annual_sales_mkrw", "founded_year", "ceo_age")
# Values quoted in messages are cut short: a document may hold a megabyte in one string, or
# lists nested deeper than the recursion limit allows a plain repr to follow.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 3, 60, 60, 40
_PLAIN_KEY = re.compile(r"""[^\s:'"]{1,100}""")


# Characters that change how text displays without being text: the bidirectional embeddings,
# overrides and isolates (a name could show reversed in the PDF) and the direction marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def N_(message: str) -> str:
    """Mark a message people may see: extracted for translation, translated by the web layer."""
    return message


class AnswersError(ValueError):
    """Bad input: ``field`` is the dotted path of the offending field.

    ``message`` is the detailed English text for the command line and the API; ``template`` and
    ``params`` are the message for a person filling the form (translated by the web layer).
    """

    def __init__(self, field: str, message: str, template: str | None = None, **params: Any):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.template = template or message
        self.params = params


@dataclass(frozen=True)
class AnswersDocument:
    questionnaire: str
    version: int
    language: str
    firm: dict[str, Any]
    answers: dict[str, Any] = field(default_factory=dict)



def read_document(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON file into a mapping; too big or malformed files are AnswersErrors."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AnswersError("file", f"cannot read {path}: {exc.strerror}") from None
    if size > MAX_DOCUMENT_BYTES:
        raise AnswersError("file", f"{path} is {size:,} bytes; the limit is 1 MB")
    try:
        return parse_document(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise AnswersError("file", f"{path} is not UTF-8 text") from None


def parse_document(text: str) -> dict[str, Any]:
    """Parse YAML (JSON is YAML too, but a JSON error reads better from the JSON parser)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise AnswersError("file", "the document is larger than 1 MB")
    stripped = text.lstrip()
    try:
        data = loads_json(text) if stripped.startswith("{") else load_yaml(text)
    except json.JSONDecodeError as exc:
        raise AnswersError("file", f"malformed JSON at line {exc.lineno}: {exc.msg}") from None
    except JSONProblem as exc:
        raise AnswersError("file", f"malformed JSON: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise AnswersError("file", f"malformed YAML{where}: {problem}") from None
    except RecursionError:  # thousands of nested brackets: no answers document is shaped so
        raise AnswersError("file", "nested too deeply to be an answers document") from None
    if not isinstance(data, dict):
        raise AnswersError("file", "must be a mapping with questionnaire, firm and answers")
    return data


class JSONProblem(ValueError):
    """JSON the parser reads but a document cannot hold (see ``loads_json``)."""


def loads_json(text: str | bytes) -> Any:
    """Parse JSON as an answers document needs it: a key given twice in one object, nesting
    deeper than YAML allows (MAX_NESTING) and numbers of more digits than Python converts are
    JSONProblems rather than a silently dropped answer or a RecursionError."""
    if isinstance(text, bytes):  # as json.loads reads bytes; a UnicodeDecodeError is the caller's
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    try:
        return _within_depth(json.loads(text, object_pairs_hook=_unique_keys))
    except (json.JSONDecodeError, JSONProblem):
        raise
    except RecursionError:
        raise JSONProblem(f"nested more than {MAX_NESTING} levels deep") from None
    except ValueError:  # the only other one: an integer of thousands of digits
        raise JSONProblem("a number has too many digits") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise JSONProblem(f"duplicate key {shown(key)}")
        data[key] = value
    return data


def _within_depth(data: Any) -> Any:
    """``data`` if it nests no deeper than MAX_NESTING (checked without recursion)."""
    level = [data]
    for _ in range(MAX_NESTING):
        level = [v for node in level if isinstance(node, dict | list)
                 for v in (node.values() if isinstance(node, dict) else node)]  # fmt: skip
        if not level:
            return data
    if any(isinstance(node, dict | list) for node in level):
        raise JSONProblem(f"nested more than {MAX_NESTING} levels deep")
    return data


def shown(value: Any) -> str:
    """``value`` as an error message quotes it: short, whatever its size or depth."""
    return _SHORT.repr(value)


def field_name(key: Any) -> str:
    """A key as the ``field`` of an error: itself when it reads as a name, else quoted short (an
    empty key, one with spaces, colons, quotes or control characters, a very long one), so that
    ``field: message`` stays one unambiguous line."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) and key.isprintable():
        return key
    return shown(key)


def header_of(data: dict[str, Any]) -> tuple[str, int]:
    """The questionnaire id and version a raw document names."""
    if not isinstance(data, dict):
        raise AnswersError("file", "must be a mapping with questionnaire, firm and answers")
    qid, version = data.get("questionnaire"), data.get("version")
    if not isinstance(qid, str) or not qid:
        raise AnswersError("questionnaire", "missing or not a text id")
    if isinstance(version, bool) or not isinstance(version, int):
        raise AnswersError("version", "missing or not a whole number")
    return qid, version


def validate_document(data: dict[str, Any], questionnaire: Questionnaire) -> AnswersDocument:
    """Check a raw document against ``questionnaire``; raise AnswersError on the first problem."""
    unknown_keys = set(data) - {"questionnaire", "version", "language", "firm", "answers"}
    if unknown_keys:
        raise AnswersError(min(map(field_name, unknown_keys)), "unknown top-level field")
    qid, version = header_of(data)
    if (qid, version) != (questionnaire.id, questionnaire.version):
        raise AnswersError("questionnaire", f"expected {questionnaire.id} v{questionnaire.version}")
    language = data.get("language", "ko")
    if language not in LANGUAGES:
        raise AnswersError("language", f"{shown(language)} is not one of ko, en")
    firm = validate_firm(data.get("firm") or {}, questionnaire)
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise AnswersError("answers", "must be a mapping of question id to answer")
    checked = {str(k): validate_answer(str(k), v, questionnaire) for k, v in answers.items()}
    return AnswersDocument(qid, version, language, firm, {k: v for k, v in checked.items()
                                                         if v is not None})  # fmt: skip


def validate_firm(firm: Any, questionnaire: Questionnaire) -> dict[str, Any]:
    """The firm profile with every present field checked against the questionnaire's ranges."""
    if not isinstance(firm, dict):
        raise AnswersError("firm", "must be a mapping")
    allowed = set(PROFILE_FIELDS)
    for key in firm:
        if key not in allowed:
            raise AnswersError(f"firm.{field_name(key)}", "unknown profile field")
    out: dict[str, Any] = {}
    name = firm.get("name")
    if name is not None:
        if not isinstance(name, str | int):
            raise AnswersError("firm.name", "must be text")
        out["name"] = checked_text("firm.name", str(name), MAX_NAME_CHARS)
    for key, valid in (("industry", questionnaire.industries), ("region", questionnaire.regions)):
        value = firm.get(key)
        if value is not None:
            if not isinstance(value, str) or value not in valid:
                raise AnswersError(f"firm.{key}", f"unknown {key} {shown(value)}")
            out[key] = value
    ranges = questionnaire.profile.fields
    for key in NUMBER_FIELDS:
        value = firm.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AnswersError(f"firm.{key}", f"must be a number, got {shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise AnswersError(f"firm.{key}", f"must be a finite number, got {value}")
        if key in INT_FIELDS and value != int(value):
            raise AnswersError(f"firm.{key}", "must be a whole number")
        bounds = ranges.get(key)
        if bounds and not bounds.min <= value <= bounds.max:
            raise AnswersError(f"firm.{key}",
                               f"{shown(value)} is outside {bounds.min:g}..{bounds.max:g}")
        out[key] = int(value) if key in INT_FIELDS else value
    return out


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """Whether ``text`` holds what is not text: control characters (NUL, escape, line breaks;
    ``multiline`` text may have line breaks and tabs), lone surrogates (which no database can
    store) or, on one line, bidirectional controls (which could show it reversed)."""
    for c in text:
        category = unicodedata.category(c)
        if category == "Cs" or (category == "Cc" and not (multiline and c in "\r\n\t")):
            return True
        if not multiline and c in BIDI_CONTROLS:
            return True
    return False


def checked_text(field: str, text: str, max_chars: int) -> str:
    """Free text as stored: stripped, not blank, no control characters, at most ``max_chars``.

    A name of spaces, zero-width or direction characters only is blank; control characters
    (NUL, tab, line breaks, bidirectional overrides) are refused rather than silently removed,
    so that what is stored is exactly what the person sees. So are lone surrogates (possible in
    JSON, ``"\\ud800"``), which are not text any database can store.
    """
    text = text.strip()
    if not any(unicodedata.category(c)[0] not in "ZC" for c in text):
        raise AnswersError(field, "is blank", N_("Enter the firm's name"))
    if has_control_characters(text):
        raise AnswersError(field, "contains control characters", N_(
            "Remove the control characters (such as tabs, line breaks or direction marks) "
            "from this text"))  # fmt: skip
    if len(text) > max_chars:
        raise AnswersError(field, f"longer than {max_chars} characters",
                           N_("Use at most %(max)s characters"), max=max_chars)  # fmt: skip
    return text


def validate_answer(qid: str, value: Any, questionnaire: Questionnaire) -> Any:
    """One answer checked against its question; None (unanswered) passes through."""
    question = questionnaire.questions_by_id.get(qid)
    where = f"answers.{field_name(qid)}"
    if question is None:
        raise AnswersError(where, "unknown question id")
    if value is None:
        return None
    options = questionnaire.options_by_question[qid]
    if question.type == "single":
        if not isinstance(value, str) or value not in options:
            raise AnswersError(where, f"unknown option {shown(value)}; one of {', '.join(options)}",
                               N_("Choose one of the options shown"))  # fmt: skip
        return value
    if question.type == "multiple":
        return _validate_multiple(where, value, options)
    if value == UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswersError(where, f"must be a number (or {UNKNOWN}), got {shown(value)}")
    if not question.min <= value <= question.max:
        raise AnswersError(where, f"{shown(value)} is outside {question.min:g}..{question.max:g}",
                           N_("Enter a number from %(min)s to %(max)s"),
                           min=f"{question.min:g}", max=f"{question.max:g}")  # fmt: skip
    return value


def _validate_multiple(where: str, value: Any, options: dict) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswersError(where, "must be a list of option ids")
    for v in value:
        if v not in options:
            raise AnswersError(where, f"unknown option {shown(v)}; one of {', '.join(options)}",
                               N_("Choose one of the options shown"))  # fmt: skip
    if len(set(value)) != len(value):
        raise AnswersError(where, "an option is chosen twice", N_("An option is chosen twice"))
    exclusive = [v for v in value if options[v].exclusive or options[v].unknown]
    if exclusive and len(value) > 1:
        raise AnswersError(where, f"{exclusive[0]!r} cannot be combined with other options",
                           N_("“None” and “Don't know” cannot be combined with other options"))
    # Keep the questionnaire's order so that equal answers compare equal.
    order = list(options)
    return sorted(value, key=order.index)
