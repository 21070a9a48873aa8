"""Read YAML and remember where each value stands, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
# LibYAML's parser when PyYAML was built with it (about ten times faster), else the pure one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SourceFile:
    """A parsed YAML file: its data and the line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def line_of(self, loc: Path_) -> int:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def where(self, loc: Path_) -> str:
        return f"{self.path}:{self.line_of(loc)}"


def read_yaml(path: Path) -> SourceFile:
    """Parse ``path``; syntax errors and duplicate keys are recorded, never raised."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return SourceFile(path, None, errors=[f"{path}:1: cannot read file: {exc}"])
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return SourceFile(path, None, errors=[f"{path}:{line}: invalid YAML: {problem}"])
    source = SourceFile(path, data)
    if node is not None:
        _index(node, (), source)
    return source


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data, from one parse of ``text``."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _index(node: yaml.Node, loc: Path_, source: SourceFile) -> None:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                source.errors.append(
                    f"{source.path}:{key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            seen.add(key)
            source.lines[loc + (key,)] = key_node.start_mark.line + 1
            _index(value_node, loc + (key,), source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, loc + (index,), source)
