"""Lines below every float need no float avoidance: skip WeasyPrint 70's costly measure.

Once a float has been laid out in a block formatting context (a lesson's number, a chapter
opener's number), WeasyPrint 70 (``layout.inline.get_next_linebox``) measures the
min-content width of the rest of the paragraph before every later line of that context,
to find where the line fits beside the floats -- even when every float ends above the
line. The measure splits the text at every break opportunity (each soft hyphen of
``pdf/hyphenation.py`` is one), so it cost a brief about as much as laying its text out.

``install()`` (once per process) answers 0 for that measure when every float of the
context ends above the line: ``avoid_collisions`` then finds no colliding float whatever
the width, and the line is laid out exactly as before (the same PDF, byte for byte) for
much less. Lines beside a float are measured as before. ``hooks_problem()`` says why not
when this WeasyPrint's functions are not the ones it was written for.
"""

from __future__ import annotations

import inspect

from . import hooks

_CALL = "linebox.width = inline_min_content_width("

try:  # private API of WeasyPrint 70
    from weasyprint.layout import inline as _wp_inline
except ImportError:  # pragma: no cover - another WeasyPrint version
    _wp_inline = None


def hooks_problem() -> str | None:
    """Why the change cannot be made in this WeasyPrint, or None."""
    if _wp_inline is None:
        return "this WeasyPrint has no weasyprint.layout.inline"
    measure = getattr(_wp_inline, "inline_min_content_width", None)
    if measure is None:
        return "WeasyPrint's inline layout has no inline_min_content_width"
    if getattr(measure, "_casepress_floats_above", False):
        return None
    try:
        source = inspect.getsource(_wp_inline.get_next_linebox)
    except (AttributeError, OSError, TypeError):  # pragma: no cover - no source installed
        return "WeasyPrint's get_next_linebox cannot be read"
    if source.count(_CALL) != 1 or "skip_stack=skip_stack, first_line=True" not in source:
        return "WeasyPrint's get_next_linebox is not the one casepress was written for"
    return None


def _all_above(shapes, line) -> bool:
    """Whether every float ends above ``line``: none can collide with it, whatever its
    height or width (``float.avoid_collisions`` tests a float's top strictly before the
    line's top)."""
    top = min(line.position_y, line.border_box_y())
    return all(
        shape.position_y < top and shape.position_y + shape.margin_height() <= top
        for shape in shapes
    )


@hooks.once(hooks_problem)
def install() -> None:
    """Make the change (once); False when this WeasyPrint does not allow it."""
    original = _wp_inline.inline_min_content_width

    def inline_min_content_width(context, box, outer=True, skip_stack=None,
                                 first_line=False, is_line_start=False):  # fmt: skip
        # only the call of get_next_linebox: a line box measured for float avoidance
        shapes = context.excluded_shapes
        if first_line and shapes and type(box).__name__ == "LineBox" and _all_above(shapes, box):
            return 0
        return original(context, box, outer, skip_stack, first_line, is_line_start)

    inline_min_content_width.__wrapped__ = original
    inline_min_content_width._casepress_floats_above = True
    _wp_inline.inline_min_content_width = inline_min_content_width
