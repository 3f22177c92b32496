"""Keep each note on the page of its reference: WeasyPrint 70's orphans rule must not move it.

When the second line of a paragraph does not fit at the foot of a page and ``orphans: 2``
forbids leaving the first line alone, WeasyPrint 70 (``layout.block._linebox_layout``)
first moves the page's notes (``float: footnote``) to the next page, last one first, to
make room for that line -- whatever the page their references stay on. A note whose call
is at the top of page 1 then prints at the foot of page 2, which is what the reader of a
brief must never see (GCPM: a footnote goes on the page of its call).

``install()`` turns that trade off once per process: the paragraph then moves to the next
page as a whole, as it does on a page without notes, and notes stay with their calls.
WeasyPrint's other reasons to move a note (a note that does not fit on its page; the
``footnote-policy`` of a call near the foot) are left as they are. The change is made on
the function's own source; ``hooks_problem()`` says why not when this WeasyPrint's
function is not the one it was written for (the PDF is then written as before).
"""

from __future__ import annotations

import inspect
import textwrap

from . import hooks

_TRADE = "report = not context.in_column and can_break_now and not could_break_before"

try:  # private API of WeasyPrint 70
    from weasyprint.layout import block as _wp_block
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_block = None


def _source() -> str | None:
    function = getattr(_wp_block, "_linebox_layout", None)
    if function is None:
        return None
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):  # pragma: no cover - no source installed
        return None


def hooks_problem() -> str | None:
    """Why the change cannot be made in this WeasyPrint, or None."""
    if _wp_block is None:
        return "this WeasyPrint has no weasyprint.layout.block"
    if getattr(_wp_block._linebox_layout, "_casepress_notes_stay", False):
        return None
    source = _source()
    if source is None or source.count(_TRADE) != 1:
        return "WeasyPrint's _linebox_layout is not the one casepress was written for"
    return None


@hooks.once(hooks_problem)
def install() -> None:
    """Make the change (once); False when this WeasyPrint does not allow it."""
    original = _wp_block._linebox_layout
    source = _source().replace(_TRADE, "report = False  # casepress: notes stay")
    namespace: dict = {}
    exec(compile(source, inspect.getsourcefile(original), "exec"), _wp_block.__dict__, namespace)  # noqa: S102
    patched = namespace["_linebox_layout"]
    patched.__wrapped__ = original
    patched._casepress_notes_stay = True
    _wp_block._linebox_layout = patched
