"""Figures and tables with numbered captions, from plain Markdown.

What an author types, and what comes out (a Python-Markdown tree processor, registered by
``markup._create``; everything it makes is on the sanitiser's allow-list):

- An image that stands alone in its paragraph, ``![alt text](chart.png "Caption")``,
  becomes ``<figure class="figure">`` with the image (its alt text kept as alt text, never
  shown) and, when it has a title, ``<figcaption>`` "Figure N. Caption" below it. Without a
  title the figure has no caption and no number.
- A paragraph ``Table: Caption`` (pandoc's syntax) directly before or after a table becomes
  the table's ``<caption>`` "Table N. Caption" (above it). The table is wrapped in
  ``<div class="table-block">`` with its caption and source line.
- A paragraph starting ``Source:`` (or the case language's word for it: ``Fuente:``)
  directly after a figure or a table is its source/credit line, printed small under it
  with the label of the case's language.
- Tables of at most ``SHORT_TABLE_ROWS`` rows are marked ``short`` (kept on one page).
- Columns (but the first) whose body cells are all numbers ("1,200", "12 %", "-3.5",
  "$4m", with "n/a" or "—" for gaps) are marked ``class="numeric"`` and set flush right,
  unless the author aligned them.

Numbers run through a whole case in reading order, across fields (``numbering``: the
renderer opens one per case, so each handbook chapter restarts at 1); figures and tables
are counted separately. A text converted outside a numbering (a handbook's introduction)
numbers its own figures from 1, with English labels. Labels ("Figure", "Tableau",
"Fuente:") come from the label set of the case's language, theme and project overrides
included. A caption is the image's title as typed (plain text; smart quotes still apply).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

PRIORITY = 5
"""After inline patterns (20) and attribute lists (8), so images are elements and carry
their attributes; before casepress's shaping (1), so figure ids get the field's prefix."""


@dataclass
class Numbering:
    """Figure and table numbers of one case (or document), and the labels to print."""

    labels: dict[str, str]
    figures: int = 0
    tables: int = 0
    seen: int = 0
    """Figures met, captioned or not: each gets the id ``figure-<seen>`` (for pdf/fitting.py)."""

    def next(self, kind: str) -> int:
        if kind == "figure":
            self.figures += 1
            return self.figures
        self.tables += 1
        return self.tables


_local = threading.local()


DEFAULT_LABELS = {"figure": "Figure", "table": "Table", "figure_source": "Source:"}
"""Labels of a text converted outside a ``numbering`` (the built-in English ones)."""


@contextmanager
def numbering(labels: dict[str, str] | None = None) -> Iterator[Numbering]:
    """Number the figures and tables of every conversion inside continuously (one case).

    ``labels``: the case's label set (``Theme.label_set``: its language, the theme's and
    the project's overrides); English ones when None. Nested numberings keep the outer one."""
    outer = getattr(_local, "numbering", None)
    if outer is not None:
        yield outer
        return
    _local.numbering = current = Numbering({**DEFAULT_LABELS, **(labels or {})})
    try:
        yield current
    finally:
        _local.numbering = None


def current() -> Numbering | None:
    """The numbering conversions use now (``numbering``), or None outside one."""
    return getattr(_local, "numbering", None)


def advance(counts: tuple[int, int, int]) -> None:
    """Set the current numbering to (figures, tables, figures met): where a conversion
    remembered from an earlier build (``conversions``) left it."""
    state = current()
    if state is not None:
        state.figures, state.tables, state.seen = counts


def register(md: Markdown) -> None:
    """Add the figure and table processor to a Markdown instance (``markup._create``)."""
    md.treeprocessors.register(FigureTree(md), "casepress-figures", PRIORITY)


SHORT_TABLE_ROWS = 12
"""A table of at most this many rows (header included) is kept on one page; a longer one
may break, its header repeated on the next page."""

_NUMBER = re.compile(
    r"^[(\-−–+]?\s*[$€£¥]?\s*[(\-−–+]?\d[\d,.\s  ]*(?:[%‰]|[kKmMbB]n?|bn)?\)?\s*[%‰]?$"
)
_EMPTY_CELL = {"", "-", "–", "—", "n/a", "n.a.", "..", "…", "s.o.", "n.d."}


class FigureTree(Treeprocessor):
    """Turns lone images into figures, captions tables, and marks numeric columns."""

    def run(self, root: Element) -> None:
        state = getattr(_local, "numbering", None)
        if state is None:  # a text on its own: numbered from 1
            state = Numbering(dict(DEFAULT_LABELS))
        labels = state.labels
        source_words = _source_words(labels)
        table_words = {"table", labels.get("table", "Table").casefold()}
        for parent in list(root.iter()):
            children = list(parent)
            if not any(c.tag in ("p", "table") for c in children):
                continue
            rebuilt = self._rebuild(children, state, source_words, table_words)
            if len(rebuilt) != len(children) or any(
                a is not b for a, b in zip(rebuilt, children, strict=True)
            ):
                for child in children:
                    parent.remove(child)
                parent.extend(rebuilt)

    def _rebuild(
        self, children: list[Element], state: Numbering, source_words: set[str],
        table_words: set[str],
    ) -> list[Element]:  # fmt: skip
        """The children of one element, lone images made figures and tables captioned."""

        def at(position: int) -> Element | None:
            return children[position] if position < len(children) else None

        consumed: set[int] = set()
        rebuilt: list[Element] = []
        for index, child in enumerate(children):
            if index in consumed:
                continue
            image = _lone_image(child)
            if image is not None:
                source = _prefixed(at(index + 1), source_words)
                if source is not None:
                    consumed.add(index + 1)
                rebuilt.append(self._figure(child, image, source, state))
                continue
            if child.tag == "table":
                following = index + 1
                caption = _prefixed(rebuilt[-1], table_words) if rebuilt else None
                if caption is not None:  # "Table: ..." before the table
                    rebuilt.pop()
                else:  # or after it
                    caption = _prefixed(at(following), table_words)
                    if caption is not None:
                        consumed.add(following)
                        following += 1
                source = _prefixed(at(following), source_words)
                if source is not None:
                    consumed.add(following)
                rebuilt.append(self._table(child, caption, source, state))
                continue
            rebuilt.append(child)
        return rebuilt

    def _figure(
        self, paragraph: Element, image: Element, source: Element | None, state: Numbering
    ) -> Element:
        figure = Element("figure", {"class": "figure wide" if _wide(image) else "figure"})
        figure.tail = paragraph.tail
        state.seen += 1
        figure.set("id", f"figure-{state.seen}")
        content = paragraph[0]  # the image, or a link around it
        content.tail = None
        figure.append(content)
        caption = (image.get("title") or "").strip()
        if "title" in image.attrib:
            del image.attrib["title"]  # shown as the caption; a tooltip would repeat it
        if caption or source is not None:
            figcaption = Element("figcaption")
            if caption:
                number = state.next("figure")
                text = Element("span", {"class": "caption-text"})
                label = Element("span", {"class": "caption-label"})
                label.text = f"{state.labels.get('figure', 'Figure')} {number}."
                label.tail = " " + caption
                text.append(label)
                if source is not None:  # a block after it: a word space for extraction
                    text.tail = " "
                figcaption.append(text)
            if source is not None:
                figcaption.append(_source_line(source, state.labels, "span"))
            figure.append(figcaption)
        return figure

    def _table(
        self, table: Element, caption: Element | None, source: Element | None, state: Numbering
    ) -> Element:
        _mark_numeric_columns(table)
        rows = sum(1 for _ in table.iter("tr"))
        kind = "table-block short" if rows <= SHORT_TABLE_ROWS else "table-block"
        if _wide(table) or (caption is not None and _wide(caption)):
            kind += " wide"
        block = Element("div", {"class": kind})
        block.tail = table.tail
        table.tail = None
        if caption is not None:
            number = state.next("table")
            element = Element("caption")
            label = Element("span", {"class": "caption-label"})
            label.text = f"{state.labels.get('table', 'Table')} {number}."
            label.tail = " " + (caption.text or "")
            element.append(label)
            element.extend(list(caption))
            table.insert(0, element)
            table.set("class", " ".join(filter(None, [table.get("class"), "captioned"])))
        block.append(table)
        if source is not None:
            block.append(_source_line(source, state.labels, "p"))
        return block


def _wide(element: Element) -> bool:
    """Marked ``{: .wide}`` (attr_list) by its author: may take the full page width."""
    classes = (element.get("class") or "").split()
    if "wide" in classes:
        classes.remove("wide")
        if classes:
            element.set("class", " ".join(classes))
        else:
            del element.attrib["class"]
        return True
    return False


def _source_words(labels: dict[str, str]) -> set[str]:
    words = {"source", "sources", labels.get("source", "Source").casefold()}
    label = labels.get("figure_source", "")
    words.add(label.rstrip(" :\u00a0\u202f").casefold())
    return {w for w in words if w} | {w + "s" for w in words if w}


def _prefixed(element: Element | None, words: set[str]) -> Element | None:
    """A copy of a paragraph that starts with one of ``words`` and a colon, without them."""
    if element is None or element.tag != "p":
        return None
    found = re.match(r"\s*([^\W\d_]+)[ \t\u00a0\u202f]*:\s*", element.text or "")
    if not found or found[1].casefold() not in words:
        return None
    copy = Element("p", dict(element.attrib))
    copy.text = (element.text or "")[found.end() :]
    copy.extend(list(element))
    return copy


def _source_line(source: Element, labels: dict[str, str], tag: str) -> Element:
    line = Element(tag, {"class": "figure-source"})
    label = Element("span", {"class": "source-label"})
    label.text = labels.get("figure_source") or "Source:"
    label.tail = " " + (source.text or "")
    line.append(label)
    line.extend(list(source))
    return line


def _lone_image(paragraph: Element) -> Element | None:
    """The image of a paragraph holding nothing else (possibly inside a link), or None."""
    if paragraph.tag != "p" or (paragraph.text or "").strip() or len(paragraph) != 1:
        return None
    only = paragraph[0]
    if (only.tail or "").strip():
        return None
    if only.tag == "img":
        return only
    if only.tag == "a" and not (only.text or "").strip() and len(only) == 1:
        inner = only[0]
        if inner.tag == "img" and not (inner.tail or "").strip():
            return inner
    return None


def _text(cell: Element) -> str:
    return "".join(cell.itertext()).strip()


def _mark_numeric_columns(table: Element) -> None:
    """``class="numeric"`` on the cells of columns whose body cells are all numbers."""
    rows = [row for row in table.iter("tr")]
    body = [row for section in table.iter("tbody") for row in section.iter("tr")]
    if not body:
        return
    width = max(len(row) for row in rows)
    for column in range(1, width):  # the first column names the rows, numbers or not
        cells = [row[column] for row in body if len(row) > column]
        values = [_text(c) for c in cells]
        filled = [v for v in values if v.casefold() not in _EMPTY_CELL]
        if not filled or not all(_NUMBER.match(v) for v in filled):
            continue
        for row in rows:
            if len(row) > column and "text-align" not in row[column].get("style", ""):
                cell = row[column]
                cell.set("class", " ".join(filter(None, [cell.get("class"), "numeric"])))
