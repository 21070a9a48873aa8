"""The inventory of third-party components (docs/deploy.md#dependencies): ``make sbom`` writes a
CycloneDX SBOM of every installed component at its exact version, and ``make audit`` checks the
installed components against known vulnerabilities, strictly. The audit needs pypi.org, which
the test machines cannot reach, so only its command is checked here; it is a release step."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "ax-assess"


def normal(name: str) -> str:
    """A distribution's name as PyPI compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    """Every dependency pyproject.toml names, the development ones included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {normal(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group(0)) for r in requirements}


def make(*args: str) -> subprocess.CompletedProcess:
    """``make`` in the repository, with this interpreter's environment as the venv (never
    reinstalled: its stamp file is taken as up to date)."""
    venv = Path(sys.executable).parent.parent
    return subprocess.run(["make", "--no-print-directory", "-o", f"{venv}/.installed-dev",
                           f"VENV={venv}", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip


def test_the_sbom_lists_every_installed_component_at_its_exact_version(tmp_path):
    out = tmp_path / "sbom.cdx.json"
    # The schema validation that `make sbom` does takes half a minute: checked here instead.
    made = make("sbom", f"SBOM={out}", "SBOM_ARGS=--no-validate")
    assert made.returncode == 0, made.stderr
    sbom = json.loads(out.read_text())
    assert (sbom["bomFormat"], sbom["specVersion"]) == ("CycloneDX", "1.6")
    assert sbom["metadata"]["component"]["name"] == PROJECT
    components = {normal(c["name"]): c for c in sbom["components"]}
    assert len(components) == len(sbom["components"])  # each once
    installed = {normal(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop(PROJECT)
    assert {name: c["version"] for name, c in components.items()} == installed
    assert declared() <= set(components)
    for name, component in components.items():  # where each came from: PyPI
        purl = re.fullmatch(r"pkg:pypi/([^@]+)@([^?#]+)(?:[?#].*)?", component["purl"])
        assert purl and (normal(purl.group(1)), purl.group(2)) == (name, component["version"])


def test_the_audit_checks_every_installed_component_and_fails_on_any_it_cannot_check():
    planned = make("-n", "audit")
    assert planned.returncode == 0, planned.stderr
    command = planned.stdout.split()
    assert command[0].endswith("/pip-audit")
    assert "--strict" in command and "--skip-editable" in command
