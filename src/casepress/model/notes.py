"""A case's notes: one set for the whole case, whatever field a reference or definition is in.

Authors write Python-Markdown's footnote syntax: a reference ``[^label]`` in the text and a
definition ``[^label]: text`` at the start of a line (continuation lines indented by four
spaces, further paragraphs after a blank line indented too). The natural way to write a
case puts references in ``context:`` and every definition at the end of ``outcome:``, so
each field cannot be converted on its own: this module reads all of a case's Markdown
fields first, in reading order (``split_notes`` per field, ``collect_notes`` for the case),
takes the definitions out of the text, and numbers the notes 1…n in the order of their
first reference. ``markup.render_markdown(notes=...)`` then writes each reference as the
call ``NoteCalls`` gives it: in a PDF the note itself, floated to the foot of the page
(``float: footnote``); in HTML a numbered link to the endnotes the template prints.

Nothing here converts Markdown: the scan is textual and mirrors Python-Markdown's rules
(definitions at most three spaces in; references not in code spans nor escaped), so
validation can say where each reference and definition is without rendering anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import escape

DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]*(.*)$")
"""A definition's first line (Python-Markdown's rule; labels without spaces)."""
REFERENCE = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
"""A reference: ``[^label]``, not escaped, not a definition."""
_CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


@dataclass(frozen=True)
class Mark:
    """A reference or definition of a label, at its 1-based line and column in the field's
    text (``found`` in the file: see ``cases.note_problems``)."""

    label: str
    line: int
    column: int


@dataclass(frozen=True)
class Definition(Mark):
    text: str = ""
    """The note's Markdown, continuation lines un-indented."""


@dataclass(frozen=True)
class FieldNotes:
    """One field's text with its definitions taken out, its definitions and references."""

    text: str
    definitions: tuple[Definition, ...]
    references: tuple[Mark, ...]


def _indented(line: str) -> bool:
    return line.startswith(("    ", "\t"))


def _detab(line: str) -> str:
    return line[4:] if line.startswith("    ") else line[1:] if line.startswith("\t") else line


def split_notes(text: str | None) -> FieldNotes:
    """The definitions of one field, the text without them, and its references."""
    if not text or "[^" not in text:
        return FieldNotes(text or "", (), ())
    lines = text.split("\n")
    kept: list[str] = []
    kept_numbers: list[int] = []  # 0-based line in ``text`` of each kept line
    definitions: list[Definition] = []
    number = 0
    while number < len(lines):
        found = DEFINITION.match(lines[number])
        if not found:
            kept.append(lines[number])
            kept_numbers.append(number)
            number += 1
            continue
        start, body = number, [found[2]]
        number += 1
        # the rest of its paragraph (lazily indented), then indented paragraphs
        while number < len(lines) and lines[number].strip():
            if DEFINITION.match(lines[number]):
                break
            body.append(_detab(lines[number]))
            number += 1
        while number < len(lines) and not DEFINITION.match(lines[number]):
            ahead = number
            while ahead < len(lines) and not lines[ahead].strip():
                ahead += 1
            if ahead == number or ahead >= len(lines) or not _indented(lines[ahead]):
                break
            body.extend([""] * (ahead - number))
            number = ahead
            while number < len(lines) and lines[number].strip():
                if DEFINITION.match(lines[number]):
                    break
                body.append(_detab(lines[number]))
                number += 1
        column = lines[start].index("[^") + 1
        definitions.append(Definition(found[1], start + 1, column, "\n".join(body).strip()))
    references = []
    for kept_line, original in zip(kept, kept_numbers, strict=True):
        if "[^" not in kept_line:
            continue
        masked = _CODE_SPAN.sub(lambda m: " " * len(m[0]), kept_line)
        references += [Mark(m[1], original + 1, m.start() + 1) for m in REFERENCE.finditer(masked)]
    # code spans across lines are rare in case text; those on one line are masked above
    return FieldNotes("\n".join(kept).rstrip("\n"), tuple(definitions), tuple(references))


@dataclass(frozen=True)
class NoteSet:
    """All the notes of one case: ``numbers`` by label (1…n, in order of first reference
    through the fields in reading order), each field's ``FieldNotes``, the definition of
    each label (the first, if written twice) with its field."""

    fields: dict[str, FieldNotes]
    numbers: dict[str, int]
    definitions: dict[str, tuple[str, Definition]]

    def text(self, where: str, original: str | None) -> str | None:
        """A field's text without its definitions."""
        notes = self.fields.get(where)
        return original if notes is None else notes.text

    def ordered(self) -> list[tuple[int, str, Definition]]:
        """(number, field of the definition, definition), in number order."""
        return [(n, *self.definitions[label]) for label, n in self.numbers.items()]

    def problems(self) -> list[tuple[str, str, Mark, Mark | None]]:
        """(kind, field, mark, first definition): ``undefined`` references (the first of
        each label), labels defined twice (``duplicate``, at the second, with the first)
        and ``unused`` definitions, in the order of the fields."""
        found: list[tuple[str, str, Mark, Mark | None]] = []
        first: dict[str, Definition] = {}
        referenced = {ref.label for notes in self.fields.values() for ref in notes.references}
        for where, notes in self.fields.items():
            for definition in notes.definitions:
                label = definition.label
                if label in first:
                    found.append(("duplicate", where, definition, first[label]))
                    continue
                first[label] = definition
                if label not in referenced:
                    found.append(("unused", where, definition, None))
        said: set[str] = set()
        for where, notes in self.fields.items():
            for reference in notes.references:
                if reference.label not in first and reference.label not in said:
                    said.add(reference.label)
                    found.append(("undefined", where, reference, None))
        return found


def collect_notes(texts: Iterable[tuple[str, str | None]]) -> NoteSet:
    """The note set of a case from its Markdown fields, (field path, text) in reading order."""
    fields = {where: split_notes(text) for where, text in texts if text}
    definitions: dict[str, tuple[str, Definition]] = {}
    for where, notes in fields.items():
        for definition in notes.definitions:
            definitions.setdefault(definition.label, (where, definition))
    numbers: dict[str, int] = {}
    for notes in fields.values():
        for reference in notes.references:
            if reference.label in definitions and reference.label not in numbers:
                numbers[reference.label] = len(numbers) + 1
    return NoteSet(fields, numbers, definitions)


_BLOCK_TAG = re.compile(
    r"<(/?)(p|ul|ol|li|blockquote|dl|dt|dd|div|h[1-6]|pre|table|thead|tbody|tfoot|tr|th|td"
    r"|figure|figcaption|hr)\b([^>]*)>",
    re.IGNORECASE,
)


def inline_note(html: str) -> str:
    """A note's HTML made inline, to sit inside the paragraph of its reference (a ``<p>``
    cannot hold a ``<p>``): each block becomes a ``span.note-<tag>`` that CSS shows as a
    block; attributes other than the tag's class are dropped. Newlines become spaces
    (WeasyPrint 70 would break the line at each one in a footnote)."""

    def replace(match: re.Match[str]) -> str:
        closing, tag = match[1], match[2].lower()
        if closing:
            return "</span>"
        if tag == "hr":
            return ""
        return f'<span class="note-{tag}">'

    # newlines collapsed here: WeasyPrint 70 breaks the line at each one in a footnote
    return _NEWLINES.sub(" ", _BLOCK_TAG.sub(replace, html.strip()))


_NEWLINES = re.compile(r"[ \t]*\n\s*")


@dataclass
class NoteCalls:
    """How one case's references are written. ``inline`` (PDF): the HTML of each note by
    number, placed at its first reference as ``span.note`` for ``float: footnote``;
    later references to the same note link to it. Without ``inline`` (HTML) every
    reference is a numbered link to the endnote, with an id for the endnote's back-link.
    Ids are ``<prefix>fn-N`` and ``<prefix>fnref-N`` (``-2``, ``-3`` for later references):
    the prefix is the case's, so a handbook's ids stay unique."""

    numbers: dict[str, int]
    prefix: str
    inline: dict[int, str] | None = None
    calls: dict[int, list[str]] = field(default_factory=dict)
    """The id of every reference made, by number, in order (for back-links)."""

    def call(self, label: str) -> str | None:
        """The HTML of a reference to ``label``, or None (left as written) if undefined."""
        number = self.numbers.get(label)
        if number is None:
            return None
        made = self.calls.setdefault(number, [])
        ref_id = f"{self.prefix}fnref-{number}" + (f"-{len(made) + 1}" if made else "")
        made.append(ref_id)
        note_id = f"{self.prefix}fn-{number}"
        if self.inline is not None and len(made) == 1:
            return (
                f'<span class="note" id="{escape(note_id)}" data-note="{number}">'
                f"{self.inline[number]}</span>"
            )
        return (
            f'<sup class="note-ref" id="{escape(ref_id)}">'
            f'<a href="#{escape(note_id)}">{number}</a></sup>'
        )
