"""Print-engine CSS kept out of HTML: what only WeasyPrint understands never reaches a browser.

The sheets that load for both targets (``base.css``, ``handbook.css``, a theme's own sheets)
carry rules for the PDF: running heads (``string-set``, ``string()``), the outline
(``bookmark-level``), leaders and page references (``leader()``, ``target-counter()``),
footnotes (``float: footnote``, ``::footnote-call``) and page selectors a browser cannot parse
(``@page :nth(1 of main)``). Inlined into an HTML page they are invalid CSS (the W3C Nu HTML
Checker reports each one) and, for the ``@media print`` ones, wrong when the page is printed
from a browser (the handbook cover's white title on white paper).

``screen_css`` filters a sheet for HTML, with one rule for every sheet, built-in or a theme's:

- in a sheet that loads for both targets (``shared``), ``@page`` rules and ``@media print``
  blocks (and ``@import … print``) are the PDF's and are left out whole;
- in every sheet, a declaration whose property or value only a print engine understands
  (``PRINT_PROPERTIES``, ``PRINT_FUNCTIONS``, ``float: footnote``) is left out, and so is a
  rule whose selector names a print engine's pseudo-element (``::footnote-call``) or an
  ``@page`` rule whose selector a browser cannot parse (``:nth()``). An HTML-only sheet
  (``screen.css``, ``site.css``) keeps its ``@media print`` and ``@page`` rules otherwise:
  there they are meant for a browser's print.

What is left out is replaced by as many line breaks as it held, so line numbers in messages
about the rest of the sheet stay right. A sheet with nothing to leave out is returned as is;
in one rebuilt, what tinycss2 could not parse (which a browser skips as well) is left out too.
The PDF never goes through this: its sheets are given to WeasyPrint unchanged.
"""

from __future__ import annotations

import re

PRINT_PROPERTIES = frozenset({
    "string-set", "bookmark-level", "bookmark-label", "bookmark-state", "footnote-display",
    "footnote-policy", "anchor", "link",
})  # fmt: skip
"""Properties of CSS Generated Content for Paged Media and WeasyPrint that no browser has."""

PRINT_PREFIXES = ("-weasy-", "-prince-", "prince-")
"""Vendor prefixes of print engines: every such property is theirs."""

PRINT_FUNCTIONS = frozenset({
    "string", "leader", "target-counter", "target-counters", "target-text", "element",
    "running", "content",
})  # fmt: skip
"""Value functions of CSS Generated Content for Paged Media (``content()`` is ``string-set``'s)."""

PRINT_PSEUDO = re.compile(r"::?footnote-(call|marker)\b", re.IGNORECASE)
"""Pseudo-elements of WeasyPrint's footnotes."""

_RULE_LISTS = frozenset({"media", "supports", "layer", "container", "scope", "starting-style"})
"""At-rules holding rules (filtered like a sheet)."""
_DECLARATIONS = frozenset({"page", "top-left-corner", "top-left", "top-center", "top-right",
    "top-right-corner", "right-top", "right-middle", "right-bottom", "bottom-right-corner",
    "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner", "left-bottom",
    "left-middle", "left-top"})  # fmt: skip
"""At-rules holding declarations (filtered like a style rule): ``@page`` and its margin boxes."""

_PRINT_ONLY_QUERY = re.compile(r"^(only\s+)?print\b", re.IGNORECASE)


def screen_css(css: str, *, shared: bool) -> str:
    """``css`` without what only a print engine understands (see the module's docstring).

    ``shared``: the sheet loads for the PDF too, so its ``@page`` and ``@media print`` rules
    are the PDF's; False for a sheet that loads for HTML only."""
    import tinycss2

    nodes = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=False)
    text, changed = _rules(nodes, shared)
    return text if changed else css


def _blank(node) -> str:
    """What a left-out node becomes: its line breaks, so later lines keep their numbers."""
    return "\n" * node.serialize().count("\n")


def _rules(nodes, shared: bool) -> tuple[str, bool]:
    """A rule list (a sheet, an ``@media`` block's content) filtered, and whether it changed."""
    import tinycss2

    out: list[str] = []
    changed = False
    for node in nodes:
        kind = node.type
        if kind == "qualified-rule":
            if PRINT_PSEUDO.search(tinycss2.serialize(node.prelude)):
                out.append(_blank(node))
                changed = True
                continue
            body, inner = _block(node.content, shared)
            if inner:
                out.append(tinycss2.serialize(node.prelude) + "{" + body + "}")
                changed = True
                continue
        elif kind == "at-rule":
            keyword = node.lower_at_keyword
            prelude = tinycss2.serialize(node.prelude)
            dropped = False
            if keyword == "page":
                dropped = shared or any(t.type == "function" for t in node.prelude)
            elif keyword in ("media", "import") and shared:
                dropped = _print_only(prelude, keyword)
            if dropped:
                out.append(_blank(node))
                changed = True
                continue
            if node.content is not None and (keyword in _RULE_LISTS or keyword in _DECLARATIONS):
                if keyword in _DECLARATIONS:
                    body, inner = _block(node.content, shared)
                else:
                    body, inner = _rules(
                        tinycss2.parse_rule_list(
                            node.content, skip_comments=False, skip_whitespace=False
                        ),
                        shared,
                    )
                if inner:
                    out.append(f"@{node.at_keyword}{prelude}{{{body}}}")
                    changed = True
                    continue
        out.append("" if kind == "error" else node.serialize())  # a browser skips it too
    return "".join(out), changed


def _block(content, shared: bool) -> tuple[str, bool]:
    """A style block's declarations (and nested rules) filtered, and whether it changed."""
    import tinycss2

    items = tinycss2.parse_blocks_contents(content, skip_comments=False, skip_whitespace=False)
    out: list[str] = []
    changed = False
    for item in items:
        if item.type == "declaration":
            if _print_declaration(item):
                out.append(_blank(item))
                changed = True
            else:  # the ';' back where it was, before the whitespace the value ends with
                text = item.serialize()
                kept = text.rstrip()
                out.append(kept + ";" + text[len(kept) :])
        elif item.type in ("qualified-rule", "at-rule"):
            text, inner = _rules([item], shared)
            out.append(text)
            changed |= inner
        elif item.type != "error":  # an invalid declaration: a browser skips it too
            out.append(item.serialize())
    return "".join(out), changed


def _print_declaration(declaration) -> bool:
    """Whether a declaration is one only a print engine understands."""
    name = declaration.lower_name
    if name in PRINT_PROPERTIES or name.startswith(PRINT_PREFIXES):
        return True
    if name == "float" and any(
        t.type == "ident" and t.lower_value == "footnote" for t in declaration.value
    ):
        return True
    return _has_print_function(declaration.value)


def _has_print_function(tokens) -> bool:
    for token in tokens:
        if token.type == "function":
            if token.lower_name in PRINT_FUNCTIONS or _has_print_function(token.arguments):
                return True
        elif token.type in ("() block", "[] block", "{} block") and _has_print_function(
            token.content
        ):
            return True
    return False


def _print_only(prelude: str, keyword: str) -> bool:
    """Whether an ``@media`` prelude (or an ``@import``'s media list) matches print only."""
    if keyword == "import":
        # @import url(x.css) print, …: the media list follows the address
        match = re.match(r"\s*(url\([^)]*\)|\"[^\"]*\"|'[^']*')\s*(.*)$", prelude, re.S)
        if match is None or not match.group(2).strip():
            return False
        prelude = match.group(2)
    queries = [q.strip() for q in prelude.split(",")]
    return bool(queries) and all(_PRINT_ONLY_QUERY.match(q) for q in queries)
