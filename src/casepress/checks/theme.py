"""Checks of a theme as a whole: its templates compile, its stylesheets parse, its palette
has the contrast WCAG 2.1 AA asks for (``casepress theme check``, and each build's report)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files
from ..errors import Problem, display_path
from ..model.project import Project
from ..model.schema import suggest
from ..render.styles import own_sheets, unsafe_font_faces
from ..theme import colours
from ..theme.chain import BASE, BUILTIN_STYLES, Theme, ThemeConfig, load_theme, resolve_chain


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


def check_theme(
    project_root: Path | None, name: str, *, project: Project | None = None
) -> tuple[str, list[Problem]]:
    """Every problem in a theme and its parents: theme.yaml, templates, stylesheets, contrast.

    ``project``: the project whose casepress.yaml may accept colours of low contrast
    (``accept_low_contrast``). Returns a one-line description of the chain (``acme → base``)
    and the problems.
    """
    chain, problems = resolve_chain(name, project_root)
    valid = not any(p.severity == "error" for p in problems)
    names = " → ".join([*(c.name for c in chain), BASE]) if valid else name
    if valid:
        from ..render.renderer import check_templates  # Jinja is loaded only for this step

        theme = load_theme(project_root, name)
        problems += theme.refused_files()
        problems += check_templates(theme) + check_stylesheets(theme)
        problems += check_contrast(theme, project)
        from ..render.bookparts import reversed_logo_problem  # a dark cover needs a light logo

        problems += [p for p in [reversed_logo_problem(theme)] if p is not None]
    return names, sorted(problems)


ACCEPT = "accept_low_contrast"
"""The setting (theme.yaml or casepress.yaml) that accepts a colour's low contrast."""


@dataclass(frozen=True)
class _Use:
    """A palette pair as it concerns one colour: the pair, measured, and the other colour."""

    pair: colours.Pair
    measured: colours.Contrast
    on_top: bool
    """Whether the colour is the foreground of the pair (else its background)."""


def check_contrast(theme: Theme, project: Project | None = None) -> list[Problem]:
    """WCAG 2.1 AA contrast of the palette pairs the layouts use, as the theme resolves them:
    text under 4.5:1 (a focus outline under 3:1) on its background is an error, unless the
    colour is listed in ``accept_low_contrast`` (the theme's, or ``project``'s
    casepress.yaml). One problem per colour, at the line that sets it (``colours.accent`` in
    theme.yaml, or the ``--colour-accent`` declaration in a stylesheet), naming what it is
    used for in plain words and the nearest shade that passes."""
    declared = colours.declared_colours(
        theme.stylesheets("html", document="handbook"), roots=theme.roots
    )
    values = {name: d.value for name, d in declared.items()}
    lists = [(c.path, c.accept_low_contrast, c.positions) for c in theme.configs]
    if project is not None and project.config_path is not None:
        lists.append((project.config_path, project.accept_low_contrast, project.positions))
    accepted_names = {name for _, names, _ in lists for name in names}
    problems = _unknown_accepted(lists, values)
    uses: dict[str, list[_Use]] = {}
    for pair in colours.PAIRS:
        measured = colours.check_palette(values, [pair])
        if not measured:
            continue
        blamed, on_top = _blamed(pair, declared)
        uses.setdefault(blamed, []).append(_Use(pair, measured[0], on_top))
    for variable, its_uses in uses.items():
        failed = [use for use in its_uses if not use.measured.passed]
        name = variable.removeprefix("--colour-")
        if not failed or name in accepted_names:
            continue
        value = values[variable]
        constraints = [
            (use.measured.background if use.on_top else use.measured.foreground, use.on_top,
             use.pair.minimum)
            for use in its_uses
        ]  # fmt: skip
        said = [_said(use) for use in failed]
        said = " and ".join([", ".join(said[:-1]), said[-1]] if len(said) > 1 else said)
        message = f"{value} gives too little contrast (WCAG 2.1 AA) for {said}"
        shade = colours.nearest_passing(value, constraints)
        if shade is not None:
            suggestion, direction = shade
            worst = min(
                (colours.contrast_ratio(suggestion, other) if on_top
                 else colours.contrast_ratio(other, suggestion))
                for other, on_top, _ in constraints
            )  # fmt: skip
            message += f"; use a {direction} shade such as {suggestion} ({worst:.2f}:1)"
        message += f", or list {name} under {ACCEPT}: in theme.yaml or casepress.yaml to keep it"
        problems.append(_at_declaration(theme, variable, declared[variable], message))
    return problems


def _blamed(pair: colours.Pair, declared: dict[str, colours.Declared]) -> tuple[str, bool]:
    """The colour a failing pair is reported on: the foreground, unless it is a fixed colour
    or the built-in one while the background is the theme's or the project's."""
    fg, bg = pair.foreground, pair.background
    if not fg.startswith("--"):
        return bg, False
    if bg.startswith("--") and _builtin(declared.get(fg)) and not _builtin(declared.get(bg)):
        return bg, False
    return fg, True


def _builtin(found: colours.Declared | None) -> bool:
    sheet = found.sheet if found is not None else None
    return isinstance(sheet, Path) and sheet.parent == BUILTIN_STYLES


def _said(use: _Use) -> str:
    """'the small label above the title (2.05:1 on the white page, needs 4.5:1)'."""
    m = use.measured
    if use.on_top:
        other = "the white page" if use.pair.background == colours.PAGE else m.background
        where = f"on {other}"
    else:
        where = f"under {m.foreground} text"
    return f"{use.pair.used_for} ({m.ratio:.2f}:1 {where}, needs {use.pair.minimum:g}:1)"


def _at_declaration(theme: Theme, variable: str, found: colours.Declared, message: str) -> Problem:
    """The problem at the line that set the colour: its key in a theme.yaml, or its
    declaration in a stylesheet."""
    name = variable.removeprefix("--colour-")
    if isinstance(found.sheet, Path):
        return Problem.error(
            display_path(found.sheet), message, line=found.line, column=found.column,
            field=variable,
        )  # fmt: skip
    config = _config_of(theme, found.sheet)
    if config is None:  # pragma: no cover - every generated sheet comes from a theme.yaml
        return Problem.error(found.sheet.origin, message, field=variable)
    line, column = config.positions.get(f"colours.{name}", (0, 0))
    return Problem.error(config.path, message, line=line, column=column, field=f"colours.{name}")


def _config_of(theme: Theme, sheet) -> ThemeConfig | None:
    return next((c for c in theme.configs if display_path(c.path) == sheet.origin), None)


def _unknown_accepted(lists: list, values: dict[str, str]) -> list[Problem]:
    """A name in an ``accept_low_contrast`` (a theme's, the project's) that is no colour of
    the palette; ``lists`` holds (file, names, positions in the file)."""
    names = sorted(v.removeprefix("--colour-") for v in values)
    problems = []
    for path, accepted, positions in lists:
        for index, name in enumerate(accepted):
            if f"--colour-{name}" in values:
                continue
            line, column = positions.get(f"{ACCEPT}[{index}]", (0, 0))
            message = f"no colour is named {name!r}{suggest(name, names)}; the colours are " + (
                ", ".join(names)
            )
            problems.append(
                Problem.error(path, message, line=line, column=column, field=f"{ACCEPT}[{index}]")
            )
    return problems
