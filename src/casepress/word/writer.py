"""Cases → Word documents (.docx): pandoc's document built here, written by pandoc.

Why pandoc: it writes what Word itself writes — real paragraph and character styles from a
reference document, real footnotes, tables, images with their alternative text, document
properties — and reads .docx back into the same document model, which is what lets an
edited document come back as a case (``reader``). python-docx has no footnotes and no
Markdown; hand-written WordprocessingML would repeat what pandoc maintains.

A brief is laid out for editors: the Title and Subtitle paragraphs, an "About this case"
table (one row per field, ``fields``: the field's label in the case's language, its key
hidden after it for the way back, an empty field a grey dash; columns sized to the text so
that no label breaks inside a word), then the narrative sections under Heading 1, the
lessons as paragraphs in the numbered ``Lesson`` style (the title in ``Lesson Title`` on a
line of its own), further paragraphs of a lesson in ``Lesson Continued``, and the case's
notes as Word footnotes. A handbook is laid out by ``book``. Each Markdown field is read by pandoc with the extensions that match
casepress's Markdown (no citations, no TeX math, no sub/superscript: "$5", "@UN" and "~"
stay text); images are read through ``files`` and handed over as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..model.notes import DEFINITION, REFERENCE
from ..model.schema import Object
from ..render.resources import RefusedError, image_media_type
from . import fields as cells
from .blocks import attr, div, header, meta_text, para, table, words
from .pandoc import ast_to_docx, markdown_to_ast
from .reference import lesson_restart, reference_file, with_lesson_numbering

READER = ("markdown-smart-citations-tex_math_dollars-tex_math_single_backslash-raw_tex-subscript"
          "-superscript-yaml_metadata_block-pandoc_title_block-example_lists")  # fmt: skip
"""pandoc's Markdown as casepress's Markdown reads: what pandoc would take for syntax that
Python-Markdown does not know is switched off. So are smart quotes: the document keeps the
quotes and dashes as the case file has them, so that they come back as they were (the PDF
and HTML briefs set straight quotes typographically, in the case's language)."""
MARKER = "CASEPRESSFIELDBREAK"
ABOUT_ID = "about-this-case"
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
LESSON, LESSON_CONTINUED, LESSON_TITLE, CASE_FIELD = (
    "Lesson", "Lesson Continued", "Lesson Title", "Case Field")  # fmt: skip
CASE_FIELD_KEY, CASE_FIELD_EMPTY = "Case Field Key", "Case Field Empty"
"""The field's name in the case file, hidden after its label (what the importer reads);
the grey dash of an empty cell (the importer reads the cell as empty)."""
EMPTY = "\u2014"
DEFAULT_WIDTH = 9412
"""Twentieths of a point: A4 less 2.2 cm margins, the text width tables are planned for
(``finish`` scales them to the document's own)."""
LABEL_EM = 0.85
"""A generous average width of a bold letter, in ems: the label column is made wide enough
for the longest label in a wide fallback font (Word and LibreOffice substitute a font the
reader lacks)."""


def _needed(text: str, size: int = 9) -> float:
    """Twentieths of a point a bold line of ``text`` needs in a cell (margins, some air)."""
    return len(text) * LABEL_EM * size * 20 + 2 * 108 + 60


def label_share(labels: list[str], text_width: int = DEFAULT_WIDTH) -> float:
    """The share of the text width the label column takes: its longest label on one line,
    between a quarter and two fifths."""
    longest = max(labels, key=len, default="x" * 10)
    return min(0.4, max(0.25, _needed(longest) / text_width))


def column_shares(
    head: list[str], rows: list[list[str]], text_width: int = DEFAULT_WIDTH
) -> list[float]:
    """Columns of a table in proportion to what they hold (a year narrow, a title wide),
    each at least as wide as its heading and its longest word."""
    weights, least = [], []
    for index, name in enumerate(head):
        texts = [row[index] for row in rows if index < len(row) and row[index]]
        typical = sum(len(t) for t in texts) / len(texts) if texts else 0
        weights.append(min(40.0, max(len(name), typical, 4)))
        word = max((w for t in texts for w in t.split()), key=len, default="")
        least.append(max(_needed(name), _needed(word)) / text_width)
    spare = max(0.0, 1 - sum(least))
    total = sum(weights) or 1
    shares = [low + spare * w / total for low, w in zip(least, weights, strict=True)]
    return [share / sum(shares) for share in shares]


@dataclass
class WordResult:
    data: bytes
    messages: list[str] = field(default_factory=list)
    """What was left out (an image that could not be read), for the build's log."""


class Markdowns:
    """Every Markdown text of a document, converted by pandoc in one run."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, text: str | None, prefix: str = "") -> int:
        self.texts.append(_prefixed(text or "", prefix) if prefix else (text or ""))
        return len(self.texts) - 1

    def convert(self) -> list[list[dict]]:
        if not self.texts:
            return []
        joined = f"\n\n{MARKER}\n\n".join(self.texts)
        blocks = markdown_to_ast(joined, READER)["blocks"]
        parts: list[list[dict]] = [[]]
        for block in blocks:
            if block == para([{"t": "Str", "c": MARKER}]):
                parts.append([])
            else:
                parts[-1].append(block)
        return parts


def _prefixed(text: str, prefix: str) -> str:
    """Note labels made unique to a case in a document of several ('[^1]' → '[^c2-1]')."""
    lines = [DEFINITION.sub(lambda m: m.group(0).replace(f"[^{m.group(1)}]", f"[^{prefix}{m.group(1)}]", 1), line)
             for line in text.split("\n")]  # fmt: skip
    return REFERENCE.sub(lambda m: f"[^{prefix}{m.group(1)}]", "\n".join(lines))


class CaseDocument:
    """The blocks of one case, its Markdown converted in a shared ``Markdowns`` run."""

    def __init__(self, case, labels: dict[str, str], markdowns: Markdowns, prefix: str = ""):
        # case None: front matter (a handbook's title page, imprint, introduction)
        self.case, self.labels = case, labels
        self.slots: list[tuple[str, Any]] = []  # ("blocks", [...]) or ("markdown", index)
        self.markdowns, self.prefix = markdowns, prefix

    def blocks(self, level: int) -> None:
        case, labels = self.case, self.labels
        found = list(cells.about_rows(case))
        rows = [[[{"t": "Plain", "c": self._key_cell(key, CASE_FIELD)}],
                 [{"t": "Plain", "c": words(text) if text else
                   [{"t": "Span", "c": [attr(style=CASE_FIELD_EMPTY), [{"t": "Str", "c": EMPTY}]]}]}]]
                for key, text in found]  # fmt: skip
        share = label_share([cells.label(key, labels, case.language) for key, _ in found])
        about = labels.get("about_case", "About this case")
        self._add(header(level, about, self._id(ABOUT_ID)), table(rows, None, [share, 1 - share]))
        for section, members in cells.sections():
            self._section(section, members, level)

    def _key_cell(self, key: str, style: str | None) -> list[dict]:
        """A field's label in the case's language, its key hidden after it."""
        shown = words(cells.label(key, self.labels, self.case.language))
        hidden = {"t": "Span", "c": [attr(style=CASE_FIELD_KEY), [{"t": "Str", "c": key}]]}
        if style:
            return [{"t": "Span", "c": [attr(style=style), shown]}, hidden]
        return [*shown, hidden]

    def _id(self, ident: str) -> str:
        """A heading's bookmark: none in a document of several cases (Word allows a
        bookmark name once)."""
        return "" if self.prefix else ident

    def _add(self, *blocks: dict) -> None:
        self.slots.append(("blocks", list(blocks)))

    def _markdown(self, text: str | None, wrap: str | None = None) -> None:
        self.slots.append(("markdown", (self.markdowns.add(text, self.prefix), wrap)))

    def _section(self, section: str, members: list, level: int) -> None:
        case = self.case
        heading = self.labels.get(section, section.replace("_", " ").capitalize())
        own_heading = [n for n, s in members if n.endswith("_heading")]
        if own_heading and getattr(case, own_heading[0], None):
            heading = getattr(case, own_heading[0])
        body = [(n, s) for n, s in members if n not in own_heading]
        if not any(getattr(case, n, None) not in (None, (), "") for n, _ in body):
            return
        self._add(header(level, heading))
        for name, spec in body:
            value = getattr(case, name, None)
            if value in (None, (), ""):
                continue
            kind = spec.type
            if cells.is_markdown(kind):
                self._markdown(value)
            elif cells.holds_markdown(kind):
                self._items(value, kind.item)
            elif isinstance(getattr(kind, "item", None), Object):
                names = list(kind.item.fields)
                texts = [[cells.cell_text(kind.item.fields[n].type, getattr(item, n))
                          if getattr(item, n, None) not in (None, "") else "" for n in names]
                         for item in value]  # fmt: skip
                rows = [
                    [[{"t": "Plain", "c": words(t)}] if t else [] for t in row] for row in texts
                ]
                head = [self._key_cell(n, None) for n in names]
                shown = [cells.label(n, self.labels, case.language) for n in names]
                self._add(table(rows, head, column_shares(shown, texts)))
            elif isinstance(value, tuple):
                self._add(
                    {"t": "BulletList", "c": [[{"t": "Plain", "c": words(str(v))}] for v in value]}
                )
            else:
                self._add(para(words(cells.cell_text(kind, value))))

    def _items(self, items: tuple, kind: Object) -> None:
        """Lessons: the first paragraph in the numbered Lesson style, its lead-in in Lesson
        Title; the rest of the text in Lesson Continued."""
        texts = [n for n, f in kind.fields.items() if cells.is_markdown(f.type)]
        titles = [n for n in kind.fields if n not in texts]
        for item in items:
            title = next((getattr(item, n) for n in titles if getattr(item, n, None)), None)
            self._markdown(getattr(item, texts[0]), wrap=title or "")

    def assemble(self, converted: list[list[dict]]) -> list[dict]:
        out: list[dict] = []
        for kind, value in self.slots:
            if kind == "blocks":
                out.extend(value)
                continue
            index, wrap = value
            blocks = converted[index] if index < len(converted) else []
            if wrap is None:
                out.extend(blocks)
                continue
            first, rest = (
                (blocks[0], blocks[1:])
                if blocks and blocks[0]["t"] == "Para"
                else (para([]), blocks)
            )
            if wrap:  # the lesson's title on a line of its own, its text below
                lead = {"t": "Span", "c": [attr(style=LESSON_TITLE), words(wrap)]}
                first = para([lead, *([{"t": "LineBreak"}] if first["c"] else []), *first["c"]])
            out.append(div(LESSON, [first]))
            if rest:
                out.append(div(LESSON_CONTINUED, rest))
        return out


def embed_images(node: Any, base: Path, policy, messages: list[str]) -> Any:
    """Every image of pandoc's document as a ``data:`` URI read through the policy; one
    that cannot be read is replaced by its alternative text, and said."""
    if isinstance(node, list):
        return [embed_images(item, base, policy, messages) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Image":
        attr, alt, (url, title) = node["c"]
        try:
            node["c"][2] = [_data_uri(url, base, policy), title]
        except RefusedError as exc:
            messages.append(f"image {url!r} left out of the Word document: {exc.reason}")
            return {"t": "Emph", "c": alt or words(url)}
        return node
    if "c" in node:
        node["c"] = embed_images(node["c"], base, policy, messages)
    return node


def _data_uri(url: str, base: Path, policy) -> str:
    if url.startswith("data:"):
        return url
    parts = urlsplit(url)
    if parts.scheme:
        policy.check(url)  # refuses a network address unless allowed; pandoc would not fetch it
        raise RefusedError(url, "only images in the project can go into a Word document")
    path = (base / unquote(parts.path)).resolve()
    checked = policy.local_file(path.as_uri())
    kind = image_media_type(checked)
    if kind is None:
        raise RefusedError(url, "not an image (PNG, JPEG, GIF, WebP or SVG)")
    policy.check_image(checked, url)
    data = policy.read(checked, url)
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _metadata(case, title: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": meta_text(title or case.title),
        "lang": meta_text(case.language),
    }
    if title is None and case.subtitle:
        meta["subtitle"] = meta_text(case.subtitle)
    meta["casepress-id"] = meta_text(case.id)
    return meta


def write_brief(case, labels: dict[str, str], reference: bytes, policy) -> WordResult:
    """One case as a Word document (bytes), styled by ``reference``."""
    markdowns = Markdowns()
    doc = CaseDocument(case, labels, markdowns)
    doc.blocks(1)
    messages: list[str] = []
    blocks = embed_images(doc.assemble(markdowns.convert()), case.path.parent, policy, messages)
    document = {"pandoc-api-version": api_version(), "meta": _metadata(case), "blocks": blocks}
    data = ast_to_docx(document, reference_file(reference))
    return WordResult(finish(data, core_properties([case])), messages)


_API: list[int] = []


def api_version() -> list[int]:
    if not _API:
        _API.extend(markdown_to_ast("", "markdown")["pandoc-api-version"])
    return list(_API)


def core_properties(cases, title: str | None = None) -> dict[str, str]:
    """Core document properties: authors, keywords (the tags), description, language."""
    authors: list[str] = []
    keywords: list[str] = []
    for case in cases:
        for author in getattr(case, "authors", ()) or ():
            name = (
                author
                if isinstance(author, str)
                else " ".join(
                    str(v)
                    for v in (getattr(author, "given", ""), getattr(author, "family", ""))
                    if v
                )
            )
            if name and name not in authors:
                authors.append(name)
        for tag in case.tags:
            if tag not in keywords:
                keywords.append(tag)
    first = cases[0] if cases else None
    found = {"creator": "; ".join(authors), "keywords": ", ".join(keywords),
             "language": first.language if first else "",
             "description": (first.summary or "") if first and title is None else ""}  # fmt: skip
    return {k: v for k, v in found.items() if v}


_CORE = {"dc": "http://purl.org/dc/elements/1.1/",
         "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}  # fmt: skip
_CORE_TAGS = {"creator": "dc", "keywords": "cp", "language": "dc", "description": "dc",
              "title": "dc", "subject": "dc"}  # fmt: skip


def finish(data: bytes, properties: dict[str, str], *, chapters: str | None = None,
           fields: bool = False, restyle=None) -> bytes:  # fmt: skip
    """pandoc's package with the Lesson numbering (pandoc writes its own numbering part,
    without the reference's definitions), tables as wide as the text with their columns'
    widths set, page breaks made properties of the paragraph after them, and the core
    properties pandoc leaves out; members in their order, dated as pandoc dated them.
    ``chapters``: the style of the headings that start a case whose lessons are numbered
    from 1 (a handbook). ``fields``: Word is asked to update the fields (the contents) when
    the document is opened. ``restyle``: a function given the styles part (lxml) to change."""
    source = zipfile.ZipFile(io.BytesIO(data))
    restarts = 0
    parts = {info.filename: source.read(info) for info in source.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    _size_tables(root)
    _breaks_before(root)
    if chapters:
        restarts = _restart_lessons(root, chapters)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                standalone=True)  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = parts[info.filename]
            if info.filename == "word/numbering.xml":
                content = with_lesson_numbering(content, restarts)
            elif info.filename == "word/settings.xml" and fields:
                content = _update_fields(content)
            elif info.filename == "word/styles.xml" and restyle is not None:
                styles = etree.fromstring(content)
                restyle(styles)
                content = etree.tostring(styles, xml_declaration=True, encoding="UTF-8",
                                         standalone=True)  # fmt: skip
            elif info.filename == "docProps/core.xml" and properties:
                content = _core(content, properties)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(copy, content)
    return out.getvalue()


_BEFORE_NUMBERING = {
    f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{name}"
    for name in ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl")
}
"""What comes before ``w:numPr`` in a paragraph's properties (ECMA-376 Part 1, 17.3.1.26)."""


def _restart_lessons(root, chapter_style: str) -> int:
    """Each case's Lesson paragraphs given a numbering of their own (``reference``:
    ``lesson_restart``), so that every case's lessons start at 1; how many were made."""
    w = _W
    chapter = 0
    for paragraph in root.iter(f"{w}p"):
        style = paragraph.find(f"{w}pPr/{w}pStyle")
        name = style.get(f"{w}val") if style is not None else ""
        if name == chapter_style:
            chapter += 1
        elif name == "Lesson" and chapter:
            properties = paragraph.find(f"{w}pPr")
            numbering = etree.Element(f"{w}numPr")
            before = [c for c in properties if c.tag in _BEFORE_NUMBERING]  # schema order
            properties.insert(list(properties).index(before[-1]) + 1, numbering)
            etree.SubElement(numbering, f"{w}ilvl").set(f"{w}val", "0")
            etree.SubElement(numbering, f"{w}numId").set(f"{w}val", lesson_restart(chapter))
    return chapter


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text_width(root) -> int:
    section = root.find(f"{_W}body/{_W}sectPr")
    size = section.find(f"{_W}pgSz") if section is not None else None
    margins = section.find(f"{_W}pgMar") if section is not None else None
    if size is None or margins is None:
        return DEFAULT_WIDTH
    try:
        return (int(size.get(f"{_W}w")) - int(margins.get(f"{_W}left", 0))
                - int(margins.get(f"{_W}right", 0)))  # fmt: skip
    except (TypeError, ValueError):
        return DEFAULT_WIDTH


def _size_tables(root) -> None:
    """Every table as wide as the text, its columns in the proportions pandoc was given and
    every cell's width said (pandoc sizes its grid for a 5.5-inch page and leaves the
    cells unsized, so a narrow first column broke field names in the middle)."""
    width = _text_width(root)
    for grid_table in root.iter(f"{_W}tbl"):
        grid = grid_table.findall(f"{_W}tblGrid/{_W}gridCol")
        given = [int(col.get(f"{_W}w", "0") or 0) for col in grid]
        total = sum(given) or 1
        columns = [round(width * g / total) for g in given]
        for col, value in zip(grid, columns, strict=True):
            col.set(f"{_W}w", str(value))
        properties = grid_table.find(f"{_W}tblPr")
        size = properties.find(f"{_W}tblW") if properties is not None else None
        if size is not None:
            size.set(f"{_W}type", "dxa")
            size.set(f"{_W}w", str(width))
        for row in grid_table.findall(f"{_W}tr"):
            at = 0
            for cell in row.findall(f"{_W}tc"):
                cell_properties = cell.find(f"{_W}tcPr")
                if cell_properties is None:
                    cell_properties = etree.Element(f"{_W}tcPr")
                    cell.insert(0, cell_properties)
                span = cell_properties.find(f"{_W}gridSpan")
                count = int(span.get(f"{_W}val", "1")) if span is not None else 1
                for old in cell_properties.findall(f"{_W}tcW"):
                    cell_properties.remove(old)
                cell_width = etree.Element(f"{_W}tcW")
                cell_width.set(f"{_W}w", str(sum(columns[at : at + count])))
                cell_width.set(f"{_W}type", "dxa")
                style = cell_properties.find(f"{_W}cnfStyle")  # the one before it
                cell_properties.insert(0 if style is None else 1, cell_width)
                at += count


def _breaks_before(root) -> None:
    """A paragraph that holds only a page break (``PAGE_BREAK``) becomes a page break
    before the paragraph after it: no empty line at the top of the new page."""
    for paragraph in list(root.iter(f"{_W}p")):
        runs = paragraph.findall(f"{_W}r")
        if len(paragraph) != 1 or len(runs) != 1 or len(runs[0]) != 1:
            continue
        brk = runs[0].find(f"{_W}br")
        if brk is None or brk.get(f"{_W}type") != "page":
            continue
        following = paragraph.getnext()
        while following is not None and following.tag != f"{_W}p":
            if following.tag == f"{_W}tbl":
                break
            following = following.getnext()
        if following is None or following.tag != f"{_W}p":
            continue
        properties = following.find(f"{_W}pPr")
        if properties is None:
            properties = etree.Element(f"{_W}pPr")
            following.insert(0, properties)
        mark = etree.Element(f"{_W}pageBreakBefore")
        before = [c for c in properties if c.tag in _BEFORE_BREAK]
        properties.insert(properties.index(before[-1]) + 1 if before else 0, mark)
        paragraph.getparent().remove(paragraph)


_BEFORE_BREAK = {f"{_W}{name}" for name in ("pStyle", "keepNext", "keepLines")}

_AFTER_UPDATE = {f"{_W}{name}" for name in (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator")}  # fmt: skip
"""What follows ``w:updateFields`` in the settings (ECMA-376 Part 1, 17.15.1.78)."""


def _update_fields(content: bytes) -> bytes:
    """Settings that make Word offer to update the fields (fill in the contents' page
    numbers) when the document is opened."""
    root = etree.fromstring(content)
    if root.find(f"{_W}updateFields") is None:
        update = etree.Element(f"{_W}updateFields")
        update.set(f"{_W}val", "true")
        later = [c for c in root if c.tag in _AFTER_UPDATE]
        if later:
            later[0].addprevious(update)
        else:
            root.append(update)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _core(content: bytes, properties: dict[str, str]) -> bytes:
    root = etree.fromstring(content)
    for name, value in properties.items():
        namespace = _CORE[_CORE_TAGS[name]]
        element = root.find(f"{{{namespace}}}{name}")
        if element is None:
            element = etree.SubElement(root, f"{{{namespace}}}{name}")
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
