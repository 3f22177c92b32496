"""Checks of a theme as a whole: its templates compile, its stylesheets parse, its palette
has the contrast WCAG 2.1 AA asks for (``casepress theme check``, and each build's report)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import files
from ..errors import Problem, display_path
from ..render.styles import own_sheets, unsafe_font_faces
from ..theme import colours
from ..theme.chain import BASE, Theme, load_theme, resolve_chain


def palette_contrast(theme: Theme) -> list[colours.Contrast]:
    """The palette pairs (``colours.PAIRS``) as the theme's style sheets resolve them."""
    return colours.check_stylesheets(
        theme.stylesheets("html", document="handbook"), roots=theme.roots
    )


def check_stylesheets(theme: Theme) -> list[Problem]:
    """CSS that cannot be read in the chain's own sheets (not the built-in ones), positioned.

    WeasyPrint skips what it cannot read with a logged warning; a theme check says where.
    """
    import tinycss2  # WeasyPrint's CSS parser

    problems = []
    for layer in theme.layers:
        if layer.config is None or not layer.styles.is_dir():
            continue
        for path in sorted(layer.styles.glob("*.css")):
            try:
                text = files.read_text(path, theme.roots, limit=files.TEXT_BYTES, what="stylesheet")
            except files.FileRefusedError:
                continue  # reported by refused_files, with the rule
            rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
            for node, inside in _css_errors(rules):
                message = (
                    "CSS: cannot read this declaration; expected 'property: value;'"
                    if inside
                    else "CSS: cannot read this rule (a stray '}' or a missing '{'?)"
                )
                problems.append(
                    Problem.error(
                        display_path(path),
                        message,
                        line=node.source_line,
                        column=node.source_column,
                    )
                )
    return problems + unsafe_font_faces(own_sheets(theme), theme.roots)


def _css_errors(nodes: Iterable[Any]) -> Iterable[tuple[Any, bool]]:
    """Parse errors as (node, inside a rule's block)."""
    import tinycss2

    for node in nodes:
        if node.type == "error":
            yield node, False
        elif node.type == "qualified-rule" or (node.type == "at-rule" and node.content):
            content = tinycss2.parse_blocks_contents(node.content)
            yield from ((n, True) for n in content if n.type == "error")


def check_theme(project_root: Path | None, name: str) -> tuple[str, list[Problem]]:
    """Every problem in a theme and its parents: theme.yaml, templates, stylesheets.

    Returns a one-line description of the chain (``acme → base``) and the problems.
    """
    chain, problems = resolve_chain(name, project_root)
    valid = not any(p.severity == "error" for p in problems)
    names = " → ".join([*(c.name for c in chain), BASE]) if valid else name
    if valid:
        from ..render.renderer import check_templates  # Jinja is loaded only for this step

        theme = load_theme(project_root, name)
        problems += theme.refused_files()
        problems += check_templates(theme) + check_stylesheets(theme) + check_contrast(theme)
    return names, sorted(problems)


def check_contrast(theme: Theme) -> list[Problem]:
    """WCAG 2.1 AA contrast of the palette pairs the layouts use, as the theme resolves them:
    text under 4.5:1 (focus outlines under 3:1) on its background is an error."""
    config = next((layer.config for layer in theme.layers if layer.config is not None), None)
    where = display_path(config.path) if config is not None else "styles"
    line = column = 0
    if config is not None:  # point at the palette in theme.yaml
        lines = config.path.read_text("utf-8").splitlines()
        line = next((i for i, text in enumerate(lines, 1) if text.startswith("colours:")), 0)
        column = 1 if line else 0
    problems = []
    for pair in palette_contrast(theme):
        if not pair.passed:
            message = (
                f"{pair.foreground} on {pair.background} ({pair.used_for}) has a contrast of "
                f"{pair.ratio:.2f}:1, under the {pair.minimum:g}:1 WCAG 2.1 AA asks for"
            )
            problems.append(
                Problem.error(where, message, line=line, column=column, field="colours")
            )
    return problems
