"""The two scripts of assess/static/: what they take from the network is shown as text and
never merged into objects, and they keep nothing in the browser's storage. Read from the files
(every script of the folder, so a new one is held to the same rules); the same in a real
browser is tests/e2e/test_hostile_autosave.py.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "assess" / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))
# Ways to turn text into markup or code.
HTML_SINKS = {
    "innerHTML": r"\.innerHTML\b", "outerHTML": r"\.outerHTML\b",
    "insertAdjacentHTML": r"insertAdjacentHTML", "document.write": r"document\.write",
    "createContextualFragment": r"createContextualFragment", "DOMParser": r"\bDOMParser\b",
    "srcdoc": r"\bsrcdoc\b", "eval": r"\beval\s*\(", "Function": r"\bFunction\s*\(",
    "timer with code": r"set(?:Timeout|Interval)\s*\(\s*[\"'`]",
    "event handler attribute": r"setAttribute\s*\(\s*[\"']on", "jQuery html": r"\.html\s*\(",
}  # fmt: skip
# Ways to copy keys from one object into another (where a "__proto__" key pollutes).
MERGES = {
    "Object.assign": r"Object\.assign", "spread": r"\.\.\.", "for-in": r"\bfor\s*\([^)]*\bin\b",
    "__proto__": r"__proto__", "setPrototypeOf": r"setPrototypeOf",
    "Object.fromEntries": r"Object\.fromEntries",
}  # fmt: skip
STORAGE = {"localStorage": r"\blocalStorage\b", "sessionStorage": r"\bsessionStorage\b",
           "indexedDB": r"\bindexedDB\b", "document.cookie": r"document\.cookie",
           "caches": r"\bcaches\.", "service worker": r"serviceWorker"}  # fmt: skip
COMPUTED_ASSIGNMENT = re.compile(r"\b(\w+)\[[^\]]+\]\s*=(?!=)")
COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)


def code_of(script: Path) -> str:
    """The script without its comments (which may name what the code avoids)."""
    return COMMENTS.sub("", script.read_text(encoding="utf-8"))


def found(patterns: dict[str, str]) -> dict[str, list[str]]:
    hits = {}
    for script in SCRIPTS:
        code = code_of(script)
        names = [name for name, pattern in patterns.items() if re.search(pattern, code)]
        if names:
            hits[script.name] = names
    return hits


def test_the_scripts_are_there_to_be_read():
    assert [s.name for s in SCRIPTS] == ["job.js", "respond.js"]
    assert all("textContent" in code_of(s) for s in SCRIPTS)


def test_no_script_turns_text_into_markup_or_code():
    assert found(HTML_SINKS) == {}


def test_no_script_merges_objects_or_keys_a_plain_object_by_received_text():
    """Keys from the network go only into maps without a prototype (``Object.create(null)``),
    where ``__proto__`` or ``constructor`` is just a key."""
    assert found(MERGES) == {}
    wrong = {}
    for script in SCRIPTS:
        code = code_of(script)
        for target in set(COMPUTED_ASSIGNMENT.findall(code)):
            made = re.search(rf"\b{target}\s*=\s*([^;]+);", code)
            if made is None or made.group(1).strip() != "Object.create(null)":
                wrong.setdefault(script.name, []).append(target)
    assert wrong == {}


def test_no_script_keeps_anything_in_the_browsers_storage():
    assert found(STORAGE) == {}
