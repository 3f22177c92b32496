"""theme.yaml → ThemeConfig: the format, its validation, and the CSS it generates.

``theme.yaml`` is validated like a case file: every problem is reported as
``path:line:col: field: message`` (unknown keys with a suggestion, a logo or font file that
is missing, unreadable or of the wrong kind, a colour WeasyPrint would not read). What it
sets reaches the page through a generated stylesheet: colours become ``--colour-<name>``,
fonts ``--font-<role>`` plus ``@font-face`` rules for the theme's files, and ``page:``
an ``@page`` rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from ..errors import Problem, display_path
from ..model.countrynames import country_names_type
from ..model.labels import LANGUAGE_PATTERN, labels_type
from ..model.project import PAGE_SIZES
from ..model.schema import (
    INVALID,
    Choice,
    Colour,
    Context,
    Field,
    File,
    Flag,
    ListOf,
    MapOf,
    Object,
    Slug,
    Text,
    Type,
    Url,
    sniff_font,
    sniff_image,
    suggest,
)
from ..model.source import Node, read_yaml
from ..text import css_string
from .colours import BUILTIN_COLOURS

BASE = "base"
"""The built-in theme every chain ends in."""
THEME_FILE = "theme.yaml"
_LENGTH = r"(?:0|\d+(?:\.\d+)?(?:mm|cm|in|pt|pc|px|q|Q))"

FONT_VARIANTS = {
    "regular": (400, "normal"),
    "italic": (400, "italic"),
    "medium": (500, "normal"),
    "medium_italic": (500, "italic"),
    "semibold": (600, "normal"),
    "semibold_italic": (600, "italic"),
    "bold": (700, "normal"),
    "bold_italic": (700, "italic"),
}
FONT_FALLBACKS = {
    "body": '"Source Serif Pro", var(--font-arabic), Georgia, "DejaVu Serif", serif',
    "heading": '"Source Sans Pro", var(--font-arabic), Arial, "DejaVu Sans", sans-serif',
    "arabic": '"Noto Naskh Arabic"',  # behind a theme's own Arabic face (fonts: arabic:)
}
"""What follows a theme's family in ``--font-<role>``: the built-in faces fill missing glyphs."""


class Localised(Type):
    """One text for every language, or a mapping ``{language: text}`` chosen by the case."""

    def __init__(self, description: str = "", *, markdown: bool = False):
        self.description = description
        self.text = Text(markdown=markdown)
        self.by_language = MapOf(
            Text(markdown=markdown),
            key_pattern=LANGUAGE_PATTERN,
            key_hint="a language tag such as 'fr'",
        )

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.kind == "map":
            return self.by_language.check(node, ctx, path)
        value = self.text.check(node, ctx, path)
        return value if value in (None, INVALID) else {"*": value}

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [self.text.json_schema(), self.by_language.json_schema()]}


FONT_FAMILY_UNSAFE = r"[()<>\[\]{}/%#\x00-\x1f\x7f]"
"""Characters a font family may not hold: WeasyPrint 70 names the PDF's fonts after the
family without escaping PDF delimiters, and the PDF it writes is then broken."""
FONT_FAMILY_RULE = "( ) < > [ ] { } / % # or control characters (the PDF names its fonts after it)"

FONT_SPEC = Object(
    {
        "family": Field(
            Text(
                "Family name used in CSS, e.g. 'Caladea'",
                pattern=FONT_FAMILY_UNSAFE.replace("[", "[^", 1) + "+",
                hint=f"a family name such as 'Caladea', without {FONT_FAMILY_RULE}",
            ),
            required=True,
        ),
        **{
            variant: Field(
                File(f"Font file for weight {weight}, {style} (TTF, OTF or WOFF)", sniff=sniff_font)
            )
            for variant, (weight, style) in FONT_VARIANTS.items()
        },
    },
    "A font family and the files of its faces, relative to the theme folder",
)
PAGE_SPEC = Object(
    {
        "size": Field(Choice(PAGE_SIZES, "Paper size")),
        "margins": Field(
            Text(
                "Page margins as in CSS: top [right [bottom [left]]], e.g. '20mm 18mm 22mm'",
                pattern=rf"{_LENGTH}(?:\s+{_LENGTH}){{0,3}}",
                hint="one to four lengths such as '20mm 18mm 22mm 18mm'",
            )
        ),
        "duplex": Field(
            Flag("Printed on both sides: margins and page numbers mirror on left-hand pages")
        ),
    },
    "The printed page",
)
THEME_NAME_HINT = "a theme name such as 'acme' (lowercase letters, digits and hyphens)"
FUNDER_SPEC = Object(
    {
        "name": Field(Text("Name of the funder (the logo's text alternative)"), required=True),
        "logo": Field(File("Logo: SVG, PNG or JPEG", sniff=sniff_image)),
        "url": Field(Url("Funder's web address")),
    },
    "A funder whose mark is shown in the brief",
)
THEME_SPEC = Object(
    {
        "name": Field(
            Slug("Theme name: the folder name (or entry point name)", hint=THEME_NAME_HINT),
            required=True,
        ),
        "extends": Field(
            Slug("The theme this one builds on (default: base)", hint=THEME_NAME_HINT),
            default=BASE,
        ),
        "description": Field(Text("What the theme is for")),
        "organisation": Field(Text("Organisation name: PDF author and footer")),
        "language": Field(
            Text(
                "Language of cases that name none and whose project sets none",
                pattern=LANGUAGE_PATTERN,
                hint="a language tag such as 'fr'",
            )
        ),
        "logo": Field(File("Organisation logo: SVG, PNG or JPEG", sniff=sniff_image)),
        "logo_reversed": Field(
            File(
                "Light version of the logo, for dark backgrounds such as a handbook cover "
                "in the primary colour: SVG, PNG or JPEG",
                sniff=sniff_image,
            )
        ),
        "colours": Field(
            MapOf(Colour(), "Named palette: each becomes --colour-<name> in CSS"),
        ),
        "fonts": Field(
            MapOf(
                FONT_SPEC,
                "Font roles (body, heading, ...): each becomes --font-<role> in CSS",
                key_hint="a role such as 'body' or 'heading'",
            )
        ),
        "page": Field(PAGE_SPEC),
        "labels": Field(labels_type("Label overrides per language, e.g. {fr: {lessons: ...}}")),
        "country_names": Field(
            country_names_type(
                "Country names to print, per language, over the built-in ones: "
                "{fr: {COD: RD Congo}}; a country by ISO 3166 code or name"
            )
        ),
        "footer": Field(Localised("Footer text on every page (default: the organisation)")),
        "disclaimer": Field(Localised("Paragraph at the end of every brief", markdown=True)),
        "funders": Field(ListOf(FUNDER_SPEC, "Funders whose marks end the brief")),
        "accept_low_contrast": Field(
            ListOf(
                Slug(),
                "Colours whose contrast under WCAG 2.1 AA you accept (not an error then)",
                example="accent",
            )
        ),
    },
    title="casepress theme (theme.yaml)",
)


def theme_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of theme.yaml, made from ``THEME_SPEC``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **THEME_SPEC.json_schema()}


@dataclass(frozen=True)
class FontFace:
    weight: int
    style: str
    path: Path


@dataclass(frozen=True)
class Font:
    role: str
    family: str
    faces: tuple[FontFace, ...] = ()


@dataclass(frozen=True)
class Page:
    size: str | None = None
    margins: str | None = None
    duplex: bool | None = None


@dataclass(frozen=True)
class Funder:
    name: str
    logo: Path | None = None
    url: str | None = None


@dataclass(frozen=True)
class ThemeConfig:
    """One theme folder and its validated ``theme.yaml``."""

    name: str
    folder: Path
    origin: str
    """Where it was found: 'project', 'package <distribution>'."""
    extends: str = BASE
    description: str | None = None
    organisation: str | None = None
    language: str | None = None
    logo: Path | None = None
    logo_reversed: Path | None = None
    colours: dict[str, str] = field(default_factory=dict)
    fonts: tuple[Font, ...] = ()
    page: Page = Page()
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    country_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Printed country names per language, by alpha-2 code (``country_names:``)."""
    footer: dict[str, str] | None = None
    disclaimer: dict[str, str] | None = None
    funders: tuple[Funder, ...] = ()
    accept_low_contrast: tuple[str, ...] = ()
    """Colours whose contrast under WCAG 2.1 AA the theme accepts (``checks.theme``)."""
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    """Where each value was read in theme.yaml (line, column), by field path
    ('page.size', 'colours.accent'), for messages about it."""

    @property
    def path(self) -> Path:
        return self.folder / THEME_FILE


def _make_config(
    values: dict[str, Any], folder: Path, origin: str, positions: dict | None = None
) -> ThemeConfig:
    fonts = tuple(
        Font(
            role,
            spec["family"],
            tuple(
                FontFace(weight, style, spec[variant])
                for variant, (weight, style) in FONT_VARIANTS.items()
                if spec.get(variant)
            ),
        )
        for role, spec in (values["fonts"] or {}).items()
    )
    page = values["page"] or {}
    return ThemeConfig(
        name=values["name"],
        folder=folder,
        origin=origin,
        extends=values["extends"] or BASE,
        description=values["description"],
        organisation=values["organisation"],
        language=values["language"],
        logo=values["logo"],
        logo_reversed=values["logo_reversed"],
        colours=dict(values["colours"] or {}),
        fonts=fonts,
        page=Page(page.get("size"), page.get("margins"), page.get("duplex")),
        labels=values["labels"] or {},
        country_names=values["country_names"] or {},
        footer=values["footer"],
        disclaimer=values["disclaimer"],
        funders=tuple(Funder(**f) for f in values["funders"] or []),
        accept_low_contrast=tuple(values["accept_low_contrast"] or ()),
        positions=dict(positions or {}),
    )


def read_theme_config(
    folder: Path, name: str, origin: str, problems: list[Problem]
) -> tuple[ThemeConfig | None, Node | None]:
    """Validate one theme folder's theme.yaml (adding to ``problems``); returns the settings
    (None when invalid) and the ``extends`` node, so that a chain can be followed even
    through an invalid theme and every problem found in one run."""
    path = folder / THEME_FILE
    if not path.is_file():
        problems.append(Problem.error(display_path(folder), f"not a theme: it has no {THEME_FILE}"))
        return None, None
    document = read_yaml(path, roots=[folder], what="theme file")
    ctx = Context(document.shown, list(document.problems), folder=folder)
    if document.root is None:
        problems.extend(ctx.problems)
        return None, None
    values = THEME_SPEC.validate(document.root, ctx, "")
    extends_node = entry_node(document.root, "extends")
    name_node = entry_node(document.root, "name")
    if values is not INVALID and values["name"] != name:
        where = "entry point" if origin.startswith("package") else "folder"
        ctx.error(
            name_node or document.root,
            "name",
            f"{values['name']!r} does not match the {where} name {name!r}",
        )
    if values is not INVALID:
        _check_colour_names(values["colours"] or {}, ctx, folder)
    problems.extend(ctx.problems)
    if values is INVALID or any(p.severity == "error" for p in ctx.problems):
        # Go on along the chain when ``extends`` itself is readable: report the parents too.
        if extends_node is not None and extends_node.kind == "scalar" and extends_node.text:
            return None, extends_node
        return None, None
    return _make_config(values, folder, origin, ctx.positions), extends_node


def _check_colour_names(palette: dict[str, str], ctx: Context, folder: Path) -> None:
    """A colour whose name is close to one the built-in look uses (``primery`` for
    ``primary``) and that no stylesheet or template of the theme uses is a typo: the colour
    would silently not apply. A name far from every built-in one is the theme's own."""
    used: str | None = None
    for name in palette:
        if name in BUILTIN_COLOURS:
            continue
        hint = suggest(name, BUILTIN_COLOURS)
        if not hint:
            continue
        if used is None:
            used = _theme_text(folder)
        if re.search(rf"--colour-{re.escape(name)}(?![\w-])", used):
            continue
        line, column = ctx.positions.get(f"colours.{name}", (0, 0))
        message = (
            f"{name!r} is not a colour the built-in look uses{hint}, and no stylesheet of "
            f"this theme uses var(--colour-{name}), so it would change nothing; the built-in "
            f"colours are {', '.join(BUILTIN_COLOURS)}"
        )
        ctx.problems.append(
            Problem.error(ctx.shown, message, line=line, column=column, field=f"colours.{name}")
        )


def _theme_text(folder: Path) -> str:
    """The theme's own stylesheets and templates, as one text to search for colour names."""
    texts = []
    for sub, pattern in (("styles", "*.css"), ("templates", "**/*")):
        for path in sorted((folder / sub).glob(pattern)):
            if not path.is_file():
                continue
            try:
                texts.append(files.read_text(path, [folder], limit=files.TEXT_BYTES, what=sub))
            except (files.FileRefusedError, UnicodeDecodeError):
                continue  # the theme's check reports a refused file itself
    return "\n".join(texts)


def entry_node(root: Node, key: str) -> Node | None:
    if root.kind != "map":
        return None
    return next((value for k, value in root.entries if k.text == key), None)


def generated_css(config: ThemeConfig, target: str) -> str:
    """theme.yaml as CSS: custom properties, ``@font-face`` (PDF) and ``@page`` (PDF)."""
    lines: list[str] = []
    properties = [f"--colour-{name}: {value};" for name, value in config.colours.items()]
    for font in config.fonts:
        fallback = FONT_FALLBACKS.get(font.role, FONT_FALLBACKS["heading"])
        properties.append(f"--font-{font.role}: {css_string(font.family)}, {fallback};")
        if target == "pdf":
            lines += [
                f"@font-face {{ font-family: {css_string(font.family)}; "
                f"src: url({css_string(face.path.as_uri())}); "
                f"font-weight: {face.weight}; font-style: {face.style}; }}"
                for face in font.faces
            ]
    if properties:
        lines.append(":root {\n  " + "\n  ".join(properties) + "\n}")
    if target == "pdf":
        page = config.page
        rules = []
        if page.size:
            rules.append(f"size: {page.size};")
        if page.margins:
            rules.append(f"margin: {page.margins};")
        if rules:
            lines.append("@page { " + " ".join(rules) + " }")
        if page.duplex:
            lines.append(DUPLEX_CSS)
            if page.margins:
                top, right, bottom, left = _four(page.margins)
                lines.append(f"@page :left {{ margin: {top} {left} {bottom} {right}; }}")
    return "\n".join(lines) + "\n" if lines else ""


DUPLEX_CSS = """\
@page :right {
  @top-left { content: none; }
  @top-right { content: string(case-title); font-family: var(--font-heading);
    font-size: var(--size-small); color: var(--colour-muted); vertical-align: bottom;
    padding-bottom: 4mm; text-align: right; }
}
@page :left {
  @bottom-left { content: element(running-page-number); }
  @bottom-right { content: element(running-footer); text-align: right; }
}
@page :first { @top-right { content: none; } }"""
"""``page: {duplex: true}``: on a left-hand page the page number moves to the outer (left)
corner and the footer to the inner one; the running head sits on the outer side. With
``margins``, the left and right margins swap on left-hand pages too."""


def _four(margins: str) -> tuple[str, str, str, str]:
    """CSS margin shorthand expanded to (top, right, bottom, left)."""
    v = margins.split()
    if len(v) == 1:
        return v[0], v[0], v[0], v[0]
    if len(v) == 2:
        return v[0], v[1], v[0], v[1]
    if len(v) == 3:
        return v[0], v[1], v[2], v[1]
    return v[0], v[1], v[2], v[3]
