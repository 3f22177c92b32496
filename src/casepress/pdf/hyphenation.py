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
- ``limit_runs`` reads the laid-out pages back; where more than ``MAX_RUN`` consecutive lines
  end in a hyphen, it takes the soft hyphens out of the word that breaks the next line and
  lays the document out again (a few passes at most: most briefs need none).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import pyphen
from weasyprint import Document

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
_WORD = re.compile(r"(?<![\w&#;'’\-\u00ad])([^\W\d_]+)(?![\w;'’\-\u00ad])")


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
        out.append(piece)
    return "".join(out)


def hyphenated_lines(document: Document) -> list[list[tuple[str, str]]]:
    """Per page, per line: (the line's last word, the next line's first word — on the next
    page for a page's last line) — the second is empty when the line does not end in a
    break inside a word."""
    all_texts = []
    for page in document.pages:
        root = page._page_box.children[:1]  # the page's content, not its margin boxes
        all_texts.append([_line_text(line) for box in root for line in _line_boxes(box)])
    pages = []
    for number, texts in enumerate(all_texts):
        after = next((t[0][0] for t in all_texts[number + 1 :] if t), "")
        lines: list[tuple[str, str]] = []
        for i, (text, character) in enumerate(texts):
            broken = bool(character) and text.endswith(character) and len(text) > len(character)
            broken = broken and text[: -len(character)].rstrip(SOFT)[-1:].isalpha()
            following = texts[i + 1][0] if i + 1 < len(texts) else after
            last = text.split()[-1] if text.split() else ""
            first = following.split()[0] if broken and following.split() else ""
            lines.append((last, first))
        pages.append(lines)
    return pages


def runs_to_break(document: Document) -> set[str]:
    """Words to stop hyphenating: each breaks the line after ``MAX_RUN`` hyphenated ones, or
    the last line of a page."""
    words: set[str] = set()
    for lines in hyphenated_lines(document):
        if lines and lines[-1][1]:  # a word split over two pages: the reader turns mid-word
            words.add(_letters(lines[-1][0]) + _letters(lines[-1][1]))
        run = 0
        for last, first in lines:
            if first:
                run += 1
                if run > MAX_RUN:
                    words.add(_letters(last) + _letters(first))
                    run = 0  # the fix restarts the count after this line
            else:
                run = 0
    words.discard("")
    return words


def unhyphenate(html: str, words: set[str]) -> str:
    """``html`` with the soft hyphens taken out of every occurrence of ``words``."""
    for word in words:
        pattern = f"{SOFT}?".join(re.escape(c) for c in word)
        html = re.sub(rf"(?<![^\W\d_]){pattern}(?![^\W\d_{SOFT}])", word, html)
    return html


def limit_runs(html: str, lay_out: Callable[[str], Document]) -> Document:
    """Lay out ``html`` (already pre-hyphenated) with ``lay_out``; again, with fewer soft
    hyphens, while more than ``MAX_RUN`` consecutive lines end in a hyphen."""
    document = lay_out(html)
    for _ in range(MAX_PASSES):
        words = runs_to_break(document)
        if not words:
            break
        html = unhyphenate(html, words)
        document = lay_out(html)
    return document


def _letters(fragment: str) -> str:
    return "".join(c for c in fragment if c.isalpha())


def _line_boxes(box):
    """Line boxes of a laid-out box tree, in reading order."""
    if type(box).__name__ == "LineBox":
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _line_boxes(child)


def _line_text(line) -> tuple[str, str]:
    """A line's text and the hyphenate character of its last text box ('' when none)."""
    parts: list[str] = []
    character = ""

    def walk(box) -> None:
        nonlocal character
        text = getattr(box, "text", None)
        if text is not None:
            parts.append(text)
            character = box.style["hyphenate_character"] or ""
        for child in getattr(box, "children", ()):
            walk(child)

    walk(line)
    return "".join(parts).rstrip(), character
