"""Questionnaires as data: loading, validation, conditions. Pure Python: no Flask, no database."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .conditions import Facts, evaluate
from .loader import QuestionnaireError, load_questionnaire
from .model import PROFILE_FIELDS, Questionnaire

__all__ = [
    "PROFILE_FIELDS",
    "Facts",
    "Questionnaire",
    "QuestionnaireError",
    "UnknownQuestionnaire",
    "evaluate",
    "get_questionnaire",
    "latest_version",
    "load_questionnaire",
    "version_directories",
]


class UnknownQuestionnaire(LookupError):
    """No questionnaire with that id and version is installed."""


def version_directories(root: Path) -> dict[tuple[str, int], Path]:
    """Every ``<root>/<id>/v<N>/`` folder that holds a questionnaire.yaml."""
    found = {}
    for header in sorted(Path(root).glob("*/v*/questionnaire.yaml")):
        version_dir = header.parent
        if version_dir.name[1:].isdigit():
            found[(version_dir.parent.name, int(version_dir.name[1:]))] = version_dir
    return found


@lru_cache(maxsize=32)
def _load_cached(directory: str) -> Questionnaire:
    return load_questionnaire(Path(directory))


def get_questionnaire(root: Path | str, qid: str, version: int | None = None) -> Questionnaire:
    """The questionnaire ``qid`` at ``version`` (latest when None), loaded once per process and
    found on disk once too: installing a new version means restarting the processes."""
    return _found(str(root), qid, version)


@lru_cache(maxsize=64)
def _found(root: str, qid: str, version: int | None) -> Questionnaire:
    versions = version_directories(Path(root))
    if version is None:
        version = latest_version(root, qid)
    directory = versions.get((qid, version))
    if directory is None:
        raise UnknownQuestionnaire(f"unknown questionnaire {qid!r} version {version}")
    return _load_cached(str(directory.resolve()))


def latest_version(root: Path | str, qid: str) -> int:
    versions = [v for (i, v) in version_directories(Path(root)) if i == qid]
    if not versions:
        raise UnknownQuestionnaire(f"unknown questionnaire {qid!r}")
    return max(versions)
