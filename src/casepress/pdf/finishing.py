"""Last touches on a written PDF: page labels, printable annotations, searchable hyphens.

- ``/PageLabels``: a viewer's page numbers match the folios printed on the pages (lower-roman
  front matter, decimal body matter). The ranges are read from the laid-out pages, not from
  the stylesheets' names: each page's folio is the ``counter(page, STYLE)`` its page-margin
  boxes print (directly or through a running element), so a theme that changes the folios
  gets labels that match. Pages that print no folio (the cover, blank versos) continue the
  numbering of the pages around them, as they do in print.
- ``/F 4`` (Print) on every annotation: a link's rectangle (and any other annotation) is
  then part of the printed page as PDF/A and PDF/UA expect, in screen and print PDFs alike.
- Hyphens in the text layer: WeasyPrint maps each glyph to the first text it drew with it,
  so in a face where "-" and U+2010 (the hyphen automatic hyphenation adds) share a glyph,
  every hyphen extracts as U+2010 and a search for "anti-terrorist" fails. Every glyph that
  stands for U+2010 or U+2011 is mapped back to "-" here (``searchable_hyphens``); the
  line-break hyphens themselves are drawn with a separate character code mapped to U+00AD
  (soft hyphen), as Tagged PDF asks (``soft_line_hyphens``).

``finish`` runs inside WeasyPrint's ``write_pdf(finisher=…)`` on the pydyf document; a merged
handbook joins its units' labels (``merged_labels``) and flags the contents links it adds.
"""

from __future__ import annotations

import re

import pydyf

PRINT = 4
"""Annotation flag bit 3 (ISO 32000-1 §12.5.3): print the annotation with the page."""

_STYLES = {
    "decimal": "/D",
    "lower-roman": "/r",
    "upper-roman": "/R",
    "lower-alpha": "/a",
    "lower-latin": "/a",
    "upper-alpha": "/A",
    "upper-latin": "/A",
}
"""CSS counter styles that a PDF page label can show (§12.4.2, Table 159)."""

_PATTERNS = {
    "decimal": r"\d+",
    "lower-roman": r"[ivxlcdm]+",
    "upper-roman": r"[IVXLCDM]+",
    "lower-alpha": r"[a-z]+",
    "lower-latin": r"[a-z]+",
    "upper-alpha": r"[A-Z]+",
    "upper-latin": r"[A-Z]+",
}


def finish(document, pdf) -> None:
    """Page labels, Print flags and searchable hyphens on a pydyf ``pdf`` of ``document``."""
    labels = page_labels(document)
    if labels:
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(_nums(labels))})
    print_annotations(pdf)
    soft_line_hyphens(document, pdf)
    searchable_hyphens(pdf)
    reading_direction(document, pdf)


def reading_direction(document, pdf) -> None:
    """``/ViewerPreferences /Direction /R2L`` for a right-to-left document (its root element
    has ``dir="rtl"``): a viewer showing two pages side by side puts the first on the right,
    as the book is read (ISO 32000-1 §12.2, Table 150)."""
    pages = getattr(document, "pages", None)
    box = getattr(pages[0], "_page_box", None) if pages else None
    if box is None or box.style["direction"] != "rtl":
        return
    preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
    preferences["Direction"] = "/R2L"
    pdf.catalog["ViewerPreferences"] = preferences


# Page labels ---------------------------------------------------------------------------


def page_labels(document) -> list[tuple[int, str, int]]:
    """``(first page index, PDF style, first number)`` for each run of pages numbered alike."""
    folios = [_folio(page._page_box) for page in document.pages]  # noqa: SLF001
    return label_ranges(folios)


def label_ranges(folios: list[tuple[str, int] | None]) -> list[tuple[int, str, int]]:
    """Ranges from each page's printed folio (``(CSS style, number)`` or None when the page
    prints none): an unnumbered page continues the numbering before it, and unnumbered pages
    at the start count back from the first folio (a cover is page i of the front matter)."""
    if not folios:
        return []
    if not any(folios):
        return [(0, "/D", 1)]
    filled = list(folios)
    first = next(i for i, folio in enumerate(filled) if folio)
    style, number = filled[first]
    for index in range(first - 1, -1, -1):
        number -= 1
        filled[index] = (style, number) if number >= 1 else None
    for index in range(first + 1, len(filled)):
        if filled[index] is None and filled[index - 1] is not None:
            style, number = filled[index - 1]
            filled[index] = (style, number + 1)
    ranges: list[tuple[int, str, int]] = []
    previous = None
    for index, folio in enumerate(filled):
        if folio is None:
            folio = ("", 0)
        style, number = folio
        if previous is None or previous != (style, number - 1):
            ranges.append((index, _STYLES.get(style, ""), number))
        previous = folio
    return ranges


def _nums(ranges: list[tuple[int, str, int]]) -> list:
    nums: list = []
    for index, style, number in ranges:
        label = pydyf.Dictionary()
        if style:
            label["S"] = style
            if number != 1:
                label["St"] = number
        nums += [index, label]
    return nums


def _folio(page_box) -> tuple[str, int] | None:
    """The page counter a page prints in its margin boxes: ``(CSS style, value)``."""
    for margin_box in page_box.children[1:]:
        if not (margin_box.width > 0 and margin_box.height > 0):
            continue  # laid out but with no room to show (a cover without margins)
        for box in [margin_box, *margin_box.descendants()]:
            content = box.style["content"]
            if not isinstance(content, tuple):
                continue
            styles = [
                value[1]
                for kind, value in content
                if kind == "counter()" and value[0] == "page" and value[1] in _PATTERNS
            ]
            if not styles:
                continue
            text = "".join(getattr(d, "text", "") or "" for d in box.descendants())
            found = re.search(_PATTERNS[styles[0]], text)
            number = found and _number(found[0], styles[0])
            if number:
                return styles[0], number
    return None


def _number(text: str, style: str) -> int | None:
    if style == "decimal":
        return int(text)
    if style.endswith("roman"):
        return _from_roman(text.lower())
    value = 0
    for char in text.lower():
        value = value * 26 + ord(char) - 96
    return value


def _from_roman(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for char, after in zip(text, [*text[1:], ""], strict=True):
        value = values[char]
        total += -value if after and values[after] > value else value
    return total or None


def merged_labels(pdf, sources, page_base) -> None:
    """/PageLabels of a pikepdf ``pdf`` made of ``sources`` (pikepdf, their pages from
    ``page_base``): each unit's ranges shifted to where its pages landed."""
    import pikepdf

    nums = pikepdf.Array()
    for source, base in zip(sources, page_base, strict=True):
        labels = source.Root.get("/PageLabels")
        if labels is None or "/Nums" not in labels:
            continue
        theirs = list(labels.Nums)
        for i in range(0, len(theirs), 2):
            label = pikepdf.Dictionary({k: v for k, v in theirs[i + 1].items()})
            nums.append(int(theirs[i]) + base)
            nums.append(label)
    if len(nums):
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=nums)


# Annotations ---------------------------------------------------------------------------


def print_annotations(pdf) -> None:
    """Set the Print flag on every annotation of a pydyf ``pdf``."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Annot":
            obj["F"] = int(obj.get("F", 0) or 0) | PRINT


def print_annotations_pike(pdf) -> None:
    """Set the Print flag on every annotation of a pikepdf ``pdf``."""
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            annotation.F = int(annotation.get("/F", 0)) | PRINT


# Hyphens -------------------------------------------------------------------------------

_HYPHEN_MAP = re.compile(rb"(<[0-9a-f]{4}> <)(2010|2011)(>)")


def searchable_hyphens(pdf) -> None:
    """In every font's ToUnicode map, a glyph drawn for U+2010 or U+2011 stands for "-"."""
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Type") != "/Font":
            continue
        reference = obj.get("ToUnicode")
        if reference is None:
            continue
        stream = pdf.objects[int(reference.split()[0])]
        stream.stream = [
            _HYPHEN_MAP.sub(rb"\g<1>002d\g<3>", line) if isinstance(line, bytes) else line
            for line in stream.stream
        ]


def soft_line_hyphens(document, pdf) -> None:
    """Map the codes ``hyphens`` gave line-break hyphens to their glyph: a CIDToGIDMap,
    identity for the glyphs the document draws, in each font that has some (ToUnicode
    already maps those codes to U+00AD)."""
    fonts = {}
    for font in getattr(document, "fonts", {}).values():
        codes = font.__dict__.get("casepress_soft_hyphens")
        if codes:
            glyphs = {code: glyph for glyph, code in codes.items()}
            used = (set(font.widths) | set(font.to_unicode)) - set(glyphs)
            fonts[bytes(font.name).lstrip(b"/")] = glyphs, used
    if not fonts:
        return
    for obj in list(pdf.objects):
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Subtype") != "/CIDFontType2":
            continue
        name = obj.get("BaseFont")
        name = (name if isinstance(name, bytes) else str(name).encode()).lstrip(b"/")
        if name not in fonts or obj.get("CIDToGIDMap") != "/Identity":
            continue
        glyphs, used = fonts[name]
        table = bytearray()  # unused CIDs map to glyph 0: the map compresses to little
        for cid in range(max(glyphs) + 1):
            glyph = glyphs.get(cid, cid if cid in used else 0)
            table += glyph.to_bytes(2, "big")
        stream = pydyf.Stream([bytes(table)], compress=True)
        pdf.add_object(stream)
        obj["CIDToGIDMap"] = stream.reference
