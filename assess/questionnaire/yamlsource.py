"""Read YAML and remember where each value stands, so errors can name file and line.

Every YAML the product reads (definition files, answers documents, programme conditions) is parsed
here: plain data only, and whatever cannot become plain data is a YAML error at its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
# LibYAML's parser when PyYAML was built with it (about ten times faster), else the pure one.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Deeper than any document needs. LibYAML composes nested nodes by recursion in C, so text nested
# many thousands deep would overflow the stack and end the process: it is refused before that.
MAX_NESTING = 64
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Loader(_Base):
    """The safe loader, with values it cannot build reported at their line.

    PyYAML's safe constructors raise plain Python errors for some scalars (a date that does not
    exist, ``!!bool maybe``, ``!!timestamp someday``, an integer of more digits than Python
    converts); those become ConstructorErrors marked with the node's place. Integers written in
    other bases are held to the limit of decimal ones, so every value read can be printed.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            data = super().construct_object(node, deep=deep)
            if type(data) is int and data.bit_length() > 64:
                str(data)  # ValueError past sys.get_int_max_str_digits()
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({exc})", node.start_mark) from None
        return data


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


def _parse(text: str, unique_keys: bool = False) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data, from one parse of ``text``."""
    try:
        _check_nesting(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: find its line
        raise _marked(exc, text) from None
    except UnicodeEncodeError as exc:  # a lone surrogate: no parser takes it
        mark = yaml.Mark("<unicode string>", exc.start, text.count("\n", 0, exc.start), 0,
                         None, None)  # fmt: skip
        raise yaml.MarkedYAMLError(problem="a character that is not text (a lone surrogate)",
                                   problem_mark=mark) from None  # fmt: skip
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if unique_keys:
            _check_unique_keys(node, set())
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _marked(exc: yaml.reader.ReaderError, text: str) -> yaml.MarkedYAMLError:
    """A reader error (which has an offset, not a line) as an error marked with its line."""
    if _Base is yaml.SafeLoader:  # the pure parser counts the offset in characters
        line = text.count("\n", 0, exc.position)
    else:  # LibYAML in UTF-8 bytes
        line = text.encode("utf-8", "surrogatepass").count(b"\n", 0, exc.position)
    mark = yaml.Mark("<unicode string>", exc.position, line, 0, None, None)
    return yaml.MarkedYAMLError(problem=str(exc).splitlines()[0], problem_mark=mark)


def load_yaml(text: str) -> Any:
    """The plain data of one YAML document (answers, a condition), its keys unique: YAML requires
    that, and PyYAML would silently keep the last of two.

    :raise yaml.YAMLError: with ``problem`` and (mostly) ``problem_mark``: bad syntax, a key given
        twice, nesting deeper than MAX_NESTING, a value that cannot be read.
    """
    return _parse(text, unique_keys=True)[1]


def _check_nesting(text: str) -> None:
    """Refuse nesting deeper than MAX_NESTING, reading events only (which does not recurse)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _STARTS):
            depth += 1
            if depth > MAX_NESTING:
                raise yaml.MarkedYAMLError(
                    problem=f"nested more than {MAX_NESTING} levels deep",
                    problem_mark=event.start_mark)  # fmt: skip
        elif isinstance(event, _ENDS):
            depth -= 1


def _check_unique_keys(node: yaml.Node, done: set[int]) -> None:
    """Raise at the second of two equal keys in a mapping (a merge ``<<`` may repeat keys)."""
    if id(node) in done or isinstance(node, yaml.ScalarNode):
        return
    done.add(id(node))  # an aliased node is checked once, however often it is used
    if isinstance(node, yaml.MappingNode):
        seen: set[tuple[str, str]] = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and not key_node.tag.endswith(":merge"):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.MarkedYAMLError(problem=f"duplicate key {key_node.value!r}",
                                               problem_mark=key_node.start_mark)  # fmt: skip
                seen.add(key)
            _check_unique_keys(value_node, done)
    else:
        for item in node.value:
            _check_unique_keys(item, done)


def _index(node: yaml.Node, loc: Path_, source: SourceFile, done: set[int] | None = None) -> None:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    done = set() if done is None else done
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in done:
            return  # an alias of a node indexed already: its first place gives the lines
        done.add(id(node))
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
            _index(value_node, loc + (key,), source, done)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, loc + (index,), source, done)
