"""A word split over a page turn, mended on its page instead of by a second layout.

``pdf/hyphenation.py`` forbids a word hyphenated over a page turn; ``pdf/hyphenlines.py``
keeps the rule while lines are broken, for the line it can tell will end the page. A line
moved afterwards ends the page unforeseen: ``widows`` takes the last lines of a paragraph
along, a ``break-before: avoid`` below moves them with it. ``hyphenation.limit_runs`` then
found the split word in the finished document, took its soft hyphens out at that place and
laid the whole document out again (16 briefs in 200 of the synthetic library).

``install()`` (once per process) does the same on the page, as soon as it is laid out:
when its last line ends in a word hyphenated at a soft hyphen (the cases ``limit_runs``
would mend), the soft hyphens are taken out of that word in the text box it comes from,
WeasyPrint's pagination state is put back as it was before the page, and the page is laid
out again (``layout.page.remake_page``: the function WeasyPrint itself calls again when a
page's counters change). Pages before it are kept, and the document is what the second
layout gave, byte for byte: same text, the same pages before, the same page from there.

Left to ``limit_runs``, as before: a page holding notes or content broken out of the flow
(floats, positioned boxes carried over), a word not wholly in one text box, a word too
wide to leave whole, a repagination pass (page-based counters).
``hooks_problem()`` says why not when this WeasyPrint's functions are not those this module
was written for.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
from collections.abc import Iterator

from . import hooks, hyphenation, hyphenlines

SOFT = hyphenation.SOFT
MAX_MENDS = hyphenation.MAX_PASSES
"""Words mended on one page at most (then ``limit_runs`` goes on, as before)."""

try:  # private API of WeasyPrint 70
    from weasyprint.formatting_structure import boxes as _wp_boxes
    from weasyprint.layout import page as _wp_page
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_page = _wp_boxes = None

_ACTIVE = contextvars.ContextVar("casepress_page_turn", default=True)
mended = {"pages": 0}
"""Pages laid out again here to mend a split word (this process): for tests."""


def hooks_problem() -> str | None:
    """Why the change cannot be made in this WeasyPrint, or None."""
    if _wp_page is None:
        return "this WeasyPrint has no weasyprint.layout.page"
    remake = getattr(_wp_page, "remake_page", None)
    if remake is None:
        return "WeasyPrint's page layout has no remake_page"
    if getattr(remake, "_casepress_page_turn", False):
        return None
    if str(inspect.signature(remake)) != "(index, context, root_box, html)":
        return "WeasyPrint's remake_page is not the one casepress was written for"
    try:
        source = inspect.getsource(_wp_page.make_all_pages)
    except (AttributeError, OSError, TypeError):  # pragma: no cover - no source installed
        return "WeasyPrint's make_all_pages cannot be read"
    if "remake_page(i, context, root_box, html)" not in source:
        return "WeasyPrint's make_all_pages is not the one casepress was written for"
    return None


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Lay out as if this change were not installed (``limit_runs`` mends split words with
    a second layout), for a test that compares the two."""
    token = _ACTIVE.set(False)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _split_word(page, root_box) -> tuple[object, int, int] | None:
    """Where the page's last line breaks a word at a soft hyphen: (the text box of the box
    tree it comes from, start and end of the word in its text); None when it does not, or
    when the word is not one ``limit_runs`` would mend on its own."""
    root = page.children[:1]
    lines = [line for box in root for line in hyphenation._line_boxes(box)]  # noqa: SLF001
    if not lines:
        return None
    text, character, last = hyphenation._line_text(lines[-1])  # noqa: SLF001
    if not hyphenation.ends_in_hyphen(text, character, last) or last is None:
        return None
    piece = last.text[: -len(character)] if last.text.endswith(character) else None
    if not piece or not piece.endswith(SOFT):
        return None
    source = _source(piece, last, _resume_offset(lines[-1]), root_box)
    if source is None:
        return None
    box, end = source
    whole = box.text
    start = stop = end
    while start > 0 and (whole[start - 1].isalpha() or whole[start - 1] == SOFT):
        start -= 1
    while stop < len(whole) and (whole[stop].isalpha() or whole[stop] == SOFT):
        stop += 1
    if start == 0 or stop == len(whole):  # may run on into another text box
        return None
    form = whole[start:stop]
    length = len(text) - len(character)
    if 2 * len(form.replace(SOFT, "")) > length:  # whole, it would overflow the column
        return None
    return box, start, stop


def _resume_offset(line) -> int | None:
    """Where in its text box the line after ``line`` starts (UTF-8 bytes), from the skip
    stack WeasyPrint keeps on the line; None when it does not say."""
    stack = getattr(line, "resume_at", None)
    while isinstance(stack, dict) and len(stack) == 1:
        ((key, stack),) = stack.items()
        if stack is None:
            return key if isinstance(key, int) else None
    return None


def _source(piece: str, last, offset: int | None, root_box) -> tuple[object, int] | None:
    """The text box of the box tree (``root_box``) a laid-out piece of text was cut from,
    and where the piece ends in its text (characters): the box whose text, up to the
    line's resume ``offset``, ends with the piece; None unless exactly one does."""
    if offset is None:
        return None
    found = []
    for box in root_box.descendants():
        if not isinstance(box, _wp_boxes.TextBox) or box.element is not last.element:
            continue
        if box.style is not last.style:
            continue
        try:
            before = box.text.encode()[:offset].decode()
        except UnicodeDecodeError:  # the offset is inside a character: not this box
            continue
        if before.endswith(piece):
            found.append((box, len(before)))
    return found[0] if len(found) == 1 else None


class _State:
    """What laying out one page changes in WeasyPrint's context, to put back."""

    def __init__(self, index: int, context) -> None:
        number = index + 1
        self.index, self.number = index, number
        self.maker = list(context.page_maker)
        self.remake = {
            key: list(value) if isinstance(value, list) else value
            for key, value in context.page_maker[index][-1].items()
        }
        self.footnotes = list(context.footnotes)
        self.reported = list(context.reported_footnotes)
        self.broken = context.broken_out_of_flow
        self.notes = len(context.rendered_notes)
        self.running = {
            name: (list(elements[number]) if number in elements else None)
            for name, elements in context.running_elements.items()
        }

    def simple(self, context) -> bool:
        """Whether the page was laid out with nothing carried in or out but its flow, and
        no counter looked up (a page WeasyPrint would make again anyway)."""
        remake = context.page_maker[self.index][-1]
        return not (
            self.reported or self.broken or context.reported_footnotes
            or context.current_page_footnotes or context.broken_out_of_flow
            or remake.get("content_lookups") or remake.get("content_changed")
            or remake.get("pages_wanted")
        )  # fmt: skip

    def restore(self, context) -> None:
        remake = context.page_maker[self.index][-1]
        context.page_maker[:] = self.maker
        remake.clear()
        remake.update({k: list(v) if isinstance(v, list) else v for k, v in self.remake.items()})
        context.footnotes[:] = self.footnotes
        context.reported_footnotes = list(self.reported)
        context.broken_out_of_flow = self.broken
        del context.rendered_notes[self.notes :]
        for name, elements in list(context.running_elements.items()):
            if name not in self.running:  # first met on this page
                del context.running_elements[name]
                continue
            kept = self.running[name]
            if kept is None:
                elements.pop(self.number, None)
            else:
                elements[self.number] = list(kept)


@hooks.once(hooks_problem)
def install() -> None:
    """Make the change (once); False when this WeasyPrint does not allow it."""
    original = _wp_page.remake_page

    def remake_page(index, context, root_box, html):
        active = _ACTIVE.get() and hyphenlines._ACTIVE.get()  # noqa: SLF001 - and with those
        if not active or len(context.page_maker) != index + 1:  # a repagination pass
            return original(index, context, root_box, html)
        for _ in range(MAX_MENDS):
            state = _State(index, context)
            page, resume_at = original(index, context, root_box, html)
            if resume_at is None or not state.simple(context):
                return page, resume_at
            found = _split_word(page, root_box)
            if found is None:
                return page, resume_at
            box, start, stop = found
            state.restore(context)
            box.text = box.text[:start] + box.text[start:stop].replace(SOFT, "") + box.text[stop:]
            mended["pages"] += 1
        return original(index, context, root_box, html)

    remake_page.__wrapped__ = original  # type: ignore[attr-defined]
    remake_page._casepress_page_turn = True  # type: ignore[attr-defined]
    _wp_page.remake_page = remake_page
