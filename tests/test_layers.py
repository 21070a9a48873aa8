"""The domain core (questionnaire loading, scoring) imports neither Flask nor the database, nor
any other part of the web application: it is plain data in, plain data out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ASSESS = Path(__file__).resolve().parent.parent / "assess"
CORE = ("questionnaire", "scoring", "disclosure")
FORBIDDEN = ("flask", "flask_", "werkzeug", "sqlalchemy", "alembic", "psycopg", "wtforms")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute-ish module name) of every import; relative ones keep their dots."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


@pytest.mark.parametrize("package", CORE)
def test_the_core_imports_no_web_or_database_code(package):
    wrong = []
    for path in sorted((ASSESS / package).rglob("*.py")):
        # From assess/scoring/x.py, "." is assess/scoring and ".." is assess/.
        to_assess = len(path.relative_to(ASSESS).parts)
        for line, name in imports_of(path):
            dots = len(name) - len(name.lstrip("."))
            target = name.lstrip(".")
            if dots == 0 and target.split(".")[0].startswith(FORBIDDEN):
                wrong.append(f"{path.relative_to(ASSESS)}:{line}: {name}")
            elif dots == to_assess and target.split(".")[0] not in CORE:
                # from ..something: a sibling of the core inside assess/ (web, models, services)
                wrong.append(f"{path.relative_to(ASSESS)}:{line}: {name}")
            elif dots > to_assess:
                wrong.append(f"{path.relative_to(ASSESS)}:{line}: {name}")
    assert wrong == []


def test_the_check_itself_catches_a_flask_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import current_app\nfrom ..models import Firm\n")
    assert [name for _, name in imports_of(bad)] == ["flask", "..models"]
