"""Shrink-to-fit for figures: a figure that does not fit shrinks rather than leaving a hole.

WeasyPrint has no shrink-to-fit: a figure (``break-inside: avoid``, an image cannot split)
taller than the space left on a page moves whole to the next, and the page it leaves can be
half empty. So the document is laid out, then read: a figure whose first box is on a page
``i`` while page ``i - 1`` ends with more than ``HOLE`` of its height empty was pushed.
When the image, made smaller, would fit in that space and keep at least ``MIN_SCALE`` of
its natural height, the document is laid out again with a ``max-height`` on that image
(a stylesheet naming the figure's id, which ``model/figures.py`` gives every figure).
At most ``MAX_PASSES`` extra layouts, all pushed figures of a pass at once, and none at all
for a document without figures or without such holes.

Only figures that were pushed are touched: one that sits at the top of a page because
something before it forces a page break (a new handbook chapter) is left alone, and a new
layout in which a shrunk figure still did not move up is not kept (the previous is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from weasyprint import CSS, Document
from weasyprint.formatting_structure import boxes

HOLE = 0.25
"""Share of a page's content height left empty above which a pushed figure is shrunk."""
MIN_SCALE = 0.6
"""A figure is never shrunk below this share of its natural height: smaller, it moves on."""
MAX_PASSES = 2
"""Extra layouts at most, for a whole document."""
SLACK = 2.0
"""CSS pixels taken off on top of the measured overflow, for rounding in the new layout."""
FIGURE_MARK = 'class="figure"'
"""In a document's HTML when it has figures (``model/figures.py`` writes it): without it,
no figure is looked for."""
FORCED = {"page", "left", "right", "recto", "verso"}

LayOut = Callable[..., Document]
"""Lays the document out again, with extra stylesheets."""


@dataclass
class Shrink:
    """One figure to draw smaller: its id, page (0-based) and the image's new height."""

    id: str
    page: int
    height: float
    natural: float


def fit_figures(document: Document, lay_out: LayOut, *, has_figures: bool = True) -> Document:
    """The document, laid out again with pushed figures shrunk when that closes the hole."""
    if not has_figures or len(document.pages) < 2:
        return document
    limits: dict[str, float] = {}
    natural: dict[str, float] = {}
    for _ in range(MAX_PASSES):
        found = pushed_figures(document)
        wanted = [
            s for s in found if s.id not in limits or s.height < limits[s.id]
        ]  # new ones, or smaller than tried
        wanted = [s for s in wanted if s.height >= MIN_SCALE * natural.get(s.id, s.natural)]
        if not wanted:
            break
        for shrink in wanted:
            natural.setdefault(shrink.id, shrink.natural)
            limits[shrink.id] = shrink.height
        candidate = lay_out(CSS(string=shrink_css(limits)))
        moved = _first_pages(candidate)
        before = _first_pages(document)
        if not any(moved.get(s.id, s.page) < before.get(s.id, s.page) for s in wanted):
            for shrink in wanted:  # shrinking did not help: keep the layout we had
                limits.pop(shrink.id, None)
            break
        document = candidate
    return document


def shrink_css(limits: dict[str, float]) -> str:
    """A stylesheet that draws each figure's image no taller than its limit (CSS px)."""
    return "\n".join(
        f"#{_css_id(name)} img {{ max-height: {height:.1f}px !important; width: auto !important; }}"
        for name, height in sorted(limits.items())
    )


def _css_id(name: str) -> str:
    """An id as a CSS selector (figure ids are slugs: letters, digits, hyphens)."""
    return "".join(c if c.isalnum() or c in "-_" else f"\\{ord(c):x} " for c in name)


def pushed_figures(document: Document) -> list[Shrink]:
    """Figures that moved to the next page leaving a hole, each with the height its image
    would need to fit in that hole."""
    found: list[Shrink] = []
    seen: set[str] = set()
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        for figure, before in _figures(page_box):
            name = figure.element.get("id")
            if name in seen:
                continue
            seen.add(name)
            if index == 0 or before:
                continue
            shrink = _shrink(document.pages[index - 1]._page_box, page_box, figure)
            if shrink is not None:
                found.append(Shrink(name, index, *shrink))
    return found


def _figures(page: boxes.PageBox) -> Iterator[tuple[boxes.Box, bool]]:
    """Each figure box with an id on the page, and whether a box that starts on this page
    before it forces a page break (then the figure was not pushed). A chapter that began on
    an earlier page with a forced break does not count: it continues here."""
    forced = False
    root = page.children[0] if page.children else None
    if root is None:
        return
    for box in root.descendants():
        if not isinstance(box, boxes.Box):
            continue
        starts = "top" not in box.remove_decoration_sides  # not the rest of a split box
        if starts and box.style["break_before"] in FORCED:
            forced = True
        if (
            box.element_tag == "figure"
            and isinstance(box, boxes.BlockBox)
            and box.element is not None
            and box.element.get("id")
        ):
            yield box, forced


def _shrink(previous: boxes.PageBox, page: boxes.PageBox, figure: boxes.Box):
    """(new height, natural height) of the figure's image when shrinking it closes the hole
    at the foot of ``previous``; None when there is no hole or it would take too much."""
    bottom = previous.content_box_y() + previous.height
    for child in previous.children:  # notes at the foot of the page take their room
        if isinstance(child, boxes.FootnoteAreaBox) and child.children:
            bottom = min(bottom, child.position_y)
    used = _content_bottom(previous)
    if used is None:
        return None
    hole = bottom - used
    if hole < HOLE * previous.height:
        return None
    image = next((b for b in figure.descendants() if isinstance(b, boxes.ReplacedBox)), None)
    if image is None or not image.height:
        return None
    # what has to move back: the figure (and whatever it pulled along) from the page top,
    # plus the figure's top margin, dropped at the top of a page but kept after text
    need = figure.position_y + figure.margin_height() - page.content_box_y()
    need += figure.margin_top
    overflow = need - hole + SLACK
    height = image.height - overflow
    if height < MIN_SCALE * image.height:
        return None
    return height, image.height


def _content_bottom(page: boxes.PageBox) -> float | None:
    """The lowest line, image or table cell of the page's flow (not its margin boxes)."""
    if not page.children:
        return None
    lowest = None
    for box in page.children[0].descendants():
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableCellBox)):
            bottom = box.position_y + box.margin_height()
            lowest = bottom if lowest is None else max(lowest, bottom)
    return lowest


def _first_pages(document: Document) -> dict[str, int]:
    """Each figure id and the page (0-based) its first box is on."""
    pages: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for figure, _forced in _figures(page._page_box):
            pages.setdefault(figure.element.get("id"), index)
    return pages
