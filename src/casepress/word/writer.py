"""Cases → Word documents (.docx): pandoc's document built here, written by pandoc.

Why pandoc: it writes what Word itself writes — real paragraph and character styles from a
reference document, real footnotes, tables, images with their alternative text, document
properties — and reads .docx back into the same document model, which is what lets an
edited document come back as a case (``reader``). python-docx has no footnotes and no
Markdown; hand-written WordprocessingML would repeat what pandoc maintains.

A brief is laid out for editors: the Title and Subtitle paragraphs, an "About this case"
table (one row per field, ``fields``), then the narrative sections under Heading 1, the
lessons as paragraphs in the numbered ``Lesson`` style (the lead-in in ``Lesson Title``),
further paragraphs of a lesson in ``Lesson Continued``, and the case's notes as Word
footnotes. Each Markdown field is read by pandoc with the extensions that match
casepress's Markdown (no citations, no TeX math, no sub/superscript: "$5", "@UN" and "~"
stay text); images are read through ``files`` and handed over as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import io
import re
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


@dataclass
class WordResult:
    data: bytes
    messages: list[str] = field(default_factory=list)
    """What was left out (an image that could not be read), for the build's log."""


def _text(text: str) -> list[dict]:
    """Plain text as pandoc inlines: words and spaces."""
    out: list[dict] = []
    for index, word in enumerate(re.split(r"[ \t\n]+", text.strip())):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def _attr(ident: str = "", style: str | None = None) -> list:
    return [ident, [], [["custom-style", style]] if style else []]


def _para(inlines: list[dict]) -> dict:
    return {"t": "Para", "c": inlines}


def _div(style: str, blocks: list[dict]) -> dict:
    return {"t": "Div", "c": [_attr(style=style), blocks]}


def _header(level: int, text: str, ident: str = "") -> dict:
    return {"t": "Header", "c": [level, [ident, [], []], _text(text)]}


def _cell(blocks: list[dict]) -> list:
    return [["", [], []], {"t": "AlignDefault"}, 1, 1, blocks]


def _table(rows: list[list[list[dict]]], header: list[str] | None, widths: list[float]) -> dict:
    """A pandoc table; each cell a list of blocks."""
    columns = [[{"t": "AlignDefault"}, {"t": "ColWidth", "c": w}] for w in widths]
    head_rows = (
        [[["", [], []], [_cell([{"t": "Plain", "c": _text(h)}]) for h in header]]] if header else []
    )
    body_rows = [[["", [], []], [_cell(c) for c in row]] for row in rows]
    return {"t": "Table", "c": [
        ["", [], []], [None, []], columns, [["", [], []], head_rows],
        [[["", [], []], 0, [], body_rows]], [["", [], []], []],
    ]}  # fmt: skip


def _meta_text(text: str) -> dict:
    return {"t": "MetaInlines", "c": _text(text)}


class _Markdowns:
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
            if block == _para([{"t": "Str", "c": MARKER}]):
                parts.append([])
            else:
                parts[-1].append(block)
        return parts


def _prefixed(text: str, prefix: str) -> str:
    """Note labels made unique to a case in a document of several ('[^1]' → '[^c2-1]')."""
    lines = [DEFINITION.sub(lambda m: m.group(0).replace(f"[^{m.group(1)}]", f"[^{prefix}{m.group(1)}]", 1), line)
             for line in text.split("\n")]  # fmt: skip
    return REFERENCE.sub(lambda m: f"[^{prefix}{m.group(1)}]", "\n".join(lines))


class _CaseDocument:
    """The blocks of one case, its Markdown converted in a shared ``_Markdowns`` run."""

    def __init__(self, case, labels: dict[str, str], markdowns: _Markdowns, prefix: str = ""):
        self.case, self.labels = case, labels
        self.slots: list[tuple[str, Any]] = []  # ("blocks", [...]) or ("markdown", index)
        self.markdowns, self.prefix = markdowns, prefix

    def blocks(self, level: int) -> None:
        case, labels = self.case, self.labels
        rows = [[[{"t": "Plain", "c": [{"t": "Span", "c": [_attr(style=CASE_FIELD), _text(key)]}]}],
                 [{"t": "Plain", "c": _text(text)}]] for key, text in cells.about_rows(case)]  # fmt: skip
        about = labels.get("about_case", "About this case")
        self._add(_header(level, about, ABOUT_ID), _table(rows, None, [0.25, 0.75]))
        for section, members in cells.sections():
            self._section(section, members, level)

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
        self._add(_header(level, heading))
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
                rows = [[[{"t": "Plain", "c": _text(cells.cell_text(kind.item.fields[n].type, getattr(item, n)))}]
                         if getattr(item, n, None) not in (None, "") else [] for n in names] for item in value]  # fmt: skip
                self._add(_table(rows, names, [1 / len(names)] * len(names)))
            elif isinstance(value, tuple):
                self._add(
                    {"t": "BulletList", "c": [[{"t": "Plain", "c": _text(str(v))}] for v in value]}
                )
            else:
                self._add(_para(_text(cells.cell_text(kind, value))))

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
                else (_para([]), blocks)
            )
            if wrap:
                lead = {"t": "Span", "c": [_attr(style=LESSON_TITLE), _text(wrap)]}
                first = _para([lead, *([{"t": "Space"}] if first["c"] else []), *first["c"]])
            out.append(_div(LESSON, [first]))
            if rest:
                out.append(_div(LESSON_CONTINUED, rest))
        return out


def _images(node: Any, base: Path, policy, messages: list[str]) -> Any:
    """Every image of pandoc's document as a ``data:`` URI read through the policy; one
    that cannot be read is replaced by its alternative text, and said."""
    if isinstance(node, list):
        return [_images(item, base, policy, messages) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Image":
        attr, alt, (url, title) = node["c"]
        try:
            node["c"][2] = [_data_uri(url, base, policy), title]
        except RefusedError as exc:
            messages.append(f"image {url!r} left out of the Word document: {exc.reason}")
            return {"t": "Emph", "c": alt or _text(url)}
        return node
    if "c" in node:
        node["c"] = _images(node["c"], base, policy, messages)
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
        "title": _meta_text(title or case.title),
        "lang": _meta_text(case.language),
    }
    if title is None and case.subtitle:
        meta["subtitle"] = _meta_text(case.subtitle)
    meta["casepress-id"] = _meta_text(case.id)
    return meta


def write_brief(case, labels: dict[str, str], reference: bytes, policy) -> WordResult:
    """One case as a Word document (bytes), styled by ``reference``."""
    markdowns = _Markdowns()
    doc = _CaseDocument(case, labels, markdowns)
    doc.blocks(1)
    messages: list[str] = []
    blocks = _images(doc.assemble(markdowns.convert()), case.path.parent, policy, messages)
    document = {"pandoc-api-version": _api_version(), "meta": _metadata(case), "blocks": blocks}
    data = ast_to_docx(document, reference_file(reference))
    return WordResult(finish(data, _properties([case])), messages)


def write_book(title: str, subtitle: str | None, cases, labels_of, reference: bytes, policy,
               language: str) -> WordResult:  # fmt: skip
    """Several cases as one Word document (a handbook): each case under a Heading 1 with its
    title, its sections under Heading 2, its notes its own."""
    markdowns = _Markdowns()
    docs = []
    for number, case in enumerate(cases, 1):
        doc = _CaseDocument(case, labels_of(case), markdowns, prefix=f"c{number}-")
        if number > 1:  # each case starts a page, as a chapter of the PDF handbook does
            doc._add({"t": "RawBlock", "c": ["openxml", PAGE_BREAK]})
        doc._add(_header(1, case.title, case.id))
        if case.subtitle:
            doc._add(_div("Subtitle", [_para(_text(case.subtitle))]))
        doc.blocks(2)
        docs.append(doc)
    converted = markdowns.convert()
    messages: list[str] = []
    blocks: list[dict] = []
    for doc in docs:
        blocks += _images(doc.assemble(converted), doc.case.path.parent, policy, messages)
    meta: dict[str, Any] = {"title": _meta_text(title), "lang": _meta_text(language)}
    if subtitle:
        meta["subtitle"] = _meta_text(subtitle)
    document = {"pandoc-api-version": _api_version(), "meta": meta, "blocks": blocks}
    data = ast_to_docx(document, reference_file(reference))
    return WordResult(finish(data, _properties(cases, title), chapters=True), messages)


_API: list[int] = []


def _api_version() -> list[int]:
    if not _API:
        _API.extend(markdown_to_ast("", "markdown")["pandoc-api-version"])
    return list(_API)


def _properties(cases, title: str | None = None) -> dict[str, str]:
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
_CORE_TAGS = {"creator": "dc", "keywords": "cp", "language": "dc", "description": "dc"}


def finish(data: bytes, properties: dict[str, str], *, chapters: bool = False) -> bytes:
    """pandoc's package with the Lesson numbering (pandoc writes its own numbering part,
    without the reference's definitions) and the core properties pandoc leaves out;
    members in their order, dated as pandoc dated them. ``chapters``: each Heading 1 starts
    a case whose lessons are numbered from 1."""
    source = zipfile.ZipFile(io.BytesIO(data))
    restarts = 0
    parts = {info.filename: source.read(info) for info in source.infolist()}
    if chapters:
        parts["word/document.xml"], restarts = _restart_lessons(parts["word/document.xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = parts[info.filename]
            if info.filename == "word/numbering.xml":
                content = with_lesson_numbering(content, restarts)
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


def _restart_lessons(content: bytes) -> tuple[bytes, int]:
    """Each case's Lesson paragraphs given a numbering of their own (``reference``:
    ``lesson_restart``), so that every case's lessons start at 1; how many were made."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(content)
    chapter = 0
    for paragraph in root.iter(f"{w}p"):
        style = paragraph.find(f"{w}pPr/{w}pStyle")
        name = style.get(f"{w}val") if style is not None else ""
        if name == "Heading1":
            chapter += 1
        elif name == "Lesson" and chapter:
            properties = paragraph.find(f"{w}pPr")
            numbering = etree.Element(f"{w}numPr")
            before = [c for c in properties if c.tag in _BEFORE_NUMBERING]  # schema order
            properties.insert(list(properties).index(before[-1]) + 1, numbering)
            etree.SubElement(numbering, f"{w}ilvl").set(f"{w}val", "0")
            etree.SubElement(numbering, f"{w}numId").set(f"{w}val", lesson_restart(chapter))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), chapter


def _core(content: bytes, properties: dict[str, str]) -> bytes:
    root = etree.fromstring(content)
    for name, value in properties.items():
        namespace = _CORE[_CORE_TAGS[name]]
        element = root.find(f"{{{namespace}}}{name}")
        if element is None:
            element = etree.SubElement(root, f"{{{namespace}}}{name}")
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
