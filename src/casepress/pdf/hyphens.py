"""Line-break hyphens that extract as U+00AD (soft hyphen), hard hyphens as "-".

WeasyPrint 70 draws the hyphen that automatic hyphenation adds (``hyphenate-character``)
with the font's hyphen glyph, and maps each glyph to the first text drawn with it. In a
face where "-", U+00AD and U+2010 share one glyph (Source Serif Pro), a reader's search for
"anti-terrorist" then fails and a line-break hyphen cannot be told from an author's hyphen,
as Tagged PDF asks (ISO 32000-1 §14.8.2.2.3). Drawing U+00AD itself is no way out: Pango
draws nothing for it.

Two small wrappers around WeasyPrint's private functions tell the two apart without
touching the font:

- ``split_text_box`` (line breaking): a line whose text is not a prefix of the text it was
  cut from ends with an added hyphen; the box is marked.
- ``draw_first_line`` (drawing): the last glyph of a marked box is written with a character
  code (CID) of its own, just past the font's glyphs, that the font's ``CIDToGIDMap`` maps
  to the same glyph and its ToUnicode map to U+00AD (``finishing.soft_line_hyphens``
  writes the map). Only TrueType-outline faces have a CIDToGIDMap: in a CFF (``.otf``)
  face the line-break hyphen stays a "-" in the text layer.

``install()`` puts both in place once per process; ``hooks_problem()`` says why not when
this WeasyPrint's functions are not those the wrappers were written for (the PDF is then
written as before, with every hyphen searchable as "-").
"""

from __future__ import annotations

import inspect
import re

from . import hooks

SOFT_HYPHEN = "\u00ad"
SPARE = 64
"""Line-break hyphens get the codes from the font's glyph count + SPARE up (one per glyph a
font draws them with, rarely more than one): WeasyPrint's own spare codes (for characters
a font lacks) count up from the glyph count itself."""

_MARK = "_casepress_line_hyphen"

try:  # private API of WeasyPrint 70
    from weasyprint.draw import text as _wp_draw
    from weasyprint.layout import inline as _wp_inline
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_draw = _wp_inline = None

_SIGNATURES = {
    "split_text_box": "(context, box, available_width, skip, is_line_start=True)",
    "draw_first_line": "(stream, textbox, text_overflow, block_ellipsis, matrix)",
}


def hooks_problem() -> str | None:
    """Why the wrappers cannot be installed in this WeasyPrint, or None."""
    if _wp_draw is None or _wp_inline is None:
        return "this WeasyPrint has no weasyprint.draw.text or weasyprint.layout.inline"
    for module, name in ((_wp_inline, "split_text_box"), (_wp_draw, "draw_first_line")):
        function = getattr(module, name, None)
        function = getattr(function, "__wrapped__", function)
        if function is None or str(inspect.signature(function)) != _SIGNATURES[name]:
            return f"WeasyPrint's {name} is not the one casepress was written for"
    return None


@hooks.once(hooks_problem)
def install() -> None:
    """Put the wrappers in place (once); False when this WeasyPrint does not allow it."""
    split, draw = _wp_inline.split_text_box, _wp_draw.draw_first_line

    def split_text_box(context, box, available_width, skip, is_line_start=True):
        new_box, resume, preserved = split(
            context, box, available_width, skip, is_line_start=is_line_start
        )
        if new_box is not None and resume is not None:
            source = box.text.encode()[skip or 0 :]
            made = new_box.text.encode()
            if made and not source.startswith(made):
                setattr(new_box, _MARK, True)
        return new_box, resume, preserved

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        start = len(stream.stream)
        result = draw(stream, textbox, text_overflow, block_ellipsis, matrix)
        if (
            getattr(textbox, _MARK, False)
            and text_overflow != "ellipsis"
            and block_ellipsis == "none"
        ):
            _recode_last_glyph(stream, start)
        return result

    split_text_box.__wrapped__ = split  # type: ignore[attr-defined]
    draw_first_line.__wrapped__ = draw  # type: ignore[attr-defined]
    _wp_inline.split_text_box = split_text_box
    _wp_draw.draw_first_line = draw_first_line


def added_hyphen(box) -> bool:
    """Whether a laid-out text box ends with a hyphen added at a line break (known only
    once ``install()`` has put the wrappers in place)."""
    return bool(getattr(box, _MARK, False))


_FONT = re.compile(rb"^/(\S+) \S+ Tf$")
_LAST_GLYPH = re.compile(rb"([0-9a-f]{4})(>[^<>]*\] TJ)$")


def _recode_last_glyph(stream, start: int) -> None:
    """Give the last glyph drawn since ``start`` (a line-break hyphen) its own code."""
    items = stream.stream
    for index in range(len(items) - 1, start - 1, -1):
        item = items[index]
        if isinstance(item, bytes) and item.endswith(b"] TJ"):
            break
    else:
        return
    found = _LAST_GLYPH.search(item)
    font = _font_of(stream, items, index, start)
    if found is None or font is None or font.bitmap or font.type != "ttf":
        return
    glyph = int(found[1], 16)
    codes = font.__dict__.setdefault("casepress_soft_hyphens", {})
    if glyph not in codes:
        code = font.glyph_count + SPARE + len(codes)
        if len(codes) >= 8 or code > 0xFFFF or glyph not in font.widths:
            return
        codes[glyph] = code
    code = codes[glyph]
    font.to_unicode[code] = SOFT_HYPHEN
    font.widths[code] = font.widths[glyph]
    if font.to_unicode.get(glyph) in ("\u2010", SOFT_HYPHEN):
        font.to_unicode[glyph] = "-"  # drawn first as the added hyphen: "-" is its meaning
    items[index] = item[: found.start()] + f"{code:04x}".encode() + found[2]


def _font_of(stream, items, index: int, start: int):
    """The WeasyPrint font selected (``Tf``) for the text shown at ``items[index]``."""
    for position in range(index, start - 1, -1):
        item = items[position]
        found = _FONT.match(item) if isinstance(item, bytes) else None
        if found:
            name = found[1].decode()
            for font in stream._fonts.values():  # noqa: SLF001 - WeasyPrint's font table
                if font.hash == name:
                    return font
            return None
    return None
