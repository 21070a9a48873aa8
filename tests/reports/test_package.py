"""The reports package stands alone: no web layer, no WeasyPrint in the caller's process."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import reports

PACKAGE = Path(reports.__file__).parent


def test_importing_reports_loads_neither_flask_nor_weasyprint():
    code = (
        "import sys, reports; "
        "print(sorted(m for m in ('flask', 'assess', 'weasyprint') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_module_imports_the_web_layer():
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(flask|assess)\b", source, re.M), path.name


def test_template_version_changes_with_the_templates_and_stylesheet(tmp_path):
    assert re.fullmatch(r"\d+\.[0-9a-f]{10}", reports.TEMPLATE_VERSION)
    for path in PACKAGE.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path)
    assert reports.template_version(tmp_path) == reports.TEMPLATE_VERSION
    for name in ("report.css", "_macros.html", "labels.py"):
        path = tmp_path / name
        before = reports.template_version(tmp_path)
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert reports.template_version(tmp_path) != before, name


def test_templates_and_stylesheet_ship_with_the_package():
    """They sit directly in the package, where pyproject's package-data patterns pick them up."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    patterns = setuptools["package-data"].get("*", []) + setuptools["package-data"].get(
        "reports", []
    )
    data_files = [p.name for p in PACKAGE.iterdir() if p.suffix in (".html", ".css")]
    assert {"report.html", "_macros.html", "_appendix.html", "report.css"} <= set(data_files)
    for name in data_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
    assert any(fnmatch.fnmatch("reports", p) for p in setuptools["packages"]["find"]["include"])
