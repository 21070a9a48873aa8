"""Every user-facing string in code and templates has a Korean translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "assess" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "--no-location",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            str(ROOT / "assess"),
        ]
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_string_has_a_korean_translation(tmp_path):
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="ko")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    missing = sorted(extracted_messages(tmp_path) - translated)
    assert not missing, "untranslated (run `make translations-update`, then translate): " + repr(
        missing[:20]
    )
