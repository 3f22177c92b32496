"""Case values → YAML text written for people, laid out like the hand-made sample cases.

Keys come in one stable order: the facts about a case first (title, language, tags), then
its narrative, each part after a blank line. Markdown goes in ``|`` block scalars wrapped
at 92 characters, tags in flow lists (``[Peru, Bolivia]``), Unicode as itself. A scalar is
written plain only when it starts with a letter and no YAML 1.1 reader could take it for
anything but text (``NO``, ``yes``, ``1.10`` and dates are quoted). The output depends on
the values alone, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from .cases import CASE_SPEC
from .schema import ListOf, Object, Text, Type

WIDTH = 92


def layout(spec: Object) -> list[tuple[str, ...]]:
    """An object's field names in the groups a file shows them in: by each field's declared
    ``order``, consecutive fields of one ``section`` together."""
    groups: list[tuple[str, ...]] = []
    section = None
    for name in sorted(spec.fields, key=lambda name: spec.fields[name].order):
        if groups and spec.fields[name].section == section:
            groups[-1] += (name,)
        else:
            groups.append((name,))
            section = spec.fields[name].section
    return groups


HEADER, *_NARRATIVE = layout(CASE_SPEC)
SECTIONS = tuple(_NARRATIVE)
"""Keys written first, together (what a case is about); then the narrative in reading
order, each group after a blank line. Both come from the fields' declarations in cases.py."""

_YAML11_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"}


def dump_case(values: dict[str, Any], *, comments: Sequence[str] = ()) -> str:
    """YAML for a case's values (``CASE_SPEC`` field names); absent or empty values are left out."""
    unknown = set(values) - set(CASE_SPEC.fields)
    if unknown:
        raise ValueError(f"not case fields: {', '.join(sorted(unknown))}")
    lines = [f"# {comment}" for comment in comments]
    for key in HEADER:
        lines += _entry(key, values.get(key), CASE_SPEC.fields[key].type, 0)
    for group in SECTIONS:
        entries = [
            line
            for key in group
            for line in _entry(key, values.get(key), CASE_SPEC.fields[key].type, 0)
        ]
        if entries:
            lines += ["", *entries]
    return "\n".join(lines) + "\n"


def _entry(key: str, value: Any, kind: Type, indent: int) -> list[str]:
    if value in (None, "", [], {}):
        return []
    pad = " " * indent
    if isinstance(kind, ListOf) and isinstance(kind.item, Object):
        lines = [f"{pad}{key}:"]
        for item in value:
            lines += _list_item(item, kind.item, indent + 2)
        return lines
    if isinstance(kind, ListOf) and any(_is_mapping(v) for v in value):
        # names and mappings mixed (authors: - Ana Pérez / - given: …, family: …)
        mapping = getattr(kind.item, "mapping", None)
        lines = [f"{pad}{key}:"]
        for item in value:
            if not _is_mapping(item):
                lines.append(f"{pad}  - {scalar(str(item))}")
                continue
            parts = _as_dict(item)
            order = [*(mapping.fields if mapping else ()), *parts]
            entries = [
                (n, parts[n]) for n in dict.fromkeys(order) if parts.get(n) not in (None, "")
            ]
            for index, (name, text) in enumerate(entries):
                lead = "- " if index == 0 else "  "
                lines.append(f"{pad}  {lead}{name}: {scalar(str(text))}")
        return lines
    if isinstance(kind, ListOf):
        return [f"{pad}{key}: [{', '.join(scalar(str(v), flow=True) for v in value)}]"]
    if isinstance(kind, Object):
        nested = [
            line
            for name, spec in kind.fields.items()
            for line in _entry(name, value.get(name), spec.type, indent + 2)
        ]
        return [f"{pad}{key}:", *nested]
    text = str(value)
    if isinstance(kind, Text) and kind.markdown:
        return [f"{pad}{key}: {_block_header(text)}", *_literal(text, indent + 2)]
    one_line = f"{pad}{key}: {scalar(text)}"
    if len(one_line) > WIDTH and _foldable(text):
        return [f"{pad}{key}: >-", *(f"{pad}  {line}" for line in wrap(text, WIDTH - indent - 2))]
    return [one_line]


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict) or (is_dataclass(value) and not isinstance(value, type))


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {f.name: getattr(value, f.name) for f in fields(value) if f.init}


def _list_item(item: dict[str, Any], kind: Object, indent: int) -> list[str]:
    lines = [
        line
        for name, spec in kind.fields.items()
        for line in _entry(name, item.get(name), spec.type, indent + 2)
    ]
    if lines:
        lines[0] = " " * indent + "- " + lines[0][indent + 2 :]
    return lines


def scalar(text: str, *, flow: bool = False) -> str:
    """One line of text, plain when that is safe, else double-quoted: the one YAML scalar
    writer (``casepress import`` and ``casepress new`` both use it).

    Any text reads back as the same string, with any YAML reader (``yes``, ``1e3``,
    ``2024-01-01`` and ``~`` stay text); letters of every script stay as they are, and only
    what YAML cannot hold in a line (control characters, line breaks) is escaped.
    ``flow`` is for an item of a flow list (``[a, b]``), where ``,[]{}:?`` also need quotes.
    """
    if _plain_is_safe(text, flow):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = _UNPRINTABLE.sub(_escape, escaped)
    return f'"{escaped}"'


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
"""What a YAML reader would take as a line break, or refuses in a file."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _plain_is_safe(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or _UNPRINTABLE.search(text):
        return False
    if not text[0].isalpha() or text.lower() in _YAML11_WORDS:
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (flow and any(c in text for c in ",[]{}:?"))  # PyYAML ends flow plain at ':?'


def _foldable(text: str) -> bool:
    return "\n" not in text and text == text.strip() and "  " not in text and "\t" not in text


def _block_header(text: str) -> str:
    # a first line that starts with a space needs the indentation stated (|2)
    return "|2" if text[:1] == " " else "|"


def _literal(text: str, indent: int) -> list[str]:
    pad = " " * indent
    width = WIDTH - indent
    fenced = "```" in text or "~~~" in text
    lines: list[str] = []
    for index, chunk in enumerate(text.strip("\n").split("\n\n")):
        if index:
            lines.append("")
        for line in _layout(chunk, width, fenced):
            lines.append(pad + line if line else "")
    return lines


_ITEM = re.compile(r"(?:[-*+]|\d{1,9}\.) ")


def _layout(chunk: str, width: int, fenced: bool) -> list[str]:
    """A Markdown block as lines: prose paragraphs and list items wrapped, the rest as is."""
    if fenced:
        return chunk.split("\n")
    rows = chunk.split("\n")
    if all(_ITEM.match(row) for row in rows):
        lines = []
        for row in rows:
            marker = _ITEM.match(row).group()
            wrapped = wrap(row[len(marker) :], width - len(marker))
            lines += [marker + wrapped[0], *(" " * len(marker) + w for w in wrapped[1:])]
        return lines
    if len(rows) == 1 and not re.match(r"[\s#>|<]|\[\^", chunk):
        return wrap(chunk, width)
    return rows


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap at single spaces; never starts a line with what Markdown would read as
    a heading, quote, list item or table (``#``, ``>``, ``-``, ``2001.``...)."""
    words = text.split(" ")
    lines: list[str] = []
    current = words[0]
    for word in words[1:]:
        if current and word and len(current) + 1 + len(word) > width and not _starts_block(word):
            lines.append(current)
            current = word
        else:
            current += " " + word
    lines.append(current)
    return lines


def _starts_block(word: str) -> bool:
    return (
        word[0] in "#>=|:"
        or word in ("-", "+", "*")
        or bool(re.fullmatch(r"\d+[.)]", word))
        or word.startswith(("[^", "```", "~~~", "---", "***", "___"))
    )
