"""Repairs to text copied from web pages, PDFs and Word, and the notes that report each one.

What is repaired, and why it is safe to do so without asking:

- non-breaking and other special spaces become ordinary spaces, runs of spaces one space
  (web pages pad text with them; they never carry meaning in a case study);
- invisible characters go: soft hyphens, zero-width spaces, stray control characters (they
  break searching, and YAML refuses most control characters);
- lines hard-wrapped inside a paragraph are joined (the reader does this, see ``readers``);
- ligatures split by PDF copying ("signifi cant") are rejoined, but only when certain: the
  fragment ends in fi, fl or ff, the joined word is in the word list of the case's language,
  and the two parts are not both words. "off shore" stays as it is, and is reported.

Typographic quotes, apostrophes and dashes are kept exactly as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

REPAIRED, CHECK = "repaired", "check"


@dataclass(frozen=True)
class Note:
    """One thing the importer changed (``repaired``) or guessed (``check``), at an input line.

    For a Word document the line is the number of the paragraph, counted from the top.
    """

    line: int
    message: str
    kind: str = REPAIRED

    def format(self, shown: str) -> str:
        where = f"{shown}:{self.line}" if self.line else shown
        return f"{where}: {self.kind}: {self.message}"


_SPECIAL_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# soft hyphen, zero-width space, word joiner, a BOM inside the text, C0/C1 controls but tab
_INVISIBLE = re.compile(
    "[\u00ad\u200b\u2060\ufeff\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]"
)
_REPEATED = re.compile(r"(?<=\S) {2,}(?=\S)")

_MESSAGES = {
    "nbsp": "replaced {n} non-breaking or special space{s} with {a}plain space{s}",
    "invisible": "removed {n} invisible character{s} (soft hyphens, zero-width spaces, controls)",
    "spaces": "collapsed {n} run{s} of repeated spaces",
    "wrap": "joined {n} hard-wrapped line{s} to the line before",
}


@dataclass
class Repairs:
    """Repairs of one file, counted by kind: each kind is reported once, with its lines."""

    counts: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, kind: str, line: int, count: int = 1) -> None:
        if count:
            by_line = self.counts.setdefault(kind, {})
            by_line[line] = by_line.get(line, 0) + count

    def notes(self) -> list[Note]:
        notes = []
        for kind, message in _MESSAGES.items():
            by_line = self.counts.get(kind)
            if not by_line:
                continue
            total = sum(by_line.values())
            lines = sorted(by_line)
            text = message.format(
                n=total, s="" if total == 1 else "s", a="a " if total == 1 else ""
            )
            notes.append(Note(lines[0], f"{text} ({_line_list(lines)})"))
        return notes


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:8])
    more = f" and {len(lines) - 8} more" if len(lines) > 8 else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def clean_line(text: str, line: int, repairs: Repairs, *, keep_indent: bool = False) -> str:
    """One line with special spaces, invisible characters and repeated spaces repaired.

    ``keep_indent`` keeps leading spaces (Markdown lists and code depend on them).
    """
    text, count = _INVISIBLE.subn("", text)
    repairs.add("invisible", line, count)
    text, count = _SPECIAL_SPACES.subn(" ", text)
    repairs.add("nbsp", line, count)
    text = text.replace("\t", "    " if keep_indent else " ").rstrip()
    indent = len(text) - len(text.lstrip(" ")) if keep_indent else 0
    text, count = _REPEATED.subn(" ", text.lstrip(" "))
    repairs.add("spaces", line, count)
    return " " * indent + text


def normalise_newlines(text: str) -> str:
    """Every line end as ``\\n``: CR LF, CR, form feeds and Unicode line separators too.

    YAML would read U+0085, U+2028 and U+2029 as line ends anyway; a form feed is a page
    break in text copied from a PDF, inside a paragraph more often than not.
    """
    return re.sub("\r\n?|[\x0c\x85\u2028\u2029]", "\n", text)


# A word fragment ending in a ligature, a space, and the rest of the word.
_SPLIT = re.compile(r"(?<![^\W\d_])([^\W\d_]*f[fil]) ([^\W\d_]+)(?![^\W\d_])", re.IGNORECASE)

WORD_FLOOR = 50
"""The word lists count every rare token as 50; a part must be commoner to count as a word."""


@dataclass(frozen=True)
class LigatureSplit:
    """A split found in a text: where it starts, the two parts, and whether it was joined."""

    offset: int
    before: str
    after: str
    joined: bool
    checked: bool = True
    """False when the language has no word list, so nothing could be decided."""

    @property
    def word(self) -> str:
        return self.before.replace(" ", "")

    def describe(self) -> str:
        if self.joined:
            return f"joined '{self.before}' to '{self.word}' (a ligature split by PDF copying)"
        return (
            f"'{self.before}' may be a ligature split by PDF copying ('{self.word}'); "
            "left as it is because both parts are words"
        )


def repair_ligatures(text: str, language: str) -> tuple[str, list[LigatureSplit]]:
    """The text with certain ligature splits joined, and every split found (joined or not)."""
    candidates = list(_candidates(text))
    if not candidates:
        return text, []
    words = word_list(language)
    if words is None:
        return text, [
            LigatureSplit(m.start(), m.group(0), m.group(0), False, False) for m in candidates
        ]
    found: list[LigatureSplit] = []
    pieces: list[str] = []
    last = 0
    for match in candidates:
        first, second = match.group(1), match.group(2)
        joined = (first + second).lower()
        if words.get(joined, 0) < WORD_FLOOR:
            continue  # not a word when joined: an ordinary pair of words
        ambiguous = _is_word(words, first) and _is_word(words, second)
        found.append(LigatureSplit(match.start(), match.group(0), first + second, not ambiguous))
        if not ambiguous:
            pieces.append(text[last : match.start()])
            pieces.append(first + second)
            last = match.end()
    pieces.append(text[last:])
    return "".join(pieces), found


def _candidates(text: str) -> Iterator[re.Match[str]]:
    for match in _SPLIT.finditer(text):
        first, second = match.group(1), match.group(2)
        if second.islower() or (first.isupper() and second.isupper()):
            yield match


def _is_word(words: dict[str, int], part: str) -> bool:
    return words.get(part.lower(), 0) > WORD_FLOOR


@cache
def word_list(language: str) -> dict[str, int] | None:
    """Word frequencies for a language (pyspellchecker's lists ship offline), or None."""
    from spellchecker import SpellChecker  # loaded only when a split is found: ~0.2 s

    try:
        checker = SpellChecker(language=language.split("-")[0].lower(), distance=1)
    except ValueError:
        return None
    return dict(checker.word_frequency.dictionary)
