"""A Word document casepress wrote (``word.writer``), edited or not → the case's fields.

Such a document is known by its "About this case" table (field names in the ``Case Field``
style). pandoc reads it back (``docx+styles`` keeps paragraph and character styles), and
every part goes back to the field it came from:

- the Title and Subtitle paragraphs → ``title``, ``subtitle``;
- the table's rows → the ``about`` fields, read by their declared types (``word.fields``):
  each row's field is the key hidden after its label (``Case Field Key``), or, where an
  editor retyped the label and so deleted the key, the field that label names in any
  language; a cell holding only the grey dash of an empty field (``Case Field Empty``) is
  empty, and what was typed over or after the dash is the value;
- each Heading 1 → the section whose label it is (in any language casepress has labels
  for, or as ``casepress import`` knows headings: "Lessons learnt", "Conclusion" ...); a
  heading that names no section over lessons is the case's ``lessons_heading``; another
  is kept as a sub-heading of the text it is in;
- each paragraph in the ``Lesson`` style starts a lesson (its ``Lesson Title`` run is the
  lesson's title), ``Lesson Continued`` paragraphs and any other paragraph below it go on
  with it, so a lesson typed after the last one (Enter at its end) becomes a new lesson;
- Word footnotes → the case's notes (``[^1]`` ... numbered in reading order), each
  definition at the end of the field it is first called from;
- tables of further reading → their rows; bulleted lists of ids → ``related``.

Text comes back as Markdown (pandoc's writer, one line per paragraph; the case file
writer wraps it). Pictures cannot come back into the case file: each is reported.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

from ..model.labels import LABELS_DIR, builtin_labels
from ..word import fields as cells
from ..word.pandoc import ast_to_markdown, docx_to_ast
from ..word.writer import (
    CASE_FIELD,
    CASE_FIELD_EMPTY,
    CASE_FIELD_KEY,
    EMPTY,
    LESSON,
    LESSON_CONTINUED,
    LESSON_TITLE,
    MARKER,
)  # fmt: skip
from .blocks import heading_key, match_heading
from .repair import CHECK, Note

WRITER = "markdown_strict+pipe_tables+footnotes+definition_lists+raw_attribute-raw_html"
"""Markdown as casepress reads it: Python-Markdown's syntax with tables and definition
lists; notes are written by this module."""
_ROLES = {"resources": "further_resources", "tags": None}


@dataclasses.dataclass
class WordCase:
    values: dict[str, Any]
    notes: list[Note]


def written_by_casepress(document: dict[str, Any]) -> bool:
    """Whether pandoc's reading of a .docx has casepress's "About this case" table."""
    return any(_styled(node, CASE_FIELD) for node in _walk(document["blocks"]))


def _names_case_fields(data: bytes) -> bool:
    """Whether the document's text uses the Case Field character style (its style id)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b'w:val="CaseField"' in archive.read("word/document.xml").replace(b" />", b"/>")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def read_ast(data: bytes) -> dict[str, Any]:
    return docx_to_ast(data)


def read_casepress_word(path: Path) -> WordCase | None:
    """A Word document casepress wrote, read back as a case's fields; None for any other
    document (``wordreader.read_word`` reads those). The person importing named the file."""
    from .. import files
    from .readers import MAX_WORD_BYTES

    data = files.read_bytes(path, None, limit=MAX_WORD_BYTES, what="input file")
    if not _names_case_fields(data):  # most documents: no pandoc run at all
        return None
    document = read_ast(data)
    if not written_by_casepress(document):
        return None
    tables = sum(1 for node in _walk(document["blocks"])
                 if _styled(node, CASE_FIELD_KEY) and _clean(stringify(node["c"][1])) == "id")  # fmt: skip
    if tables > 1:
        from ..errors import InputError, Problem, display_path

        message = (f"this is a Word handbook of {tables} cases; import the Word brief of each "
                   "case instead (casepress build --format docx writes them to build/briefs/)")  # fmt: skip
        raise InputError([Problem.error(display_path(path), message)])
    return read_word_case(document)


def _walk(node: Any):
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        if "c" in node:
            yield from _walk(node["c"])


def _style_of(node: dict) -> str | None:
    if node.get("t") in ("Div", "Span"):
        for key, value in node["c"][0][2]:
            if key == "custom-style":
                return value
    return None


def _styled(node: dict, style: str) -> bool:
    return _style_of(node) == style


def stringify(node: Any) -> str:
    """The plain text of pandoc nodes (notes left out)."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("t")
    if kind == "Str":
        return node["c"]
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind == "Note":
        return ""
    if kind in ("Para", "Plain"):
        return stringify(node["c"]) + " "
    if kind in ("Span", "Div", "Link", "Image", "Quoted", "Cite"):
        inner = node["c"][1] if kind in ("Span", "Div", "Link", "Image", "Cite") else node["c"][1]
        if kind == "Quoted":
            marks = "“”" if node["c"][0]["t"] == "DoubleQuote" else "‘’"
            return marks[0] + stringify(inner) + marks[1]
        return stringify(inner)
    if kind in ("Code",):
        return node["c"][1]
    if "c" in node and isinstance(node["c"], list):
        return stringify(node["c"])
    return ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _unwrap(blocks: list[dict]) -> list[dict]:
    """Paragraph-style Divs (Body Text, First Paragraph...) taken away; their blocks kept."""
    out: list[dict] = []
    for block in blocks:
        if block.get("t") == "Div" and _style_of(block) not in (LESSON, LESSON_CONTINUED):
            out.extend(_unwrap(block["c"][1]))
        else:
            out.append(_unspan(block))
    return out


def _unspan(node: Any) -> Any:
    """Character-style Spans taken away (their text kept), except the lesson's title."""
    if isinstance(node, list):
        out = []
        for item in node:
            if (
                isinstance(item, dict)
                and item.get("t") == "Span"
                and _style_of(item) not in (None, LESSON_TITLE, CASE_FIELD_KEY, CASE_FIELD_EMPTY)
            ):
                out.extend(_unspan(item["c"][1]))
            else:
                out.append(_unspan(item))
        return out
    if isinstance(node, dict) and "c" in node:
        return {**node, "c": _unspan(node["c"])}
    return node


@cache
def _section_names() -> dict[str, str]:
    """Every catalogue's label of every section (casefolded) → the section."""
    names: dict[str, str] = {}
    sections = [s for s, _ in cells.sections()]
    for path in sorted(Path(LABELS_DIR).glob("*.yaml")):
        labels = builtin_labels(path.stem)
        for section in sections:
            if labels.get(section):
                names.setdefault(heading_key(labels[section]), section)
        if labels.get("about_case"):
            names.setdefault(heading_key(labels["about_case"]), "about")
    return names


def _section_of(text: str) -> str | None:
    key = heading_key(text)
    found = _section_names().get(key)
    if found:
        return found
    matched = match_heading(text)
    if matched:
        role = matched[0]
        return _ROLES.get(role, role)
    return None


class _Reader:
    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.notes: list[Note] = []
        self.values: dict[str, Any] = {}
        self.texts: list[list[dict]] = []  # blocks to turn into Markdown, by slot
        self.note_bodies: list[list[dict]] = []
        self.first_call: dict[int, str] = {}  # note number → field it is first called in
        self.pictures = 0

    def slot(self, blocks: list[dict]) -> int:
        self.texts.append(blocks)
        return len(self.texts) - 1

    def run(self) -> WordCase:
        meta = self.document.get("meta", {})
        for name in cells.HEADING_FIELDS:
            if name in meta:
                self.values[name] = _clean(stringify(meta[name]["c"]))
        section = None
        narrative: dict[str, list[dict]] = {}
        lessons: list[dict[str, Any]] = []
        tables: dict[str, list[dict]] = {}
        lists: dict[str, list[str]] = {}
        specs = dict(cells.ordered())
        members = dict(cells.sections())
        for block in _unwrap(self.document["blocks"]):
            kind = block["t"]
            if kind == "Header" and block["c"][0] <= 1:
                text = _clean(stringify(block["c"][2]))
                found = _section_of(text)
                if found is None and section in (None, "about") and "lessons" not in narrative:
                    found = "lessons"  # a heading of the case's own over the lessons
                    self.values["lessons_heading"] = text
                if found is not None:
                    section = found
                    narrative.setdefault(section, [])
                    continue
            if section == "about" and kind == "Table":
                rows = [(_cell_key(row[0]), _cell_text(row[1]))
                        for row in _table_rows(block) if len(row) >= 2]  # fmt: skip
                values, unknown = cells.read_rows(rows)
                self.values.update(values)
                for key in unknown:
                    self.notes.append(Note(0, f"the row {key!r} of the table names no field of a case; "
                                       "not imported", CHECK))  # fmt: skip
                continue
            if section is None:
                self.notes.append(Note(0, f"text before the first heading not imported: "
                                   f"{_clean(stringify(block))[:60]!r}", CHECK))  # fmt: skip
                continue
            if section == "lessons":
                self.lesson_block(block, lessons)
                continue
            fields_here = [n for n, _ in members.get(section, [])]
            table_field = next((n for n in fields_here if isinstance(getattr(specs[n].type, "item", None), cells.Object)
                                and not cells.holds_markdown(specs[n].type)), None)  # fmt: skip
            list_field = next((n for n in fields_here if isinstance(specs[n].type, cells.ListOf)
                               and not isinstance(specs[n].type.item, cells.Object)), None)  # fmt: skip
            if kind == "Table" and table_field:
                tables.setdefault(table_field, []).extend(_table_records(block))
            elif kind == "BulletList" and list_field:
                lists.setdefault(list_field, []).extend(_clean(stringify(i)) for i in block["c"])
            elif kind in ("Para", "Plain") and list_field and not any(
                    cells.is_markdown(specs[n].type) for n in fields_here):  # fmt: skip
                lists.setdefault(list_field, []).append(_clean(stringify(block)))
            else:
                narrative.setdefault(section, []).append(block)
        for section, blocks in narrative.items():
            target = next(
                (n for n, s in members.get(section, []) if cells.is_markdown(s.type)), None
            )
            if target and blocks:
                self.values[target] = self.slot(self.notes_in(blocks, target))
        if lessons:
            self.values["lessons"] = [
                {
                    "title": item["title"],
                    "text": self.slot(self.notes_in(item["blocks"], f"lessons[{i}]")),
                }
                for i, item in enumerate(lessons)
            ]
        for name, records in tables.items():
            self.values[name] = records
        for name, items in lists.items():
            self.values[name] = [i for i in items if i]
        self.convert()
        if self.pictures:
            self.notes.append(Note(0, f"{self.pictures} picture(s) not imported: the case file keeps "
                               "images as files; add them by hand", CHECK))  # fmt: skip
        return WordCase(
            {k: v for k, v in self.values.items() if v not in (None, "", [], {})}, self.notes
        )

    def lesson_block(self, block: dict, lessons: list[dict[str, Any]]) -> None:
        """One block under the lessons heading: a Lesson paragraph starts a lesson (Word
        shows the style's numbering, which pandoc reads as a numbered list: each item is a
        lesson too); anything else goes on with the lesson before."""
        style = _style_of(block)
        if style == LESSON:
            for para in block["c"][1]:
                lessons.append(self.lesson(para))
        elif block["t"] == "OrderedList":
            for item in block["c"][1]:
                item = _unwrap_plain(item)
                if not item or _style_of(item[0]) != LESSON:
                    lessons.append({"title": None, "blocks": []})
                for inner in item:
                    self.lesson_block(inner, lessons)
        else:
            inner = block["c"][1] if style == LESSON_CONTINUED else [block]
            if not lessons:
                lessons.append({"title": None, "blocks": []})
            lessons[-1]["blocks"].extend(_unwrap(inner))

    def lesson(self, para: dict) -> dict[str, Any]:
        inlines = list(para["c"]) if para["t"] in ("Para", "Plain") else []
        title = None
        if inlines and _styled(inlines[0], LESSON_TITLE):
            title = _clean(stringify(inlines[0]["c"][1])) or None
            inlines = inlines[1:]
            while inlines and inlines[0]["t"] in ("Space", "SoftBreak", "LineBreak"):
                inlines = inlines[1:]
        blocks = [{"t": "Para", "c": inlines}] if inlines else []
        if para["t"] not in ("Para", "Plain"):
            blocks = [para]
        return {"title": title, "blocks": blocks}

    def notes_in(self, blocks: list[dict], field: str) -> list[dict]:
        """Word footnotes → calls ``[^n]``, their text kept for the definitions."""

        def replace(node: Any) -> Any:
            if isinstance(node, list):
                return [replace(n) for n in node]
            if not isinstance(node, dict):
                return node
            if node.get("t") == "Note":
                body = _unwrap(node["c"])
                body = _strip_reference(body)
                self.note_bodies.append(body)
                number = len(self.note_bodies)
                self.first_call[number] = field
                return {"t": "RawInline", "c": ["markdown", f"[^{number}]"]}
            if node.get("t") == "Image":
                self.pictures += 1
                return {"t": "Emph", "c": node["c"][1]}
            if "c" in node:
                return {**node, "c": replace(node["c"])}
            return node

        return replace(blocks)

    def convert(self) -> None:
        """Every slot and note as Markdown, in one pandoc run; definitions after their field."""
        everything = self.texts + self.note_bodies
        if not everything:
            return
        separator = {"t": "Para", "c": [{"t": "Str", "c": MARKER}]}
        blocks: list[dict] = []
        for index, part in enumerate(everything):
            if index:
                blocks.append(separator)
            blocks.extend(part)
        document = {
            "pandoc-api-version": self.document["pandoc-api-version"],
            "meta": {},
            "blocks": blocks,
        }
        text = ast_to_markdown(document, WRITER)
        parts = [p.strip("\n") for p in text.split(f"\n{MARKER}\n")]
        parts = [p.removeprefix(f"{MARKER}\n") for p in parts]
        texts, bodies = parts[: len(self.texts)], parts[len(self.texts) :]
        definitions: dict[str, list[str]] = {}
        for number, body in enumerate(bodies, 1):
            lines = body.strip().split("\n")
            indented = [lines[0]] + [("    " + line) if line else "" for line in lines[1:]]
            definitions.setdefault(self.first_call[number], []).append(
                f"[^{number}]: " + "\n".join(indented)
            )

        def text_of(index: int, field: str) -> str:
            own = texts[index].strip() if index < len(texts) else ""
            extra = definitions.get(field, [])
            return "\n\n".join([own, *extra]) if extra else own

        for name, value in list(self.values.items()):
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and cells.is_markdown(dict(cells.ordered())[name].type)
            ):
                self.values[name] = text_of(value, name)
        for index, lesson in enumerate(self.values.get("lessons", [])):
            lesson["text"] = text_of(lesson["text"], f"lessons[{index}]")
            if not lesson["title"]:
                del lesson["title"]


def _unwrap_plain(blocks: list[dict]) -> list[dict]:
    return [b for b in _unwrap(blocks)]


def _strip_reference(blocks: list[dict]) -> list[dict]:
    """The note's own number (an empty Footnote Reference run) and the space after it."""
    if blocks and blocks[0]["t"] in ("Para", "Plain"):
        inlines = list(blocks[0]["c"])
        while inlines and (
            inlines[0]["t"] == "Space"
            or (inlines[0]["t"] == "Span" and not stringify(inlines[0]).strip())
        ):
            inlines.pop(0)
        blocks = [{**blocks[0], "c": inlines}, *blocks[1:]]
    return blocks


def _table_rows(table: dict) -> list[list[list[dict]]]:
    """Every row (head and body) of a pandoc table, as lists of cell blocks."""
    _, _, _, head, bodies, _ = table["c"]
    rows = [row for row in head[1]]
    for body in bodies:
        rows.extend(body[2])
        rows.extend(body[3])
    return [[cell[4] for cell in row[1]] for row in rows]


def _table_records(table: dict) -> list[dict[str, str]]:
    """A table with a heading row (the fields' labels, their keys hidden) → one mapping per
    further row."""
    rows = _table_rows(table)
    if not rows:
        return []
    names = [_cell_key(cell) for cell in rows[0]]
    values = [[_cell_text(cell) for cell in row] for row in rows[1:]]
    return [
        {n: v for n, v in zip(names, row, strict=False) if n and v} for row in values if any(row)
    ]


def _cell_key(cell: list[dict]) -> str:
    """The field a label cell names: its hidden key, or else its label read back
    (``fields.key_of_label``: an editor who retyped the label deleted the key)."""
    keys = [n for n in _walk(cell) if _styled(n, CASE_FIELD_KEY)]
    if keys:
        return _clean(stringify(keys[0]["c"][1]))
    return cells.key_of_label(_clean(stringify(cell)))


def _cell_text(cell: list[dict]) -> str:
    """A value cell's text, without the grey dash of an empty cell (what an editor typed
    into or after the dash is kept)."""
    return _clean(stringify(_without_dash(cell)))


def _without_dash(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_dash(n) for n in node]
    if not isinstance(node, dict):
        return node
    if _styled(node, CASE_FIELD_EMPTY):
        inner = node["c"][1]
        if inner and inner[0].get("t") == "Str" and inner[0]["c"].startswith(EMPTY):
            rest = inner[0]["c"][len(EMPTY) :]
            inner = ([{"t": "Str", "c": rest}] if rest else []) + inner[1:]
        return {**node, "c": [node["c"][0], inner]}
    if "c" in node:
        return {**node, "c": _without_dash(node["c"])}
    return node


def read_word_case(document: dict[str, Any]) -> WordCase:
    return _Reader(document).run()
