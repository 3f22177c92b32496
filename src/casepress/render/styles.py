"""Stylesheets made standalone for HTML: every ``url()`` inlined or dropped, ``</style`` defused.

A standalone HTML page carries its stylesheets in a ``<style>`` element. What they load
(backgrounds, ``@font-face`` sources, ``@import``) would otherwise be requested from
wherever the page is opened: a relative ``url(../bg.png)`` from the reader's disk, an
``http://127.0.0.1/…`` from a local server. Each reference is found with tinycss2 (the
parser WeasyPrint uses, so escapes such as ``\\75 rl(…)`` cannot hide one), checked with
the same ``ResourcePolicy`` as everything else, and becomes a ``data:`` URL, or
``data:,`` (nothing, no request) with a warning naming the sheet and its line.

What only a print engine understands (``@page`` and ``@media print`` rules of the sheets the
PDF shares, ``string-set``, ``leader()``, …) is left out first (``printonly.screen_css``).

The text of a sheet cannot end the ``<style>`` element it is placed in: ``</style`` and
``<!--`` become CSS escapes that read back the same inside a CSS string.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urljoin

from .. import files
from ..errors import Problem
from ..theme.chain import BUILTIN_STYLES, Theme
from ..theme.config import FONT_FAMILY_RULE, FONT_FAMILY_UNSAFE
from .printonly import screen_css
from .resources import RefusedError, ResourcePolicy, shorten

MAX_IMPORT_DEPTH = 4
"""``@import`` chains deeper than this are dropped (a sheet importing itself stops here)."""

MEDIA_TYPES = {
    ".apng": "image/apng", ".avif": "image/avif", ".bmp": "image/bmp", ".css": "text/css",
    ".gif": "image/gif", ".jpeg": "image/jpeg", ".jpg": "image/jpeg", ".otf": "font/otf",
    ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf", ".webp": "image/webp",
    ".woff": "font/woff", ".woff2": "font/woff2",
}  # fmt: skip
"""The ``data:`` URL media type of a file inlined from a stylesheet, by suffix."""

DROPPED = "data:,"
"""What a refused reference becomes: an empty resource, which no browser requests."""

_IMAGE_FUNCTIONS = {"image-set", "-webkit-image-set", "image"}
"""Functions whose bare strings are addresses too (``image-set("a.png" 1x)``)."""

_CLOSERS = re.compile(r"<(?=/style|!--)", re.IGNORECASE)


def defuse_style_end(css: str) -> str:
    """CSS text that cannot close the ``<style>`` element holding it (nor open a comment).

    ``</style`` becomes ``<\\/style`` and ``<!--`` becomes ``<\\!--``: a backslash before a
    character that is not a hex digit is that character in CSS, so a string reads the same.
    """
    return _CLOSERS.sub(lambda m: "<\\", css)


def standalone_css(
    css: str,
    base: Path | None,
    policy: ResourcePolicy,
    shown: str,
    *,
    shared: bool = True,
    depth: int = 0,
) -> tuple[str, list[Problem]]:
    """``css`` (from a file in folder ``base``, shown as ``shown`` in messages) with every
    reference inlined as a ``data:`` URL or dropped, and the warnings for the dropped ones.

    Print-engine CSS is left out first, so what it loads is neither inlined nor warned
    about; ``shared``: the sheet loads for the PDF too (``printonly.screen_css``)."""
    import tinycss2

    css = screen_css(css, shared=shared)
    problems: list[Problem] = []
    nodes = tinycss2.parse_component_value_list(css)

    def inline(address: str, line: int, column: int) -> str:
        if address.strip().lower().startswith("data:"):
            return address
        url = address
        try:
            url = _resolve(address, base)
            path = policy.check(url)
            if path is None:  # http(s), where the project allows the network
                raise RefusedError(url, "a standalone HTML page loads nothing from the network")
            policy.check_image(path, url)
            media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            data = policy.read(path, url)
            if media == "text/css":
                if depth >= MAX_IMPORT_DEPTH:
                    raise RefusedError(url, f"imports nested more than {MAX_IMPORT_DEPTH} deep")
                text, found = standalone_css(
                    data.decode("utf-8", "replace"), path.parent, policy, str(path),
                    shared=shared, depth=depth + 1,
                )  # fmt: skip
                problems.extend(found)
                data = text.encode("utf-8")
            return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
        except RefusedError as refusal:
            reason = refusal.reason
        except OSError as exc:
            reason = f"cannot read it ({exc.strerror or type(exc).__name__})"
        # worded as the PDF's refusal of the same address, so the two are reported once
        message = f"refused {shorten(url)}: {reason}"
        problems.append(Problem.warning(shown, message, line=line, column=column))
        return DROPPED

    changed = _rewrite(nodes, inline)
    text = tinycss2.serialize(nodes) if changed else css
    return defuse_style_end(text), problems


def _rewrite(nodes: list, inline: Callable[[str, int, int], str]) -> bool:
    """Replace, in place, every address in ``nodes`` by what ``inline`` makes of it."""
    from tinycss2.ast import StringToken, URLToken

    def string(node, value: str) -> StringToken:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return StringToken(node.source_line, node.source_column, value, quoted)

    changed = False
    importing = False
    for index, node in enumerate(nodes):
        kind = node.type
        if kind == "url":
            new = inline(node.value, node.source_line, node.source_column)
            quoted = string(node, new).representation
            nodes[index] = URLToken(node.source_line, node.source_column, new, f"url({quoted})")
            changed = True
        elif kind == "string" and importing:
            nodes[index] = string(node, inline(node.value, node.source_line, node.source_column))
            changed = True
        elif kind == "function":
            if node.lower_name == "url" or node.lower_name in _IMAGE_FUNCTIONS:
                for at, argument in enumerate(node.arguments):
                    if argument.type == "string":  # placed where the function starts
                        value = inline(argument.value, node.source_line, node.source_column)
                        node.arguments[at] = string(argument, value)
                        changed = True
            changed |= _rewrite(node.arguments, inline)
        elif kind in ("() block", "[] block", "{} block"):
            changed |= _rewrite(node.content, inline)
        if kind == "at-keyword":
            importing = node.lower_value == "import"
        elif kind not in ("whitespace", "comment"):
            importing = False
    return changed


def _resolve(address: str, base: Path | None) -> str:
    """The absolute URL an address in a sheet from folder ``base`` names."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9.+-]*:", address):
        return address
    if base is None:
        raise RefusedError(address, "a relative address in a generated stylesheet")
    return urljoin(base.resolve().as_uri() + "/", address)


def unsafe_font_faces(sheets: Iterable[Path], roots: files.Roots) -> list[Problem]:
    """``@font-face`` families the PDF could not name, each an error at its sheet and line.

    The same characters are refused as in theme.yaml (``FONT_FAMILY_UNSAFE``): WeasyPrint
    writes the family into the PDF's font names unescaped, and a ``(`` or ``/`` there makes
    a PDF that readers repair or refuse.
    """
    import tinycss2

    unsafe = re.compile(FONT_FAMILY_UNSAFE)
    problems = []
    for sheet in sheets:
        try:
            css = files.read_text(sheet, roots, limit=files.TEXT_BYTES, what="stylesheet")
        except (files.FileRefusedError, UnicodeDecodeError):
            continue  # refusing it is the stylesheet loader's to report (Theme.refused_files)
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or not rule.content:
                continue
            for declaration in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True
            ):
                if declaration.type != "declaration" or declaration.lower_name != "font-family":
                    continue
                family = "".join(
                    token.value
                    for token in declaration.value
                    if token.type in ("string", "ident", "whitespace")
                ).strip()
                odd = [
                    t for t in declaration.value if t.type not in ("string", "ident", "whitespace")
                ]
                if unsafe.search(family) or odd:
                    message = (
                        f"font family {family or tinycss2.serialize(declaration.value)!r} "
                        f"cannot name a font in a PDF: use a family name without {FONT_FAMILY_RULE}"
                    )
                    problems.append(
                        Problem.error(
                            sheet,
                            message,
                            line=declaration.source_line,
                            column=declaration.source_column,
                            field="@font-face",
                        )  # fmt: skip
                    )
    return problems


def own_sheets(theme: Theme) -> list[Path]:
    """The stylesheets of a theme chain's own folders and the project's (not the built-in
    ones), whatever the target, document or profile they load for."""
    return [
        sheet
        for layer in theme.layers
        if layer.styles != BUILTIN_STYLES and layer.styles.is_dir()
        for sheet in sorted(layer.styles.glob("*.css"))
        if sheet.is_file() and sheet not in layer.copies
    ]


def css_references(css: str, base: Path | None) -> list[tuple[str, int, int]]:
    """Every address a stylesheet from folder ``base`` loads, resolved as WeasyPrint
    resolves it, with its line and column (``base`` None: only absolute ones)."""
    import tinycss2

    found: list[tuple[str, int, int]] = []

    def note(address: str, line: int, column: int) -> str:
        with contextlib.suppress(RefusedError):
            found.append((_resolve(address, base), line, column))
        return address

    _rewrite(tinycss2.parse_component_value_list(css), note)
    return found
