"""What a case's PDF could not show (refused resources, missing glyphs), as warnings at the
field of the case file that asked for it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import Problem, display_path
from ..render.resources import shorten

if TYPE_CHECKING:
    from ..model.cases import Case
    from .writer import PdfResult


def pdf_problems(case: Case, result: PdfResult) -> list[Problem]:
    """What the PDF of a case could not show, as warnings at the field that asked for it."""
    shown = display_path(case.path)
    texts = list(case.texts())
    problems: list[Problem] = []

    def warn(field: str, message: str) -> None:
        line, column = case.where(field) if field else (0, 0)
        problems.append(Problem.warning(shown, message, line=line, column=column, field=field))

    for refusal in result.refusals:
        warn(field_naming(refusal.url, texts), f"refused {shorten(refusal.url)}: {refusal.reason}")
    for message in result.warnings:
        if not message.startswith("refused "):
            warn("", message)
    problems.extend(result.sheet_problems)  # asked for by a stylesheet: named at its line
    by_field: dict[str, list[str]] = {}
    for char in result.missing_glyphs:
        field = next((name for name, text in texts if char in text), "")
        by_field.setdefault(field, []).append(char)
    for field, chars in by_field.items():
        families = dict.fromkeys(f for c in chars for f in result.missing_glyphs[c])
        fonts = f"font(s) {', '.join(families)}" if families else "the theme's fonts"
        listed = ", ".join(f"U+{ord(c):04X} {c!r}" for c in chars[:12])
        if len(chars) > 12:
            listed += f" and {len(chars) - 12} more"
        warn(
            field,
            f"characters {listed} cannot be drawn by {fonts} or any installed fallback; "
            "they print as empty boxes (use a theme with a font that covers them)",
        )
    return problems


def field_naming(url: str, texts: list[tuple[str, str]]) -> str:
    """The first field whose text mentions the URL, or its file name as an address would;
    '' when none does (a theme's stylesheet, say)."""
    if url.startswith("data:"):
        needles = [re.escape(url[:60])]
    else:
        file = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
        needles = [re.escape(url), re.escape(unquote(url))]
        if file:  # 'secret.txt' in '../../secret.txt', not in 'the secret.txt policy'
            needles.append(r"(?:^|[/\\(\"'=])" + re.escape(file) + r"(?:$|[\s)\"'?#>])")
    found = re.compile("|".join(needles))
    for name, text in texts:
        if found.search(text) or found.search(unquote(text)):
            return name
    return ""
