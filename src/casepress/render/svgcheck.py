"""How much drawing an SVG asks for, measured before WeasyPrint sees it.

WeasyPrint draws an SVG by walking a tree of Python objects: 400,000 elements took 69 s
and 2.9 GB, and ``<use>`` copies the element it names each time it is drawn, so 1.5 KB of
``<use>`` elements that name groups of ``<use>`` elements asked for billions (1,202 s and
1.86 GB before two worker time-outs). Patterns, masks, clip paths and markers named by
``url(#id)`` are drawn again for each element that names them, the same way, and so is an
SVG file drawn by an ``<image>`` (250 draws of a 2,000-element file: 34 s, 715 MB); the
caller says what each ``<image>`` weighs (``ResourcePolicy.svg_size``).

So an SVG is read here first with expat, the parser WeasyPrint's ElementTree uses (same
entities, same elements; no DTD or external entity is fetched), handler by handler without
building a tree, and refused when it has more elements than ``MAX_SVG_ELEMENTS`` or when
its references, expanded as WeasyPrint expands them, would draw more than
``MAX_SVG_DRAWN`` — computed with one count per element (memoised), so a bomb costs no
more to measure than its size. A reference cycle is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.parsers import expat

from ..text import html_tags

MAX_SVG_ELEMENTS = 20_000
"""Elements one SVG may hold (detailed maps and charts have a few thousand)."""
MAX_SVG_DRAWN = 50_000
"""Elements one SVG may draw once ``<use>`` and ``url(#id)`` references are expanded."""
MAX_DOCUMENT_SVG_DRAWN = 100_000
"""Elements the SVG images of one case may draw in all, each image counted each time it
is shown: about 30 s of WeasyPrint's drawing on a loaded two-core machine."""

Weigh = Callable[[str], int]
"""Given an ``<image>`` address, the elements drawing it draws."""

_URL_REFERENCE = re.compile(r"""url\(\s*['"]?#([^'")\s]+)""")


@dataclass(frozen=True)
class SvgSize:
    """What an SVG asks of the renderer."""

    elements: int
    drawn: int
    """Elements drawn with references expanded; more than ``MAX_SVG_DRAWN`` is shown as
    ``MAX_SVG_DRAWN + 1`` (a bomb's true number can have hundreds of digits)."""
    cycle: str | None = None
    """An id whose references lead back to itself (drawing would never end)."""

    def refusal(self) -> str | None:
        """Why the SVG may not be drawn, in words for the author; None when it may."""
        if self.elements > MAX_SVG_ELEMENTS:
            return (
                f"the SVG has {self.elements:,} elements, more than the limit of "
                f"{MAX_SVG_ELEMENTS:,}; simplify it, or use a PNG of it"
            )
        if self.cycle is not None:
            return (
                f"the SVG's <use> or url(#...) references lead back to themselves "
                f"(through id {self.cycle!r}), so drawing it would never end; fix the "
                "references"
            )
        if self.drawn > MAX_SVG_DRAWN:
            return (
                f"the SVG's {self.elements:,} elements would draw more than "
                f"{MAX_SVG_DRAWN:,} once its <use>, url(#...) and <image> references are "
                "expanded (each draws what it names again); simplify it, or use a PNG of it"
            )
        return None


@dataclass
class SvgShape:
    """The element tree as parent links, ids and references: no element is kept."""

    count: int = 0
    children: list[list[int]] = field(default_factory=list)
    references: list[list[str]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    roots: list[int] = field(default_factory=list)
    open: list[int] = field(default_factory=list)
    images: dict[int, str] = field(default_factory=dict)
    """``<image>`` elements that draw another file (or ``data:`` URL), by element."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.count += 1
        if self.count > MAX_SVG_ELEMENTS:  # refused whatever follows: only count on
            return
        index = len(self.children)
        self.children.append([])
        wanted = []
        for key, value in attributes.items():
            local = key.rsplit(" ", 1)[-1]
            if local == "href" and value.startswith("#"):
                wanted.append(value[1:])
            elif local == "href" and name.rsplit(" ", 1)[-1] == "image" and value.strip():
                self.images[index] = value.strip()
            elif local == "id":
                self.ids.setdefault(value, index)
            if "url(" in value:
                wanted.extend(_URL_REFERENCE.findall(value))
        self.references.append(wanted)
        (self.children[self.open[-1]] if self.open else self.roots).append(index)
        self.open.append(index)

    def end(self, name: str) -> None:
        if self.count <= MAX_SVG_ELEMENTS and self.open:
            self.open.pop()

    def size(self, weigh: Weigh | None = None) -> SvgSize:
        """``weigh(href)``: the elements an ``<image>`` drawing that address draws (an SVG
        in an SVG is drawn again each time), 0 for a raster image; None counts them as 1."""
        if self.count > MAX_SVG_ELEMENTS:
            return SvgSize(self.count, self.count)
        drawn, cycle = self._drawn(weigh)
        return SvgSize(self.count, drawn, cycle)

    def _drawn(self, weigh: Weigh | None) -> tuple[int, str | None]:
        """Elements drawn from the roots, each reference drawing its target's subtree again.

        Iterative depth-first, one memoised count per element: linear in elements plus
        references, however many times they multiply. Counts are capped just above the limit.
        """
        cap = MAX_SVG_DRAWN + 1
        memo: list[int | None] = [None] * len(self.children)
        weights = {}
        if weigh is not None:
            for href in set(self.images.values()):
                weights[href] = weigh(href)
        extra = {node: weights.get(href, 0) for node, href in self.images.items()}
        busy = [False] * len(self.children)

        def needs(node: int) -> list[int]:
            targets = [self.ids[r] for r in self.references[node] if r in self.ids]
            return self.children[node] + targets

        for root in self.roots:
            stack = [(root, False)]
            while stack:
                node, ready = stack.pop()
                if memo[node] is not None:
                    continue
                if ready:
                    own = 1 + extra.get(node, 0)
                    memo[node] = min(cap, own + sum(memo[d] or 0 for d in needs(node)))
                    busy[node] = False
                    continue
                if busy[node]:  # reached again from inside itself
                    return cap, self._name(node)
                busy[node] = True
                stack.append((node, True))
                for dependency in needs(node):
                    if memo[dependency] is None:
                        if busy[dependency]:
                            return cap, self._name(dependency)
                        stack.append((dependency, False))
        return min(cap, sum(memo[r] or 0 for r in self.roots)), None

    def _name(self, node: int) -> str:
        return next((name for name, index in self.ids.items() if index == node), f"#{node}")


def measure_svg(source: bytes | BinaryIO, weigh: Weigh | None = None) -> SvgSize | None:
    """Elements and drawn elements of an SVG (any XML); None when it is not well-formed
    XML (WeasyPrint's parser refuses it too, and nothing is drawn)."""
    shape = parse_svg(source)
    return shape.size(weigh) if shape else None


def parse_svg(source: bytes | BinaryIO) -> SvgShape | None:
    """An SVG's shape (``SvgShape.size`` measures it), read once; None when not XML."""
    shape = SvgShape()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = shape.start
    parser.EndElementHandler = shape.end
    try:
        if isinstance(source, bytes | bytearray):
            parser.Parse(source, True)
        else:
            parser.ParseFile(source)
    except (expat.ExpatError, ValueError):
        return None
    return shape if shape.count else None


def looks_like_xml(head: bytes) -> bool:
    """Whether data could be an SVG: it starts (after a byte-order mark and white space)
    with '<'. WeasyPrint tries any image Pillow cannot open as SVG."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""")


def measure_inline_svgs(html: str, weigh: Weigh | None = None) -> SvgSize | None:
    """The largest drawing of the ``<svg>`` elements written inside an HTML document (raw
    HTML in case text with ``trust_html``, or a template): each is drawn as an SVG of its
    own, its references resolved inside it. Their elements are counted with the page's
    (``max_elements``); what is measured here is the expansion of their references."""
    if "<svg" not in html.lower():
        return None
    sizes: list[SvgSize] = []
    shape: SvgShape | None = None
    depth = 0
    for tag in html_tags(html):
        if not tag.name:
            continue
        if shape is None:
            if tag.name != "svg" or tag.closing:
                continue
            shape, depth = SvgShape(), 0
        if tag.closing:
            shape.end(tag.name)
            depth -= 1
        else:
            attributes = {
                name.lower().rsplit(":", 1)[-1]: "".join(values)  # xlink:href is an href
                for name, *values in _ATTRIBUTE.findall(tag.attributes)
            }
            shape.start(tag.name, attributes)
            if tag.empty:
                shape.end(tag.name)
            else:
                depth += 1
        if depth <= 0:
            sizes.append(shape.size(weigh))
            shape = None
    if shape is not None:  # left open: it runs to the end of the document
        sizes.append(shape.size(weigh))
    refused = [size for size in sizes if size.refusal()]
    return (refused or sorted(sizes, key=lambda size: size.drawn) or [None])[-1]
