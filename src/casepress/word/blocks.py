"""pandoc's document model (its JSON AST) built by hand: words, paragraphs, styled blocks,
headings and tables, as ``writer`` and ``book`` lay a Word document out."""

from __future__ import annotations

import re


def words(text: str) -> list[dict]:
    """Plain text as pandoc inlines: words and spaces."""
    out: list[dict] = []
    for index, word in enumerate(re.split(r"[ \t\n]+", text.strip())):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def attr(ident: str = "", style: str | None = None) -> list:
    return [ident, [], [["custom-style", style]] if style else []]


def para(inlines: list[dict]) -> dict:
    return {"t": "Para", "c": inlines}


def div(style: str, blocks: list[dict]) -> dict:
    return {"t": "Div", "c": [attr(style=style), blocks]}


def header(level: int, text: str, ident: str = "") -> dict:
    return {"t": "Header", "c": [level, [ident, [], []], words(text)]}


def cell(blocks: list[dict]) -> list:
    return [["", [], []], {"t": "AlignDefault"}, 1, 1, blocks]


def table(rows: list[list[list[dict]]], head: list[list[dict]] | None,
           widths: list[float]) -> dict:  # fmt: skip
    """A pandoc table; each cell a list of blocks, each heading cell a list of inlines."""
    columns = [[{"t": "AlignDefault"}, {"t": "ColWidth", "c": w}] for w in widths]
    head_rows = [[["", [], []], [cell([{"t": "Plain", "c": h}]) for h in head]]] if head else []
    body_rows = [[["", [], []], [cell(c) for c in row]] for row in rows]
    return {"t": "Table", "c": [
        ["", [], []], [None, []], columns, [["", [], []], head_rows],
        [[["", [], []], 0, [], body_rows]], [["", [], []], []],
    ]}  # fmt: skip


def meta_text(text: str) -> dict:
    return {"t": "MetaInlines", "c": words(text)}
