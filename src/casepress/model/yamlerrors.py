"""A YAML parse error in the words of the person who typed the file, at the line to change.

PyYAML says "mapping values are not allowed in this context" for an unquoted colon in a
title, for a forgotten ``|`` and for a field indented too far; it reports a line typed at
column 1 where it gave up, lines later. ``explain`` looks at the error, the line it points
at and the lines before, recognises the common mistakes and says, for each, what it is and
how to fix it: ``subtitle: a colon followed by a space ends the value here; put the whole
value in quotes: subtitle: "Liberia: vetting"``. What it does not recognise keeps the
parser's words, with where to look.

The field is the path of the value being read when the parser stopped (machine form,
``lessons[1].text``; ``errors.human_field`` shows it to people), found by replaying the
parser's events up to the error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*):(?= |$)")
_KEY_NO_SPACE = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*):(?=[^\s:])")
_DASH_NO_SPACE = re.compile(r"^(?P<indent> *)-(?=[A-Za-z])")
_CURLY = {"“": "”", "‘": "’", "„": "“", "«": "»"}
_SHOWN_VALUE = 60
"""Longest value quoted in a fix; longer ones are cut with '…'."""
_LONGEST_FIELD = 80
"""A longer path (a crafted, deeply nested file) is left out; the line and column say where."""
UNKNOWN_HINT = "check the quotes and indentation on this line and the one before"


@dataclass
class Explained:
    line: int  # 1-based
    column: int
    field: str
    message: str


def explain(exc: yaml.MarkedYAMLError, text: str, loader: type = yaml.SafeLoader) -> Explained:
    """The plain-words problem for a parse error in ``text`` (``loader``: the one that
    found it, so that replaying stops where it stopped)."""
    lines = text.split("\n")
    where = _paths(text, loader)
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    problem, context = exc.problem or "", exc.context or ""
    started = exc.context_mark
    for rule in _RULES:
        found = rule(lines, line, column, problem, context, started, where)
        if found:
            return found
    # an unknown shape: the parser's words, where to look, and at the line it started on
    if context and started and mark and started.line != mark.line:
        context += f" that starts at line {started.line + 1}, column {started.column + 1}"
    said = f"{problem} ({context})" if context and problem else problem or context
    if started and "simple key" in context:
        line, column = started.line, started.column
    if "nesting depth" in problem:  # a crafted file: nothing to fix on one line
        return Explained(line + 1, column + 1, "", f"invalid YAML: {said}")
    field = where.pending
    if len(field) > _LONGEST_FIELD:  # nested beyond reading: the line says where
        field = ""
    return Explained(line + 1, column + 1, field, f"invalid YAML: {said}; {UNKNOWN_HINT}")


@dataclass
class _Where:
    """Where the parser was when it stopped: the value it was reading (``pending``), the map
    or list holding it (``container``, its kind) and the last key it read."""

    pending: str = ""
    container: str = ""
    kind: str = ""
    last_key: str = ""

    def keyed(self, key: str) -> str:
        """The path of ``key`` in the container being read (its sibling, when a map)."""
        base = self.pending if self.kind == "seq" else self.container
        return f"{base}.{key}" if base else key


def parser_words(exc: yaml.MarkedYAMLError) -> Explained:
    """The error as the parser says it, with where to look (no field)."""
    mark = exc.problem_mark or exc.context_mark
    said = f"{exc.problem} ({exc.context})" if exc.context and exc.problem else exc.problem
    said = said or exc.context or "not readable"
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return Explained(line, column, "", f"invalid YAML: {said}; {UNKNOWN_HINT}")


def _paths(text: str, loader: type) -> _Where:
    """Replay the parser's events up to the error: the path of the value being read."""
    stack: list[list] = []  # [kind, key-or-index, path]
    where = _Where()

    def child(frame: list) -> str:
        if frame[0] == "seq":
            return f"{frame[2]}[{frame[1]}]"
        return f"{frame[2]}.{frame[1]}" if frame[2] else str(frame[1])

    def done(frame: list | None) -> None:
        if frame is None:
            return
        if frame[0] == "seq":
            frame[1] += 1
        else:
            frame[1] = None

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.DocumentEndEvent):
                break  # a second document is the error itself
            top = stack[-1] if stack else None
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if top is not None and top[0] == "map" and top[1] is None:
                    top[1] = "?"  # a complex key: not in a case file
                path = child(top) if top else ""
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append([kind, None if kind == "map" else 0, path])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                done(stack[-1] if stack else None)
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and top is not None:
                if top[0] == "map" and top[1] is None:
                    top[1] = getattr(event, "value", "?")
                    where.last_key = child(top)
                else:
                    done(top)
    except yaml.YAMLError:
        pass
    top = stack[-1] if stack else None
    if top is None:
        return where
    where.kind, where.container = top[0], top[2]
    where.pending = top[2] if top[0] == "map" and top[1] is None else child(top)
    return where


def _shown_value(value: str) -> str:
    return value if len(value) <= _SHOWN_VALUE else value[: _SHOWN_VALUE - 1].rstrip() + "…"


def _quoted(value: str) -> str:
    """The value in the quotes that need no escaping inside it."""
    value = _shown_value(value)
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def quoted_value(value: str) -> str:
    """A value in the quotes that need no escaping inside it, as a fix shows it."""
    return _quoted(value)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _previous(lines: list[str], line: int) -> int | None:
    """The last line before ``line`` with something on it (not a comment)."""
    for number in range(line - 1, -1, -1):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _indented(count: int) -> str:
    """'is indented 3 spaces', or 'starts at the beginning of the line'."""
    return f"is indented {_spaces(count)}" if count else "starts at the beginning of the line"


def _indent_it(count: int) -> str:
    """'indent it by 4 spaces', or 'start it at the beginning of the line'."""
    return f"indent it by {_spaces(count)}" if count else "start it at the beginning of the line"


def _at(line: int, column: int, field: str, message: str) -> Explained:
    return Explained(line + 1, column + 1, field, message)


def _owner_field(lines: list[str], line: int, where: _Where) -> str:
    """The field a line belongs to when the parser had not read its key: the nearest
    'name:' line above that is indented less."""
    if line >= len(lines):
        return where.pending
    here = _indent(lines[line])
    for number in range(line - 1, -1, -1):
        found = _KEY.match(lines[number])
        if found and (found.start("key") < here or number < line):
            return where.keyed(found["key"])
    return where.pending


def _head(text: str, found: re.Match[str]) -> str:
    """'subtitle:' or '- title:' as the author wrote it, without the indentation."""
    return text[found.start("dash") if found["dash"] else found.start("key") : found.end()]


def _tab(lines, line, column, problem, context, started, where):
    """A tab where YAML wants spaces: at the tab itself."""
    for number in (line, _previous(lines, line)):
        if number is None or number >= len(lines):
            continue
        text = lines[number]
        lead = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in lead:
            own = _KEY.match(text[len(lead) :])
            field = where.keyed(own["key"]) if own else where.pending
            return _at(number, lead.index("\t"), field or _owner_field(lines, number, where),
                       "this line is indented with a tab; YAML counts only spaces: replace the "
                       "tab with spaces, lined up with the lines above")  # fmt: skip
    return None


def _second_document(lines, line, column, problem, context, started, where):
    """'---' (or '...') at the start of a line: YAML's end of one document."""
    if "another document" not in problem and "another document" not in context:
        return None
    marker = lines[line][:3] if line < len(lines) else "---"
    return _at(line, 0, where.last_key,
               f"{marker} at the start of a line ends the file's content here; if it belongs "
               "to the text above, indent it like that text, or remove it")  # fmt: skip


def _quote_not_closed(lines, line, column, problem, context, started, where):
    """A quote opened at the start of a value and never closed: at the quote."""
    if "quoted scalar" not in context or started is None:
        return None
    text = lines[started.line]
    quote = text[started.column]
    rest = text[started.column + 1 :].rstrip()
    head = text[: started.column].strip()
    fixed = f"{head} {quote}{_shown_value(rest)}{quote}".strip()
    own = _KEY.match(text)
    field = where.keyed(own["key"]) if own else where.pending
    return _at(started.line, started.column, field,
               f"this {quote} starts a quoted value that is never closed; end the value with "
               f"the same quote on this line: {fixed}")  # fmt: skip


def _flow_not_closed(lines, line, column, problem, context, started, where):
    """A value starting with [ or { that is not closed: a list left open, or text."""
    if "flow" not in context or "nesting" in problem:  # not a nesting bomb: said as it is
        return None
    for number in range(min(line, len(lines) - 1), -1, -1):
        own = _KEY.match(lines[number])
        if own is None:
            continue
        head, value = _head(lines[number], own), lines[number][own.end() :].strip()
        if not value or value[0] not in "[{" or ("]" if value[0] == "[" else "}") in value:
            continue
        opened, closing = value[0], "]" if value[0] == "[" else "}"
        what = "list" if opened == "[" else "mapping"
        field = re.sub(r"\[\d+\]$", "", where.container)
        if not field.endswith(own["key"]):
            field = where.keyed(own["key"])
        return _at(number, own.end() + 1, field,
                   f"this {opened} starts a {what} that is not closed on this line; end it with "
                   f"{closing}, or, if the value is text, put it in quotes: "
                   f"{head} {_quoted(value)}")  # fmt: skip
    return None


def curly_inner(value: str) -> str | None:
    """The value inside its typographic quotes, if it is wrapped in a pair of them."""
    if len(value) > 1 and _CURLY.get(value[0]) == value[-1]:
        return value[1:-1]
    return None


def curly_quotes_message(head: str, inner: str) -> str:
    """What to say of a value wrapped in curly quotes (also once it has been read)."""
    return (
        "“ ” and ‘ ’ (curly quotes, as a word processor types them) are not quotes in YAML; "
        f"use straight quotes: {f'{head} ' if head else ''}{_quoted(inner)}"
    )


def _colon(lines, line, column, problem, context, started, where):
    """'mapping values are not allowed': a colon in a value, or a line read as a key."""
    if "mapping values are not allowed" not in problem or line >= len(lines):
        return None
    text = lines[line]
    own = _KEY.match(text)
    if own and column > own.end("key"):  # a second ': ' on a 'key: value' line
        head, value = _head(text, own), text[own.end() :].strip()
        field = where.keyed(own["key"])
        inner = curly_inner(value)
        if inner is not None:
            rest = text[own.end() :]
            value_column = own.end() + len(rest) - len(rest.lstrip())
            return _at(line, value_column, field, curly_quotes_message(head, inner))
        return _at(line, column, field,
                   "a colon followed by a space ends the value here; put the whole value in "
                   f"quotes: {head} {_quoted(value)}")  # fmt: skip
    before = _previous(lines, line)
    if before is None:
        return None
    if _DASH_NO_SPACE.match(lines[before]):
        return _dash_no_space(lines, before, where)
    if _KEY_NO_SPACE.match(lines[before]):
        return _squeezed(lines, before, where)
    owner = _KEY.match(lines[before])
    if own and owner and _indent(text) > owner.start("key"):
        # a field indented further than the field above it: read as more of its value
        want = owner.start("key")
        return _at(line, 0, where.keyed(own["key"]),
                   f"this field {_indented(_indent(text))}, more than "
                   f"{owner['key']}: on line {before + 1}; {_indent_it(want)} like "
                   f"{owner['key']}:")  # fmt: skip
    start = _plain_start(lines, line)
    if start is not None:
        key_line, found = start
        return _at(key_line, found.end() + 1, where.keyed(found["key"]),
                   f"this text goes on to line {line + 1}, where a colon followed by a space "
                   "ends it; text on several lines needs a | after the colon: write "
                   f"{found['key']}: | and put the text on the lines below it, indented")  # fmt: skip
    return None


def _plain_start(lines: list[str], line: int) -> tuple[int, re.Match[str]] | None:
    """The 'key: text' line a plain (unquoted, no |) value on ``line`` continues from."""
    for number in range(line - 1, -1, -1):
        found = _KEY.match(lines[number])
        if found is None:
            continue
        if _indent(lines[line]) <= found.start("key"):
            return None  # not indented under it: not its text
        value = lines[number][found.end() :].strip()
        if value and value[0] not in "|>\"'[{&*!#":
            return number, found
        return None
    return None


def _dash_no_space(lines: list[str], number: int, where: _Where) -> Explained:
    text = lines[number]
    dash = _DASH_NO_SPACE.match(text)
    assert dash is not None
    fixed = "- " + text[dash.end() :].strip()
    field = where.pending if where.kind == "seq" else where.container
    return _at(number, dash.end() - 1, field,
               f"a list item needs a space after the -: {fixed}")  # fmt: skip


def _squeezed(lines: list[str], number: int, where: _Where) -> Explained:
    """'name:value' with no space: YAML reads it all as text."""
    text = lines[number]
    squeezed = _KEY_NO_SPACE.match(text)
    assert squeezed is not None
    fixed = f"{_head(text, squeezed)} {text[squeezed.end() :].strip()}"
    return _at(number, squeezed.end() - 1, where.keyed(squeezed["key"]),
               f"put a space after the colon: {_shown_value(fixed)}")  # fmt: skip


def _first_field_indented(lines, line, column, problem, context, started, where):
    """The first field indented, the next at the start of the line."""
    if "document start" not in problem:
        return None
    for number, text in enumerate(lines):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        own = _KEY.match(text)
        if own is None or not _indent(text):
            return None
        return _at(number, 0, own["key"],
                   f"this field {_indented(_indent(text))}; the fields at the top of the file "
                   f"start at the beginning of the line: {_shown_value(stripped)}")  # fmt: skip
    return None


def _top_field_indented(lines, line, column, problem, context, started, where):
    """A field of the top level indented, among fields at the start of the line."""
    if "expected key" not in problem or line >= len(lines) or where.container:
        return None
    text = lines[line]
    own = _KEY.match(text)
    if own is None or own["dash"] or not _indent(text):
        return None
    return _at(line, 0, own["key"],
               f"this field {_indented(_indent(text))}; the fields at the top of the file "
               f"start at the beginning of the line: {_shown_value(text.strip())}")  # fmt: skip


def _text_dedented(lines, line, column, problem, context, started, where):
    """A line of a text ('summary: >' or '|') further left than the text's first line."""
    if "expected key" not in problem or line >= len(lines) or _KEY.match(lines[line]):
        return None
    here, first = _indent(lines[line]), None
    for number in range(line - 1, -1, -1):
        text = lines[number]
        if not text.strip():
            continue
        if _KEY.match(text):
            break
        first = number
    if first is None or _indent(lines[first]) <= here:
        return None
    want = _indent(lines[first])
    return _at(line, here, where.last_key or where.pending,
               f"this line starts further left than the first line of its text (line "
               f"{first + 1}); the lines of one text start at the same place: "
               f"{_indent_it(want)}, or indent line {first + 1} like this one")  # fmt: skip


def _simple_key(lines, line, column, problem, context, started, where):
    """A line with no 'name:' read as a key: a line typed too far left, or 'name:value'."""
    if "simple key" not in context or started is None:
        return None
    number = started.line
    text = lines[number]
    if _KEY_NO_SPACE.match(text):
        return _squeezed(lines, number, where)
    if _DASH_NO_SPACE.match(text):
        return _dash_no_space(lines, number, where)
    before = _previous(lines, number)
    if before is None or _KEY.match(text):
        return None
    above = lines[before]
    owner = _KEY.match(above)
    want = owner.start("key") + 2 if owner else _indent(above)
    return _at(number, started.column, where.last_key or where.pending,
               "this line starts further left than the text above it, so it ends that text; "
               f"indent it by {_spaces(want)} like the text above, or give it a name "
               "(name: value) if it is a new field")  # fmt: skip


def _list_item(lines, line, column, problem, context, started, where):
    """A list item, or a field of one, at the wrong indentation."""
    if not (
        "expected '-' indicator" in problem
        or "expected key" in problem
        or "expected <block end>" in problem
    ):  # the last: pure-Python PyYAML's words
        return None
    if line >= len(lines):
        return None
    text = lines[line]
    if _DASH_NO_SPACE.match(text):
        return _dash_no_space(lines, line, where)
    item = _item_above(lines, line)
    if item is None:
        return None
    item_line, item_indent, first_key, name = item
    here = _indent(text)
    # the list being read: 'lessons' when the parser waits for an item of it, or for a
    # field of its item 'lessons[0]'
    in_item = where.kind == "map" and re.search(r"\[(\d+)\]$", where.container)
    if in_item:
        seq, index = where.container[: in_item.start()], int(in_item[1])
    else:
        found = re.search(r"\[(\d+)\]$", where.pending)
        seq, index = (where.pending[: found.start()], int(found[1])) if found else ("", None)
    if text.lstrip().startswith("- "):
        if here == item_indent:
            return None
        field = f"{seq}[{index + 1 if in_item else index}]" if index is not None else seq
        return _at(line, here, field or name,
                   f"this item of {name} {_indented(here)} but the one on line "
                   f"{item_line + 1} {_indented(item_indent)}; start every - of the list at "
                   "the same place")  # fmt: skip
    own = _KEY.match(text)
    if own is None:
        return None
    if index is not None and not in_item:
        index -= 1  # the item before the one the parser now waits for
    item_path = f"{seq}[{max(index or 0, 0)}]" if seq else ""
    field = f"{item_path}.{own['key']}" if item_path else own["key"]
    return _at(line, here, field,
               f"this field {_indented(here)}; the fields of an item of {name} line "
               f"up with the first one after its - ({first_key}: on line {item_line + 1}): "
               f"{_indent_it(item_indent + 2)}")  # fmt: skip


def _item_above(lines: list[str], line: int) -> tuple[int, int, str, str] | None:
    """(line, indentation, first key, the list's name) of the nearest list item above."""
    for number in range(line - 1, -1, -1):
        found = _KEY.match(lines[number])
        if found and found["dash"]:
            indent = _indent(lines[number])
            name = "the list"
            for above in range(number - 1, -1, -1):
                parent = _KEY.match(lines[above])
                if parent and not parent["dash"] and parent.start("key") < indent + 1:
                    name = parent["key"] if _indent(lines[above]) <= indent else name
                    break
            return number, indent, found["key"], name
    return None


def _keyed_value(text: str) -> tuple[re.Match, str, str] | None:
    """A ``key: value`` line as (its key's match, the key as written, the value), or None
    when the line names no key or gives no value on it."""
    own = _KEY.match(text)
    if own is None:
        return None
    value = text[own.end() :].strip()
    return (own, _head(text, own), value) if value else None


def _after_quote(lines, line, column, problem, context, started, where):
    """Text after a value's closing quote, or a value that starts with [ or {."""
    if not ("expected key" in problem or "expected <block end>" in problem) or line >= len(lines):
        return None
    keyed = _keyed_value(lines[line])
    if keyed is None:
        return None
    own, head, value = keyed
    first, field = value[0], where.keyed(own["key"])
    if first in "\"'":
        return _at(line, column, field,
                   f"the value ends at its closing {first}, but more text follows; put the "
                   f"whole value in quotes: {head} {_quoted(value)}")  # fmt: skip
    if first in "[{":
        return _at(line, own.end() + 1, field,
                   f"a value that starts with {first} is read as a list; put the whole value in "
                   f"quotes: {head} {_quoted(value)}")  # fmt: skip
    return None


def _cannot_start(lines, line, column, problem, context, started, where):
    """A value starting with a character YAML reserves (@ ` % * & | > !)."""
    if line >= len(lines):
        return None
    keyed = _keyed_value(lines[line])
    if keyed is None:
        return None
    own, head, value = keyed
    first, at, field = value[0], own.end() + 1, where.keyed(own["key"])
    if first in "|>" and "block scalar" in context:
        return _at(line, at, field,
                   f"after {first} the text starts on the next line: put it on the line below, "
                   f"indented, or put the whole value in quotes: {head} {_quoted(value)}")  # fmt: skip
    if first == "-" and "block sequence entries" in problem:
        return _at(line, at, field,
                   "a list starts on the line below its name, one - item per line; if the "
                   f"value is text, put it in quotes: {head} {_quoted(value)}")  # fmt: skip
    if first in "@`%*&!" and (
        "cannot start any token" in problem or "alias" in context + problem or "anchor" in context
    ):
        return _at(line, at, field,
                   f"a value may not start with {first}; put the whole value in quotes: "
                   f"{head} {_quoted(value)}")  # fmt: skip
    return None


_RULES = (_tab, _second_document, _first_field_indented, _top_field_indented, _text_dedented, _quote_not_closed, _flow_not_closed, _colon, _simple_key,
          _list_item, _after_quote, _cannot_start)  # fmt: skip
"""Tried in this order; the first that recognises the mistake says it."""
