"""Load one questionnaire version from its YAML files and check it all, with file:line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import conditions as cond
from .model import Questionnaire
from .schema import (
    DIMENSION_IDS,
    CasesFile,
    ErrataFile,
    Header,
    Option,
    Profile,
    Question,
    QuestionsFile,
    RulesFile,
    SourcesFile,
    Text,
)  # fmt: skip
from .yamlsource import SourceFile, read_yaml

FILES: dict[str, type[BaseModel]] = {
    "questionnaire.yaml": Header,
    "profile.yaml": Profile,
    "questions.yaml": QuestionsFile,
    "rules.yaml": RulesFile,
    "sources.yaml": SourcesFile,
    "cases.yaml": CasesFile,
}
# Files a version may have; errata.yaml lists corrections of text made after publication.
OPTIONAL_FILES: dict[str, type[BaseModel]] = {"errata.yaml": ErrataFile}
PROFILE_SUBJECTS = ("industry", "employees", "annual_sales_mkrw", "region", "founded_year",
                    "ceo_age", "size_band")  # fmt: skip


# "Don't know" is always allowed (it scores 0 and lowers confidence); a choice question that does
# not define its own gets this one, so every form, export and answers document offers it.
DONT_KNOW = Option(id="dont_know", unknown=True, exclusive=True,
                   text=Text(ko="모르겠음", en="Don't know"))  # fmt: skip


def with_dont_know(question: Question) -> Question:
    if question.type == "number" or any(o.unknown for o in question.options):
        return question
    if any(o.id == DONT_KNOW.id for o in question.options):
        return question  # the loader reports an option named like this that is not "unknown"
    return question.model_copy(update={"options": [*question.options, DONT_KNOW]})


class QuestionnaireError(ValueError):
    """A questionnaire that cannot be used; ``errors`` are ``file:line: message`` strings."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def load_questionnaire(directory: Path, articles: Path | None = None) -> Questionnaire:
    """Load ``directory`` (one version); raise QuestionnaireError listing every problem found.

    ``articles`` is the folder of forum articles that sources may cite (default: ``sources/``
    beside the questionnaire folders).
    """
    directory = Path(directory)
    articles = articles or directory.parent.parent / "sources"
    errors: list[str] = []
    files: dict[str, SourceFile] = {}
    parsed: dict[str, Any] = {}
    for name, schema in {**FILES, **OPTIONAL_FILES}.items():
        path = directory / name
        if not path.exists():
            if name not in OPTIONAL_FILES:
                errors.append(f"{path}:1: file is missing")
            continue
        source = files[name] = read_yaml(path)
        errors.extend(source.errors)
        if source.data is None:
            if not source.errors:
                errors.append(f"{path}:1: file is empty")
            continue
        try:
            parsed[name] = schema.model_validate(source.data)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(source, exc))
    if errors:
        raise QuestionnaireError(errors)
    checker = _CrossCheck(files, parsed, articles)
    questionnaire = checker.build(directory)
    if checker.errors:
        raise QuestionnaireError(checker.errors)
    return questionnaire


def _pydantic_errors(source: SourceFile, exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("_")))
        field = ".".join(map(_key, loc)) or "(file)"
        message = error["msg"].removeprefix("Value error, ")
        out.append(f"{source.where(loc)}: {field}: {message}")
    return out


def _key(part: str | int) -> str:
    # A key with a line break or other control character is quoted: one error, one line.
    text = str(part)
    return text if text.isprintable() else repr(text)


class _CrossCheck:
    """Checks that need more than one field: ids, references, conditions, citations."""

    def __init__(self, files: dict[str, SourceFile], parsed: dict[str, Any], articles: Path):
        self.files, self.parsed, self.articles = files, parsed, articles
        self.errors: list[str] = []

    def fail(self, file: str, loc: tuple, message: str) -> None:
        self.errors.append(f"{self.files[file].where(loc)}: {message}")

    def build(self, directory: Path) -> Questionnaire:
        header: Header = self.parsed["questionnaire.yaml"]
        profile: Profile = self.parsed["profile.yaml"]
        questions = [with_dont_know(q) for q in self.parsed["questions.yaml"].questions]
        rules = self.parsed["rules.yaml"].rules
        sources = self.parsed["sources.yaml"].sources
        cases = self.parsed["cases.yaml"].cases
        self.profile = profile
        self.unique("questions.yaml", "questions", [q.id for q in questions])
        for i, q in enumerate(questions):
            self.unique("questions.yaml", ("questions", i, "options"), [o.id for o in q.options])
        self.unique("rules.yaml", "rules", [r.id for r in rules])
        self.unique("sources.yaml", "sources", [s.id for s in sources])
        self.unique("cases.yaml", "cases", [c.id for c in cases])
        self.unique("profile.yaml", "industries", [i.id for i in profile.industries])
        self.unique("profile.yaml", "regions", [r.id for r in profile.regions])
        self.questions = {q.id: q for q in questions}
        self.order = {q.id: i for i, q in enumerate(questions)}
        question_conditions = {
            q.id: c
            for i, q in enumerate(questions)
            if q.condition is not None
            and (
                c := self.condition(
                    "questions.yaml", ("questions", i, "condition"), q.condition, before=i
                )
            )  # fmt: skip
        }
        dimension_conditions = {
            d.id: c
            for i, d in enumerate(header.dimensions)
            if d.not_pursued is not None
            and (c := self.condition("questionnaire.yaml", ("dimensions", i, "not_pursued"),
                                     d.not_pursued, before=len(questions)))
        }  # fmt: skip
        rule_conditions = {
            r.id: c
            for i, r in enumerate(rules)
            if (c := self.condition("rules.yaml", ("rules", i, "condition"), r.condition))
        }
        source_ids, case_ids = {s.id for s in sources}, {c.id for c in cases}
        for i, rule in enumerate(rules):
            self.known("rules.yaml", ("rules", i, "sources"), rule.sources, source_ids, "source")
            self.known("rules.yaml", ("rules", i, "cases"), rule.cases, case_ids, "peer case")
        for i, case in enumerate(cases):
            self.known("cases.yaml", ("cases", i, "sources"), case.sources, source_ids, "source")
            self.check_case_profile(i, case)
        for i, source in enumerate(sources):
            if source.file and not (self.articles / source.file).is_file():
                self.fail("sources.yaml", ("sources", i, "file"),
                          f"article {source.file!r} is not in {self.articles}")  # fmt: skip
        errata = self.parsed.get("errata.yaml", ErrataFile()).errata
        self.check_errata(errata, header, questions, rules, sources, cases)
        return Questionnaire(
            id=header.id, version=header.version, title=header.title,
            dimensions=tuple(header.dimensions), levels=tuple(header.levels),
            questions=tuple(questions), rules=tuple(rules), sources=tuple(sources),
            cases=tuple(cases), profile=profile, question_conditions=question_conditions,
            rule_conditions=rule_conditions, directory=directory, errata=tuple(errata),
            dimension_conditions=dimension_conditions,
        )  # fmt: skip

    def check_errata(self, errata, header, questions, rules, sources, cases) -> None:
        """Every place an erratum names exists, so the list stays true to the files."""
        ids = {
            "questionnaire.yaml": {d.id for d in header.dimensions}
            | {f"level_{lv.level}" for lv in header.levels},
            "questions.yaml": {q.id for q in questions},
            "rules.yaml": {r.id for r in rules},
            "sources.yaml": {s.id for s in sources},
            "cases.yaml": {c.id for c in cases},
        }
        self.unique("errata.yaml", "errata", [e.id for e in errata])
        for i, erratum in enumerate(errata):
            for j, place in enumerate(erratum.places):
                if place.id not in ids[place.file]:
                    self.fail("errata.yaml", ("errata", i, "places", j, "id"),
                              f"no {place.id!r} in {place.file}")  # fmt: skip

    def unique(self, file: str, loc: tuple | str, ids: list[str]) -> None:
        loc = (loc,) if isinstance(loc, str) else loc
        seen: set[str] = set()
        for index, item_id in enumerate(ids):
            if item_id in seen:
                self.fail(file, loc + (index,), f"duplicate id {item_id!r}")
            seen.add(item_id)

    def known(self, file: str, loc: tuple, refs: list[str], ids: set[str], what: str) -> None:
        for index, ref in enumerate(refs):
            if ref not in ids:
                self.fail(file, loc + (index,), f"unknown {what} id {ref!r}")

    def check_case_profile(self, index: int, case) -> None:
        industries = {i.id for i in self.profile.industries}
        regions = {r.id for r in self.profile.regions}
        if case.industry and case.industry not in industries:
            self.fail("cases.yaml", ("cases", index, "industry"),
                      f"unknown industry {case.industry!r}")  # fmt: skip
        if case.region and case.region not in regions:
            self.fail("cases.yaml", ("cases", index, "region"), f"unknown region {case.region!r}")

    def condition(self, file: str, loc: tuple, raw: Any, before: int | None = None):
        """Parse a condition and check every reference in it; None when it is broken."""
        try:
            parsed = cond.parse(raw)
        except cond.ConditionError as exc:
            self.fail(file, loc + exc.loc, f"condition: {exc}")
            return None
        problems = [p for leaf in cond.leaves(parsed) if (p := self.leaf_problem(leaf, before))]
        for problem in problems:
            self.fail(file, loc, f"condition: {problem}")
        return None if problems else parsed

    def leaf_problem(self, leaf: cond.Leaf, before: int | None) -> str | None:
        if leaf.subject == "dimension":
            if before is not None:
                return "a question's condition cannot depend on dimension scores"
            if leaf.key not in DIMENSION_IDS:
                return f"unknown dimension {leaf.key!r}"
            return None if leaf.op in cond.NUMBER_OPS else "dimension needs a number operator"
        if leaf.subject == "profile":
            return self.profile_leaf_problem(leaf)
        question = self.questions.get(leaf.key)
        if question is None:
            return f"unknown question id {leaf.key!r}"
        if before is not None and self.order[leaf.key] >= before:
            return f"refers to {leaf.key!r}, which does not come before this question"
        if leaf.op in cond.LIST_OPS:
            if question.type == "number":
                return f"{leaf.key!r} is a number question: use gt/gte/lt/lte/eq"
            options = {o.id for o in question.options}
            unknown = [v for v in leaf.value if v not in options]
            if unknown:
                return f"unknown option id(s) {', '.join(map(repr, unknown))} of {leaf.key!r}"
        if leaf.op in cond.NUMBER_OPS and question.type != "number":
            return f"{leaf.key!r} is a choice question: use in/not_in"
        return None

    def profile_leaf_problem(self, leaf: cond.Leaf) -> str | None:
        if leaf.key not in PROFILE_SUBJECTS:
            return f"unknown profile field {leaf.key!r}"
        valid = {
            "industry": {i.id for i in self.profile.industries},
            "region": {r.id for r in self.profile.regions},
            "size_band": {b.id for b in self.profile.size_bands},
        }.get(leaf.key)
        if valid is not None and leaf.op in cond.LIST_OPS:
            unknown = [v for v in leaf.value if v not in valid]
            if unknown:
                return f"unknown {leaf.key} value(s) {', '.join(map(repr, unknown))}"
        return None
