"""Hypothesis strategies for hostile input: JSON-like trees of every shape, documents mutated from
valid ones, and YAML or JSON text broken in the ways people and programs break it. Shared by the
fuzz tests of the answers document, the questionnaire loader and the condition language."""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Numbers at the edges: beyond 64 bits, beyond a float, NaN and the infinities.
EDGE_NUMBERS = st.sampled_from([
    0, -1, 1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**30, 10**308, 10**400,
    0.5, -0.0, 1e-300, 1e308, math.inf, -math.inf, math.nan,
])  # fmt: skip
# Text that display, storage and output get wrong: control characters, direction overrides, lone
# surrogates (which JSON's \ud800 escape makes), NUL, a byte-order mark, Hangul and emoji.
NASTY_TEXT = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\t", "\n", "\r\n", "\u202e", "\u200b", "\ufeff", "\ud800",
    "a\udfffb", "모르겠음", "😀", "{{7*7}}", "%s%(x)s", "<script>", "dont_know", "None", "null",
    "'", '"', "\\", "C29", "busan", "A" * 300,
])  # fmt: skip
TEXT = st.one_of(
    NASTY_TEXT,
    st.text(max_size=12),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=6),  # surrogates too
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), EDGE_NUMBERS,
    st.floats(allow_nan=True, allow_infinity=True), TEXT,
)  # fmt: skip


def trees(keys: st.SearchStrategy = TEXT, leaves: st.SearchStrategy = SCALARS,
          max_leaves: int = 20) -> st.SearchStrategy:  # fmt: skip
    """Arbitrary JSON-like data: scalars, lists and mappings nested in any way."""
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=max_leaves,
    )


def nested(value: Any, depth: int, kind: str = "list") -> Any:
    """``value`` inside ``depth`` lists (or single-key mappings, or ``not`` conditions)."""
    for _ in range(depth):
        value = [value] if kind == "list" else {"not": value} if kind == "not" else {"a": value}
    return value


def deep(leaves: st.SearchStrategy = SCALARS) -> st.SearchStrategy:
    """Data nested far deeper than any document needs: past the recursion limit at times."""
    return st.builds(nested, leaves, st.sampled_from([30, 65, 200, 999, 1500, 5000]),
                     st.sampled_from(["list", "dict", "not"]))  # fmt: skip


def paths(data: Any, here: tuple = ()) -> list[tuple]:
    """Every place in ``data`` down to 40 levels: the root, then each mapping value and list
    item, depth first."""
    found = [here]
    if len(here) >= 40:
        return found
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, here + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, here + (index,))
    return found


def vocabulary(*documents: Any) -> list[Any]:
    """The keys and scalar values of ``documents``: ids, option ids, field names, numbers. Put
    back in the wrong places they reach the checks a random string would never pass."""
    seen: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                seen.setdefault(repr(key), key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif not isinstance(node, str) or len(node) < 60:  # ids and numbers, not paragraphs
            seen.setdefault(repr(node), node)

    for document in documents:
        walk(document)
    return sorted(seen.values(), key=repr)


def _get(data: Any, path: tuple) -> Any:
    for step in path:
        data = data[step]
    return data


@st.composite
def mutated(draw, base: Any, words: list[Any] | None = None, max_mutations: int = 3) -> Any:
    """``base`` (a valid document) changed in one to ``max_mutations`` places: a value replaced by
    any tree or by another value of the document, a key dropped or added, a list item repeated
    (duplicate ids), a value wrapped in a list or mapping or nested very deep."""
    data = copy.deepcopy(base)  # a copy that mutations may change freely
    words = words or vocabulary(base)
    value_of_document = st.sampled_from(words)
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(paths(data)))
        target = _get(data, path)
        kind = draw(st.sampled_from(
            ["replace", "borrow", "drop", "add", "repeat", "wrap", "deep", "swap_type"]))
        if not path and kind in ("replace", "borrow", "drop", "wrap", "deep", "swap_type"):
            if draw(st.booleans()):
                data = draw(trees())
                continue
            kind = "add"
        if kind in ("add", "repeat") and not isinstance(target, dict | list):
            kind = "replace"
        if not path and kind not in ("add", "repeat"):
            data = draw(trees())
            continue
        if kind == "add":
            key = draw(st.one_of(value_of_document, TEXT)) if isinstance(target, dict) else None
            value = draw(st.one_of(value_of_document, trees(max_leaves=5)))
            if isinstance(target, dict):
                try:
                    target[key] = value
                except TypeError:  # an unhashable word: a list or mapping cannot be a key
                    target[repr(key)] = value
            else:
                target.insert(draw(st.integers(0, len(target))), value)
            continue
        if kind == "repeat":
            if isinstance(target, list) and target:
                target.append(draw(st.sampled_from(target)))  # the same object: YAML aliases it
            continue
        parent, last = _get(data, path[:-1]), path[-1]
        if kind == "drop":
            del parent[last]
            continue
        parent[last] = _replacement(draw, kind, target, value_of_document)
    return data


def _replacement(draw, kind: str, target: Any, value_of_document: st.SearchStrategy) -> Any:
    if kind == "replace":
        return draw(trees(max_leaves=8))
    if kind == "borrow":
        return draw(value_of_document)
    if kind == "wrap":
        return draw(st.sampled_from([[target], {"x": target}, {"all": [target]}]))
    if kind == "deep":
        return draw(deep(SCALARS if isinstance(target, dict | list) else st.just(target)))
    return draw(st.one_of(EDGE_NUMBERS, NASTY_TEXT, st.just([]), st.just({}), st.booleans(),
                          st.none()))  # fmt: skip


# YAML that must be refused without running anything: Python object tags (they would create
# MARKER if ever executed), tags whose value cannot be built, aliases, merges, bad dates, huge
# integers in every base, a second document, tabs, NUL, and nesting past any parser's depth.
MARKER = "/tmp/assess-fuzz-yaml-must-not-run"
YAML_SNIPPETS = [
    f"!!python/object/apply:os.makedirs ['{MARKER}']", "!!python/object:builtins.dict {}",
    "!!python/name:os.system", f"!!python/object/new:os.makedirs ['{MARKER}']",
    "!!timestamp nope", "!!timestamp 2024-01-01T99:00:00", "!!bool maybe", "!!int x",
    "!!float x", "!!binary '@@@'", "!!binary '7Iuc'", "!!set {a, b}", "!!omap [a]",
    "!!pairs [[a, b]]", "!!str", "!!null x", "!<tag:example.org,2024:x> y", "!local z",
    "2024-02-30", "2024-13-01", "1_000", "0o777", "0b101", "0x" + "f" * 4000, "9" * 5000,
    "1:20:30", ".nan", "-.inf", "1e400", "&a [1, *a]", "*nowhere", "<<: *nowhere", "<<: [1]",
    "&x {k: v}", "{<<: {a: 1}, a: 2}", "\n---\nsecond: document", "\n...\n", "%YAML 1.1",
    "%TAG ! tag:x,2024:", "\t", "\x00", "\ufeff", "\ud7ff", "'unclosed", '"\\x00"', '"\\ud800"',
    "? [a, b]\n: c", "? {a: 1}\n: c", "- - - - - - - - x", "[" * 3000, "{a: " * 2000,
    "- " * 1500 + "x", "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 150)),
    "key: value\nkey: again", "|\n  block", ">-\n  folded", "!!str &anchor x",
]  # fmt: skip


@st.composite
def broken_text(draw, text: str) -> str:
    """``text`` (YAML or JSON) with a few edits: a snippet inserted, a span deleted, a line
    repeated (a duplicate key), two characters swapped, or a stray character added."""
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            text = draw(st.sampled_from(YAML_SNIPPETS))
            continue
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["snippet", "delete", "repeat_line", "char", "swap"]))
        if kind == "snippet":
            text = text[:at] + draw(st.sampled_from(YAML_SNIPPETS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "repeat_line":
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
            text = "".join(lines)
        elif kind == "char":
            text = text[:at] + draw(st.characters(codec=None, exclude_categories=())) + text[at:]
        elif at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2:]
    return text


def json_text(data: Any, repeat_keys: bool = False) -> str:
    """``data`` as JSON text, each mapping's first key written twice when ``repeat_keys``: the
    duplicate keys a JSON parser silently resolves (the last one wins)."""
    try:
        return _json_text(data, repeat_keys)
    except RecursionError:  # nested past what this writer follows: as deep, in another way
        return "[" * 5000 + "]" * 5000


def _json_text(data: Any, repeat_keys: bool) -> str:
    if isinstance(data, dict):
        pairs = [(str(k), v) for k, v in data.items()]
        if repeat_keys and pairs:
            pairs.append(pairs[0])
        return "{" + ", ".join(f"{json.dumps(k)}: {_json_text(v, repeat_keys)}"
                               for k, v in pairs) + "}"  # fmt: skip
    if isinstance(data, list):
        return "[" + ", ".join(_json_text(v, repeat_keys) for v in data) + "]"
    try:
        return json.dumps(data)  # NaN and Infinity as Python writes them
    except ValueError:  # an integer past Python's digit limit, written out anyway
        return "1" * 5000


def yaml_text(data: Any) -> str:
    """``data`` as block YAML, or as JSON (which YAML reads too) where YAML cannot write it."""
    try:
        return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                         allow_unicode=True, sort_keys=False)  # fmt: skip
    except (yaml.YAMLError, ValueError, RecursionError, UnicodeEncodeError):
        return json_text(data)


# The field an error names, as the command line prints it before the message: a dotted path
# whose odd keys (spaces, colons, control characters) are quoted.
ERROR_FIELD = r"""[^\s:'"]*(?:(['"]).*\1)?"""


def fuzz_settings(examples: int, **kwargs: Any) -> settings:
    """Bounded for the suite (each fuzz test well under 15 s); ``FUZZ_SCALE=50`` in the
    environment multiplies the examples for a long local run. No example database: every run
    explores afresh."""
    scale = float(os.environ.get("FUZZ_SCALE", "1"))
    if os.environ.get("FUZZ_NO_SHRINK"):  # report the first failure as found: big documents
        kwargs["phases"] = [Phase.explicit, Phase.generate]  # shrink slowly
    return settings(max_examples=max(1, int(examples * scale)), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), **kwargs)  # fmt: skip


# Conditions (DESIGN §4): half of the leaves well formed over real ids (so that conditions that
# hold are stored and evaluated), the others with a wrong key, operator or value.
CONDITION_OPERATORS = ["in", "not_in", "gt", "gte", "lt", "lte", "eq", "answered", "ne", "all"]


@st.composite
def condition_leaves(draw, ids: dict[str, Any], well_formed: bool = False) -> dict:
    """A leaf ``{subject: key, operator: value}``. ``ids`` maps ``answer`` to {question id:
    its option ids (none for a number question)}, ``profile`` to {field: its values (none for a
    number)}, ``dimension`` to the dimension ids and ``values`` to ids of every kind."""
    subject = draw(st.sampled_from(["answer", "answer", "profile", "dimension"]))
    key = draw(st.sampled_from(sorted(ids[subject])))
    choices = ids[subject].get(key) if isinstance(ids[subject], dict) else None
    if well_formed or draw(st.booleans()):
        if choices:
            op = draw(st.sampled_from(["in", "not_in", "eq"]))
            picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
            return {subject: key, op: picked[0] if op == "eq" else picked}
        op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "eq"]))
        return {subject: key, op: draw(st.integers(0, 100) | st.floats(0, 100))}
    word = st.sampled_from(ids["values"])
    key = draw(st.just(key) | st.sampled_from(sorted(ids["answer"])) | SCALARS)
    op = draw(st.sampled_from(CONDITION_OPERATORS))
    value = draw(st.one_of(
        st.lists(word, min_size=1, max_size=4), st.lists(word | SCALARS, max_size=3), word,
        st.integers(-10, 200), EDGE_NUMBERS, st.booleans(), trees(max_leaves=4),
    ))  # fmt: skip
    leaf = {subject: key, op: value}
    if draw(st.integers(0, 9)) == 0:  # a key too many: a second operator, subject or a stray
        leaf[draw(st.sampled_from(["profile", "gt", "any", "x", 1]))] = draw(word)
    return leaf


def conditions(ids: dict[str, Any], max_leaves: int = 8,
               well_formed: bool = False) -> st.SearchStrategy:  # fmt: skip
    """Condition trees: leaves under all/any/not, sometimes empty or malformed (never when
    ``well_formed``, though they may still name unknown ids)."""
    if well_formed:
        return st.recursive(condition_leaves(ids, True), lambda inner: st.one_of(
            st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda part: {"not": part}, inner)), max_leaves=max_leaves)
    return st.recursive(
        condition_leaves(ids),
        lambda inner: st.one_of(
            st.builds(lambda parts: {"all": parts}, st.lists(inner, max_size=3)),
            st.builds(lambda parts: {"any": parts}, st.lists(inner, max_size=3)),
            st.builds(lambda part: {"not": part}, inner),
            st.builds(lambda part: [part], inner),
        ),
        max_leaves=max_leaves,
    )


def condition_ids(q: Any) -> dict[str, Any]:
    """The ids conditions over questionnaire ``q`` may name, and a few that do not exist."""
    values = sorted({o.id for x in q.questions for o in x.options} | set(q.industries)
                    | set(q.regions) | {b.id for b in q.profile.size_bands})  # fmt: skip
    return {
        "answer": {**{x.id: [o.id for o in x.options] for x in q.questions},
                   "no_such_question": []},
        "profile": {"industry": sorted(q.industries), "region": sorted(q.regions),
                    "size_band": [b.id for b in q.profile.size_bands], "employees": [],
                    "annual_sales_mkrw": [], "founded_year": [], "ceo_age": [], "turnover": []},
        "dimension": {d: [] for d in ("dx_ax", "roi", "infra", "export", "succession", "quality")},
        "values": [*values, 10, 55.5],
    }  # fmt: skip
