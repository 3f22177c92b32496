"""Word documents (.docx) → a title and blocks, through python-docx.

Paragraph styles give the structure: Title (or the first Heading 1) is the title, Subtitle
the subtitle, Heading N a heading, List styles and numbered paragraphs list items. Bold and
italic runs and hyperlinks become Markdown. Line numbers in notes count paragraphs (and
tables) from the top of the document, empty ones included.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..errors import display_path
from .blocks import Block, Source, escape_markdown, fail, match_heading, strip_markdown
from .repair import CHECK, Note, Repairs, clean_line

_PROLOG_BYTES = 4096
"""How much of each XML part is looked at for a ``<!DOCTYPE``: it can only come before the
root element, in the first line or two Word writes."""


def _declares_dtd(path: Path) -> str | None:
    """The name of the first XML part of a .docx that declares a DTD, or None.

    python-docx's parser does not resolve entities, but an internal subset still makes
    lxml fail with a traceback-worthy error (or expand entities within its limits); Word
    never writes one, so such a file is refused before it is parsed.
    """
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(member) as part:
                head = part.read(_PROLOG_BYTES)
            if b"<!DOCTYPE" in head.upper() or b"<\x00!\x00D\x00" in head:
                return member.filename
    return None


def _reason(exc: BaseException) -> str:
    """What went wrong, for a message: the exception's text, or its type when it has none."""
    return str(exc) or type(exc).__name__


def read_word(path: Path) -> Source:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml import etree

    shown = display_path(path)
    again = "open it in Word or LibreOffice and save it again as .docx"
    try:
        declared = _declares_dtd(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        fail(shown, 0, f"not a Word document that can be read ({_reason(exc)}); {again}")
    if declared:
        fail(shown, 0, f"{declared} declares a DTD (<!DOCTYPE>), which Word never writes; {again}")
    try:
        document = docx.Document(str(path))
    except etree.XMLSyntaxError as exc:
        fail(shown, 0, f"the document's XML is damaged ({_reason(exc)}); {again}")
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        fail(shown, 0, f"not a Word document that can be read ({_reason(exc)}); {again}")
    repairs = Repairs()
    notes: list[Note] = []
    items: list[tuple[int, str, int, list[str]]] = []  # (number, kind, level, lines)
    for number, item in enumerate(document.iter_inner_content(), 1):
        if isinstance(item, Table):
            notes.append(Note(number, "a table was not imported; copy its content by hand", CHECK))
            continue
        kind, level = _paragraph_kind(item)
        if kind in ("title", "subtitle", "heading"):
            lines = [escape_markdown(clean_line(item.text.replace("\n", " "), number, repairs))]
        else:
            lines = [clean_line(line, number, repairs) for line in _markdown_lines(item)]
            lines = [line for line in lines if line]
        items.append((number, kind, level, lines))
    notes.extend(_unimported_parts(document))

    title_at = _title_index(items)
    if title_at is None:
        fail(shown, 0, "the document is empty")
    skipped = [n for n, _, _, lines in items[:title_at] if lines]
    if skipped:
        notes.append(
            Note(skipped[0], f"{len(skipped)} paragraph(s) before the title not imported", CHECK)
        )
    title_number, _, _, title_lines = items[title_at]
    subtitle = None
    blocks: list[Block] = []
    gap = 0
    for number, kind, level, lines in items[title_at + 1 :]:
        if not lines:
            gap += 1
            continue
        if kind == "subtitle" and subtitle is None and not blocks:
            subtitle = strip_markdown(lines[0])
        elif kind in ("heading", "title"):
            found = match_heading(lines[0])
            role, language = found if found else (None, None)
            blocks.append(Block("heading", lines[:1], [number], gap, level or 1, role, language))
        elif kind == "item":
            marker = "1. " if level else "- "  # Markdown numbers a list from its first item
            if blocks and blocks[-1].kind == "list" and not gap:
                blocks[-1].lines.append(marker + " ".join(lines))
                blocks[-1].numbers.append(number)
            else:
                blocks.append(Block("list", [marker + " ".join(lines)], [number], gap))
        else:
            found = match_heading(lines[0]) if len(lines) == 1 else None
            if found:  # a heading typed in a normal paragraph, bold or not
                blocks.append(Block("heading", lines, [number], gap, 0, *found))
            else:
                blocks.append(Block("text", lines, [number] * len(lines), gap))
        gap = 0
    return Source(
        path, strip_markdown(title_lines[0]), title_number, blocks, markdown=True, hard_wraps=True,
        subtitle=subtitle, notes=notes, repairs=repairs,
    )  # fmt: skip


def _paragraph_kind(paragraph) -> tuple[str, int]:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name == "Title":
        return "title", 0
    if name == "Subtitle":
        return "subtitle", 0
    heading = re.fullmatch(r"Heading (\d)", name)
    if heading:
        return "heading", int(heading.group(1))
    properties = paragraph._p.pPr
    if name.startswith("List") or (properties is not None and properties.numPr is not None):
        return "item", int("Number" in name)  # level 1: a numbered list
    return "text", 0


def _title_index(items: list[tuple[int, str, int, list[str]]]) -> int | None:
    """The Title paragraph, else the first Heading 1, else the first paragraph with text."""
    for wanted in (lambda k, lv: k == "title", lambda k, lv: k == "heading" and lv == 1):
        for index, (_, kind, level, lines) in enumerate(items):
            if lines and wanted(kind, level):
                return index
    return next((i for i, (_, _, _, lines) in enumerate(items) if lines), None)


def _markdown_lines(paragraph) -> list[str]:
    """A paragraph's runs as Markdown lines (a manual line break starts a new line)."""
    from docx.text.hyperlink import Hyperlink

    pieces: list[tuple[str, bool, bool, str | None]] = []
    for item in paragraph.iter_inner_content():
        runs, url = (item.runs, item.url or None) if isinstance(item, Hyperlink) else ([item], None)
        for run in runs:
            style = run.style.name if run.style is not None else ""
            bold = bool(run.bold) or style == "Strong"
            italic = bool(run.italic) or style == "Emphasis"
            pieces.append((run.text.replace("\t", " "), bold, italic, url))
    lines = [""]
    group: list[tuple[str, bool, bool, str | None]] = []

    def flush() -> None:
        if group:
            lines[-1] += _format("".join(p[0] for p in group), *group[0][1:])
            group.clear()

    for text, bold, italic, url in pieces:
        for index, part in enumerate(text.split("\n")):
            if index:
                flush()
                lines.append("")
            if group and group[0][1:] != (bold, italic, url):
                flush()
            if part:
                group.append((part, bold, italic, url))
    flush()
    return lines


def _format(text: str, bold: bool, italic: bool, url: str | None) -> str:
    """Markdown for one run of like-formatted text; spaces stay outside the markers."""
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    marked = escape_markdown(core)
    if italic:
        marked = f"*{marked}*"
    if bold:
        marked = f"**{marked}**"
    if url:
        marked = f"[{marked}]({url})"
    return f"{lead}{marked}{trail}"


def _unimported_parts(document) -> list[Note]:
    """Footnotes and pictures python-docx cannot give as text: say so rather than drop them."""
    notes = []
    pictures = len(document.inline_shapes)
    if pictures:
        notes.append(Note(0, f"{pictures} picture(s) not imported", CHECK))
    for part in document.part.package.parts:
        if str(part.partname) == "/word/footnotes.xml":
            count = len(re.findall(rb"<w:footnote (?![^>]*w:type=)", part.blob))
            if count:
                notes.append(Note(0, f"{count} footnote(s) not imported; add them by hand", CHECK))
    return notes
