"""Hyphenation limits applied while lines are laid out: one layout pass, not several.

``pdf/hyphenation.py`` puts soft hyphens (U+00AD) into running text and allows at most
``MAX_RUN`` consecutive lines ending in a hyphen, and no word split over a page turn.
WeasyPrint 70 has no ``hyphenate-limit-lines``; without help, ``hyphenation.limit_runs``
finds the faults once the whole document is laid out and lays it out again (two or three
passes for a handbook). ``install()`` (once per process) makes WeasyPrint keep the rules as
it breaks the lines, so that the first pass is normally the last:

- ``iter_line_boxes`` (the lines of one block on one page) counts the lines that ended in a
  hyphen; the line after ``MAX_RUN`` of them is laid out with its soft hyphens hidden from
  line breaking. So is a line that should be the last on its page (the next line, as high
  as this one, would not fit): the reader never turns the page in mid-word.
- ``split_first_line`` (one line of one text box) hides the soft hyphens when told to: it
  breaks the text with them taken out (a soft hyphen is invisible and transparent to
  shaping, so the line measures the same) and maps the break back into the text as it is,
  soft hyphens included, for the text layer and ``pdf/hyphens.py``. A word too wide for
  the line on its own still breaks at a soft hyphen rather than overflow.

What the prediction misses: a line moved to the next page after the lines were broken, by
the ``widows`` rule or by a ``break-before: avoid`` below it (16 briefs in 200 of the
synthetic library), leaving a hyphenated line at the page's foot. ``pdf/pageturn.py`` mends
that word on its page, as soon as the page is laid out; ``limit_runs`` still finds and mends
with another pass what neither can (a page shortened by a note laid out after the line).
``hooks_problem()`` says why not when this WeasyPrint's functions are not those this module
was written for; ``limit_runs`` then does all the work, as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import inspect
import textwrap
from collections.abc import Iterator

from . import hooks, hyphenation

SOFT = hyphenation.SOFT
_HIDE = contextvars.ContextVar("casepress_hide_soft_hyphens", default=False)
_ACTIVE = contextvars.ContextVar("casepress_hyphen_lines", default=True)
# SHA-256 of WeasyPrint 70's iter_line_boxes (dedented source), which this module replaces.
_ITER_SOURCE = "04aec48abfcad809bc94c54eeba0e23a389e824cec85fe67bc1b21412d29dc3a"
_SPLIT_SIGNATURE = (
    "(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False)"
)

try:  # private API of WeasyPrint 70
    from weasyprint.layout import block as _wp_block
    from weasyprint.layout import inline as _wp_inline
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_block = _wp_inline = None

counts = {"lines": 0, "hidden": 0}
"""Lines laid out through ``iter_line_boxes`` and those with their soft hyphens hidden
(this process, since ``install()``): for benchmarks and tests."""


def _digest(function) -> str | None:
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):  # pragma: no cover - no source installed
        return None
    return hashlib.sha256(source.encode()).hexdigest()


def hooks_problem() -> str | None:
    """Why the hooks cannot be installed in this WeasyPrint, or None."""
    if _wp_inline is None or _wp_block is None:
        return "this WeasyPrint has no weasyprint.layout.inline or weasyprint.layout.block"
    if getattr(_wp_inline.iter_line_boxes, "_casepress_hyphen_lines", False):
        return None
    needed = ("get_next_linebox", "handle_leader", "resolve_percentages",
              "resolve_one_percentage", "strut", "split_text_box")  # fmt: skip
    if any(not hasattr(_wp_inline, name) for name in needed):
        return "WeasyPrint's inline layout lacks a function casepress relies on"
    if _digest(_wp_inline.iter_line_boxes) != _ITER_SOURCE:
        return "WeasyPrint's iter_line_boxes is not the one casepress was written for"
    if _wp_block.iter_line_boxes is not _wp_inline.iter_line_boxes:
        return "WeasyPrint's block layout does not use inline.iter_line_boxes"
    split = getattr(_wp_inline, "split_first_line", None)
    if split is None or str(inspect.signature(split)) != _SPLIT_SIGNATURE:
        return "WeasyPrint's split_first_line is not the one casepress was written for"
    text_box = getattr(_wp_inline.split_text_box, "__wrapped__", _wp_inline.split_text_box)
    try:
        if inspect.getsource(text_box).count("split_first_line(") != 1:
            return "WeasyPrint's split_text_box is not the one casepress was written for"
    except (OSError, TypeError):  # pragma: no cover - no source installed
        return "WeasyPrint's split_text_box cannot be read"
    return None


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Lay out as if the hooks were not installed (lines break at every soft hyphen), for
    a test that shows what ``limit_runs`` alone would face."""
    token = _ACTIVE.set(False)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _original_offset(text: str, offset: int) -> int:
    """The UTF-8 offset in ``text`` of ``offset`` in ``text`` without its soft hyphens
    (before any soft hyphen there)."""
    seen = position = 0
    for character in text:
        if seen >= offset:
            break
        size = len(character.encode())
        if character != SOFT:
            seen += size
        position += size
    return position


def _split_without_soft(split, text, style, context, max_width, justification_spacing,
                        is_line_start, minimum):  # fmt: skip
    """``split_first_line`` of ``text`` with no break at its soft hyphens; None when the
    line would overflow (break it as usual then) or cannot be mapped back."""
    plain = text.replace(SOFT, "")
    result = split(plain, style, context, max_width, justification_spacing,
                   is_line_start=is_line_start, minimum=minimum)  # fmt: skip
    layout, length, resume, width, height, baseline = result
    if is_line_start and max_width is not None and width > max_width:
        return None  # the first word does not fit whole: a hyphen is better than overflow
    kept = plain.encode()[:length].decode(errors="strict")
    if not layout.text.startswith(kept):
        return None
    length_in_text = _original_offset(text, length)
    layout.text = text.encode()[:length_in_text].decode() + layout.text[len(kept) :]
    if resume is not None:
        resume = _original_offset(text, resume)
        if resume >= len(text.encode()):
            resume = None
    return layout, length_in_text, resume, width, height, baseline


def _ends_in_hyphen(line) -> bool:
    text, character, last = hyphenation._line_text(line)
    return hyphenation.ends_in_hyphen(text, character, last)


@hooks.once(hooks_problem)
def install() -> None:
    """Put the hooks in place (once); False when this WeasyPrint does not allow it."""
    inline = _wp_inline
    split = inline.split_first_line
    original_iter = inline.iter_line_boxes

    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):  # fmt: skip
        if _HIDE.get() and SOFT in text:
            try:
                result = _split_without_soft(
                    split, text, style, context, max_width, justification_spacing,
                    is_line_start, minimum,
                )  # fmt: skip
            except UnicodeDecodeError:  # a break inside a character: keep WeasyPrint's
                result = None
            if result is not None:
                return result
        return split(text, style, context, max_width, justification_spacing,
                     is_line_start=is_line_start, minimum=minimum)  # fmt: skip

    def iter_line_boxes(context, box, position_y, bottom_space, skip_stack,
                        containing_block, absolute_boxes, fixed_boxes,
                        first_letter_style, first_line_style):  # fmt: skip
        # WeasyPrint 70's iter_line_boxes, with the count of hyphenated lines.
        inline.resolve_percentages(box, containing_block)
        if skip_stack is None:
            inline.resolve_one_percentage(box, "text_indent", containing_block.width)
        else:
            box.text_indent = 0
        run, height = 0, None
        while True:
            if height is None:
                height, _ = inline.strut(box.style)
            hide = _ACTIVE.get() and (
                run >= hyphenation.MAX_RUN
                or context.overflows_page(bottom_space, position_y + 2 * height)
            )
            counts["lines"] += 1
            counts["hidden"] += hide
            token = _HIDE.set(hide)
            try:
                line, resume_at = inline.get_next_linebox(
                    context, box, position_y, bottom_space, skip_stack, containing_block,
                    absolute_boxes, fixed_boxes, first_letter_style, first_line_style)  # fmt: skip
            finally:
                _HIDE.reset(token)
            first_line_style = None
            if line:
                inline.handle_leader(context, line, containing_block)
                position_y = line.position_y + line.height
            if line is None:
                return
            run = run + 1 if resume_at is not None and _ends_in_hyphen(line) else 0
            height = line.height or height
            yield line, resume_at
            if resume_at is None:
                return
            skip_stack = resume_at
            box.text_indent = 0
            first_letter_style = None

    split_first_line.__wrapped__ = split  # type: ignore[attr-defined]
    iter_line_boxes.__wrapped__ = original_iter  # type: ignore[attr-defined]
    iter_line_boxes._casepress_hyphen_lines = True  # type: ignore[attr-defined]
    inline.split_first_line = split_first_line
    inline.iter_line_boxes = iter_line_boxes
    _wp_block.iter_line_boxes = iter_line_boxes
