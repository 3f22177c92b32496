"""How full a document's last page is, as a handbook chapter of the same text would fill it.

A split handbook (``build/split.py``) guesses each chapter's page count from its brief's
before the chapter is laid out: a wrong guess moves the pages of the units laid out beside
it, which are then laid out again. In the built-in theme a chapter breaks its lines and its
first page exactly as the brief does, with one difference, measured on WeasyPrint 70: a
block that opens a later page (a section) loses its top margin in the brief, where the
margin meets an unforced page break (CSS Fragmentation: "truncated"), but keeps it in the
chapter, whose pages are named (``.body-matter { page: main }``), which WeasyPrint takes
as a forced break on every page (``context.forced_break``). So the chapter needs one page
more exactly when the brief's last page has no room left for that margin.

``last_page_fill`` is the share of the last page's content area that the content uses
(bottom border edges: a last margin may run into the page's bottom margin) plus the top
margin truncated at that page's top; above 1, the chapter needs one page more. Over the
200-case synthetic library this foretells every chapter's page count from its brief's.
"""

from __future__ import annotations


def last_page_fill(document) -> float | None:
    """The last page's fill as a chapter would have it (see the module), unclamped: above
    1 when the chapter of this text needs one page more than this document."""
    if not document.pages:
        return None
    page = document.pages[-1]._page_box  # noqa: SLF001 - no public box API
    if not page.children or not page.height:
        return None
    root = page.children[0]
    top = page.content_box_y()
    flow = [child for child in getattr(root, "children", ()) if child.is_in_normal_flow()]
    if flow:  # the root's own box holds its last child's bottom margin too
        bottom = max(child.border_box_y() + child.border_height() for child in flow)
    else:
        bottom = root.position_y + root.margin_height()
    used = bottom - top
    if len(document.pages) > 1:
        previous = document.pages[-2]._page_box  # noqa: SLF001
        used += _truncated_margin(page, previous)
    return round(max(0.0, used / page.height), 3)


def _truncated_margin(page, previous) -> float:
    """The top margin WeasyPrint truncated to zero at the top of ``page``: the largest of
    those of the blocks that start there (not continued from ``previous``), down the chain
    of first in-flow children."""
    from weasyprint.layout.percent import percentage

    continued = {box.element for box in _chain(previous, last=True)}
    largest = 0.0
    for box, parent in _pairs(_chain(page, last=False)):
        if box.element in continued or box.margin_top != 0:
            continue
        try:
            wanted = percentage(box.style["margin_top"], box.style, parent.width)
        except (TypeError, ValueError, KeyError):  # 'auto' or an unknown value: no margin
            continue
        largest = max(largest, wanted or 0.0)
    return largest


def _chain(page, *, last: bool) -> list:
    """The page's root box and its first (or last) in-flow children, down to a box that
    holds lines or nothing."""
    chain, box = [], page.children[0]
    while True:
        chain.append(box)
        flow = [child for child in getattr(box, "children", ()) if child.is_in_normal_flow()]
        if not flow:
            return chain
        box = flow[-1] if last else flow[0]
        if not hasattr(box, "margin_top") or type(box).__name__ == "LineBox":
            return chain


def _pairs(chain: list) -> list[tuple]:
    """(box, its parent) down the chain, the root left out."""
    return list(zip(chain[1:], chain, strict=False))
