"""Arabic and Hebrew marks (harakat, shadda, tanwin, niqqud) that extract with their letter.

WeasyPrint 70 draws a mark that the font positions above or below its letter with a text
rise (``Ts``) of its own, between two ``TJ`` operators. ``pdftotext`` (poppler 22) then takes
the mark for text on another baseline: measured on "تضمّن", it printed the shadda on a line
of its own and the words around it in the wrong order ("ّ / تضمن القرار / وقد"). pypdf
read it right.

``install()`` wraps WeasyPrint's ``draw_first_line`` (as ``hyphens`` does): after a line is
drawn, each right-to-left letter that carries raised or lowered marks gets a marked-content
span with ``/ActualText`` (ISO 32000-1 §14.9.4): the letter's span holds the letter and its
marks, the marks' spans hold nothing. Poppler and pypdf then read "تضمّن" whole, in logical
order; the page is drawn exactly as before (a span changes no glyph and no position).

The text is read back from the font's ToUnicode map, in the order the glyphs are drawn
(visual, right to left): poppler reverses a right-to-left word as a whole, so the letter's
span lists its marks first. A mark drawn without a rise (most marks in most fonts) is left
alone. ``hooks_problem()`` says why not when this WeasyPrint's function is not the one the
wrapper was written for (the PDF is then written as before).
"""

from __future__ import annotations

import inspect
import re
import unicodedata

from . import hooks

try:  # private API of WeasyPrint 70
    from weasyprint.draw import text as _wp_draw
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_draw = None

_SIGNATURE = "(stream, textbox, text_overflow, block_ellipsis, matrix)"
_FONT = re.compile(rb"^/(\S+) \S+ Tf$")
_RISE = re.compile(rb"^(-?[0-9.]+) Ts$")
_ONE_GLYPH = re.compile(rb"^\[(?:-?[0-9.]+)?<([0-9a-f]{4})>\] TJ$")
_FIRST_GLYPH = re.compile(rb"^\[((?:<>)?-?[0-9.]+)?<([0-9a-f]{4})>(.*)\] TJ$", re.S)
_EMPTY_SPAN = b"/Span <</ActualText ()>> BDC"
_END = b"EMC"


def hooks_problem() -> str | None:
    """Why the wrapper cannot be installed in this WeasyPrint, or None."""
    if _wp_draw is None:
        return "this WeasyPrint has no weasyprint.draw.text"
    function = getattr(_wp_draw, "draw_first_line", None)
    if function is None or str(inspect.signature(function)) != _SIGNATURE:
        return "WeasyPrint's draw_first_line is not the one casepress was written for"
    return None


@hooks.once(hooks_problem)
def install() -> None:
    """Put the wrapper in place (once); False when this WeasyPrint does not allow it."""
    draw = _wp_draw.draw_first_line

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        start = len(stream.stream)
        result = draw(stream, textbox, text_overflow, block_ellipsis, matrix)
        if any(_is_rise(item) for item in stream.stream[start:]):
            stream.stream[start:] = with_mark_spans(stream, stream.stream[start:])
        return result

    draw_first_line.__wrapped__ = draw  # type: ignore[attr-defined]
    _wp_draw.draw_first_line = draw_first_line


def _is_rise(item) -> bool:
    found = _RISE.match(item) if isinstance(item, bytes) else None
    return bool(found) and float(found[1]) != 0


def _rtl(text: str) -> bool:
    return bool(text) and unicodedata.bidirectional(text[0]) in ("R", "AL")


def _actual_text(text: str) -> bytes:
    return (
        b"/Span <</ActualText <FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">>> BDC"
    )


def with_mark_spans(stream, items: list) -> list:
    """The operators of one drawn line, each raised mark of a right-to-left letter and the
    letter after it (its base, in drawing order) wrapped in ``/ActualText`` spans."""
    out: list = []
    font = None
    marks: list[str] = []  # the pending marks' text, in drawing order
    index = 0
    while index < len(items):
        item = items[index]
        found = _FONT.match(item) if isinstance(item, bytes) else None
        if found:
            font = _font(stream, found[1].decode())
        # a raised mark: "r Ts", "[<mark>] TJ", "0 Ts"
        if _is_rise(item) and index + 2 < len(items) and font is not None:
            glyph = (
                _ONE_GLYPH.match(items[index + 1]) if isinstance(items[index + 1], bytes) else None
            )
            mark = font.to_unicode.get(int(glyph[1], 16), "") if glyph else ""
            if mark and all(unicodedata.combining(c) for c in mark):
                out += [_EMPTY_SPAN, item, items[index + 1], items[index + 2], _END]
                marks.append(mark)
                index += 3
                continue
        if marks and isinstance(item, bytes) and item.endswith(b"] TJ") and font is not None:
            first = _FIRST_GLYPH.match(item)
            base = font.to_unicode.get(int(first[2], 16), "") if first else ""
            if _rtl(base):
                lead, glyph, rest = first[1], first[2], first[3]
                if lead:
                    out.append(b"[" + lead + b"] TJ")
                out += [_actual_text("".join(marks) + base), b"[<" + glyph + b">] TJ", _END]
                if rest:
                    out.append(b"[" + rest + b"] TJ")
                marks = []
                index += 1
                continue
        if not _is_rise(item) and isinstance(item, bytes) and item.endswith(b"TJ"):
            marks = []  # marks not followed by their letter: left as drawn
        out.append(item)
        index += 1
    return out


def _font(stream, name: str):
    """The WeasyPrint font selected (``Tf``) under ``name``."""
    for font in stream._fonts.values():  # noqa: SLF001 - WeasyPrint's font table
        if font.hash == name:
            return font
    return None
