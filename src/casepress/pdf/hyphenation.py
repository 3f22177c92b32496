"""Hyphenation for PDF output, under rules a copy editor would set.

WeasyPrint 70 hyphenates (``hyphens: auto``) any word Pyphen knows, proper names included,
and has no ``hyphenate-limit-lines``: ladders of three and more hyphenated lines are common
in a justified column. So casepress hyphenates itself, before layout, and PDF stylesheets
use ``hyphens: manual``:

- ``prehyphenate`` puts soft hyphens (U+00AD) into the running text of a document's HTML:
  only in paragraphs, list items and quotations (never headings, the title block, tags,
  captions, the tags panel, the standfirst, notes, links or code), only in words of at least
  ``MIN_WORD`` letters that start with a lower-case letter (a capital marks a proper name,
  "Fujimori", or an acronym), at least ``MIN_LEFT``/``MIN_RIGHT`` letters from either end,
  with the language's Pyphen patterns (English: the US patterns, whose breaks follow
  pronunciation: "vio-lence", "rep-re-sen-ta-tives", not "viol-ence", "represent-atives").
  An author's hyphen between letters gets a word joiner (U+2060) after it: "well-known"
  never breaks at its hyphen, so that the text layer holds it whole and searchable.
- ``limit_runs`` reads the laid-out pages back; where more than ``MAX_RUN`` consecutive lines
  end in a hyphen, it takes the soft hyphens out of the word that breaks the next line — at
  that place only, not in the word's other occurrences — and lays the document out again (a
  few passes at most: most briefs need none). A handbook laid out in one pass thus breaks
  its lines as one merged from chapters laid out on their own. With ``pdf/hyphenlines.py``'s
  hooks (installed by the writer) the lines already keep these rules as they are broken, so
  ``limit_runs`` is normally a check; without them (another WeasyPrint) it does all the work.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache

import pyphen
from weasyprint import Document

from . import hyphens

SOFT = "\u00ad"
MIN_WORD = 7
MIN_LEFT = 3
MIN_RIGHT = 3
MAX_RUN = 2
MAX_PASSES = 4

# Pyphen dictionary per language subtag; others use pyphen.language_fallback.
DICTIONARIES = {"en": "en_US"}

# Elements whose text is running text, and classes/elements that never hyphenate within them.
TEXT_ELEMENTS = {"p", "li", "dd", "blockquote"}
NEVER_ELEMENTS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "kbd", "samp", "cite", "abbr",
    "figcaption", "caption", "th", "style", "script", "title", "head", "svg", "math", "time",
}  # fmt: skip
NEVER_CLASSES = {
    "kicker", "case-title", "case-subtitle", "tag-list", "summary", "lesson-title",
    "tags-panel", "footnote", "footnotes", "back-matter", "resource-list", "related-list",
    "source", "running-footer", "running-page-number", "cover", "imprint", "contents", "toc",
    "index", "part", "nohyphenate",
}  # fmt: skip
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip

_TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)([^>]*?)(/?)\s*>", re.S)
_ATTR = re.compile(r"""\b(class|lang)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
# A word: letters only (a digit, an apostrophe or an entity next to it leaves it alone).
_WORD = re.compile(r"(?<![\w&#;'’\-\u00ad\u2060])([^\W\d_]+)(?![\w;'’\-\u00ad\u2060])")
# An author's hyphen between letters ("well-known"): a word joiner after it keeps the
# compound on one line, so that a reader's search finds it whole (pdftotext drops a hyphen
# that ends a line, "wellknown"); Pango draws nothing for U+2060 and the text layer holds
# nothing of it.
_HARD = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
JOINER = "\u2060"


@lru_cache(maxsize=16)
def _dictionary(lang: str) -> pyphen.Pyphen | None:
    primary = lang.replace("-", "_").split("_")[0].lower()
    name = DICTIONARIES.get(primary) or pyphen.language_fallback(lang.replace("-", "_"))
    if not name:
        return None
    return pyphen.Pyphen(lang=name, left=MIN_LEFT, right=MIN_RIGHT)


def hyphenate_word(word: str, lang: str) -> str:
    """``word`` with soft hyphens where it may break (unchanged when it may not)."""
    if len(word) < MIN_WORD or not word[0].islower():
        return word
    dictionary = _dictionary(lang)
    if dictionary is None:
        return word
    return dictionary.inserted(word, hyphen=SOFT)


def prehyphenate(html: str) -> str:
    """``html`` with soft hyphens in the words of its running text (see the module)."""
    out: list[str] = []
    # Stack of (element, lang, hyphenate here?) for the open elements.
    stack: list[tuple[str, str, bool | None]] = [("#root", "", None)]
    for piece in _TOKEN.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            out.append(piece)
            tag = _TAG.match(piece)
            if not tag or piece.startswith(("<!", "<?")):
                continue
            closing, name, attrs, selfclosing = tag.groups()
            name = name.lower()
            if closing:
                for i in range(len(stack) - 1, 0, -1):
                    if stack[i][0] == name:
                        del stack[i:]
                        break
                continue
            if name in VOID or selfclosing:
                continue
            _, lang, allowed = stack[-1]
            classes: set[str] = set()
            for m in _ATTR.finditer(attrs):
                value = m.group(3) or m.group(4) or m.group(5) or ""
                if m.group(1).lower() == "lang":
                    lang = value
                else:
                    classes = set(value.split())
            if allowed is not False:
                if name in NEVER_ELEMENTS or classes & NEVER_CLASSES:
                    allowed = False
                elif name in TEXT_ELEMENTS:
                    allowed = True
            stack.append((name, lang, allowed))
            continue
        _, lang, allowed = stack[-1]
        if allowed and lang:
            piece = _WORD.sub(lambda m, lang=lang: hyphenate_word(m.group(1), lang), piece)
        if allowed:
            piece = _HARD.sub("-" + JOINER, piece)
        out.append(piece)
    return "".join(out)


Target = tuple[str, int, int]
"""A word to stop hyphenating at one place: its soft-hyphenated form, which occurrence of
that form in the laid-out running text (0 = the first), and how many occurrences there are
(``unhyphenate`` falls back to every occurrence when the HTML holds another number)."""


def laid_out_text(document: Document) -> tuple[str, list[list[tuple[int, bool, int]]]]:
    """The text of ``document``'s page content in layout order, line-break hyphens dropped
    and lines joined (directly where a line breaks inside a word, with a newline otherwise);
    and per page, per line: (offset of the line's end in that text, breaks inside a word?,
    characters)."""
    parts: list[str] = []
    offset = 0
    pages: list[list[tuple[int, bool, int]]] = []
    for page in document.pages:
        lines: list[tuple[int, bool, int]] = []
        root = page._page_box.children[:1]  # the page's content, not its margin boxes
        for line in (line for box in root for line in _line_boxes(box)):
            text, character, last = _line_text(line)
            broken = ends_in_hyphen(text, character, last)
            text = text[: -len(character)] if broken else text
            parts.append(text if broken else text + "\n")
            offset += len(parts[-1])
            lines.append((offset - (not broken), broken, len(text)))
        pages.append(lines)
    return "".join(parts), pages


def ends_in_hyphen(text: str, character: str, last: object) -> bool:
    """Whether a line (its text, hyphenate character and last text box, as ``_line_text``
    gives them) ends with a hyphen added at a line break: after a soft hyphen, or where
    ``pdf/hyphens.py``'s hook saw one."""
    if not character or not text.endswith(character) or len(text) <= len(character):
        return False
    kept = text[: -len(character)]
    return kept[-1:] == SOFT or (hyphens.added_hyphen(last) and kept.rstrip(SOFT)[-1:].isalpha())


def runs_to_break(document: Document) -> set[Target]:
    """Where to stop hyphenating: each word that breaks the line after ``MAX_RUN``
    hyphenated ones, or the last line of a page — that occurrence only, so that a ladder in
    one chapter of a handbook changes nothing in another (a handbook laid out in one pass
    then breaks its lines as one merged from chapters laid out on their own)."""
    text, pages = laid_out_text(document)
    ends: dict[int, int] = {}  # where a line breaks: its characters
    for lines in pages:
        if lines and lines[-1][1]:  # a word split over two pages: the reader turns mid-word
            ends[lines[-1][0]] = lines[-1][2]
        run = 0
        for end, broken, length in lines:
            if broken:
                run += 1
                if run > MAX_RUN:
                    ends[end] = length
                    run = 0  # the fix restarts the count after this line
            else:
                run = 0
    targets: set[Target] = set()
    for end, length in ends.items():
        start, stop = end, end
        while start > 0 and (text[start - 1].isalpha() or text[start - 1] == SOFT):
            start -= 1
        while stop < len(text) and (text[stop].isalpha() or text[stop] == SOFT):
            stop += 1
        form = text[start:stop]
        if SOFT not in form:  # hyphenated by WeasyPrint itself: no soft hyphen to take out
            continue
        if 2 * len(form.replace(SOFT, "")) > length:  # whole, it would overflow a narrow column
            continue
        found = [m.start() for m in _occurrence(form).finditer(text)]
        if start in found:
            targets.add((form, found.index(start), len(found)))
    return targets


def unhyphenate(html: str, words: set[str] | set[Target]) -> str:
    """``html`` with the soft hyphens taken out of ``words``: of every occurrence of a word
    given as a string, of one occurrence of a ``Target``."""
    places: dict[str, set[int] | None] = {}
    for word in words:
        if isinstance(word, str):
            places[word.replace(SOFT, "")] = None
            continue
        form, index, total = word
        pattern = _occurrence(form)
        if len(pattern.findall(html)) != total:  # not the text laid out: take them all out
            places[form.replace(SOFT, "")] = None
        else:
            chosen = places.setdefault(form, set())
            if chosen is not None:
                chosen.add(index)
    for form, chosen in places.items():
        if chosen is None:
            pattern = f"{SOFT}?".join(re.escape(c) for c in form)
            html = re.sub(rf"(?<![^\W\d_]){pattern}(?![^\W\d_{SOFT}])", form, html)
            continue
        html = _occurrence(form).sub(_Chosen(chosen), html)
    return html


class _Chosen:
    """A ``re.sub`` replacement: the soft hyphens out of the chosen occurrences only."""

    def __init__(self, chosen: set[int]) -> None:
        self.chosen, self.counter = chosen, itertools.count()

    def __call__(self, match: re.Match[str]) -> str:
        keep = next(self.counter) not in self.chosen
        return match[0] if keep else match[0].replace(SOFT, "")


def _occurrence(form: str) -> re.Pattern[str]:
    """``form`` as a whole word: no letter nor soft hyphen either side."""
    return re.compile(rf"(?<![^\W\d_])(?<!{SOFT}){re.escape(form)}(?![^\W\d_{SOFT}])")


def limit_runs(html: str, lay_out: Callable[[str], Document]) -> Document:
    """Lay out ``html`` (already pre-hyphenated) with ``lay_out``; again, with fewer soft
    hyphens, while more than ``MAX_RUN`` consecutive lines end in a hyphen."""
    document = lay_out(html)
    for _ in range(MAX_PASSES):
        targets = runs_to_break(document)
        if not targets:
            break
        html = unhyphenate(html, targets)
        document = lay_out(html)
    return document


def _line_boxes(box):
    """Line boxes of a laid-out box tree, in reading order."""
    if type(box).__name__ == "LineBox":
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _line_boxes(child)


def _line_text(line) -> tuple[str, str, object]:
    """A line's text, the hyphenate character of its last text box ('' when none) and that
    box."""
    parts: list[str] = []
    character = ""
    last = None

    def walk(box) -> None:
        nonlocal character, last
        text = getattr(box, "text", None)
        if text is not None:
            parts.append(text)
            character = box.style["hyphenate_character"] or ""
            last = box
        for child in getattr(box, "children", ()):
            walk(child)

    walk(line)
    return "".join(parts).rstrip(), character, last
