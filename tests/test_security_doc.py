"""docs/security.md, the OWASP ASVS 5.0 level 2 map, stays true: every level 1 and 2 requirement
of V1–V16 is listed once, every row says what proves it, every test it cites exists, every
document it points to exists, and no row is left waiting for a test suite."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"

# ASVS 5.0.0: how many requirements each section has at levels 1 and 2. Within every section the
# level-3-only requirements come last, so these are V<section>.1 to V<section>.<count>. V17
# (WebRTC) does not apply and has no table.
LEVEL_2_COUNTS = {
    "1.1": 2, "1.2": 9, "1.3": 11, "1.4": 3, "1.5": 2,
    "2.1": 3, "2.2": 3, "2.3": 4, "2.4": 1,
    "3.2": 2, "3.3": 4, "3.4": 6, "3.5": 5, "3.7": 2,
    "4.1": 3, "4.2": 1, "4.3": 2, "4.4": 4,
    "5.1": 1, "5.2": 3, "5.3": 2, "5.4": 3,
    "6.1": 3, "6.2": 12, "6.3": 4, "6.4": 4, "6.5": 5, "6.6": 3, "6.8": 4,
    "7.1": 3, "7.2": 4, "7.3": 2, "7.4": 5, "7.5": 2, "7.6": 2,
    "8.1": 2, "8.2": 3, "8.3": 1, "8.4": 1,
    "9.1": 3, "9.2": 4,
    "10.1": 2, "10.2": 2, "10.3": 4, "10.4": 11, "10.5": 5, "10.6": 2, "10.7": 3,
    "11.1": 2, "11.2": 3, "11.3": 3, "11.4": 4, "11.5": 1, "11.6": 1,
    "12.1": 3, "12.2": 2, "12.3": 4,
    "13.1": 1, "13.2": 5, "13.3": 2, "13.4": 5,
    "14.1": 2, "14.2": 4, "14.3": 3,
    "15.1": 3, "15.2": 3, "15.3": 7,
    "16.1": 1, "16.2": 5, "16.3": 4, "16.4": 3, "16.5": 3,
}  # fmt: skip
EXPECTED = [f"V{section}.{n}" for section, count in LEVEL_2_COUNTS.items()
            for n in range(1, count + 1)]  # fmt: skip

# What an evidence cell may say besides naming tests (docs/security.md, "How to read it").
LABELS = ("N/A:", "Docs:", "Operator:", "Untested:", "Gap:", "PENDING:")
NODE_ID = re.compile(r"tests/[\w/]+\.py(?:::\w+){1,2}")
TICKED = re.compile(r"`([^`]+)`")
DOC_LINK = re.compile(r"docs/([\w.-]+\.md)(?:#([\w-]+))?")
LOCAL_LINK = re.compile(r"\]\(([\w.-]+\.md)?#([\w-]+)\)")
CHAPTER = re.compile(r"^## V(\d+) ")
ROW = re.compile(r"^\| (V\d+\.\d+\.\d+) \|")
PENDING_WORDS = re.compile(r"PENDING:[^|<]*")


@dataclass(frozen=True)
class Row:
    line: int
    chapter: str  # the number of the "## V<n>" heading the table is under
    asvs: str
    requirement: str
    how: str
    evidence: str

    def segments(self) -> list[str]:
        return [part.strip() for part in self.evidence.split("<br>")]


def rows_of(text: str) -> list[Row]:
    rows, chapter = [], ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            match = CHAPTER.match(line)
            chapter = match.group(1) if match else ""
        match = ROW.match(line)
        if match is None:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        cells += [""] * (4 - len(cells))
        rows.append(Row(number, chapter, *cells[:4]))
    return rows


def listing_problems(rows: list[Row]) -> list[str]:
    """Each requirement once, under its own chapter, and exactly the level 1 and 2 ones."""
    seen: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.asvs in seen:
            problems.append(f"{row.asvs} is listed twice (lines {seen[row.asvs]} and {row.line})")
        seen.setdefault(row.asvs, row.line)
        if row.asvs.split(".")[0] != f"V{row.chapter}":
            problems.append(f"line {row.line}: {row.asvs} is in the V{row.chapter} table")
    problems += [f"{asvs} is missing" for asvs in EXPECTED if asvs not in seen]
    problems += [f"{asvs} (line {seen[asvs]}) is not a level 1 or 2 requirement of V1-V16"
                 for asvs in seen if asvs not in EXPECTED]  # fmt: skip
    return problems


def evidence_problems(rows: list[Row]) -> list[str]:
    """Every row says what it meets the requirement with, and what proves it."""
    problems = []
    for row in rows:
        if not row.requirement or not row.how:
            problems.append(f"{row.asvs}: a column is empty")
        for segment in row.segments():
            label = next((label for label in LABELS if segment.startswith(label)), None)
            if label is not None:
                if not segment[len(label) :].strip():
                    problems.append(f"{row.asvs}: '{label}' says nothing")
                continue
            ticked = TICKED.findall(segment)
            rest = TICKED.sub("", segment).replace(",", "").strip()
            if not ticked or rest or not all(NODE_ID.fullmatch(t) for t in ticked):
                problems.append(f"{row.asvs}: evidence {segment!r} is neither tests nor one of "
                                f"{', '.join(LABELS)}")  # fmt: skip
    return problems


@cache
def functions_in(path: Path) -> frozenset[str]:
    """``name`` and ``Class::method`` of every test function in a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{item.name}" for item in node.body
                         if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))  # fmt: skip
    return frozenset(name for name in names if name.split("::")[-1].startswith("test"))


def cited_test_problems(rows: list[Row], root: Path = ROOT) -> list[str]:
    """Every ``tests/…py::name`` in the evidence is a test function that exists."""
    problems = []
    for row in rows:
        for ticked in TICKED.findall(row.evidence):
            if not ticked.startswith("tests/"):
                continue
            if "[" in ticked or not NODE_ID.fullmatch(ticked):
                problems.append(f"{row.asvs}: {ticked!r} is not a node id without parameters")
                continue
            file, name = ticked.split("::", 1)
            path = root / file
            if not path.is_file():
                problems.append(f"{row.asvs}: {file} does not exist")
            elif name not in functions_in(path):
                problems.append(f"{row.asvs}: {file} has no test {name}")
    return problems


def slugs_of(text: str) -> set[str]:
    """The anchors GitHub makes for a document's headings."""
    slugs = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            slugs.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return slugs


def link_problems(text: str, rows: list[Row], docs: Path = ROOT / "docs") -> list[str]:
    """Every document and section pointed to exists; Operator rows name the deployment guide.
    A PENDING row may name what is still being written, so its words are not checked."""
    problems = []
    text = PENDING_WORDS.sub("", text)
    targets = [(m.group(1), m.group(2)) for m in DOC_LINK.finditer(text)]
    targets += [(m.group(1) or DOC.name, m.group(2)) for m in LOCAL_LINK.finditer(text)]
    for name, anchor in targets:
        path = docs / name
        if not path.is_file():
            problems.append(f"docs/{name} does not exist")
        elif anchor and anchor not in slugs_of(path.read_text(encoding="utf-8")):
            problems.append(f"docs/{name} has no section #{anchor}")
    for row in rows:
        for segment in row.segments():
            if segment.startswith("Operator:") and "docs/deploy.md" not in segment:
                problems.append(f"{row.asvs}: an Operator row must point to docs/deploy.md")
    return problems


def pending(rows: list[Row]) -> list[str]:
    return [f"{row.asvs}: {segment}" for row in rows for segment in row.segments()
            if segment.startswith("PENDING:")]  # fmt: skip


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rows(text) -> list[Row]:
    return rows_of(text)


def test_every_level_1_and_2_requirement_is_listed_once(rows):
    assert listing_problems(rows) == []


def test_every_row_says_what_proves_it(rows):
    assert evidence_problems(rows) == []


def test_every_cited_test_exists(rows):
    assert cited_test_problems(rows) == []


def test_every_document_and_section_pointed_to_exists(text, rows):
    assert link_problems(text, rows) == []


def test_nothing_is_left_pending(rows):
    assert pending(rows) == []


SAMPLE = """## V1 Encoding and sanitization

| ASVS | requirement | how | evidence |
|---|---|---|---|
| V1.1.1 | Decode once | Werkzeug | `tests/test_security_doc.py::test_every_cited_test_exists` |
| V1.1.1 | Listed again | Werkzeug | N/A: twice |
| V1.1.2 | Encode output | Jinja | |
| V2.1.1 | In the wrong table | docs | Docs: docs/security.md#no-such-section |
| V1.2.1 | A made-up test | Jinja | `tests/test_security_doc.py::test_that_is_not_there` |
| V1.2.2 | A parameter | urls | `tests/test_security_doc.py::test_every_row_says_what_proves_it[x]` |
| V1.2.3 | Loose words | json | it works |
| V1.2.4 | An operator duty | sql | Operator: keep it safe<br>PENDING: an injection suite |
| V1.3.1 | Level 3 only | n/a | N/A: x |
| V1.2.10 | Level 3 only | n/a | N/A: x |
"""


def test_the_checks_catch_what_they_are_for():
    """Each check reports the fault it exists for, so an empty report above means something."""
    rows = rows_of(SAMPLE)
    listing = listing_problems(rows)
    assert "V1.1.1 is listed twice (lines 5 and 6)" in listing
    assert "line 8: V2.1.1 is in the V1 table" in listing
    assert "V1.5.2 is missing" in listing
    assert "V1.2.10 (line 14) is not a level 1 or 2 requirement of V1-V16" in listing
    evidence = evidence_problems(rows)
    assert any(p.startswith("V1.1.2: evidence ''") for p in evidence)
    assert any(p.startswith("V1.2.3: evidence 'it works'") for p in evidence)
    assert not any(p.startswith(("V1.1.1", "V1.2.4")) for p in evidence)
    cited = cited_test_problems(rows)
    assert cited == [
        "V1.2.1: tests/test_security_doc.py has no test test_that_is_not_there",
        "V1.2.2: 'tests/test_security_doc.py::test_every_row_says_what_proves_it[x]' is not a "
        "node id without parameters",
    ]
    links = link_problems(SAMPLE, rows)
    assert links == ["docs/security.md has no section #no-such-section",
                     "V1.2.4: an Operator row must point to docs/deploy.md"]  # fmt: skip
    assert pending(rows) == ["V1.2.4: PENDING: an injection suite"]
