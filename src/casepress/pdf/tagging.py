"""WeasyPrint's tagged PDF, completed: furniture as artifacts, languages, labels, one tree.

WeasyPrint 70 tags a PDF (``pdf_tags=True``) page by page, straight from the box tree. What
it writes falls short of PDF/UA-1 (ISO 14289-1) in ways casepress can repair while the PDF
is still in memory, before a byte is written:

- running heads and footers (page-margin boxes) are marked as tagged content but left out
  of the structure tree; here they become ``/Artifact`` of type ``/Pagination`` (§7.8), and
  the dots of leaders (contents, indexes) become ``/Layout`` artifacts;
- ``lang`` on an element (``*término*{: lang=es }``) is lost; here it becomes ``/Lang`` on
  that element's structure element, an inline one becoming a ``/Span`` (§7.2);
- an element that continues on the next page (or an inline one on the next line) becomes a
  second structure element there; here the fragments are joined, so a list split by a page
  break is one ``L`` and a link broken over two lines one ``Link``;
- an anonymous box inside a heading is tagged as a second heading inside the first (and a
  link's ``::after`` page number as a second link inside it), and
  an empty generated box (the rule above a section heading) as an empty ``NonStruct``;
  both are folded away;
- a list item whose number is generated content (the lessons: ``::before`` on the first
  line, kept in reading order on purpose) gets that number as its ``Lbl`` (§7.6);
- a footnote (``float: footnote``, the case's notes) is tagged where it is laid out, in the
  page's footnote area after everything else; here it becomes a ``Note`` with an ``/ID``
  (§7.9), moved to just after its call, so it is read where it is referenced;
- a link annotation's ``/Contents`` is its URL or anchor name; here it is the link's text,
  followed by the address for an external link (§7.18.5).

Two hooks do this, both active only inside ``completing_tags()``: a wrapper around
WeasyPrint's private ``tags._build_box_tree`` that notes which HTML element and which page
each structure element came from, and a ``finisher`` that edits the tree with those notes.
The wrapper replaces WeasyPrint's function only while a document is written (the first
``completing_tags`` block in the process puts it in place, the last one out restores the
original), and it leans on a private function of WeasyPrint 70: ``hooks_problem()`` compares
that function's signature with the one the wrapper was written for, and a tagged PDF is
refused with that explanation rather than failing half-way with a ``TypeError``.
``quality.check_pdf`` verifies the written file independently either way.
``scripts/check-upstream`` runs the PDF tests against the newest WeasyPrint.
"""

from __future__ import annotations

import contextvars
import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pydyf

from ..errors import RenderError

try:  # private API of WeasyPrint 70: checked by hooks_available() and by the tests
    from weasyprint.formatting_structure.boxes import MarginBox
    from weasyprint.pdf import tags as _wp_tags

    _ORIGINAL = _wp_tags._build_box_tree
except (ImportError, AttributeError):  # pragma: no cover - another WeasyPrint version
    _wp_tags = None
    _ORIGINAL = None
    MarginBox = ()  # type: ignore[assignment]


@dataclass
class _Origin:
    element: Any
    """The HTML element the structure element was made from."""
    tag: str
    """WeasyPrint's element tag: 'p', 'h2::before', 'li', ..."""
    page: int


@dataclass
class TagLog:
    """What the wrapper saw while WeasyPrint built the structure tree of one PDF."""

    origins: dict[int, _Origin] = field(default_factory=dict)
    """Structure element's object number → where it came from."""
    artifacts: dict[int, dict[int, tuple[str, str | None]]] = field(default_factory=dict)
    """Page index → MCID → (artifact type, subtype): running heads and footers
    ('Pagination', 'Header'/'Footer') and the dots of leaders ('Layout', None)."""
    margin_depth: int = 0


_LOG: contextvars.ContextVar[TagLog | None] = contextvars.ContextVar("casepress_tags", default=None)


WRITTEN_FOR = "(box, parent, pdf, page_number, nums, annotations, tags)"
"""The signature of WeasyPrint 70's ``tags._build_box_tree``, which the wrapper replaces."""
SUPPORTED = "weasyprint>=70,<71"


def _weasyprint_version() -> str:
    try:
        import weasyprint

        return weasyprint.__version__
    except Exception:  # pragma: no cover - WeasyPrint is a dependency
        return "unknown"


def hooks_problem() -> str | None:
    """Why the wrapper cannot replace this WeasyPrint's ``_build_box_tree``, or None."""
    if _wp_tags is None or not hasattr(_wp_tags, "_build_box_tree"):
        found = "has no weasyprint.pdf.tags._build_box_tree"
    else:
        current = _wp_tags._build_box_tree
        if current is _build_box_tree:
            return None  # in place, inside a completing_tags() block
        try:
            signature = str(inspect.signature(current))
        except (TypeError, ValueError):
            signature = "(?)"
        if signature == WRITTEN_FOR:
            return None
        found = f"has weasyprint.pdf.tags._build_box_tree{signature}"
    return (
        f"casepress tags PDFs by wrapping WeasyPrint 70's private "
        f"weasyprint.pdf.tags._build_box_tree{WRITTEN_FOR}, but the installed WeasyPrint "
        f"{_weasyprint_version()} {found}; install the version casepress supports: "
        f"pip install '{SUPPORTED}'"
    )


def hooks_available() -> bool:
    """True when this WeasyPrint has the function ``completing_tags`` wraps, as it was."""
    return hooks_problem() is None


_INSTALL = threading.Lock()
_ACTIVE = 0
"""How many ``completing_tags`` blocks are open in this process (threads may write at once)."""


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    log = _LOG.get()
    if log is None:
        yield from _ORIGINAL(box, parent, pdf, page_number, nums, annotations, tags)
        return
    margin = isinstance(box, MarginBox)
    if margin or getattr(box, "is_leader", False):
        before, linked = set(nums), len(annotations)
        log.margin_depth += 1
        try:  # build (and drop) the box's elements, so its MCIDs are taken from `tags`
            tuple(_ORIGINAL(box, parent, pdf, page_number, nums, annotations, tags))
        finally:
            log.margin_depth -= 1
        for i in range(linked, len(annotations)):  # a leader inside a link: still a link
            _, annotation = annotations[i]
            annotations[i] = (parent.reference, annotation)
            reference = pydyf.Dictionary(
                {
                    "Type": "/OBJR",
                    "Obj": annotation.reference,
                    "Pg": pdf.page_references[page_number],
                }
            )
            pdf.add_object(reference)
            parent["K"].append(reference.reference)
        if not margin:
            kind = ("Layout", None)
        elif box.at_keyword.startswith("@top"):
            kind = ("Pagination", "Header")
        elif box.at_keyword.startswith("@bottom"):
            kind = ("Pagination", "Footer")
        else:
            kind = ("Pagination", None)
        page = log.artifacts.setdefault(page_number, {})
        for mcid in set(nums) - before:
            page[mcid] = kind
            nums[mcid] = "null"  # no structure element: the content becomes an artifact
        return
    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", None)
    for struct in _ORIGINAL(box, parent, pdf, page_number, nums, annotations, tags):
        if log.margin_depth == 0 and element is not None and struct.number not in log.origins:
            log.origins[struct.number] = _Origin(element, tag or "", page_number)
        yield struct


@contextmanager
def completing_tags(tagged: bool = True) -> Iterator[TagLog]:
    """Within this block, WeasyPrint records what ``finish`` needs to complete the tags.

    WeasyPrint's ``_build_box_tree`` is replaced on entry and put back on exit (by the last
    block to leave, when threads write at once). Raises ``RenderError`` saying what to
    install when this WeasyPrint's function is not the one the wrapper was written for.
    With ``tagged`` False nothing is replaced.
    """
    global _ACTIVE, _ORIGINAL
    log = TagLog()
    if not tagged:
        yield log
        return
    problem = hooks_problem()
    if problem is not None:
        raise RenderError(problem)
    with _INSTALL:
        if _ACTIVE == 0 and _wp_tags._build_box_tree is not _build_box_tree:
            _ORIGINAL = _wp_tags._build_box_tree
            _wp_tags._build_box_tree = _build_box_tree  # recursion looks the name up here
        _ACTIVE += 1
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)
        with _INSTALL:
            _ACTIVE -= 1
            if _ACTIVE == 0 and _wp_tags._build_box_tree is _build_box_tree:
                _wp_tags._build_box_tree = _ORIGINAL


def finish(document, pdf: pydyf.PDF, log: TagLog) -> None:
    """The ``finisher`` for ``Document.write_pdf``: repair the tree WeasyPrint wrote."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = _Tree(pdf, log)
    tree.fold(tree.document)
    tree.join_fragments(tree.document)
    tree.label_list_items()
    tree.place_notes()
    tree.shape_lists(tree.document)
    tree.set_languages()
    tree.retarget_parent_tree()
    tree.links_in_link_elements()
    tree.mark_artifacts()
    describe_links(document)


def describe_links(document) -> None:
    """Give every link annotation its text as ``/Contents`` (not the bare URL or anchor)."""
    for page in document.pages:
        for link_type, target, _rectangle, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            if annotation is None or box.element is None:
                continue
            text = _text_of(box.element)
            web = isinstance(target, str) and target.startswith(("http:", "https:", "mailto:"))
            if link_type == "external" and web and target not in text:
                text = f"{text} ({target})" if text else target
            if text:
                annotation["Contents"] = pydyf.String(text)


def _text_of(element) -> str:
    words = " ".join("".join(element.itertext()).split())
    if words:
        return words
    images = [img.get("alt", "") for img in element.iter("img")]
    return " ".join(a for a in images if a)


class _Tree:
    """The structure tree as pydyf objects, edited in place."""

    def __init__(self, pdf: pydyf.PDF, log: TagLog):
        self.pdf = pdf
        self.log = log
        root = self.get(pdf.catalog["StructTreeRoot"])
        self.root = root
        self.document = self.get(root["K"][0])
        self.replaced: dict[bytes, bytes] = {}
        self.pages = {reference: i for i, reference in enumerate(pdf.page_references)}

    def get(self, reference) -> Any:
        return self.pdf.objects[int(bytes(reference).split()[0])]

    def origin(self, struct) -> _Origin | None:
        return self.log.origins.get(struct.number)

    def kids(self, struct) -> list:
        """Structure elements among ``struct``'s kids (not MCIDs, not annotation refs)."""
        found = []
        for item in struct["K"]:
            if isinstance(item, bytes):
                kid = self.get(item)
                if isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/StructElem":
                    found.append(kid)
        return found

    # Artifacts ------------------------------------------------------------------

    def mark_artifacts(self) -> None:
        """Running heads, footers, leaders: ``/Span <</MCID n>> BDC`` → ``/Artifact``."""
        nums = self.get(self.root["ParentTree"])["Nums"]
        by_page = {nums[i]: nums[i + 1] for i in range(0, len(nums), 2)}
        for page_index, mcids in self.log.artifacts.items():
            owners = by_page.get(page_index)
            for mcid in mcids:
                if isinstance(owners, pydyf.Array) and mcid < len(owners):
                    owners[mcid] = "null"
            page = self.get(self.pdf.page_references[page_index])
            stream = self.get(page["Contents"])
            ops = stream.stream
            for i, item in enumerate(ops):
                if (
                    isinstance(item, pydyf.Dictionary)
                    and item.get("MCID") in mcids
                    and i
                    and ops[i + 1] == b"BDC"
                ):
                    kind, subtype = mcids[item["MCID"]]
                    ops[i - 1] = "/Artifact"
                    ops[i] = pydyf.Dictionary({"Type": f"/{kind}"})
                    if subtype:
                        ops[i]["Subtype"] = f"/{subtype}"

    # Folding -------------------------------------------------------------------------

    def fold(self, struct) -> None:
        """Fold away empty generated boxes and anonymous copies of their parent."""
        new = pydyf.Array()
        mine = self.origin(struct)
        for item in struct["K"]:
            kid = self._struct(item)
            if kid is None:
                new.append(item)
                continue
            self.fold(kid)
            origin = self.origin(kid)
            if not kid["K"] and kid["S"] in ("/NonStruct", "/Div", "/Span"):
                self.replaced[kid.reference] = struct.reference
                continue
            if (
                mine is not None
                and origin is not None
                and origin.element is mine.element
                and (origin.tag == mine.tag or origin.tag.startswith(f"{mine.tag}::"))
                and kid["S"] == struct["S"]
                and origin.page == mine.page
            ):
                for grandchild in kid["K"]:
                    self._adopt(struct, grandchild, kid)
                    new.append(grandchild)
                self.replaced[kid.reference] = struct.reference
                continue
            new.append(item)
        struct["K"] = new

    def _struct(self, item):
        if isinstance(item, bytes):
            kid = self.get(item)
            if isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/StructElem":
                return kid
        return None

    def _adopt(self, parent, item, previous) -> None:
        kid = self._struct(item)
        if kid is not None:
            kid["P"] = parent.reference

    # Page fragments ------------------------------------------------------------------

    def join_fragments(self, struct) -> None:
        """An element continued on the next page or line: its fragments become one element."""
        new = pydyf.Array()
        last = None
        for item in struct["K"]:
            kid = self._struct(item)
            if kid is not None and last is not None and self._continues(last, kid):
                self._absorb(last, kid)
                continue
            new.append(item)
            last = kid
        struct["K"] = new
        for kid in self.kids(struct):
            self.join_fragments(kid)

    def _continues(self, first, second) -> bool:
        a, b = self.origin(first), self.origin(second)
        return (
            a is not None
            and b is not None
            and a.element is b.element
            and a.tag == b.tag
            and first["S"] == second["S"]
            and a.page <= b.page
        )

    def _absorb(self, first, second) -> None:
        same_page = first.get("Pg") == second.get("Pg")
        for item in second["K"]:
            if isinstance(item, int) and not same_page:  # an MCID on another page
                first["K"].append(
                    pydyf.Dictionary({"Type": "/MCR", "Pg": second["Pg"], "MCID": item})
                )
                continue
            kid = self._struct(item)
            if kid is not None:
                kid["P"] = first.reference
            first["K"].append(item)
        second["K"] = pydyf.Array()
        self.replaced[second.reference] = first.reference
        self.log.origins[first.number].page = self.log.origins[second.number].page

    # List labels ---------------------------------------------------------------------

    def label_list_items(self) -> None:
        """A list item without a Lbl whose first words are generated (``::before``) gets
        them as its Lbl: the lesson numbers."""
        for number, origin in list(self.log.origins.items()):
            item = self.pdf.objects[number]
            if item.get("S") != "/LI" or not item["K"] or origin.tag.endswith("::marker"):
                continue
            if any(k["S"] == "/Lbl" for k in self.kids(item)):
                continue
            holder, label = item, None
            for _ in range(5):  # follow first kids down: LI → LBody → H3 → NonStruct
                kids = self.kids(holder)
                if not kids or not isinstance(holder["K"][0], bytes):
                    break
                first = self._struct(holder["K"][0])
                if first is None:
                    break
                found = self.origin(first)
                if found is not None and found.tag.endswith("::before") and first["K"]:
                    label = first
                    break
                holder = first
            if label is None:
                continue
            holder["K"] = pydyf.Array(k for k in holder["K"] if k != label.reference)
            label["S"] = "/Lbl"
            label["P"] = item.reference
            item["K"].insert(0, label.reference)

    def shape_lists(self, struct) -> None:
        """Make every list L → LI → Lbl/LBody, as PDF/UA asks (ISO 14289-1 §7.6).

        WeasyPrint puts a bulleted item's block content straight into the LI, tags a
        description list's ``<div>`` groups as Div, and the white space between inline-block
        items as text of the list itself.
        """
        kind = struct["S"]
        if kind == "/L":
            new = pydyf.Array()
            for item in struct["K"]:
                kid = self._struct(item)
                if kid is None:
                    new.append(item)
                elif kid["S"] == "/Div":
                    self._description_item(kid)
                    new.append(item)
                elif kid["S"] in ("/LI", "/L", "/Caption"):
                    new.append(item)
                elif kid["S"] == "/Span" and all(isinstance(k, int) for k in kid["K"]):
                    self._drop_as_artifact(kid)  # white space between the items
                else:
                    new.append(self._wrap(kid, "/LI", struct).reference)
            struct["K"] = new
        elif kind == "/LI":
            new, body = pydyf.Array(), None
            for item in struct["K"]:
                kid = self._struct(item)
                if kid is not None and kid["S"] in ("/Lbl", "/LBody"):
                    new.append(item)
                    body = None
                elif kid is None and not isinstance(item, int):
                    new.append(item)
                else:
                    if body is None:
                        body = self._new("/LBody", struct)
                        new.append(body.reference)
                    self._move(item, body, struct)
            struct["K"] = new
        for kid in self.kids(struct):
            self.shape_lists(kid)

    def _description_item(self, group) -> None:
        """``<div><dt>term</dt><dd>…</dd></div>`` → LI → Lbl (term) + LBody (description)."""
        group["S"] = "/LI"
        new, body = pydyf.Array(), None
        for item in group["K"]:
            kid = self._struct(item)
            origin = self.origin(kid) if kid is not None else None
            if kid is None or origin is None or origin.tag not in ("dt", "dd"):
                new.append(item)
                continue
            # WeasyPrint wrapped each dt/dd in an LI of its own, holding an LBody
            inner = self.kids(kid)
            part = inner[0] if len(inner) == 1 and inner[0]["S"] == "/LBody" else kid
            if origin.tag == "dt":
                part["S"], part["P"] = "/Lbl", group.reference
                new.append(part.reference)
                body = None
            elif body is None:
                part["S"], part["P"] = "/LBody", group.reference
                new.append(part.reference)
                body = part
            else:
                for grandchild in part["K"]:
                    self._move(grandchild, body, part)
            self.replaced[kid.reference] = part.reference if part is not kid else kid.reference
        group["K"] = new

    def _new(self, kind: str, parent) -> pydyf.Dictionary:
        element = pydyf.Dictionary(
            {"Type": "/StructElem", "S": kind, "K": pydyf.Array(), "P": parent.reference}
        )
        if "Pg" in parent:
            element["Pg"] = parent["Pg"]
        self.pdf.add_object(element)
        return element

    def _wrap(self, kid, kind: str, parent) -> pydyf.Dictionary:
        wrapper = self._new(kind, parent)
        wrapper["K"].append(kid.reference)
        kid["P"] = wrapper.reference
        return wrapper

    def _move(self, item, new_parent, old_parent) -> None:
        """Append a kid (element, MCID or annotation) to another element."""
        kid = self._struct(item)
        if kid is not None:
            kid["P"] = new_parent.reference
        elif isinstance(item, int):
            item = pydyf.Dictionary({"Type": "/MCR", "Pg": old_parent["Pg"], "MCID": item})
            self.replaced[old_parent.reference] = new_parent.reference
        new_parent["K"].append(item)

    def _drop_as_artifact(self, span) -> None:
        page = self.pages.get(span.get("Pg"))
        if page is None:
            return
        for mcid in span["K"]:
            self.log.artifacts.setdefault(page, {})[mcid] = ("Layout", None)
        span["K"] = pydyf.Array()

    # Notes ---------------------------------------------------------------------------

    def place_notes(self) -> None:
        """Each footnote → a ``Note`` with a unique ``/ID``, moved from the footnote area to
        just after the structure element of its call (``::footnote-call``)."""
        calls: dict[int, Any] = {}
        notes: list[tuple[_Origin, Any]] = []
        for number, origin in self.log.origins.items():
            struct = self.pdf.objects[number]
            if origin.tag.endswith("::footnote-call"):
                parent = self.get(struct["P"]) if "P" in struct else None
                outer = parent is None or not (
                    (found := self.origin(parent)) and found.tag.endswith("::footnote-call")
                )
                if outer:
                    calls.setdefault(id(origin.element), struct)
            elif origin.tag == "span" and origin.element.get("data-note") is not None:
                notes.append((origin, struct))
        used: set[str] = set()
        emptied = []
        first: dict[int, Any] = {}
        for origin, note in notes:
            earlier = first.setdefault(id(origin.element), note)
            if earlier is not note:  # another box of the same note (a block inside it)
                for item in list(note["K"]):
                    self._move(item, earlier, note)
                note["K"] = pydyf.Array()
                emptied.append(note)
                continue
            name = f"note-{origin.element.get('id') or len(used)}"
            while name in used:
                name += "-x"
            used.add(name)
            note["S"], note["ID"] = "/Note", pydyf.String(name)
            call = calls.get(id(origin.element))
            if call is None or "P" not in call or "P" not in note:
                continue
            old, new = self.get(note["P"]), self.get(call["P"])
            old["K"] = pydyf.Array(k for k in old["K"] if k != note.reference)
            kids = list(new["K"])
            at = kids.index(call.reference) + 1 if call.reference in kids else len(kids)
            new["K"].insert(at, note.reference)
            note["P"] = new.reference
            emptied.append(old)
        for old in emptied:  # the footnote area's elements and merged boxes, left empty
            if not old["K"] and "P" in old:
                parent = self.get(old["P"])
                parent["K"] = pydyf.Array(k for k in parent["K"] if k != old.reference)

    # Languages -----------------------------------------------------------------------

    def set_languages(self) -> None:
        """``lang`` on an element → ``/Lang`` on its structure element (inline: a Span)."""
        for number, origin in self.log.origins.items():
            lang = origin.element.get("lang")
            if not lang or origin.element.tag == "html" or "::" in origin.tag:
                continue
            struct = self.pdf.objects[number]
            if not struct["K"]:
                continue
            struct["Lang"] = pydyf.String(lang)
            if struct["S"] == "/NonStruct":
                struct["S"] = "/Span"

    # Parent tree ---------------------------------------------------------------------

    def retarget_parent_tree(self) -> None:
        """Point MCIDs and annotations of folded or joined elements at what absorbed them."""
        if not self.replaced:
            return

        def final(reference: bytes) -> bytes:
            while reference in self.replaced:
                reference = self.replaced[reference]
            return reference

        nums = self.get(self.root["ParentTree"])["Nums"]
        for i in range(1, len(nums), 2):
            value = nums[i]
            if isinstance(value, pydyf.Array):
                for j, reference in enumerate(value):
                    if isinstance(reference, bytes):
                        value[j] = final(reference)
            elif isinstance(value, bytes):
                nums[i] = final(value)

    def links_in_link_elements(self) -> None:
        """An image inside a link gets its own annotation, which WeasyPrint files under the
        Figure; PDF/UA wants every link annotation in a Link element: move it to the link."""
        nums = self.get(self.root["ParentTree"])["Nums"]
        for i in range(1, len(nums), 2):
            if not isinstance(nums[i], bytes):
                continue  # an array: the marked content of a page, not an annotation
            struct = self.get(nums[i])
            if struct.get("S") == "/Link":
                continue
            link = struct
            while link is not None and link.get("S") != "/Link":
                parent = link.get("P")
                link = self.get(parent) if isinstance(parent, bytes) else None
            if link is None:
                continue
            for item in list(struct["K"]):
                kid = self.get(item) if isinstance(item, bytes) else None
                if isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/OBJR":
                    struct["K"].remove(item)
                    link["K"].append(item)
            nums[i] = link.reference
