"""Unit PDFs of a split handbook → one PDF (pikepdf), with what spans the units rebuilt.

Pages are appended in order; named destinations, the nested outline and the tagged
structure tree are then rebuilt for the whole book.

Merging PDF files this way keeps outlines and internal links that naive page copying
drops (see WEASYPRINT-NOTES); pikepdf merges 850 pages in about a second. Each unit embeds
its own subset of every font: ``fontmerge`` leaves one program per face.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from .fontmerge import merge_fonts

GROUP = 300
"""Units merged at once. Every open PDF costs qpdf about 1.6 KB per object (0.5 MB for a
chapter): a larger book is merged a group at a time into the book so far, which is saved
and opened again for the next (1,000 chapters merged at once took 900 MB)."""


@dataclass
class _Group:
    """Merged units standing for one unit: their PDF, no stubs left, their bookmarks."""

    data: bytes
    bookmarks: list = field(default_factory=list)
    stubs: tuple = ()


def merge(units: list, depth: int = 0) -> bytes:
    """One PDF from unit PDFs: pages in order, destinations, outline and structure tree.

    ``units`` (``assemble.UnitResult``) are in book order, the front matter first: its
    catalog (language, metadata, PDF/A and PDF/UA identification, attachments) is kept.
    Every later unit wraps its content in the ``depth`` elements the book has only once.
    """
    if len(units) <= GROUP:
        return _merge(units, depth)[0]
    book = units[0]  # the front matter, then the body a group at a time
    for start in range(1, len(units), GROUP - 1):
        book = _Group(*_merge([book, *units[start : start + GROUP - 1]], depth))
        _release_memory()
    return book.data


def _release_memory() -> None:
    """Hand the memory of closed PDFs back to the system (glibc keeps it otherwise)."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _merge(units: list, depth: int) -> tuple[bytes, list]:
    """Merge ``units``; returns the PDF and the bookmarks with their merged page numbers."""
    import pikepdf

    from . import finishing

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
    _merge_structure(merged, units, sources, page_base, depth)
    bookmarks = [
        (level, label, page_base[i] + page, x, y, state)
        for i, unit in enumerate(units)
        for level, label, page, x, y, state in unit.bookmarks
    ]
    _write_outline(merged, bookmarks)
    finishing.merged_labels(merged, sources, page_base)
    finishing.print_annotations_pike(merged)
    merge_fonts(merged)  # one program per face, not one per unit
    out = io.BytesIO()
    merged.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return out.getvalue(), bookmarks


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


def _merge_structure(pdf, units, sources, page_base, depth: int) -> None:
    """Join tagged documents' structure trees: one Document element, one parent tree.

    Every unit after the first wraps its content in the same ``depth`` elements the book
    does (``<main>``, ``.body-matter``); their structure elements are joined into the
    book's, so the merged tree has the single-pass shape (Document → main → body → parts,
    chapters, indexes) rather than one wrapper per chapter.
    """
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    document = root.K[0]
    nums = list(root.ParentTree.Nums)
    next_key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    spine = None
    for index, source in enumerate(sources[1:], 1):
        their_root = source.Root.get("/StructTreeRoot")
        if their_root is None:
            continue
        shift = next_key
        their_nums = list(their_root.ParentTree.Nums)
        for i in range(0, len(their_nums), 2):
            nums += [int(their_nums[i]) + shift, _copy(pdf, source, their_nums[i + 1])]
            next_key = max(next_key, int(their_nums[i]) + shift + 1)
        theirs = pdf.copy_foreign(their_root.K[0])
        wrappers = _wrappers(theirs, depth)
        if spine is None:  # the front matter's open wrappers, as far as they match
            spine = [document]
            for wrapper in wrappers:
                last = _elements(spine[-1])[-1:]
                if not last or last[0].get("/S") != wrapper.get("/S"):
                    break
                spine.append(last[0])
        _graft(spine, [theirs, *wrappers])
        for page_number in range(len(source.pages)):
            page = pdf.pages[page_base[index] + page_number].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + shift
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))


def _elements(element) -> list:
    """The structure elements among an element's kids."""
    import pikepdf

    kids = element.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
    return [k for k in items if isinstance(k, pikepdf.Dictionary) and k.get("/Type") not in
            ("/MCR", "/OBJR")]  # fmt: skip


def _wrappers(document, depth: int) -> list:
    """A unit's wrapper elements, outermost first: each the only kid of the one above, and
    holding nothing but elements (so it can be dropped for the book's own)."""
    import pikepdf

    found, element = [], document
    for _ in range(depth):
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        elements = _elements(element)
        if len(elements) != 1 or len(items) != 1:
            break
        element = elements[0]
        inner = element.get("/K")
        if not all(isinstance(k, pikepdf.Dictionary) and k.get("/Type") not in ("/MCR", "/OBJR")
                   for k in (list(inner) if isinstance(inner, pikepdf.Array) else [inner])):  # fmt: skip
            break
        found.append(element)
    return found


def _graft(spine: list, chain: list) -> None:
    """Hang a unit's tree (its Document, then its wrappers) onto the book's open elements:
    a wrapper like the book's one at its level is dropped for it, the first one unlike it
    is adopted whole (and becomes the book's open element there)."""
    import pikepdf

    level = 1
    while level < len(chain):
        wrapper = chain[level]
        if level < len(spine) and spine[level].get("/S") == wrapper.get("/S"):
            level += 1
            continue
        parent = spine[level - 1]
        wrapper.P = parent
        parent.K = _as_array(parent.get("/K"))
        parent.K.append(wrapper)
        del spine[level:]
        spine += chain[level:]
        return
    holder, source = spine[len(chain) - 1], chain[-1]
    holder.K = _as_array(holder.get("/K"))
    for kid in _as_array(source.get("/K")):
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = holder
        holder.K.append(kid)
    del spine[len(chain) :]


def _as_array(value):
    import pikepdf

    if isinstance(value, pikepdf.Array):
        return value
    return pikepdf.Array([] if value is None else [value])


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
