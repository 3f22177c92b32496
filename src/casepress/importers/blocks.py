"""The blocks importers produce: a source's title and blocks, heading vocabulary, and the
Markdown escaping every reader shares (plain text, Markdown and Word alike)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem, display_path
from .repair import Note, Repairs

# straight apostrophes, no trailing colon). The language is None where spellings coincide.
_HEADINGS = [
    ("context", "en", r"context|background"),
    ("context", "fr", r"contexte"),
    ("context", "es", r"contexto|antecedentes"),
    ("entry_point", "en", r"entry[- ]?points?"),
    ("entry_point", "fr", r"points? d'entree"),
    ("entry_point", "es", r"puntos? de entrada"),
    ("lessons", "en", r"lessons?(?: (?:learned|learnt|identified))?"),
    ("lessons", "fr", r"(?:enseignements?|lecons?)(?: (?:tire|appris|identifie)e?s?)?"),
    ("lessons", "es", r"(?:lecciones|ensenanzas)(?: (?:aprendidas|identificadas))?"),
    ("outcome", None, r"conclusions?"),
    ("outcome", "en", r"outcomes?|results?|(?:closing|concluding) remarks"),
    ("outcome", "fr", r"resultats?|remarques finales"),
    ("outcome", "es", r"resultados?|conclusiones|observaciones finales"),
    ("tags", "en", r"regions?(?:\(s\))?(?: ?(?:or|and|/) ?countr(?:y|ies)(?:\(ies\))?)?"
                   r"|countr(?:y|ies)(?:\(ies\))?|tags|keywords"),
    ("tags", "fr", r"(?:regions?(?:\(s\))? ?(?:ou|et|/) ?)?pays|mots[- ]cles"),
    ("tags", "es", r"region(?:es)?(?:\(es\))? ?(?:o|y|/) ?pais(?:es)?(?:\(es\))?"
                   r"|pais(?:es)?(?:\(es\))?|palabras clave"),
    ("resources", "en", r"further (?:resources|reading)|resources|references|bibliography"),
    ("resources", "fr", r"pour aller plus loin|ressources|references|bibliographie"),
    ("resources", "es", r"recursos(?: adicionales)?|lecturas adicionales|referencias|bibliografia"),
]  # fmt: skip
_HEADING_PATTERNS = [(role, lang, re.compile(pattern)) for role, lang, pattern in _HEADINGS]


def match_heading(text: str) -> tuple[str, str | None] | None:
    """(role, language) when a line names a known section, in any capitalisation, else None.

    Trailing colons and spaces, a leading number ("2. Context") and Markdown emphasis
    around the words do not matter.
    """
    if len(text) > 60:
        return None
    key = heading_key(text)
    for role, language, pattern in _HEADING_PATTERNS:
        if pattern.fullmatch(key):
            return role, language
    return None


def heading_key(text: str) -> str:
    text = strip_markdown(text).strip().rstrip(":").strip()
    text = re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", text)
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+\(", "(", " ".join(text.split()))


@dataclass
class Block:
    """A heading, a paragraph ("text") or a list, with the input line of each of its lines."""

    kind: str
    lines: list[str]
    numbers: list[int]
    gap: int = 0
    """Blank lines (empty paragraphs in Word) before the block: two or more set it apart."""
    level: int = 0
    """Heading level in Markdown or Word; 0 for a line that names a section in plain text."""
    role: str | None = None
    """What a heading names: context, entry_point, lessons, outcome, tags or resources."""
    language: str | None = None
    verbatim: bool = False
    """Markdown whose line breaks matter (code, tables, quotes): never joined or rewrapped."""

    @property
    def line(self) -> int:
        return self.numbers[0]

    @property
    def text(self) -> str:
        return self.lines[0] if self.kind == "heading" else "\n".join(self.lines)


@dataclass
class Prose:
    """Markdown made from a block, with the input line where each part of it starts."""

    text: str
    starts: list[tuple[int, int]] = field(default_factory=list)

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right([o for o, _ in self.starts], offset) - 1
        return self.starts[max(index, 0)][1] if self.starts else 0


@dataclass
class Source:
    """One input file read: title, blocks in order, and what reading it found or changed."""

    path: Path
    title: str
    title_line: int
    blocks: list[Block]
    markdown: bool
    """False for plain text: lines are escaped when joined into Markdown."""
    hard_wraps: bool
    """True when several lines in one paragraph are wrapping to undo (plain text, Word)."""
    subtitle: str | None = None
    notes: list[Note] = field(default_factory=list)
    repairs: Repairs = field(default_factory=Repairs)

    @property
    def shown(self) -> str:
        return display_path(self.path)

    def join(self, block: Block) -> Prose:
        """The block as Markdown: wrapped lines joined (and counted), plain text escaped."""
        if not self.markdown:
            return _join_plain(block, self.repairs)
        prose = Prose("")
        keep_lines = block.verbatim or block.kind == "list"
        for index, (line, number) in enumerate(zip(block.lines, block.numbers, strict=True)):
            if index:
                prose.text += "\n" if keep_lines else " "
                if not keep_lines and self.hard_wraps:
                    self.repairs.add("wrap", number)
            prose.starts.append((len(prose.text), number))
            prose.text += line if keep_lines else line.strip()
        return prose


def fail(shown: str, line: int, message: str):
    raise InputError([Problem.error(shown, message, line=line)])


_BULLET = re.compile(r"^[•◦▪‣●■]\s*")
_ASCII_ITEM = re.compile(r"^(?:([-*+])|(\d{1,3})[.)])\s+")


def _join_plain(block: Block, repairs: Repairs) -> Prose:
    """Plain lines → Markdown: wrapped lines joined, bullet lines kept as list items."""
    parts: list[tuple[str, list[tuple[int, str]]]] = []  # ("p" or "- " / "1. ", lines)
    for number, line in zip(block.numbers, block.lines, strict=True):
        marker = _item_marker(line, parts)
        if marker is not None:
            prefix, length = marker
            parts.append((prefix, [(number, line[length:])]))
        elif parts:
            parts[-1][1].append((number, line))
            repairs.add("wrap", number)
        else:
            parts.append(("p", [(number, line)]))
    prose = Prose("")
    previous = None
    for kind, lines in parts:
        if previous is not None:
            prose.text += "\n" if kind != "p" and previous != "p" else "\n\n"
        prose.text += "" if kind == "p" else kind
        for index, (number, line) in enumerate(lines):
            escaped = escape_markdown(line.strip())
            if index == 0:
                escaped = escape_block_start(escaped)
            else:
                prose.text += " "
            prose.starts.append((len(prose.text), number))
            prose.text += escaped
        previous = kind
    return prose


def _item_marker(line: str, parts: list) -> tuple[str, int] | None:
    """("- " or "N. ", length of the marker) when a plain line starts a list item."""
    bullet = _BULLET.match(line)
    if bullet:
        return "- ", bullet.end()
    item = _ASCII_ITEM.match(line)
    if not item:
        return None
    # "- " or "2." starts an item only where a list is expected, not in a wrapped sentence
    previous = parts[-1] if parts else None
    expected = previous is None or previous[0] != "p" or previous[1][-1][1].rstrip().endswith(":")
    if not expected:
        return None
    return ("- " if item.group(1) else f"{item.group(2)}. "), item.end()


_INLINE = re.compile(r"([\\`*_{}])")
_LINK_LIKE = re.compile(r"\[(?=\^|[^\]]*\]\s*[(\[:])")


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that renders as the same text (inline characters only)."""
    text = _INLINE.sub(r"\\\1", text)
    text = _LINK_LIKE.sub(r"\\[", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


_BLOCK_START = re.compile(r"^(?:(\d+)\.(?=\s)|([#>+-])(?=\s|#|$)|(#))")


def escape_block_start(text: str) -> str:
    """Escape what would make a paragraph's first line a heading, quote or list item."""
    match = _BLOCK_START.match(text)
    if not match:
        return text
    if match.group(1):
        return f"{match.group(1)}\\.{text[match.end() :]}"
    return "\\" + text


def unescape_markdown(text: str) -> str:
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>|])", r"\1", text)
    return text.replace("&lt;", "<").replace("&amp;", "&")


def strip_markdown(text: str) -> str:
    """Markdown inline text as plain text: links to their words, emphasis and escapes gone."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    for _ in range(2):  # **bold *and italic***
        text = re.sub(r"(?<![\\\w])(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)(?<!\\)\1(?!\w)", r"\2", text)
    return unescape_markdown(text).strip()
