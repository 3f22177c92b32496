"""Split handbooks: one document per chapter, rendered in parallel, paginated, then merged.

The single-pass handbook lays out every page in one process. Here the rendered handbook
HTML is cut into units, each a complete document with the same head: the front matter
(cover, imprint, contents, introduction) and then every child of ``.body-matter`` (part
dividers, chapters, indexes), each of which starts on a new page anyway. A unit's page
count does not depend on the number it starts at, so units are laid out in book order by
the worker pool, each told its first page number from the page counts known so far (the
real counts of finished units, last build's or the brief's for those still in flight).

Page numbers that point into other units (contents, part lists, indexes, "(p. N)"
cross-references) cannot come from ``target-counter()`` across documents, so every rule
that uses ``target-counter(attr(href), page)`` gets a twin for links carrying
``data-cp``, which prints ``attr(data-cp-<style>)`` instead; such links are given the
number from the page map. A unit whose numbers turn out wrong once every count is known
is laid out again (rare, and never the whole book); a unit whose HTML has not changed
since the last build is reused as it was. The merge (pikepdf) keeps every page and
rebuilds what spans documents: named destinations, the nested outline and, for tagged
PDFs, the structure tree.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .errors import RenderError
from .themes import HANDBOOK_PDF_STYLESHEETS

SPLIT_THRESHOLD = 40
"""Handbooks with at least this many cases are split (smaller ones lay out fast enough)."""
MAX_ROUNDS = 6
_TAG = re.compile(
    r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S
)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_ID = re.compile(r"""\sid=["']([^"']+)["']""")
_LINK = re.compile(r"""<a\b((?:[^>"']|"[^"]*"|'[^']*')*?)\shref=(["'])#([^"']+)\2""")
_TARGET_COUNTER = re.compile(
    r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*(?:,\s*([a-z-]+)\s*)?\)", re.I
)
_UNSUPPORTED = re.compile(
    r"counter\(\s*pages\b|target-counters?\((?!\s*attr\(\s*href\s*\)\s*,\s*page\b)|target-text"
    r"|@page[^{]*:(?:left|right|recto|verso)",
    re.I,
)


@dataclass
class Unit:
    """One separately laid-out document: the front matter, or one child of the body."""

    name: str
    fragment: str
    front: bool = False
    ids: set[str] = field(default_factory=set)
    targets: list[str] = field(default_factory=list)


@dataclass
class UnitResult:
    """A laid-out unit: its PDF, pages, anchors (name → page) and bookmarks."""

    key: str
    data: bytes
    pages: int
    anchors: dict[str, int]
    bookmarks: list
    stubs: list[str]

    def facts(self) -> dict:
        return {"key": self.key, "pages": self.pages, "anchors": self.anchors,
                "bookmarks": self.bookmarks, "stubs": self.stubs}  # fmt: skip


def why_not_split(plan, html: str, theme) -> str | None:
    """Why this handbook must be laid out in one pass, or None when it can be split."""
    if plan.edition.duplex:
        return "duplex editions place blank pages by global page parity"
    sheets = [p.read_text("utf-8") for p in theme.stylesheets(HANDBOOK_PDF_STYLESHEETS)]
    texts = [re.sub(r"/\*.*?\*/", "", text, flags=re.S) for text in [*sheets, _head(html)]]
    if any(_UNSUPPORTED.search(text) for text in texts):
        return "its styles use page totals, facing pages or other cross-document counters"
    try:
        _split(html)
    except ValueError as exc:
        return str(exc)
    return None


def _head(html: str) -> str:
    end = html.find("<body")
    return html[:end] if end >= 0 else html


def _children(html: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Top-level elements in ``html[start:end]``: (start, end, opening tag)."""
    found, depth, open_at, open_tag = [], 0, 0, ""
    for match in _TAG.finditer(html, start, end):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if not name or name in _VOID or match.group(3).rstrip().endswith("/"):
            if depth == 0 and name:
                found.append((match.start(), match.end(), match.group(0)))
            continue
        if closing:
            depth -= 1
            if depth == 0:
                found.append((open_at, match.end(), open_tag))
        else:
            if depth == 0:
                open_at, open_tag = match.start(), match.group(0)
            depth += 1
    return found


def _classes(tag: str) -> set[str]:
    match = re.search(r"""\sclass=["']([^"']*)["']""", tag)
    return set(match.group(1).split()) if match else set()


def _split(html: str) -> tuple[str, str, list[Unit]]:
    """(document start up to the end of ``<body>``, body-matter's opening tag, units)."""
    body = re.search(r"<body\b[^>]*>", html)
    body_end = html.rfind("</body>")
    if not body or body_end < 0:
        raise ValueError("the handbook HTML has no body")
    children = _children(html, body.end(), body_end)
    matter = [c for c in children if "body-matter" in _classes(c[2])]
    if len(matter) != 1 or children[-1] is not matter[0]:
        raise ValueError("the handbook template has no single, last .body-matter element")
    m_start, m_end, m_tag = matter[0]
    units = [Unit("front", html[body.end() : m_start], front=True)]
    inner_start, inner_end = m_start + len(m_tag), html.rfind("</div>", m_start, m_end)
    for start, end, tag in _children(html, inner_start, inner_end):
        if not _classes(tag) & {"part", "chapter", "index"}:
            raise ValueError(f"an element that does not start a page sits in the body: {tag}")
        fragment = html[start:end]
        ids = _ID.findall(fragment)
        units.append(Unit(ids[0] if ids else f"unit-{len(units)}", fragment))
    for unit in units:
        unit.ids = set(_ID.findall(unit.fragment))
        unit.targets = list(dict.fromkeys(m.group(3) for m in _LINK.finditer(unit.fragment)))
    return html[: body.end()], m_tag, units


def cross_unit_css(css_texts: list[str]) -> tuple[str, set[str]]:
    """Twins of the rules that print ``target-counter(attr(href), page)``, for links that
    carry their number in ``data-cp-<style>``; and the counter styles they use."""
    import tinycss2

    styles: set[str] = set()

    def rules(nodes) -> list[str]:
        out = []
        for rule in nodes:
            if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
                inner = rules(tinycss2.parse_rule_list(rule.content, True, True))
                if inner:
                    prelude = tinycss2.serialize(rule.prelude).strip()
                    out.append(f"@media {prelude} {{\n{''.join(inner)}}}\n")
            elif rule.type == "qualified-rule":
                declarations = []
                for item in tinycss2.parse_blocks_contents(rule.content, True, True):
                    if item.type != "declaration":
                        continue
                    value = tinycss2.serialize(item.value)
                    if not _TARGET_COUNTER.search(value):
                        continue

                    def replace(match: re.Match[str]) -> str:
                        style = (match.group(1) or "decimal").lower()
                        styles.add(style)
                        return f"attr(data-cp-{style})"

                    value = _TARGET_COUNTER.sub(replace, value)
                    important = " !important" if item.important else ""
                    declarations.append(f"{item.name}: {value}{important};")
                if declarations:
                    selectors = [
                        _with_marker(s.strip()) for s in tinycss2.serialize(rule.prelude).split(",")
                    ]
                    out.append(f"{', '.join(selectors)} {{ {' '.join(declarations)} }}\n")
        return out

    found = []
    for text in css_texts:
        found += rules(tinycss2.parse_stylesheet(text, True, True))
    return "".join(found), styles


def _with_marker(selector: str) -> str:
    match = re.search(r"(::?(?:before|after|marker|first-line|first-letter))$", selector)
    if match:
        return f"{selector[: match.start()]}[data-cp]{match.group(1)}"
    return f"{selector}[data-cp]"


def format_counter(value: int, style: str) -> str:
    """A page number in a CSS counter style (the ones page numbers use)."""
    if style in ("lower-roman", "upper-roman") and 0 < value < 4000:
        numerals = (
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        )  # fmt: skip
        text = ""
        for number, letters in numerals:
            while value >= number:
                text, value = text + letters, value - number
        return text.upper() if style == "upper-roman" else text
    if style == "decimal-leading-zero":
        return f"{value:02d}"
    return str(value)


class SplitHandbook:
    """Lays out a handbook unit by unit in the worker pool and merges the PDFs."""

    def __init__(
        self,
        plan,
        html: str,
        base_url: Path,
        pool,
        load_unit: Callable[[str], bytes | None],
        previous: dict[str, dict],
        hints: dict[str, int],
        *,
        salt: str = "",
        css_texts: list[str] = (),
        progress=None,
    ):
        self.name = plan.edition.name
        self.base_url = base_url
        self.pool = pool
        self.load_unit = load_unit
        self.previous = previous
        self.progress = progress
        self.salt = salt
        self.head, self.matter_tag, units = _split(html)
        self.front, self.body = units[0], units[1:]
        twins, self.styles = cross_unit_css([*css_texts, *re.findall(r"<style>(.*?)</style>", self.head, re.S)])  # fmt: skip
        self.twins = twins
        self.owner = {name: unit for unit in units for name in unit.ids}
        self.lengths = {u.name: len(re.sub(r"<[^>]*>", "", u.fragment)) for u in self.body}
        self.guesses = {u.name: self._estimate(u, hints) for u in self.body}
        self.counts: dict[str, int] = {}
        """Real page counts of units laid out so far."""
        self.results: dict[str, UnitResult] = {}
        self.new_units: dict[str, UnitResult] = {}
        self.warnings: list[str] = []
        self.rendered = 0

    def _estimate(self, unit: Unit, hints: dict[str, int]) -> int | None:
        """Pages the last build gave this unit, or its brief, if known."""
        known = self.previous.get(unit.name, {}).get("pages")
        return known or hints.get(unit.name.removeprefix("case-"))

    def _count(self, unit: Unit) -> int:
        """Real page count, else an estimate: the last build's, the brief's, or that of the
        laid-out chapter whose text is closest in length (a wrong guess costs one layout)."""
        if unit.name in self.counts:
            return self.counts[unit.name]
        if self.guesses[unit.name]:
            return self.guesses[unit.name]
        length = self.lengths[unit.name]
        chapters = [
            (abs(self.lengths[name] - length), count)
            for name, count in self.counts.items()
            if name.startswith("case-")
        ]
        if unit.name.startswith("case-") and chapters:
            return min(chapters)[1]
        return 2 if unit.name.startswith("case-") else 1

    # -- page map ---------------------------------------------------------------------------
    def _starts(self) -> dict[str, int]:
        starts, page = {}, 1
        for unit in self.body:
            starts[unit.name] = page
            page += self._count(unit)
        return starts

    def _value(self, anchor: str, starts: dict[str, int]) -> int | None:
        unit = self.owner.get(anchor)
        if unit is None:
            return None
        done = self.results.get(unit.name)
        offset = done.anchors.get(anchor, 0) if done else 0
        return offset + (1 if unit.front else starts[unit.name])

    def unit_html(self, unit: Unit, starts: dict[str, int]) -> tuple[str, list[str]]:
        """The unit as a document with its first page number and cross-unit numbers."""
        stubs = [t for t in unit.targets if t not in unit.ids and t in self.owner]

        def annotate(match: re.Match[str]) -> str:
            target = match.group(3)
            value = self._value(target, starts) if target in stubs else None
            if value is None:
                return match.group(0)
            numbers = "".join(
                f' data-cp-{style}="{format_counter(value, style)}"'
                for style in sorted(self.styles)
            )
            return f'<a data-cp=""{numbers}{match.group(0)[2:]}'

        fragment = _LINK.sub(annotate, unit.fragment) if stubs else unit.fragment
        style = self.twins
        if unit.front:
            body = fragment
        else:
            start = starts[unit.name]
            style += f"@page :first {{ counter-reset: page {start} }}\n"
            style += f"@page :nth(1 of main) {{ counter-reset: page {start} }}\n"
            body = f"{self.matter_tag}{fragment}</div>"
        head = self.head.replace("</head>", f"<style>\n{style}</style>\n</head>", 1)
        return f"{head}{body}\n</body>\n</html>\n", stubs

    # -- laying out ---------------------------------------------------------------------------
    def _submit(self, unit: Unit, starts: dict[str, int]) -> None:
        from .workers import render_document

        html, stubs = self.unit_html(unit, starts)
        key = cache.digest(self.salt, html)
        cached = self._cached(unit, key, stubs)
        if cached is not None:
            self._accept(unit, cached)
            return
        self.pool.submit(
            (self.name, unit.name, key, tuple(stubs)), render_document, html, self.base_url,
            HANDBOOK_PDF_STYLESHEETS, tuple(stubs),
        )  # fmt: skip

    def _cached(self, unit: Unit, key: str, stubs: list[str]) -> UnitResult | None:
        known = self.new_units.get(key)
        if known is not None:
            return known
        facts = self.previous.get(unit.name, {})
        if facts.get("key") != key:
            return None
        data = self.load_unit(key)
        if data is None:
            return None
        return UnitResult(key, data, facts["pages"], facts["anchors"],
                          [tuple(b) for b in facts["bookmarks"]], stubs)  # fmt: skip

    def _accept(self, unit: Unit, result: UnitResult) -> None:
        self.results[unit.name] = result
        if not unit.front:
            self.counts[unit.name] = result.pages

    def _collect(self, finished) -> None:
        from .workers import TaskFailure

        by_name = {u.name: u for u in (self.front, *self.body)}
        for (_, name, key, stubs), outcome in finished:
            if isinstance(outcome, TaskFailure):
                raise RenderError(f"{name}: {outcome.message}")
            result = UnitResult(key, outcome.data, outcome.pages, outcome.anchors,
                                outcome.bookmarks, list(stubs))  # fmt: skip
            self.warnings += outcome.warnings
            self.new_units[key] = result
            self._accept(by_name[name], result)
            self.rendered += 1
            if self.progress:
                total = max(self.rendered, len(self.body) + 1)
                self.progress(self.rendered, total, f"{self.name}: {name}")

    def _drain(self, limit: int) -> None:
        while self.pool.busy > limit:
            self._collect(self.pool.next_results())

    def build(self) -> bytes:
        """Lay out every unit with settled page numbers, then merge them into one PDF."""
        # Book order, a worker's worth in flight: each unit starts from the real counts of
        # the units before it, except those still being laid out.
        for unit in self.body:
            self._drain(self.pool.capacity - 1)
            self._submit(unit, self._starts())
        self._drain(0)
        for _ in range(MAX_ROUNDS):
            starts = self._starts()
            stale = [u for u in self.body if self._key(u, starts) != self.results[u.name].key]
            if not stale:
                break
            for unit in stale:
                self._submit(unit, starts)
            self._drain(0)
        else:
            raise RenderError("page numbers did not settle; build with the single pass")
        self._submit(self.front, self._starts())
        self._drain(0)
        return merge([self.results[u.name] for u in (self.front, *self.body)])

    def _key(self, unit: Unit, starts: dict[str, int]) -> str:
        return cache.digest(self.salt, self.unit_html(unit, starts)[0])

    def unit_facts(self) -> dict[str, dict]:
        return {name: result.facts() for name, result in self.results.items()}


def merge(units: list[UnitResult]) -> bytes:
    """One PDF from unit PDFs: pages in order, destinations, outline and structure tree."""
    import pikepdf

    sources = [pikepdf.open(io.BytesIO(unit.data)) for unit in units]
    merged = sources[0]
    page_base = []
    for index, source in enumerate(sources):
        page_base.append(len(merged.pages) if index else 0)
        if index:
            with warnings.catch_warnings():
                # Named destinations, outline and structure are rebuilt below.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                merged.pages.extend(source.pages)
    names = []
    for index, (unit, source) in enumerate(zip(units, sources, strict=True)):
        stubs = set(unit.stubs)
        for name, dest in _dests(source):
            if name not in stubs:
                names.append((name, dest if index == 0 else _copy(merged, source, dest)))
    _write_dests(merged, names)
    _merge_structure(merged, units, sources, page_base)
    bookmarks = [
        (level, label, page_base[i] + page, x, y, state)
        for i, unit in enumerate(units)
        for level, label, page, x, y, state in unit.bookmarks
    ]
    _write_outline(merged, bookmarks)
    out = io.BytesIO()
    merged.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _copy(pdf, source, value):
    """A value of ``source`` in ``pdf`` (direct values are made indirect to be copied)."""
    if not value.is_indirect:
        value = source.make_indirect(value)
    return pdf.copy_foreign(value)


def _dests(pdf) -> list:
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return [(str(name), dest) for name, dest in pikepdf.NameTree(names.Dests).items()]


def _write_dests(pdf, names: list) -> None:
    import pikepdf

    flat = pikepdf.Array()
    for name, dest in sorted(dict(reversed(names)).items()):  # the first owner of a name wins
        flat.append(pikepdf.String(name))
        flat.append(dest)
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=flat))


def _merge_structure(pdf, units, sources, page_base) -> None:
    """Join tagged documents' structure trees: one Document element, one parent tree."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    document = root.K[0]
    nums = list(root.ParentTree.Nums)
    next_key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    for index, source in enumerate(sources[1:], 1):
        their_root = source.Root.get("/StructTreeRoot")
        if their_root is None:
            continue
        shift = next_key
        their_nums = list(their_root.ParentTree.Nums)
        for i in range(0, len(their_nums), 2):
            nums += [int(their_nums[i]) + shift, _copy(pdf, source, their_nums[i + 1])]
            next_key = max(next_key, int(their_nums[i]) + shift + 1)
        for element in pdf.copy_foreign(their_root.K[0]).K:
            if isinstance(element, pikepdf.Dictionary):
                element.P = document
            document.K.append(element)
        for page_number in range(len(source.pages)):
            page = pdf.pages[page_base[index] + page_number].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + shift
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))


def _write_outline(pdf, bookmarks: list) -> None:
    """Nest bookmarks the way WeasyPrint does (levels may skip) and write the outline."""
    import pikepdf

    tree: list = []
    last_by_depth, skipped, previous = [tree], [], 0
    for level, label, page, x, y, state in bookmarks:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list = []
        last_by_depth[depth - 1].append((label, page, x, y, children, state))
        del last_by_depth[depth:]
        last_by_depth.append(children)

    def add(items, parent) -> tuple[list, int]:
        made, count = [], len(items)
        for label, page, x, y, children, state in items:
            dest = pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, x, y, 0])
            item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(label), Dest=dest))
            item.Parent = parent
            kids, kid_count = add(children, item)
            item.Count = -kid_count if state == "closed" else kid_count
            if state != "closed":
                count += kid_count
            if made:
                item.Prev, made[-1].Next = made[-1], item
            if kids:
                item.First, item.Last = kids[0], kids[-1]
            made.append(item)
        return made, count

    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    if not tree:
        return
    outlines = pdf.make_indirect(pikepdf.Dictionary())
    items, count = add(tree, outlines)
    outlines.First, outlines.Last, outlines.Count = items[0], items[-1], count
    pdf.Root.Outlines = outlines
