"""Theme: finding themes, the ``extends:`` chain, and the layers templates and sheets come from.

A theme is a folder with a ``theme.yaml`` and, optionally, ``templates/`` and ``styles/``::

    themes/<name>/theme.yaml      settings, validated like a case file (path:line:col)
    themes/<name>/templates/      Jinja templates that replace built-in ones
    themes/<name>/styles/         CSS loaded after the built-in sheets

A theme is looked for in the project's ``themes/`` folder, then among installed packages that
declare an entry point in the ``casepress.themes`` group, then built in (``base``). The chain
of places templates and styles come from runs, most specific first::

    project templates/ and styles/ → the selected theme → its parents → built-in (base)

A project file byte-identical to the built-in file of the same name *is* the built-in one,
not an override: a copy of the repository (whose top-level ``templates/`` and ``styles/`` are
the built-ins) has no project layer, and a project that copied the built-ins and edited one
file overrides just that file. A project file that does override a theme's or the built-in
file of the same name is listed by ``Theme.overrides`` and mentioned once by ``theme_for``.

Stylesheets cascade the other way (built-in first, so later sheets win): for each theme,
parents first, a sheet generated from its ``theme.yaml`` (custom properties, ``@font-face``,
``@page``) and then its own ``styles/*.css``; the project's ``styles/`` after them all.
``theme.yaml`` itself is read by ``themefile.py``; label catalogues live in ``labels.py``.
"""

from __future__ import annotations

import filecmp
import logging
import os
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import files
from ..errors import InputError, Problem, display_path
from ..model.labels import (  # noqa: F401 - re-exported: themes.py was their home
    LABELS_DIR,
    LANGUAGE_PATTERN,
    builtin_labels,
    builtin_languages,
    label_set,
    merge_labels,
)
from ..model.places import merge_country_names
from ..model.schema import suggest
from ..model.source import read_yaml
from ..text import SLUG
from .config import (  # noqa: F401 - re-exported for templates' and tests' convenience
    BASE,
    PAGE_SIZES,
    THEME_FILE,
    Funder,
    Page,
    ThemeConfig,
    entry_node,
    generated_css,
    read_theme_config,
    theme_schema,
)

if TYPE_CHECKING:
    from ..model.project import Project

_PACKAGE = Path(__file__).resolve().parents[1]


def _builtin(name: str) -> Path:
    """An installed wheel carries ``casepress/<name>``; a checkout has it at the top level."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parents[1] / name


BUILTIN_TEMPLATES = _builtin("templates")
BUILTIN_STYLES = _builtin("styles")
THEMES_DIR = "themes"
"""A project's folder of themes."""
ENTRY_POINT_GROUP = "casepress.themes"
"""Entry-point group through which an installed package offers a theme."""

TEXT_SUFFIXES = frozenset((".css", ".j2", ".html", ".md", ".yaml", ".yml", ".txt"))
"""Theme files read as text (templates, stylesheets): at most ``files.TEXT_BYTES`` each."""
PDF_STYLESHEETS = ("fonts.css", "base.css", "print.css")
"""Sheets for PDF output, in cascade order; a theme's ``styles/`` may replace or add to them."""
HTML_STYLESHEETS = ("base.css", "screen.css")
"""Sheets inlined into standalone HTML output."""
_ONLY_FOR = {"fonts.css": "pdf", "print.css": "pdf", "screen.css": "html", "site.css": "html"}
"""Sheet names that apply to one target only; every other ``*.css`` applies to both."""
_DOCUMENT_SHEETS = {"handbook.css": "handbook", "site.css": "site"}
"""Sheets named after a kind of document load only for that kind (a brief skips handbook.css)."""
_PROFILE_SHEETS = {"print-production.css": "print"}
"""Sheets that load only for one output profile: bleed, marks and mirrored margins for print."""


# ---------------------------------------------------------------------------------------------
# Finding themes


@dataclass(frozen=True)
class ThemeRef:
    """A theme that can be selected by name, and where it lives."""

    name: str
    folder: Path | None
    origin: str
    """'project', 'package <distribution>' or 'built-in'."""
    error: str | None = None
    """Why an installed entry point could not give a folder."""


def installed_themes() -> list[ThemeRef]:
    """Themes offered by installed packages through the ``casepress.themes`` entry points.

    An entry point names a module (its folder is the theme) or an attribute holding the
    folder's path: ``acme = "acme_theme"`` or ``acme = "acme_theme:THEME_DIR"``.
    """
    refs = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(entry.dist, "name", None) or entry.value.split(":")[0].split(".")[0]
        origin = f"package {dist}"
        try:
            target = entry.load()
            if callable(target) and not isinstance(target, type):
                target = target()
            module_file = getattr(target, "__file__", None)
            folder = Path(module_file).parent if module_file else Path(os.fspath(target))
        except Exception as exc:  # a broken third-party package must not stop the listing
            refs.append(ThemeRef(entry.name, None, origin, f"{type(exc).__name__}: {exc}"))
            continue
        refs.append(ThemeRef(entry.name, folder.resolve(), origin))
    return refs


def project_themes(project_root: Path | None) -> list[ThemeRef]:
    folder = (project_root / THEMES_DIR) if project_root else None
    if project_root is None or folder is None or not folder.is_dir():
        return []
    return [
        _project_theme(p, project_root)
        for p in sorted(folder.iterdir())
        if p.is_dir() and not p.name.startswith(".")
    ]


def _project_theme(folder: Path, project_root: Path) -> ThemeRef:
    """A theme of the project's ``themes/``; one whose folder is (or lies in) a symbolic link
    to a place outside the project is no theme: its files, and any file a case names through
    it, would come from outside the project."""
    real = Path(os.path.realpath(folder))
    if not real.is_relative_to(os.path.realpath(project_root)):
        error = (
            f"{display_path(folder)} is a symbolic link to a folder outside the project; "
            f"copy the theme into {THEMES_DIR}/ instead"
        )
        return ThemeRef(folder.name, None, "project", error)
    return ThemeRef(folder.name, real, "project")


def available_themes(project_root: Path | None = None) -> list[ThemeRef]:
    """Every theme that can be selected, in lookup order; a name found twice, first wins."""
    refs = [*project_themes(project_root), *installed_themes()]
    refs.append(ThemeRef(BASE, None, "built-in"))
    return refs


def find_theme(name: str, project_root: Path | None = None) -> ThemeRef | None:
    if name == BASE:
        return ThemeRef(BASE, None, "built-in")
    if project_root is not None:
        candidate = project_root / THEMES_DIR / name
        if candidate.is_dir():
            return _project_theme(candidate, project_root)
    for ref in installed_themes():
        if ref.name == name:
            return ref
    return None


def theme_search_places(project_root: Path | None, name: str) -> str:
    """Every place a theme name is looked for, for error messages."""
    places = []
    if project_root is not None:
        places.append(f"{display_path(project_root / THEMES_DIR / name)}/ (project)")
    installed = [r.name for r in installed_themes()]
    places.append(
        f"installed packages (entry points '{ENTRY_POINT_GROUP}': "
        f"{', '.join(installed) if installed else 'none'})"
    )
    places.append(f"built-in: {BASE}")
    return "; ".join(places)


# ---------------------------------------------------------------------------------------------
# The resolved theme


@dataclass(frozen=True)
class Layer:
    """One place in the chain that templates and styles come from."""

    label: str
    """How explanations name it: 'project', 'theme acme', 'built-in'."""
    templates: Path
    styles: Path
    config: ThemeConfig | None = None
    prefix: str | None = None
    """Name for ``{% extends "<prefix>:brief.html.j2" %}``: the theme's name, or 'base'."""
    copies: frozenset[Path] = frozenset()
    """Files in ``templates`` and ``styles`` that are the built-in files of the same name,
    byte for byte: lookups and stylesheets pass over them (the built-in layer has them)."""
    roots: tuple[Path, ...] = ()
    """The folders this layer's files may be read from (``files``): the project's folder,
    the theme's own folder, or the built-in templates and styles folders, nothing more."""

    def has(self, path: Path) -> bool:
        """Whether this layer supplies the file: it exists and is not a built-in copy."""
        return path.is_file() and path not in self.copies


@dataclass(frozen=True)
class Override:
    """A project file that replaces (a template) or follows (a stylesheet) a file of the same
    name in the theme chain or the built-ins."""

    path: Path
    """The project's file."""
    overridden: Path
    """The first file of that name below the project: the theme's, a parent's, the built-in."""
    layer: str
    """The label of the layer ``overridden`` belongs to: 'theme azimut', 'built-in'."""

    @property
    def message(self) -> str:
        """What it does and how to stop it, for the build's output."""
        builtin = self.layer == "built-in"
        whose = "the built-in" if builtin else f"{self.layer}'s"
        name, shown, other = (
            self.overridden.name,
            display_path(self.path),
            display_path(self.overridden),
        )
        if self.path.suffix == ".css":
            return (
                f"{shown}: the project's stylesheet is loaded after every theme sheet, so its "
                f"rules win over {whose} {name} ({other}) and the rest of the theme; delete it "
                "to use the theme's, or keep only the rules you mean to change"
            )
        instead = "the built-in one" if builtin else "the theme's"
        return f"{shown}: overrides {whose} {name} ({other}); delete or rename it to use {instead}"


@dataclass(frozen=True)
class Sheet:
    """A stylesheet generated from settings (theme.yaml, casepress.yaml), not read from a file."""

    origin: str
    css: str


@dataclass(frozen=True)
class Theme:
    """A resolved theme: folders in lookup order (most specific first), settings merged."""

    name: str
    template_dirs: tuple[Path, ...]
    style_dirs: tuple[Path, ...]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """Label overrides by language: the theme chain's, then the project's."""
    layers: tuple[Layer, ...] = ()
    """Project, theme, parents, built-in: the chain ``--explain-templates`` shows."""

    @property
    def overrides(self) -> tuple[Override, ...]:
        """The project's templates and stylesheets that share a name with a file below them
        (the theme's, a parent's, the built-in one), built-in copies left out."""
        project = next((layer for layer in self.layers if layer.label == PROJECT), None)
        if project is None:
            return ()
        below = [layer for layer in self.layers if layer is not project]
        found = []
        for mine, folder_of, pattern in (
            (project.templates, lambda layer: layer.templates, "**/*"),
            (project.styles, lambda layer: layer.styles, "*.css"),
        ):
            for path in _own_files(mine, pattern):
                if not project.has(path):
                    continue
                relative = path.relative_to(mine)
                for layer in below:
                    other = folder_of(layer) / relative
                    if layer.has(other):
                        found.append(Override(path, other, layer.label))
                        break
        return tuple(found)

    @property
    def configs(self) -> tuple[ThemeConfig, ...]:
        """The chain's theme.yaml settings, most specific first."""
        return tuple(layer.config for layer in self.layers if layer.config is not None)

    def _first(self, attribute: str) -> Any:
        for config in self.configs:
            value = getattr(config, attribute)
            if value is not None:
                return value
        return None

    @property
    def organisation(self) -> str | None:
        return self._first("organisation")

    @property
    def language(self) -> str | None:
        return self._first("language")

    @property
    def logo(self) -> Path | None:
        return self._first("logo")

    @property
    def logo_reversed(self) -> Path | None:
        """The light logo for dark covers: the first theme's that has a logo at all, so a
        child theme's own ``logo:`` is never paired with its parent's reversed one."""
        for config in self.configs:
            if config.logo is not None or config.logo_reversed is not None:
                return config.logo_reversed
        return None

    @property
    def footer(self) -> dict[str, str] | None:
        return self._first("footer")

    @property
    def disclaimer(self) -> dict[str, str] | None:
        return self._first("disclaimer")

    @property
    def funders(self) -> tuple[Funder, ...]:
        return next((c.funders for c in self.configs if c.funders), ())

    @property
    def page(self) -> Page:
        pages = [c.page for c in self.configs]
        return Page(
            size=next((p.size for p in pages if p.size), None),
            margins=next((p.margins for p in pages if p.margins), None),
            duplex=next((p.duplex for p in pages if p.duplex is not None), None),
        )

    @property
    def colours(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for config in reversed(self.configs):
            merged.update(config.colours)
        return merged

    @property
    def country_names(self) -> dict[str, dict[str, str]]:
        """``country_names:`` of the chain, a theme's over its parents', language by language."""
        return merge_country_names(*(config.country_names for config in reversed(self.configs)))

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders the theme's files and resources may be read from (``files``, the
        sandboxed fetcher): the project's folder, each theme's own folder, and of casepress
        itself only its templates and styles (fonts included), never the folder around them."""
        return tuple(dict.fromkeys(root for layer in self.layers for root in layer.roots))

    def refused_files(self) -> list[Problem]:
        """Every template, stylesheet and file beside them that ``files`` would refuse to
        read (a symbolic link to a place outside the project or the theme, a file over the
        limit), each at the file: a build stops on them before anything is rendered."""
        problems = []
        for layer in self.layers:
            for folder in (layer.templates, layer.styles):
                for path in _own_files(folder):
                    limit = (
                        files.TEXT_BYTES if path.suffix in TEXT_SUFFIXES else files.RESOURCE_BYTES
                    )
                    what = "template" if folder == layer.templates else "stylesheet"
                    try:
                        files.confine(path, self.roots, limit=limit, what=what)
                    except files.FileRefusedError as refusal:
                        problems.append(refusal.problem())
        return problems

    def stylesheets(
        self,
        target: str | tuple[str, ...] = "pdf",
        *,
        page_size: str | None = None,
        document: str = "brief",
        profile: str = "screen",
    ) -> list[Path | Sheet]:
        """Sheets for "pdf" or "html" output, in cascade order (later sheets win).

        Built-in sheets first; then, for each theme from the root of the chain to the
        selected one, a sheet generated from its theme.yaml followed by its ``styles/``;
        then the project's ``styles/``; last, ``page_size`` when the project or the command
        line chose one, so that it beats the theme's. (``target`` may also be the tuple
        ``PDF_STYLESHEETS`` or ``HTML_STYLESHEETS``.)
        """
        if isinstance(target, tuple):
            target = "pdf" if "print.css" in target else "html"
        sheets: list[Path | Sheet] = []
        for layer in reversed(self.layers):
            if layer.config is not None:
                css = generated_css(layer.config, target)
                if css:
                    sheets.append(Sheet(display_path(layer.config.path), css))
            sheets.extend(
                sheet
                for sheet in _folder_sheets(layer.styles, target, document, profile)
                if sheet not in layer.copies
            )
        if page_size and target == "pdf":
            sheets.append(Sheet("page size", f"@page {{ size: {page_size}; }}\n"))
        return sheets

    def label_set(self, language: str) -> dict[str, str]:
        """Labels for a language: English, then the language, each with the overrides."""
        return label_set(language, self.labels)


def html_only(sheet: Path | Sheet) -> bool:
    """Whether a sheet of ``Theme.stylesheets("html")`` loads for HTML only (``screen.css``,
    ``site.css``, a sheet generated for HTML); every other sheet loads for the PDF too, so
    its ``@page`` and ``@media print`` rules are the PDF's (``render.printonly``)."""
    return isinstance(sheet, Sheet) or _ONLY_FOR.get(sheet.name) == "html"


def _folder_sheets(
    folder: Path, target: str, document: str = "brief", profile: str = "screen"
) -> list[Path]:
    """A styles folder's sheets for a target: built-in names in built-in order, then the rest."""
    if not folder.is_dir():
        return []
    order = {name: i for i, name in enumerate(("fonts.css", "base.css", "print.css", "screen.css"))}
    found = [
        p
        for p in folder.glob("*.css")
        if p.is_file()
        and _ONLY_FOR.get(p.name, target) == target
        and _DOCUMENT_SHEETS.get(p.name, document) == document
        and _PROFILE_SHEETS.get(p.name, profile) == profile
    ]
    return sorted(found, key=lambda p: (order.get(p.name, len(order)), p.name))


# ---------------------------------------------------------------------------------------------
# Loading


def resolve_chain(
    name: str,
    project_root: Path | None = None,
    *,
    origin: Problem | None = None,
) -> tuple[list[ThemeConfig], list[Problem]]:
    """The theme and its parents (most specific first, ``base`` left out), and every problem.

    ``origin`` positions an unknown top-level name: where the name was given
    (casepress.yaml's ``theme:``, or ``--theme``).
    """
    problems: list[Problem] = []
    chain: list[ThemeConfig] = []
    visited: list[tuple[str, Path]] = []
    current, asked_at = name, origin
    while current != BASE:
        ref = find_theme(current, project_root)
        if ref is not None and ref.folder is None and ref.origin == "project":
            problems.append(_at(asked_at, f"theme {current!r} refused: {ref.error}"))
            break
        if ref is None or ref.folder is None:
            why = f" ({ref.error})" if ref is not None and ref.error else ""
            message = f"unknown theme {current!r}{why}{_suggest_theme(current, project_root)}; "
            if not re.fullmatch(SLUG, current):
                message += "theme names are lowercase letters, digits and hyphens, like 'acme'; "
            message += f"the themes you can use: {theme_names(project_root)}; "
            message += f"looked in {theme_search_places(project_root, current)}"
            problems.append(_at(asked_at, message))
            break
        if any(seen == current for seen, _ in visited):
            names = " → ".join([*(n for n, _ in visited), current])
            folders = ", ".join(display_path(folder) for _, folder in visited)
            message = f"{current!r} makes a cycle: {names}; theme folders read: {folders}"
            problems.append(_at(asked_at, message))
            break
        visited.append((current, ref.folder))
        config, extends_node = read_theme_config(ref.folder, ref.name, ref.origin, problems)
        if config is not None:
            chain.append(config)
            current = config.extends
        elif extends_node is not None:
            current = extends_node.text or BASE
        else:
            break
        shown = display_path(ref.folder / THEME_FILE)
        line, column = (extends_node.line, extends_node.column) if extends_node else (0, 0)
        asked_at = Problem.error(shown, "", line=line, column=column, field="extends")
    return chain, problems


def theme_names(project_root: Path | None) -> str:
    """'azimut, base': every theme a project can select, for messages."""
    return ", ".join(dict.fromkeys(r.name for r in available_themes(project_root) if r.folder
                                   or r.name == BASE))  # fmt: skip


def _suggest_theme(name: str, project_root: Path | None) -> str:
    return suggest(name, [r.name for r in available_themes(project_root)])


def _at(where: Problem | None, message: str) -> Problem:
    if where is None:
        return Problem.error("casepress", message)
    return Problem.error(
        where.path, message, line=where.line, column=where.column, field=where.field
    )


def load_theme(
    project_root: Path | None = None,
    name: str | None = None,
    *,
    labels: dict[str, dict[str, str]] | None = None,
    origin: Problem | None = None,
) -> Theme:
    """The theme for a project: its own overrides in front of the named theme and its parents.

    ``labels`` are the project's label overrides (casepress.yaml ``labels:``); they win over
    the theme's. Raises ``InputError`` with every problem in every theme.yaml of the chain.
    """
    chain, problems = resolve_chain(name or BASE, project_root, origin=origin)
    if any(p.severity == "error" for p in problems):
        raise InputError([p for p in problems if p.severity == "error"])
    layers: list[Layer] = []
    if project_root is not None:
        project = _project_layer(project_root)
        if project is not None:
            layers.append(project)
    for config in chain:
        layers.append(
            Layer(
                f"theme {config.name}",
                config.folder / "templates",
                config.folder / "styles",
                config,
                prefix=config.name,
                roots=(config.folder,),
            )
        )
    layers.append(
        Layer(
            "built-in",
            BUILTIN_TEMPLATES,
            BUILTIN_STYLES,
            prefix=BASE,
            roots=(BUILTIN_TEMPLATES, BUILTIN_STYLES),
        )
    )
    return Theme(
        name=name or BASE,
        template_dirs=tuple(layer.templates for layer in layers if layer.templates.is_dir()),
        style_dirs=tuple(layer.styles for layer in layers if layer.styles.is_dir()),
        labels=merge_labels(*(c.labels for c in reversed(chain)), labels or {}),
        layers=tuple(layers),
    )


PROJECT = "project"
"""The label of the project's own layer."""


def _project_layer(root: Path) -> Layer | None:
    """The project's ``templates/`` and ``styles/``, less the files that are the built-in ones.

    A file with the same name and bytes as a built-in file is that built-in file (the
    repository itself, a copy of it, a project that copied the built-ins to edit one). When
    every file is such a copy, the project has no layer of its own; a project without the
    folders keeps its (empty) layer, so ``--explain-templates`` shows where overrides go.
    """
    templates, styles = root / "templates", root / "styles"
    copies: set[Path] = set()
    own = 0
    for folder, builtin in ((templates, BUILTIN_TEMPLATES), (styles, BUILTIN_STYLES)):
        for path in _own_files(folder):
            twin = builtin / path.relative_to(folder)
            if twin.is_file() and filecmp.cmp(path, twin, shallow=False):
                copies.add(path)
            else:
                own += 1
    if copies and not own:
        return None
    return Layer(PROJECT, templates, styles, copies=frozenset(copies), roots=(root,))


def _own_files(folder: Path, pattern: str = "**/*") -> list[Path]:
    """Files under a folder, hidden ones (and those in hidden folders) left out."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob(pattern)
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts)
    )


_log = logging.getLogger("casepress")
_ANNOUNCED: set[str] = set()
"""Override messages this process has logged already: each is said once."""


def theme_for(project: Project) -> Theme:
    """The theme a project asks for (``--theme`` or ``theme:``), with its label overrides.

    Each project file that overrides a file of the theme (or a built-in one) is mentioned
    once, as an information message: an override is allowed, but a forgotten one (an old
    copy of ``brief.html.j2`` hiding the new theme's) is hard to find otherwise.
    """
    theme = load_theme(
        project.root, project.theme, labels=project.labels, origin=project.theme_origin
    )
    for override in theme.overrides:
        message = override.message
        if message not in _ANNOUNCED:
            _ANNOUNCED.add(message)
            _log.info("%s", message)
    return theme


def theme_listing(project_root: Path | None) -> list[tuple[str, ...]]:
    """Rows for ``casepress theme list``: name, parent, where from, folder (header first)."""
    rows = [("NAME", "EXTENDS", "FROM", "FOLDER")]
    seen: set[str] = set()
    for ref in available_themes(project_root):
        origin = ref.origin if ref.name not in seen else f"{ref.origin} (hidden by the first)"
        seen.add(ref.name)
        if ref.folder is None:
            extends = "" if ref.name == BASE else "(broken)"
            folder = "(inside casepress)" if ref.name == BASE else (ref.error or "")
        else:
            extends = _extends_of(ref.folder)
            folder = display_path(ref.folder)
        rows.append((ref.name, extends, origin, folder))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [tuple(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row))
            for row in rows]  # fmt: skip


def _extends_of(folder: Path) -> str:
    path = folder / THEME_FILE
    if not path.is_file():
        return f"(no {THEME_FILE})"
    document = read_yaml(path, roots=[folder], what="theme file")
    node = entry_node(document.root, "extends") if document.root is not None else None
    return (node.text if node is not None and node.text else BASE) if not document.problems else "?"
