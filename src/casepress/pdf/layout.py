"""What a laid-out document's pages look like to a reader: measure, hyphens, holes, widows.

Measured on WeasyPrint's layout tree right after layout (``measure``), so it costs one walk
over the boxes and no re-reading of the PDF. What counts as body text, a panel or a page's
section comes from the document itself, never from page numbers:

- **body text**: lines of paragraphs and list items (``p``, ``li``, ``dd``, ``blockquote``)
  inside a case (``<article>``, ``.case``) or a handbook's ``.introduction``, but not in
  headings, figures, tables, navigation, headers, footers or asides;
- **panels**: ``<aside>`` elements (the regions/countries/themes panel);
- **sections**: a page is the last of its section when the next page that is not a blank
  insert starts with a forced page break (a chapter, a part, an index, a brief's back
  matter: ``break-before: page/left/right``) or has another page name (``@page front``);
  the last page of a section may be as empty as it needs;
- **blank pages** WeasyPrint inserts for ``break-before: right`` are left out.

The figures are plain JSON (``LayoutFacts``) so a worker process can send them back with
its PDF and a split handbook's units can be combined (``combine``) into the figures a
single pass gives. ``checks/layout.py`` turns them into the report and the limits.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

LayoutFacts = dict[str, Any]
"""``pages``; ``lengths`` {characters: lines} of body lines that are not a paragraph's last;
``lines`` and ``hyphenated`` body lines; ``run`` [length, first page, last page] of the
longest run of consecutive lines ending in a hyphen; ``emptiest`` [page, share empty] among
text pages that are not the last of their section; ``widows``, ``orphans``,
``furniture_only`` page numbers; ``text_pages``. Pages are numbered from 1 in the file."""

FORCED_BREAKS = frozenset({"page", "left", "right", "recto", "verso"})
BODY_TAGS = frozenset({"p", "li", "dd", "blockquote"})
"""Elements whose own lines are body text (inside a body scope)."""
NOT_BODY_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "nav", "figure", "figcaption",
    "table", "caption", "aside",
})  # fmt: skip
"""Elements whose lines are never body text, wherever they are."""
SCOPE_CLASSES = frozenset({"case", "introduction"})
PANEL_TAGS = frozenset({"aside"})
HYPHENS = frozenset("-\u2010\u2011\u00ad")
INVISIBLE = ("\u00ad", "\u2060")  # soft hyphen, word joiner: drawn as nothing

# Kinds of what a page holds (``_Page.items``)
BODY, PANEL, OTHER = "body", "panel", "other"


def measure(document) -> LayoutFacts:
    """The layout figures of a laid-out WeasyPrint ``Document``."""
    from weasyprint.formatting_structure import boxes

    walker = _Walker(boxes)
    pages = [walker.page(number, page._page_box)  # noqa: SLF001 - no public box API
             for number, page in enumerate(document.pages, 1)]  # fmt: skip
    return _facts(pages, walker)


class _Page:
    def __init__(self, number: int, name: str, blank: bool):
        self.number, self.name, self.blank = number, name, blank
        self.kinds: set[str] = set()
        self.scoped = False
        """Holds something of a case or an introduction (a text page)."""
        self.bottom: float | None = None
        self.top = 0.0
        self.limit = 0.0
        self.height = 0.0
        self.forced = False
        """Its first new block asks for a page break (or it starts a new page name)."""
        self.elements: set[int] = set()

    @property
    def empty(self) -> float:
        """The share of the content area below the last thing on the page."""
        if not self.height:
            return 0.0
        bottom = self.top if self.bottom is None else self.bottom
        return min(1.0, max(0.0, (self.limit - bottom) / self.height))


class _Walker:
    """One walk over each page's boxes, collecting body lines in reading order."""

    def __init__(self, boxes):
        self.boxes = boxes
        self.lines: list[tuple[int, int, bool, int]] = []
        """Body lines in reading order: (page, characters, ends in a hyphen, element)."""
        self.seen: set[int] = set()
        """Elements laid out on an earlier page (a box of theirs is a continuation)."""

    def page(self, number: int, page_box) -> _Page:
        boxes = self.boxes
        page_type = page_box.page_type
        page = _Page(number, page_type.name or "", page_type.blank)
        page.top = page_box.content_box_y()
        page.height = page_box.height
        page.limit = page.top + page.height
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):
                continue  # running heads and folios
            if isinstance(child, boxes.FootnoteAreaBox):
                if child.children:
                    page.limit = min(page.limit, child.position_y)
                continue
            if child.element_tag == "@note-area" or not child.children:
                continue
            page.forced = self._forced(child)
            self._walk(child, page, scoped=False, body=False, excluded=False, panel=False)
        self.seen |= page.elements
        return page

    def _forced(self, root) -> bool:
        """Whether the first box that starts on this page asks for a forced break."""
        box = root
        while box is not None:
            element = box.element
            new = element is None or id(element) not in self.seen
            if new and box.style["break_before"] in FORCED_BREAKS:
                return True
            children = getattr(box, "children", None)
            if not children or isinstance(box, self.boxes.LineBox):
                return False
            box = children[0] if isinstance(children[0], self.boxes.Box) else None
        return False

    def _walk(self, box, page: _Page, *, scoped, body, excluded, panel) -> None:
        boxes = self.boxes
        element = box.element
        tag = box.element_tag
        if "::marker" in tag:
            return
        if element is not None:
            page.elements.add(id(element))
            classes = set((element.get("class") or "").split())
            if tag == "article" or classes & SCOPE_CLASSES:
                scoped = True
            if tag in NOT_BODY_TAGS:
                excluded = True
            if tag in PANEL_TAGS:
                panel = True
            if tag in BODY_TAGS:
                body = True
        if isinstance(box, boxes.LineBox):
            text = "".join(t.text for t in _texts(box, boxes)).strip()
            if not text:
                return
            kind = PANEL if panel else BODY if (scoped and body and not excluded) else OTHER
            self._item(page, kind, scoped, box.position_y + box.height)
            if kind == BODY:
                hyphen = text[-1] in HYPHENS or text.endswith(
                    box.style["hyphenate_character"] or "\u2010"
                )
                # characters a reader sees: not the soft hyphens casepress put into words
                # (pdf/hyphenation.py) nor its word joiners; a line-break hyphen counts
                visible = len(text) - sum(text.count(c) for c in INVISIBLE)
                self.lines.append((page.number, visible, hyphen, id(element)))
            return
        if isinstance(box, boxes.ReplacedBox):
            kind = PANEL if panel else OTHER
            self._item(page, kind, scoped, box.position_y + box.margin_height())
            return
        if _painted(box):  # a panel's background or rule
            bottom = box.position_y + box.margin_height() - box.margin_bottom
            if not _fills(box):  # only a rule above (a section's hairline): the rule itself
                bottom = box.position_y + box.margin_top + box.border_top_width
            self._item(page, PANEL if panel else OTHER, scoped, bottom, count=False)
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.Box) and not isinstance(child, boxes.MarginBox):
                self._walk(child, page, scoped=scoped, body=body, excluded=excluded, panel=panel)

    @staticmethod
    def _item(page: _Page, kind: str, scoped: bool, bottom: float, *, count=True) -> None:
        if count:
            page.kinds.add(kind)
        page.scoped = page.scoped or scoped
        if page.bottom is None or bottom > page.bottom:
            page.bottom = bottom


def _texts(line, boxes):
    for box in line.descendants():
        if isinstance(box, boxes.TextBox) and "::marker" not in box.element_tag:
            yield box


def _fills(box) -> bool:
    """Paints down to its bottom: a background, or a rule below. (A box with only a rule
    above, split over pages, reaches the page's foot: its rule is all that shows.)"""
    colour = box.style["background_color"]
    return (colour is not None and getattr(colour, "alpha", 0) > 0) or bool(
        getattr(box, "border_bottom_width", 0)
    )


def _painted(box) -> bool:
    if getattr(box, "height", None) is None or not hasattr(box, "border_top_width"):
        return False
    colour = box.style["background_color"]
    if colour is not None and getattr(colour, "alpha", 0) > 0:
        return True
    return any(getattr(box, f"border_{side}_width", 0) for side in ("top", "bottom"))


def _facts(pages: list[_Page], walker: _Walker) -> LayoutFacts:
    lines = walker.lines
    # a paragraph's last line is short by nature: the measure is that of the others
    last = {}
    for index, (_, _, _, element) in enumerate(lines):
        last[element] = index
    ends = set(last.values())
    lengths = Counter(length for i, (_, length, _, _) in enumerate(lines) if i not in ends)
    run = best = (0, 0, 0)
    for number, _, hyphen, _ in lines:
        run = (run[0] + 1, run[1] or number, number) if hyphen else (0, 0, 0)
        best = max(best, run, key=lambda r: r[0])
    fragments: dict[int, list[list[int]]] = {}
    for number, _, _, element in lines:
        frags = fragments.setdefault(element, [])
        if frags and frags[-1][0] == number:
            frags[-1][1] += 1
        else:
            frags.append([number, 1])
    widows, orphans = set(), set()
    for frags in fragments.values():
        if len(frags) > 1:
            if frags[0][1] == 1:
                orphans.add(frags[0][0])
            if frags[-1][1] == 1:
                widows.add(frags[-1][0])
    emptiest = None
    written = [p for p in pages if not p.blank]
    for index, page in enumerate(written):
        following = written[index + 1] if index + 1 < len(written) else None
        final = (
            following is None
            or following.forced
            or following.name != page.name
            or following.number != page.number + 1  # blank inserts: a forced break
        )
        if final or not page.scoped or not page.kinds - {PANEL}:
            continue
        empty = round(page.empty, 3)
        if emptiest is None or empty > emptiest[1]:
            emptiest = [page.number, empty]
    return {
        "pages": len(pages),
        "text_pages": sum(1 for p in written if p.scoped),
        "lengths": {str(k): v for k, v in sorted(lengths.items())},
        "lines": len(lines),
        "hyphenated": sum(1 for line in lines if line[2]),
        "run": list(best),
        "emptiest": emptiest,
        "widows": sorted(widows),
        "orphans": sorted(orphans),
        "furniture_only": [p.number for p in written if not p.kinds - {PANEL}],
    }


def combine(parts: list[LayoutFacts | None]) -> LayoutFacts | None:
    """The figures of documents printed one after another (a split handbook's units, in
    book order), with page numbers running on; None when any part has none."""
    if not parts or any(part is None for part in parts):
        return None
    offset = 0
    lengths: Counter = Counter()
    result: LayoutFacts = {
        "pages": 0, "text_pages": 0, "lengths": {}, "lines": 0, "hyphenated": 0,
        "run": [0, 0, 0], "emptiest": None, "widows": [], "orphans": [], "furniture_only": [],
    }  # fmt: skip
    for part in parts:
        lengths.update({int(k): v for k, v in part["lengths"].items()})
        for key in ("text_pages", "lines", "hyphenated"):
            result[key] += part[key]
        length, first, last = part["run"]
        if length > result["run"][0]:
            result["run"] = [length, first + offset, last + offset]
        # a part's last page ends its section, and every part but the last was cut at a
        # forced break, so its pages keep the status they had
        if part["emptiest"] and (
            result["emptiest"] is None or part["emptiest"][1] > result["emptiest"][1]
        ):
            result["emptiest"] = [part["emptiest"][0] + offset, part["emptiest"][1]]
        for key in ("widows", "orphans", "furniture_only"):
            result[key] += [page + offset for page in part[key]]
        offset += part["pages"]
    result["pages"] = offset
    result["lengths"] = {str(k): v for k, v in sorted(lengths.items())}
    return result
