"""YAML text → positioned nodes: safe, strings stay strings, duplicates and aliases refused.

PyYAML's constructors guess types (``NO`` becomes ``False``, ``1.10`` becomes ``1.1``,
``2024-02-30`` raises a bare ValueError) and keep the last of two duplicate keys. casepress
only *composes* the document (no Python objects are built, so no tag can run code) and
turns the node graph into ``Node`` objects that keep every scalar exactly as the author
wrote it, with its line and column. The schema (``schema.py``) decides what a scalar means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import files
from ..errors import Problem, display_path
from . import yamlerrors

try:  # libyaml is ~15x faster at composing; positions are the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = files.CASE_FILE_BYTES
"""Largest YAML file casepress reads (a long case is ~20 KB; this stops runaway input)."""

MAX_NODES = 100_000
"""Most nodes in one file: bounds the work any document, however crafted, can cause."""

MAX_ALIASES_LISTED = 5
"""An alias bomb has thousands of aliases; the first few positions are enough to fix it."""

_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp")
    + ("map", "seq", "binary", "merge")
}
_NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass
class Node:
    """A YAML value with its 1-based position; ``kind`` is "scalar", "map" or "seq"."""

    kind: str
    line: int
    column: int
    text: str | None = None  # scalars: the text as written; None for an empty/null plain value
    quoted: bool = False
    cut: tuple[int, str] | None = None
    """A plain one-line value followed by ' #word' on its line (``title: Lesson #3``): YAML
    reads '#3' on as a comment; the column of the '#' and the text as the author meant it."""
    items: list[Node] = field(default_factory=list)  # seq
    entries: list[tuple[Node, Node]] = field(default_factory=list)  # map: (key, value)

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.text is None

    def describe(self) -> str:
        """How the value reads in a message: 'a list', 'a mapping' or the quoted text."""
        if self.kind == "seq":
            return "a list"
        if self.kind == "map":
            return "a mapping"
        if self.text is None:
            return "nothing"
        text = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        return repr(text)


@dataclass
class Document:
    """One parsed file: its root node (None when it could not be read) and its problems."""

    path: Path
    root: Node | None
    problems: list[Problem]

    @property
    def shown(self) -> str:
        return display_path(self.path)


def read_yaml(
    path: Path,
    *,
    roots: files.Roots,
    max_bytes: int = MAX_FILE_BYTES,
    what: str = "case file",
) -> Document:
    """Read and compose one YAML file; never raises for bad content, reports Problems.

    The file is read through ``files``: inside ``roots``, a regular file, its size checked
    before a byte is read; a refusal is the file's only problem, and says nothing of what
    the file holds.
    """
    shown = display_path(path)
    try:
        data = files.read_bytes(path, roots, limit=max_bytes, what=what)
    except files.FileRefusedError as refusal:
        if refusal.missing:
            return Document(path, None, [Problem.error(shown, "cannot read file: no such file")])
        return Document(path, None, [Problem.error(shown, refusal.message)])
    text, problem = _decode(data, shown)
    if problem:
        return Document(path, None, [problem])
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> Document:
    """Compose YAML text into Nodes, collecting every structural problem."""
    shown = display_path(path)
    bad = _find_forbidden_character(text)
    if bad:
        line, column, message = bad
        return Document(path, None, [Problem.error(shown, message, line=line, column=column)])
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        try:
            said = yamlerrors.explain(exc, text, _Loader)
        except Exception:  # noqa: BLE001 - a hint must never hide the error: the parser's words
            said = yamlerrors.parser_words(exc)
        problem = Problem.error(
            shown, said.message, line=said.line, column=said.column, field=said.field
        )
        return Document(path, None, [problem])
    except yaml.YAMLError as exc:  # reader errors carry no mark in some builds
        return Document(path, None, [Problem.error(shown, f"invalid YAML: {exc}")])
    except RecursionError:
        return Document(path, None, [Problem.error(shown, "invalid YAML: nested too deeply")])
    if root is None:
        return Document(path, Node("map", 1, 1), [])
    converter = _Converter(shown, text)
    node = converter.convert(root)
    problems = converter.problems
    if converter.aliases:
        problems += _alias_problems(text, shown)
    return Document(path, node, problems)


def _alias_problems(text: str, shown: str) -> list[Problem]:
    """Where the aliases are: composed nodes only keep the position of their anchor."""
    events = yaml.parse(text, Loader=_Loader)
    marks = [e.start_mark for e in events if isinstance(e, yaml.AliasEvent)]
    message = "YAML anchors and aliases (&name / *name) are not supported"
    problems = [
        Problem.error(shown, message, line=mark.line + 1, column=mark.column + 1)
        for mark in marks[:MAX_ALIASES_LISTED]
    ]
    if len(marks) > MAX_ALIASES_LISTED:
        unlisted = len(marks) - MAX_ALIASES_LISTED
        problems.append(
            Problem.error(shown, f"{unlisted:,} more YAML aliases not listed; remove them all")
        )
    return problems


def decode_yaml(data: bytes, path: Path) -> str | Problem:
    """A YAML file's bytes as text, or the Problem saying where it is not UTF-8."""
    text, problem = _decode(data, display_path(path))
    return problem or text


def _decode(data: bytes, shown: str) -> tuple[str, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        message = (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8 in your editor"
        )
        return "", Problem.error(shown, message, line=line, column=column)


# C0 and C1 controls (but tab and line breaks), DEL, lone surrogates, the two noncharacters
# YAML refuses, and the Unicode line separators YAML reads as line breaks: PyYAML would
# either report them without a position or count lines differently from the author's editor.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]"
)


def _find_forbidden_character(text: str) -> tuple[int, int, str] | None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    index, char = found.start(), found[0]
    before = text[:index]
    line, column = before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        what = f"lone surrogate U+{code:04X} is not valid Unicode; re-save the file as UTF-8"
    elif code in (0x2028, 0x2029):
        what = f"Unicode line separator U+{code:04X} is not allowed; use an ordinary line break"
    elif code in (0xFFFE, 0xFFFF):
        what = f"U+{code:04X} is not a character; remove it"
    else:
        what = f"control character U+{code:04X} is not allowed in a case file"
    return line, column, what


class _Converter:
    """Walks the composed graph once; an alias (a node seen twice) is counted, not expanded."""

    def __init__(self, shown: str, text: str = ""):
        self.shown = shown
        self.lines = text.split("\n")
        self.problems: list[Problem] = []
        self._seen: set[int] = set()
        self._count = 0
        self.aliases = 0

    def _problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem.error(self.shown, message, line=mark.line + 1, column=mark.column + 1)
        )

    def _check_escapes(self, node: yaml.ScalarNode) -> None:
        found = _FORBIDDEN.search(node.value)  # the same characters as written raw
        if found is None:
            return
        code = ord(found[0])
        written = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        self._problem(
            node,
            f"control character U+{code:04X} (written as the escape {written} or similar) is "
            "not allowed in a value; remove it",
        )

    def convert(self, root: yaml.Node) -> Node:
        try:
            node = self._convert(root, 0)
        except _TooBigError as exc:
            message = f"document too large or nested too deeply (more than {MAX_NODES:,} values)"
            self.problems.append(
                Problem.error(self.shown, message, line=exc.line, column=exc.column)
            )
            node = Node("map", 1, 1)
        return node

    def _cut(self, node: yaml.ScalarNode) -> tuple[int, str] | None:
        """Where a comment that looks like part of the text follows a one-line plain value:
        one space, then '#' and a letter or digit (a comment is usually '  # words')."""
        start, end = node.start_mark, node.end_mark
        if start.line != end.line or end.line >= len(self.lines):
            return None
        rest = self.lines[end.line][end.column :]
        found = re.match(r" #[^\s#]", rest)
        if found is None:
            return None
        return end.column + 2, node.value + rest.rstrip()

    def _convert(self, node: yaml.Node, depth: int) -> Node:
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        self._count += 1
        if self._count > MAX_NODES or depth > 50:
            raise _TooBigError(line, column)
        if node.tag not in _STANDARD_TAGS:
            self._problem(node, f"YAML tag {node.tag!r} is not allowed; remove it")
        if isinstance(node, yaml.ScalarNode):
            if node.style == '"':  # escapes (\e, \x07, \0) make what raw text may not hold
                self._check_escapes(node)
            quoted = node.style in ("'", '"', "|", ">")
            text = None if (not quoted and node.value in _NULLS) else node.value
            cut = self._cut(node) if not node.style and text else None
            return Node("scalar", line, column, text=text, quoted=quoted, cut=cut)
        if id(node) in self._seen:  # an alias: reported with its own position afterwards
            self.aliases += 1
            return Node("scalar", line, column, text=None)
        self._seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            return Node(
                "seq", line, column, items=[self._convert(n, depth + 1) for n in node.value]
            )
        entries: list[tuple[Node, Node]] = []
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "a key must be a plain name, not a list or mapping")
                continue
            key = self._convert(key_node, depth + 1)
            if key_node.value == "<<":
                self._problem(key_node, "YAML merge keys (<<) are not supported")
                continue
            name = key.text or ""
            if name in first_seen:
                self._problem(
                    key_node, f"duplicate key {name!r} (first given on line {first_seen[name]})"
                )
                continue
            first_seen[name] = key.line
            entries.append((key, self._convert(value_node, depth + 1)))
        return Node("map", line, column, entries=entries)


class _TooBigError(Exception):
    def __init__(self, line: int, column: int):
        self.line, self.column = line, column
