"""Small pure helpers every stage shares: slugs, CSS string escaping, an HTML tag scanner.

Each exists once here so that the stages agree: a case id made by ``casepress new`` is the
one ``casepress import`` makes; every string put into generated CSS is escaped the same way;
the validator's element count and the split handbook's cut see the same tags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

# -- slugs -------------------------------------------------------------------------------

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
"""What a case id (and any other slug) looks like: lowercase ASCII words joined by hyphens."""
MAX_SLUG_LENGTH = 80
"""Longest slug made from a title, cut at a word boundary (a case id is also a file name)."""

_APOSTROPHE = re.compile(r"(?<=[A-Za-z0-9])['`](?=[A-Za-z0-9])")


def slugify(text: str, max_length: int | None = MAX_SLUG_LENGTH) -> str:
    """A slug from any text: 'Łódź police' → 'lodz-police', "Women's units" → 'womens-units'.

    Letters of every script are transliterated to ASCII by ``anyascii`` (Ł → L, ß → ss,
    Москва → moskva); an apostrophe inside a word is dropped; any other run of characters
    that are not letters or digits (punctuation, dashes, spaces) becomes one hyphen. Symbols
    such as emoji and © make no words. A slug longer than ``max_length`` is cut at a word
    boundary. An empty result means the text has nothing to make a slug from.
    """
    from anyascii import anyascii

    text = "".join(c for c in text if unicodedata.category(c) != "So")
    ascii_text = _APOSTROPHE.sub("", anyascii(text))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if max_length is not None and len(slug) > max_length:
        slug = slug[: max_length + 1].rsplit("-", 1)[0] if "-" in slug else slug
        slug = slug[:max_length].strip("-")
    return slug


# -- CSS strings -------------------------------------------------------------------------

_CSS_UNSAFE = re.compile(r'[\\"<>&\x00-\x1f\x7f]')


def css_string(value: str) -> str:
    """``value`` as a double-quoted CSS string, safe in a style sheet and a ``<style>`` element.

    The backslash, the double quote, control characters (newlines included) and ``< > &``
    become CSS hex escapes (``\\3c `` for ``<``), so the string can neither end early, nor
    close the ``<style>`` element it sits in, nor change meaning in XHTML; CSS reads the
    original text back. Values come from theme files and case text, neither fully trusted.
    """
    return '"' + _CSS_UNSAFE.sub(lambda m: f"\\{ord(m.group()):x} ", value) + '"'


# -- HTML tags ---------------------------------------------------------------------------

VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source")
    + ("track", "wbr")
)
"""Elements that never have content or an end tag (HTML Living Standard, § 13.1.2)."""

# A tag's attributes may quote '>' but never '<': every attempt to read a tag stops at the
# next '<', and the possessive loop never backtracks, so a scan is linear even on hostile
# text (an unbalanced quote is read as an ordinary character).
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^<>"']|"[^"<]*"|'[^'<]*'|["'])*+)>""")
_START = re.compile(r"<(?:!--|/?[a-zA-Z])")


class Tag(NamedTuple):
    """One start tag, end tag or comment as written in an HTML string."""

    start: int
    end: int
    text: str
    """The tag as written, ``<a href="#x">``."""
    name: str
    """The element's name in lower case; '' for a comment."""
    closing: bool
    attributes: str
    """What follows the name up to ``>``."""

    @property
    def empty(self) -> bool:
        """A comment, a void element or a self-closed tag (``<x/>``): it opens no element."""
        return not self.name or self.name in VOID_ELEMENTS or self.attributes.rstrip().endswith("/")


def html_tags(html: str, start: int = 0, end: int | None = None) -> Iterator[Tag]:
    """Tags and comments of ``html[start:end]`` in order, without building a tree.

    A tolerant scanner for HTML casepress made or sanitised: text that is no tag ('a < b')
    is skipped; a comment left open runs to the end, as in HTML. It does not know raw-text
    elements (``<script>``, ``<style>``): what they hold is scanned like the rest.
    """
    end = len(html) if end is None else end
    at = start
    while True:
        found = _START.search(html, at, end)
        if found is None:
            return
        at = found.start()
        if html.startswith("<!--", at):
            close = html.find("-->", at + 4, end)
            if close < 0:
                return
            yield Tag(at, close + 3, html[at : close + 3], "", False, "")
            at = close + 3
            continue
        match = _TAG.match(html, at, end)
        if match is None:
            at += 1
            continue
        closing, name, attributes = match.groups()
        yield Tag(at, match.end(), match.group(0), name.lower(), bool(closing), attributes)
        at = match.end()
