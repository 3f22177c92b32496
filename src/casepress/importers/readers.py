"""Existing case studies (.txt, .md, .docx) → a title and a list of blocks, text cleaned.

Each reader knows one format and nothing about case structure beyond the vocabulary of
section headings (``match_heading``): plain text marks a heading only by a line of its
own, so the reader must recognise one to split it from the paragraph it heads. What the
blocks mean (context, lessons, outcome, tags) is decided in ``importer``.

A block's lines are Markdown, except in plain text, whose lines are escaped when a block
is joined into prose (``Source.join``): a ``*`` in a plain-text file is a star, not emphasis.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import files
from ..errors import display_path
from .blocks import Block, Source, fail, match_heading, strip_markdown
from .repair import CHECK, Note, Repairs, clean_line, normalise_newlines

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".docx": "word"}
"""File name endings the importer reads, and the format each stands for."""

MAX_TEXT_BYTES = 1_000_000
MAX_WORD_BYTES = 20_000_000  # a Word file carries its pictures; its text is still ~20 KB

# Section headings by role, as patterns over a heading's key (lower case, no accents,


def read_file(path: Path) -> Source:
    """Read one .txt, .md or .docx file; raises InputError when it cannot be read at all."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    shown = display_path(path)
    if kind is None:
        fail(shown, 0, "not a .txt, .md or .docx file" + (
            "; save it as .docx from Word or LibreOffice" if path.suffix.lower() in (".doc", ".odt", ".rtf") else ""
        ))  # fmt: skip
    limit = MAX_WORD_BYTES if kind == "word" else MAX_TEXT_BYTES
    # through ``files``: a regular file (not a FIFO, which would wait for ever, nor a device
    # such as /dev/zero, which never ends), its size checked before a byte is read. The
    # person importing named the file, so it may lie anywhere.
    try:
        files.confine(path, None, limit=limit, what="input file")
        if kind == "word":
            from .wordreader import read_word  # python-docx and lxml load only for Word files

            return read_word(path)
        data = files.read_bytes(path, None, limit=limit, what="input file")
    except files.FileRefusedError as refusal:
        if refusal.missing:
            fail(shown, 0, "cannot read file: no such file")
        fail(shown, 0, refusal.message)
    notes: list[Note] = []
    text = _decode(data, shown, notes)
    source = (_read_markdown if kind == "markdown" else _read_plain)(path, text)
    source.notes[:0] = notes
    return source


def _decode(data: bytes, shown: str, notes: list[Note]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            fail(shown, 0, "not valid UTF-16 although it starts like it; save the file as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if b"\x00" in data:
            fail(shown, line, "not a text file (it holds NUL bytes)")
        notes.append(
            Note(line, "not UTF-8: read as Windows-1252; check accented letters and quotes", CHECK)
        )
        return data.decode("cp1252", errors="replace")


def _paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, list[tuple[int, str]]]]:
    """Runs of non-blank lines, each with the number of blank lines before it."""
    found: list[tuple[int, list[tuple[int, str]]]] = []
    gap = 0
    current: list[tuple[int, str]] = []
    for number, line in lines:
        if line.strip():
            if not current:
                found.append((gap, current))
            current.append((number, line))
            gap = 0
        else:
            current = []
            gap += 1
    return [(g, p) for g, p in found if p]


def _read_plain(path: Path, text: str) -> Source:
    repairs = Repairs()
    lines = [
        (n, clean_line(raw, n, repairs))
        for n, raw in enumerate(normalise_newlines(text).split("\n"), 1)
    ]
    paragraphs = _paragraphs(lines)
    if not paragraphs:
        fail(display_path(path), 0, "the file is empty")
    (_, first), *rest = paragraphs
    (title_line, title) = first[0]
    blocks: list[Block] = []
    for gap, paragraph in ([(0, first[1:])] if first[1:] else []) + rest:
        current: list[tuple[int, str]] = []
        for number, line in paragraph:
            heading = match_heading(line)
            if heading is None:
                current.append((number, line))
                continue
            if current:
                blocks += _plain_paragraphs(current, gap)
                current, gap = [], 0
            role, language = heading
            blocks.append(Block("heading", [line.strip()], [number], gap, 0, role, language))
            gap = 0
        if current:
            blocks += _plain_paragraphs(current, gap)
    return Source(path, title, title_line, blocks, markdown=False, hard_wraps=True, repairs=repairs)


WRAP_WIDTH = 100
"""Text wrapped by a program has lines no longer than this; web text has a paragraph a line."""


def _plain_paragraphs(lines: list[tuple[int, str]], gap: int) -> list[Block]:
    """Lines with no blank line between them: one hard-wrapped paragraph, or, when a line
    is longer than any wrapping leaves it, paragraphs a line each (copied from a web page).
    A long line that ends mid-sentence is still joined to the next ("illegal / armed groups")."""
    if all(len(line) <= WRAP_WIDTH for _, line in lines[:-1]):
        return [_text_block(lines, gap)]
    blocks: list[Block] = []
    start = 0
    for index in range(1, len(lines)):
        before, line = lines[index - 1][1], lines[index][1]
        if (
            len(before) > WRAP_WIDTH
            and re.search(r"[.!?:”\"’)]$", before)
            and re.match(r"[\W_]*[A-Z0-9À-Þ]", line)
        ):
            blocks.append(_text_block(lines[start:index], gap if not start else 0))
            start = index
    blocks.append(_text_block(lines[start:], gap if not start else 0))
    return blocks


def _text_block(lines: list[tuple[int, str]], gap: int, **extra) -> Block:
    return Block("text", [t for _, t in lines], [n for n, _ in lines], gap, **extra)


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_LIST = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_MD_VERBATIM = re.compile(r"^(?: {4}|\t| {0,3}(?:>|\||<[A-Za-z/!]|\[\^[^\]]+\]:))")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def _read_markdown(path: Path, text: str) -> Source:
    repairs = Repairs()
    notes: list[Note] = []
    raw = normalise_newlines(text).split("\n")
    start = _front_matter_end(raw)
    if start:
        notes.append(Note(1, f"front matter (lines 1–{start}) not imported", CHECK))
    blocks: list[Block] = []
    current: list[tuple[int, str]] = []
    gap = 0
    fence: str | None = None

    def flush() -> None:
        nonlocal current, gap
        if current:
            blocks.append(_markdown_block(current, gap))
            current, gap = [], 0

    for number, line in enumerate(raw[start:], start + 1):
        if fence is not None:  # inside a fenced code block: lines as written, blank ones too
            current.append((number, clean_line(line, number, Repairs(), keep_indent=True)))
            if line.strip().startswith(fence):
                fence = None
            continue
        line = clean_line(line, number, repairs, keep_indent=True)
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
        heading = _ATX.match(line) if not opening else None
        if heading:
            flush()
            words = (heading.group(2) or "").strip()
            found = match_heading(words)
            role, language = found if found else (None, None)
            blocks.append(
                Block("heading", [words], [number], gap, len(heading.group(1)), role, language)
            )
            gap = 0
        elif not line.strip():
            flush()
            gap += 1
        elif current and _SETEXT.match(line) and len(current) == 1:
            words = current[0][1].strip()
            found = match_heading(words)
            role, language = found if found else (None, None)
            level = 1 if line.strip()[0] == "=" else 2
            blocks.append(Block("heading", [words], [current[0][0]], gap, level, role, language))
            current, gap = [], 0
        else:
            current.append((number, line))
    flush()
    if not blocks:
        fail(display_path(path), 0, "the file is empty")
    return _markdown_source(path, blocks, notes, repairs)


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:60], 1):
            if line.strip() in ("---", "..."):
                return index + 1
    return 0


def _markdown_block(lines: list[tuple[int, str]], gap: int) -> Block:
    first = lines[0][1]
    if len(lines) == 1:
        found = match_heading(first)
        if found:  # "**Entry point**" or "Entry point:" on a line of its own
            return Block("heading", [first.strip()], [lines[0][0]], gap, 0, *found)
    if _MD_LIST.match(first):
        return Block("list", [t for _, t in lines], [n for n, _ in lines], gap)
    verbatim = bool(_FENCE.match(first) or _MD_VERBATIM.match(first))
    return _text_block(lines, gap, verbatim=verbatim)


def _markdown_source(
    path: Path, blocks: list[Block], notes: list[Note], repairs: Repairs
) -> Source:
    first = blocks[0]
    if first.kind == "heading" and first.level:
        title, title_line = strip_markdown(first.text), first.line
        rest = blocks[1:]
    else:  # no heading first: the first line is the title, as in plain text
        title, title_line = strip_markdown(first.lines[0]), first.line
        remainder = Block(
            first.kind, first.lines[1:], first.numbers[1:], 0, verbatim=first.verbatim
        )
        rest = ([remainder] if remainder.lines and first.kind != "heading" else []) + blocks[1:]
    return Source(
        path, title, title_line, rest, markdown=True, hard_wraps=False, notes=notes, repairs=repairs
    )


# Plain text → Markdown ------------------------------------------------------------------
