"""The machine-checkable parts of PDF/UA-1 (ISO 14289-1), run on a finished PDF.

Each check reads the file as a validator would — catalog, XMP, structure tree, content
streams, annotations — and returns a ``Check`` (id, the clause it comes from, passed,
detail). These are the checks a program can decide; PDF/UA also asks for things only a
person can judge (is the alt text apt, is the reading order the logical one), which no
check here claims.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass
class Check:
    """One machine check of a PDF and its result."""

    id: str
    clause: str
    """Where the requirement comes from, e.g. 'ISO 14289-1 §7.4.2'."""
    title: str
    passed: bool
    detail: str = ""


PAINTING = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "Tj", "TJ", "'", '"',
            "INLINE IMAGE"}  # fmt: skip
"""Operators that draw (pikepdf gives an inline image, BI … ID … EI, as "INLINE IMAGE")."""
_MARKING = " ".join(["BDC", "BMC", "EMC", "BI", "ID", "EI", *sorted(PAINTING - {"INLINE IMAGE"})])
"""The operators the content checks look at: pikepdf skips the others while parsing."""
LIST_KIDS = {"/LI", "/L", "/Caption"}
ITEM_KIDS = {"/Lbl", "/LBody"}
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*")


def check_pdf(
    pdf, *, xmp: str, fonts: list[dict[str, Any]], marks: list | None = None
) -> list[Check]:
    """Every check, in the order of ISO 14289-1's clauses. ``marks``: what each page draws
    (``page_marks``), when known: the content streams are then not parsed again."""
    root = pdf.Root
    lang = str(root.get("/Lang", ""))
    checks = [
        Check(
            "identification", "§5", "Identifies itself as PDF/UA-1 (XMP pdfuaid:part)",
            "pdfuaid:part" in xmp, "" if "pdfuaid:part" in xmp else "no pdfuaid:part in XMP",
        ),
        Check(
            "tagged", "§7.1", "Marked as a tagged PDF (MarkInfo /Marked true)",
            bool(root.get("/MarkInfo", {}).get("/Marked", False)),
        ),
        Check(
            "xmp-title", "§7.1", "XMP metadata holds the title (dc:title)",
            "<dc:title>" in xmp, "" if "<dc:title>" in xmp else "no dc:title in XMP",
        ),
        Check(
            "title-shown", "§7.1", "The window shows the title (DisplayDocTitle true)",
            bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)),
        ),
        Check(
            "language", "§7.2", "The document's language is declared (catalog /Lang)",
            bool(LANGUAGE.fullmatch(lang)), lang or "missing",
        ),
    ]  # fmt: skip
    tree = _Tree(pdf)
    checks += tree.checks()
    checks += _content_checks(pdf, tree, marks)
    checks += _annotation_checks(pdf, tree)
    unembedded = [f["name"] for f in fonts if not f["embedded"]]
    no_unicode = [f["name"] for f in fonts if not f["to_unicode"]]
    bad_files = [
        name for name, spec in pdf.attachments.items() if not {"/F", "/UF"} <= set(spec.obj.keys())
    ]
    checks += [
        Check(
            "embedded-files", "§7.11", "Embedded files name themselves (F and UF)",
            not bad_files, ", ".join(bad_files),
        ),
        Check(
            "fonts-embedded", "§7.21.4.1", "Every font is embedded",
            not unembedded, ", ".join(unembedded),
        ),
        Check(
            "fonts-unicode", "§7.21.7", "Every font maps its glyphs to Unicode (ToUnicode)",
            not no_unicode, ", ".join(no_unicode),
        ),
        Check(
            "bookmarks", "WCAG 2.4.5", "Bookmarks (an outline) to navigate by",
            "/Outlines" in root and "/First" in root.Outlines,
        ),
    ]  # fmt: skip
    return checks


class _Tree:
    """One walk over the structure tree, collecting what the checks need."""

    def __init__(self, pdf):
        self.reachable: set[tuple[int, int]] = set()
        self.headings: list[int] = []
        self.figures_without_alt: list[str] = []
        self.bad_lists: list[str] = []
        self.bad_langs: list[str] = []
        self.links: list[Any] = []
        self.annotations_in_links: set[tuple[int, int]] = set()
        self.languages: set[str] = set()
        self.root_kind = None
        root = pdf.Root.get("/StructTreeRoot")
        self.present = root is not None
        if root is None:
            return
        kids = _kids(root.get("/K"))
        if kids:
            self.root_kind = str(kids[0].get("/S", ""))
        stack = [(kid, None) for kid in reversed(kids)]
        while stack:
            element, parent_kind = stack.pop()
            if element.get("/Type") in ("/MCR", "/OBJR"):
                continue
            self._visit(element, parent_kind)
            kind = str(element.get("/S", ""))
            for kid in reversed(_kids(element.get("/K"))):
                if kid.get("/Type") == "/OBJR":
                    if kind == "/Link":
                        self.annotations_in_links.add(kid.Obj.objgen)
                    continue
                stack.append((kid, kind))

    def _visit(self, element, parent_kind) -> None:
        self.reachable.add(element.objgen)
        kind = str(element.get("/S", ""))
        if re.fullmatch(r"/H[1-6]", kind):
            self.headings.append(int(kind[2]))
        elif kind == "/Figure" and not (
            str(element.get("/Alt", "")).strip() or "/ActualText" in element
        ):
            self.figures_without_alt.append(f"Figure on page {self._page(element)}")  # fmt: skip
        if parent_kind == "/L" and kind not in LIST_KIDS:
            self.bad_lists.append(f"{kind[1:]} inside L")
        elif parent_kind == "/LI" and kind not in ITEM_KIDS:
            self.bad_lists.append(f"{kind[1:]} inside LI")
        if kind == "/LI" and parent_kind != "/L":
            self.bad_lists.append(f"LI inside {(parent_kind or 'nothing')[1:]}")
        if "/Lang" in element:
            lang = str(element.Lang)
            self.languages.add(lang)
            if not LANGUAGE.fullmatch(lang):
                self.bad_langs.append(lang or "(empty)")

    @staticmethod
    def _page(element) -> str:
        return "?" if "/Pg" not in element else str(element.Pg.objgen[0])

    def checks(self) -> list[Check]:
        skips = []
        for previous, level in zip([0, *self.headings], self.headings, strict=False):
            if level > previous + 1:
                skips.append(f"H{level} after {f'H{previous}' if previous else 'the start'}")
        return [
            Check(
                "structure-tree", "§7.1", "A structure tree rooted in a Document element",
                self.present and self.root_kind == "/Document", self.root_kind or "no tree",
            ),
            Check(
                "headings", "§7.4", "Headings start at H1 and skip no level going down",
                bool(self.headings) and not skips,
                "; ".join(dict.fromkeys(skips)) or " ".join(f"H{h}" for h in self.headings[:12]),
            ),
            Check(
                "figures-alt", "§7.3", "Every Figure has alternative text",
                not self.figures_without_alt, ", ".join(self.figures_without_alt),
            ),
            Check(
                "lists", "§7.6", "Lists are L → LI → Lbl/LBody",
                not self.bad_lists, ", ".join(sorted(set(self.bad_lists))),
            ),
            Check(
                "passage-languages", "§7.2", "Every /Lang on an element is a language tag",
                not self.bad_langs,
                ", ".join(self.bad_langs) or ", ".join(sorted(self.languages)),
            ),
        ]  # fmt: skip


def _kids(value) -> list:
    """The dictionaries among a /K value (MCIDs, given as integers, are left out)."""
    import pikepdf

    if value is None:
        return []
    items = list(value) if isinstance(value, pikepdf.Array) else [value]
    return [item for item in items if isinstance(item, pikepdf.Dictionary)]


def _parent_tree(pdf) -> dict[int, Any]:
    """ParentTree key → its value (an array of elements by MCID, or one element)."""
    root = pdf.Root.get("/StructTreeRoot")
    result: dict[int, Any] = {}
    if root is None or "/ParentTree" not in root:
        return result
    stack = [root.ParentTree]
    while stack:
        node = stack.pop()
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                result[int(nums[i])] = nums[i + 1]
        stack.extend(node.get("/Kids", []))
    return result


MARKS_VERSION = 1
"""Changes whenever ``page_marks`` reads pages differently (marks kept in a manifest by an
older version are read again)."""


def page_marks(pdf) -> dict:
    """What each page's content stream draws, as the content checks need it: per page
    ``[untagged, nested, artifacts, mcids]``, ``mcids`` the marked-content ids of its tagged
    sequences in order, as runs ``[first, count, …]``. ``pdf``: a ``pikepdf.Pdf`` or its
    bytes.

    A page's marks depend on its content stream alone, which merging PDFs leaves as it is:
    a split handbook keeps each unit's marks from when the unit was laid out, and the
    merged book's checks (``check_pdf(marks=…)``) resolve them against its own structure
    tree instead of parsing every page of every chapter again.
    """
    import io

    import pikepdf

    if isinstance(pdf, bytes | bytearray):
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            return _read_marks(opened)
    return _read_marks(pdf)


def _read_marks(pdf) -> dict:
    import pikepdf

    pages = []
    for page in pdf.pages:
        untagged = nested = artifacts = 0
        mcids: list[int] = []
        stack: list[str] = []
        for operands, operator in pikepdf.parse_content_stream(page.obj, _MARKING):
            op = str(operator)
            if op in ("BDC", "BMC"):
                tag = str(operands[0])
                mcid = None
                if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    mcid = operands[1].get("/MCID")
                if tag == "/Artifact":
                    artifacts += 1
                    if any(s == "tagged" for s in stack):
                        nested += 1
                    stack.append("artifact")
                elif mcid is not None:
                    if "artifact" in stack:
                        nested += 1
                    mcids.append(int(mcid))
                    stack.append("tagged")
                else:
                    stack.append("other")
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op in PAINTING and not any(s in ("tagged", "artifact") for s in stack):
                untagged += 1
        pages.append([untagged, nested, artifacts, _runs(mcids)])
    return {"version": MARKS_VERSION, "pages": pages}


def _runs(numbers: list[int]) -> list[int]:
    """Consecutive numbers as ``[first, count, first, count, …]``."""
    runs: list[int] = []
    for number in numbers:
        if runs and runs[-2] + runs[-1] == number:
            runs[-1] += 1
        else:
            runs += [number, 1]
    return runs


def _unrun(runs: list[int]):
    for at in range(0, len(runs) - 1, 2):
        yield from range(runs[at], runs[at] + runs[at + 1])


def _content_checks(pdf, tree: _Tree, marks: list | None = None) -> list[Check]:
    """Every mark on a page is tagged content in the tree, or an artifact; never both.
    ``marks``: the pages' ``page_marks``, when known (read from the pages otherwise)."""
    import pikepdf

    if marks is None or len(marks) != len(pdf.pages):
        marks = _read_marks(pdf)["pages"]
    parents = _parent_tree(pdf)
    untagged, nested, orphans = defaultdict(int), defaultdict(int), defaultdict(int)
    artifacts = 0
    for number, (page, (drawn, inside, artifact_count, runs)) in enumerate(
        zip(pdf.pages, marks, strict=True), 1
    ):
        if drawn:
            untagged[number] = drawn
        if inside:
            nested[number] = inside
        artifacts += artifact_count
        if not runs:
            continue
        elements = parents.get(int(page.obj.get("/StructParents", -1)))
        count = len(elements) if isinstance(elements, pikepdf.Array) else 0
        for mcid in _unrun(runs):
            owner = elements[mcid] if mcid < count else None
            if not isinstance(owner, pikepdf.Dictionary) or owner.objgen not in tree.reachable:
                orphans[number] += 1

    def pages(counts) -> str:
        return ", ".join(f"page {p}: {n}" for p, n in sorted(counts.items()))

    return [
        Check(
            "content-marked", "§7.1", "Everything drawn is tagged content or an artifact",
            not untagged, pages(untagged) or f"{artifacts} artifact sequence(s)",
        ),
        Check(
            "content-in-tree", "§7.1", "Tagged content belongs to an element of the tree",
            not orphans, pages(orphans),
        ),
        Check(
            "artifacts-apart", "§7.1", "No artifact inside tagged content, nor the reverse",
            not nested, pages(nested),
        ),
    ]  # fmt: skip


def _annotation_checks(pdf, tree: _Tree) -> list[Check]:
    import pikepdf

    parents = _parent_tree(pdf)
    untagged, undescribed, outside, no_tabs = [], [], [], []
    for number, page in enumerate(pdf.pages, 1):
        annotations = page.obj.get("/Annots") or []
        if annotations and str(page.obj.get("/Tabs", "")) != "/S":
            no_tabs.append(number)
        for annotation in annotations:
            subtype = str(annotation.get("/Subtype", ""))
            if subtype == "/PrinterMark":
                continue
            key = annotation.get("/StructParent")
            owner = parents.get(int(key)) if key is not None else None
            if not isinstance(owner, pikepdf.Dictionary) or owner.objgen not in tree.reachable:
                untagged.append(number)
            if subtype == "/Link":
                if not str(annotation.get("/Contents", "")).strip():
                    undescribed.append(number)
                if annotation.objgen not in tree.annotations_in_links:
                    outside.append(number)

    def pages(numbers) -> str:
        counts: dict[int, int] = defaultdict(int)
        for n in numbers:
            counts[n] += 1
        return ", ".join(f"page {p}: {n}" for p, n in sorted(counts.items()))

    return [
        Check(
            "annotations-tagged", "§7.18.1", "Every annotation belongs to the structure tree",
            not untagged, pages(untagged),
        ),
        Check(
            "tab-order", "§7.18.3", "Pages with annotations use structure order (Tabs /S)",
            not no_tabs, ", ".join(f"page {n}" for n in no_tabs),
        ),
        Check(
            "links-tagged", "§7.18.5", "Every link annotation sits in a Link element",
            not outside, pages(outside),
        ),
        Check(
            "links-described", "§7.18.5", "Every link annotation has a description (Contents)",
            not undescribed, pages(undescribed),
        ),
    ]  # fmt: skip
