"""casepress.yaml → Project: validated settings, with every path resolved against the file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from .. import files
from ..errors import InputError, Problem, UsageError
from ..text import SLUG
from .bookparts import CoverImage, check_isbn, check_licence
from .countrynames import country_names_type
from .labels import LANGUAGE_PATTERN, known_language, labels_type
from .limits import LAYOUT_LIMITS_SPEC, LayoutLimits
from .places import BUILTIN_REGION_NAMES
from .schema import (
    INVALID,
    Choice,
    Context,
    Count,
    Date,
    Field,
    Flag,
    Integer,
    ListOf,
    MapOf,
    Object,
    Slug,
    Text,
    sniff_image,
)
from .source import read_yaml

CONFIG_NAME = "casepress.yaml"
PAGE_SIZES = ("A4", "Letter", "A5")
COMMAND_LINE = "command line"
"""The ``source`` of an edition defined by flags rather than in casepress.yaml."""
PDF_VARIANTS = (
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f",
    "pdf/ua-1", "pdf/ua-2",
)  # fmt: skip
Profile = Literal["screen", "print"]
PROFILES: tuple[Profile, ...] = get_args(Profile)
"""screen: the PDF as read on screen; print: the same with bleed, crop marks and mirrored
margins, handbook chapters on right-hand pages (styles/print-production.css)."""

GROUP_BY = ("region", "country", "theme", "none")
ORDER_BY = ("title", "country", "period", "ids")

HANDBOOK_SPEC = Object(
    {
        "title": Field(Text("Title on the cover"), required=True),
        "subtitle": Field(Text("Subtitle on the cover")),
        "edition": Field(Text("Edition statement, e.g. 'Second edition'")),
        "date": Field(Date("Date of this edition (YYYY-MM-DD, or YYYY-MM)")),
        "organisation": Field(Text("Publisher shown on the cover; defaults to the project's")),
        "logo": Field(Text("Logo image for the cover (SVG or PNG), relative to casepress.yaml")),
        "introduction": Field(
            Text("Markdown file rendered as front matter, relative to casepress.yaml")
        ),
        "ids": Field(
            ListOf(Slug(), "Cases in this order (instead of filters)", example="a-case-id")
        ),
        "regions": Field(
            ListOf(
                Text(examples=BUILTIN_REGION_NAMES),
                "Cases tagged with any of these regions",
                example="Sub-Saharan Africa",
            )
        ),
        "countries": Field(
            ListOf(Text(), "Cases tagged with any of these countries", example="Peru")
        ),
        "themes": Field(
            ListOf(Text(), "Cases tagged with any of these themes", example="Police reform")
        ),
        "exclude": Field(ListOf(Slug(), "Ids of cases to leave out", example="a-case-id")),
        "group_by": Field(
            Choice(GROUP_BY, "Parts of the handbook: one per region, country or theme")
        ),
        "order_by": Field(Choice(ORDER_BY, "Order of cases within a part")),
        "duplex": Field(Flag("Printed on both sides: chapters start on a right-hand page")),
        "copyright": Field(Text("Copyright line for the imprint page")),
        "isbn": Field(
            Text(
                "ISBN for the imprint page (ISBN-13 or ISBN-10; its check digit is verified)",
                convert=check_isbn,
            )  # fmt: skip
        ),
        "disclaimer": Field(
            Text("Disclaimer paragraph for the imprint page (Markdown)", markdown=True)
        ),
        "max_pages": Field(Count("Page budget: a warning when the PDF has more pages")),
        # Book furniture (cover and imprint): model/bookparts.py
        "cover_image": Field(CoverImage()),
        "cover_image_alt": Field(Text("What the cover image shows (its text alternative)")),
        "publisher": Field(Text("Publisher on the imprint page; default: the organisation")),
        "licence": Field(
            Text(
                "Licence on the imprint page: a short name such as 'CC BY 4.0' (printed with "
                "its full name and address) or your own wording",
                convert=check_licence,
            )
        ),
        "citation": Field(
            Text(
                "Suggested citation on the imprint page; default: 'Organisation (Year). "
                "Title. Edition. Publisher.'"
            )
        ),
        "colophon": Field(Text("Colophon line at the foot of the imprint (typefaces, printer)")),
        "produced_with": Field(
            Flag("Print the 'Typeset with casepress' line on the imprint page (default: true)")
        ),
        "part_numbers": Field(
            Flag(
                "Number the parts (Part I, Part II) in contents and on dividers "
                "(default: true when grouped)"
            )  # fmt: skip
        ),
        "case_numbers": Field(
            Flag("Number the cases (1, 2, …) in contents and on chapter openers (default: false)")
        ),
        "allow_partial": Field(
            Flag(
                "Publish it even when cases it selects have errors: they are left out, and "
                "its contents page names them (default: the handbook is not built, and its "
                "last good file stays)"
            )
        ),
        # translations (model/translations.py): one version of each case, in one language
        "language": Field(
            Text(
                "Language of this edition: the version of each case in that language, and "
                "the handbook's own headings in it (BCP 47 tag such as fr)",
                pattern=LANGUAGE_PATTERN,
                hint="a language tag such as 'en' or 'fr'",
                convert=known_language,
            )
        ),
        "fallback": Field(
            Choice(
                ("original", "skip"),
                "With language: a case that has no version in that language is printed in its "
                "original (original, the default) or left out (skip); the log says which",
            )
        ),
        "drafts": Field(
            Flag(
                "Include the cases whose status is draft (default: false: drafts are left "
                "out, and the build says which)"
            )
        ),
    },
    "A handbook: cases selected by id or by tags, with cover, contents and indexes",
)
BRIEFS_SPEC = Object(
    {"max_pages": Field(Count("Page budget of every brief: a warning when a PDF is longer"))},
    "Settings for briefs",
)

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
"""40 megapixels: a 7,700 × 5,200 photograph; decoded, about 160 MB."""
DEFAULT_MAX_ELEMENTS = 10_000
"""HTML elements in one PDF brief: a long case has ~300; at the limit layout takes ~20 s, ~350 MB."""

PROJECT_SPEC = Object(
    {
        "title": Field(Text("Name of the case library, used in listings")),
        "organisation": Field(Text("Publishing organisation, shown in every footer")),
        "language": Field(
            Text(
                "Default language of cases (BCP 47 tag such as en, fr, es-419); "
                "default: the theme's, else en",
                pattern=LANGUAGE_PATTERN,
                hint="a language tag such as 'en' or 'fr'",
                convert=known_language,
            )
        ),
        "theme": Field(
            Slug(
                "Theme: a folder in themes/, an installed theme, or base",
                hint="a theme name such as 'acme' (lowercase letters, digits and hyphens; "
                "'casepress theme list' shows the themes you can use)",
            )
        ),
        "page_size": Field(
            Choice(PAGE_SIZES, "Paper size of PDF briefs; default: the theme's, else A4")
        ),
        "labels": Field(labels_type("Label overrides per language, over the theme's")),
        "country_names": Field(
            country_names_type(
                "Country names to print, per language, over the built-in and the theme's: "
                "{fr: {COD: RD Congo}}; a country by ISO 3166 code or name"
            )
        ),
        "pdf_variant": Field(
            Choice(PDF_VARIANTS, "PDF flavour passed to WeasyPrint (default: pdf/ua-1)")
        ),
        "profile": Field(
            Choice(PROFILES, "print adds bleed, crop marks and mirrored margins"),
            default="screen",
        ),
        "embed_source": Field(
            Flag("Attach each case's YAML file to its PDF (and to handbooks) for archiving")
        ),
        "briefs": Field(BRIEFS_SPEC),
        "cases": Field(Text("Folder of case files, relative to this file"), default="cases"),
        "output": Field(
            Text("Folder outputs are written to, relative to this file"), default="build"
        ),
        "regions": Field(
            ListOf(
                Text(),
                "Regions of your own that cases may use, besides the built-in ones "
                "(and that `casepress import` sorts tags into)",
                example="Andean region",
            )
        ),
        "topics": Field(
            ListOf(
                Text(),
                "The subject themes cases may use in themes: (unset: any, with near-duplicates "
                "warned about)",
                example="Police reform",
            )
        ),
        "handbooks": Field(
            MapOf(
                HANDBOOK_SPEC,
                "Handbooks to build, by name (the name is the output file name)",
                key_pattern=SLUG,
                key_hint="a handbook name in lowercase letters, digits and hyphens",
            )
        ),
        "allow_network": Field(
            Flag("Let briefs load images and stylesheets over http(s); off by default"),
            default=False,
        ),
        "trust_html": Field(
            Flag(
                "Case authors are trusted: raw HTML in Markdown is kept as written instead of "
                "sanitised (files outside the project and the network stay out of reach)"
            ),
            default=False,
        ),
        "max_image_pixels": Field(
            # Pillow refuses more than 2 x 89,478,485 pixels itself; stay below its warning.
            Integer(
                "Largest image (width x height) a brief may embed", minimum=1, maximum=89_000_000
            ),
            default=DEFAULT_MAX_IMAGE_PIXELS,
        ),
        "max_elements": Field(
            Integer(
                "Most HTML elements one PDF brief may have: bounds layout time and memory",
                minimum=100,
            ),
            default=DEFAULT_MAX_ELEMENTS,
        ),
        "accept_low_contrast": Field(
            ListOf(
                Slug(),
                "Theme colours whose contrast under WCAG 2.1 AA you accept (not an error then)",
                example="accent",
            )
        ),
        "layout_limits": Field(LAYOUT_LIMITS_SPEC),
    },
    title="casepress project (casepress.yaml)",
    hints={
        name: "list the subject themes cases may use under topics: (theme: is the visual theme)"
        for name in ("themes", "subjects")
    },
)


def project_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of casepress.yaml, made from ``PROJECT_SPEC``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **PROJECT_SPEC.json_schema()}


@dataclass(frozen=True)
class Edition:
    """One handbook definition: what to select, how to group and order it, its front matter."""

    name: str
    title: str
    subtitle: str | None = None
    edition: str | None = None
    date: Any = None
    organisation: str | None = None
    logo: Path | None = None
    introduction: Path | None = None
    ids: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    group_by: str = "none"
    order_by: str = "title"
    duplex: bool = False
    copyright: str | None = None
    isbn: str | None = None
    disclaimer: str | None = None
    max_pages: int | None = None
    cover_image: Path | None = None
    cover_image_alt: str | None = None
    cover_image_credit: str | None = None
    publisher: str | None = None
    licence: Any = None
    """A ``bookparts.Licence``."""
    citation: str | None = None
    colophon: str | None = None
    produced_with: bool = True
    part_numbers: bool | None = None
    """None: numbered when the handbook is grouped."""
    case_numbers: bool = False
    language: str | None = None
    """Print each case in this language where it has a version in it (``translations``)."""
    fallback: str = "original"
    """With ``language``: 'original' or 'skip' a case that has no version in it."""
    allow_partial: bool = False
    """Published without the selected cases that have errors (``editions.partial_problems``)."""
    drafts: bool = False
    """Include the selected cases whose ``status`` is draft (``editions.plan_handbook``)."""
    source: str = "casepress.yaml"
    """Where the definition came from, for messages (the file, or 'command line')."""
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def where(self, field_path: str) -> tuple[int, int]:
        return self.positions.get(field_path, (0, 0))


def make_edition(
    name: str, values: dict[str, Any], root: Path, *, source: str = COMMAND_LINE, positions=None
) -> Edition:
    """An Edition from validated values (from casepress.yaml or the command line)."""
    cover = values.get("cover_image")
    listed = {
        k: tuple(values.get(k) or ()) for k in ("ids", "regions", "countries", "themes", "exclude")
    }
    return Edition(
        name=name,
        title=values["title"],
        subtitle=values.get("subtitle"),
        edition=values.get("edition"),
        date=values.get("date"),
        organisation=values.get("organisation"),
        logo=root / values["logo"] if values.get("logo") else None,
        introduction=root / values["introduction"] if values.get("introduction") else None,
        group_by=values.get("group_by") or "none",
        order_by=values.get("order_by") or ("ids" if listed["ids"] else "title"),
        duplex=bool(values.get("duplex")),
        copyright=values.get("copyright"),
        isbn=values.get("isbn"),
        disclaimer=values.get("disclaimer"),
        max_pages=values.get("max_pages"),
        cover_image=root / cover["file"] if cover else None,
        cover_image_alt=values.get("cover_image_alt") or (cover or {}).get("alt"),
        cover_image_credit=(cover or {}).get("credit"),
        publisher=values.get("publisher"),
        licence=values.get("licence"),
        citation=values.get("citation"),
        colophon=values.get("colophon"),
        produced_with=values.get("produced_with") is not False,
        part_numbers=values.get("part_numbers"),
        case_numbers=bool(values.get("case_numbers")),
        allow_partial=bool(values.get("allow_partial")),
        language=values.get("language"),
        fallback=values.get("fallback") or "original",
        drafts=bool(values.get("drafts")),
        source=source,
        positions=positions or {},
        **listed,
    )


@dataclass(frozen=True)
class Project:
    """Settings for one casepress project; paths are absolute."""

    root: Path
    config_path: Path | None = None
    title: str | None = None
    organisation: str | None = None
    language: str | None = None
    """Default language of cases; None: the theme's, else English."""
    theme: str | None = None
    page_size: str | None = None
    """Paper size; None: the theme's, else A4 (``--page-size`` > casepress.yaml > theme)."""
    pdf_variant: str | None = None
    profile: Profile = "screen"
    embed_source: bool = False
    brief_max_pages: int | None = None
    cases_dir: Path = field(default=Path("cases"))
    output_dir: Path = field(default=Path("build"))
    handbooks: dict[str, Edition] = field(default_factory=dict)
    regions: tuple[str, ...] = ()
    """Regions of the project's own, besides the built-in ones (``regions:``)."""
    topics: tuple[str, ...] = ()
    """The subject themes cases may use (``topics:``); empty: any."""
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    country_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Printed country names per language, by alpha-2 code (``country_names:``)."""
    theme_origin: Problem | None = field(default=None, compare=False, repr=False)
    """Where the theme was chosen (``--theme`` or casepress.yaml's line), for error messages."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    """Suspect but usable settings in casepress.yaml (an unknown label name)."""
    allow_network: bool = False
    trust_html: bool = False
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    max_elements: int = DEFAULT_MAX_ELEMENTS
    accept_low_contrast: tuple[str, ...] = ()
    """Theme colours whose low contrast the project accepts (``checks.theme``)."""
    layout_limits: LayoutLimits | None = None
    """Page layout figures beyond which a PDF gets a warning (``layout_limits:``)."""
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    """Where each setting was read in casepress.yaml (line, column of its value); a setting
    the command line gave has none. The build names them when they override the theme's."""

    @property
    def briefs_dir(self) -> Path:
        return self.output_dir / "briefs"

    @property
    def handbooks_dir(self) -> Path:
        return self.output_dir / "handbooks"


CASES_NAME = "cases"
CEILING_VARIABLE = "CASEPRESS_CEILING_DIRECTORIES"
"""Folders (separated as in PATH) that project discovery does not go above, as
GIT_CEILING_DIRECTORIES does for git: for a folder of projects, or a test's temporary one."""


def find_project(start: Path | str = ".", *, named: bool = False) -> Path | None:
    """The folder of the project ``start`` lies in, found as git finds a repository: the
    nearest folder, ``start`` or above, holding ``casepress.yaml``; when none does, the
    nearest holding a ``cases/`` folder; None when neither is found.

    ``named``: ``start`` was named on the command line (``-C DIR``, ``check DIR``), so a
    ``cases/`` folder in it makes it the project even inside another one's folder. (Only
    then: ``build/site/`` has a ``cases/`` folder of pages, and a build started there must
    still find the project above.)"""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    elif named and (here / CASES_NAME).is_dir():
        return here
    folders = [here]
    ceilings = {
        Path(os.path.abspath(c))
        for c in os.environ.get(CEILING_VARIABLE, "").split(os.pathsep)
        if c
    }
    for folder in here.parents:
        if folder in ceilings:  # not looked into, as git does not
            break
        folders.append(folder)
    for marker, test in ((CONFIG_NAME, Path.is_file), (CASES_NAME, Path.is_dir)):
        for folder in folders:
            if test(folder / marker):
                return folder
    return None


def locate_project(given: Path | str | None = None) -> Path:
    """The project a command works on: found from ``given`` (``-C DIR``; a ``casepress.yaml``
    file is taken as it is) or from the current folder. Raises ``UsageError`` when the folder
    given does not exist, or when no project is found there or above."""
    if given is not None:
        path = Path(given)
        if path.is_file():
            return path
        if not path.is_dir():
            what = "is not a folder" if path.exists() else "does not exist"
            raise UsageError(
                f"-C {path}: the folder {what}; name the folder of your project "
                f"(the one with {CONFIG_NAME} or {CASES_NAME}/)"
            )
    start = Path(os.path.abspath(given if given is not None else "."))
    found = find_project(start, named=given is not None)
    if found is None:
        raise UsageError(
            f"no casepress project in {start} or any folder above it (no {CONFIG_NAME}, no "
            f"{CASES_NAME}/ folder): run 'casepress init' to make one, or cd into your "
            "project, or name its folder with -C DIR"
        )
    return found


def load_project(path: Path | str | None = None, **overrides: Any) -> Project:
    """Load ``casepress.yaml`` from a folder (or the file itself); defaults when it is absent.

    Keyword overrides (``output_dir=...``, ``page_size=...``) replace settings from the file;
    ``None`` means "not given" so a CLI can pass its flags straight through.
    """
    path = Path(path or ".").resolve()
    config = path if path.is_file() else path / CONFIG_NAME
    root = config.parent
    values: dict[str, Any] = {}
    handbooks: dict[str, Edition] = {}
    theme_origin = None
    warnings: list[Problem] = []
    positions: dict[str, tuple[int, int]] = {}
    if config.exists():
        document = read_yaml(config, roots=[root], what="project file")
        ctx = Context(document.shown, list(document.problems))
        if document.root is not None and not ctx.problems:
            result = PROJECT_SPEC.validate(document.root, ctx, "")
            if result is not INVALID:
                values = result
        if any(p.severity == "error" for p in ctx.problems):
            raise InputError(ctx.problems)
        for name, spec in (values.get("handbooks") or {}).items():
            prefix = f"handbooks.{name}."
            positions = {
                k.removeprefix(prefix): v for k, v in ctx.positions.items() if k.startswith(prefix)
            }
            handbooks[name] = make_edition(
                name, spec, root, source=document.shown, positions=positions
            )
        warnings = ctx.problems + [
            w for edition in handbooks.values() for w in _cover_alt_warning(edition)
        ]
        positions = dict(ctx.positions)
        refused = _cases_outside(root, values.get("cases"), document.shown, ctx.positions)
        refused = refused if "cases" in ctx.positions else []  # a default: its files are refused
        refused += [
            p for edition in handbooks.values() for p in edition_file_problems(edition, root)
        ]
        if refused:
            raise InputError(refused)
        if "theme" in ctx.positions:
            line, column = ctx.positions["theme"]
            theme_origin = Problem.error(
                document.shown, "", line=line, column=column, field="theme"
            )
    else:
        config = None
        values = {name: f.default for name, f in PROJECT_SPEC.fields.items()}
    settings = {
        "title": values.get("title"),
        "organisation": values.get("organisation"),
        "language": values.get("language"),
        "theme": values.get("theme"),
        "page_size": values.get("page_size"),
        "pdf_variant": values.get("pdf_variant"),
        "profile": values.get("profile") or "screen",
        "embed_source": bool(values.get("embed_source")),
        "brief_max_pages": (values.get("briefs") or {}).get("max_pages"),
        "cases_dir": root / (values.get("cases") or "cases"),
        "output_dir": root / (values.get("output") or "build"),
        "regions": tuple(values.get("regions") or ()),
        "topics": tuple(values.get("topics") or ()),
        "labels": values.get("labels") or {},
        "country_names": values.get("country_names") or {},
        "allow_network": bool(values.get("allow_network")),
        "trust_html": bool(values.get("trust_html")),
        "max_image_pixels": values.get("max_image_pixels") or DEFAULT_MAX_IMAGE_PIXELS,
        "max_elements": values.get("max_elements") or DEFAULT_MAX_ELEMENTS,
        "accept_low_contrast": tuple(values.get("accept_low_contrast") or ()),
        "layout_limits": LayoutLimits.of(values.get("layout_limits")),
    }
    for name, value in overrides.items():
        if value is not None:
            settings[name] = Path(value).resolve() if name.endswith("_dir") else value
            positions.pop(name, None)  # given on the command line, not read from the file
    if overrides.get("theme") is not None:
        theme_origin = Problem.error("--theme", "")
    return Project(
        root=root,
        config_path=config,
        handbooks=handbooks,
        theme_origin=theme_origin,
        warnings=tuple(warnings),
        positions=positions,
        **settings,
    )


def _cover_alt_warning(edition: Edition) -> list[Problem]:
    """A cover image with no text alternative: readers who cannot see it are told nothing."""
    if edition.cover_image is None or edition.cover_image_alt is not None:
        return []
    line, column = edition.where("cover_image")
    message = (
        "the cover image has no text alternative; say what it shows with alt: under "
        "cover_image (or cover_image_alt:), or write alt: '' if it is only decoration"
    )
    field_name = f"handbooks.{edition.name}.cover_image"
    return [Problem.warning(edition.source, message, line=line, column=column, field=field_name)]


def edition_file_problems(edition: Edition, root: Path) -> list[Problem]:
    """A handbook's ``introduction`` and ``logo`` that ``files`` would refuse (outside the
    project, through a symbolic link leading out, not a regular file, too large), each at its
    line in casepress.yaml. A missing file is left to the handbook's plan to report."""
    problems = []
    for name, path, limit in (
        ("introduction", edition.introduction, files.TEXT_BYTES),
        ("logo", edition.logo, files.RESOURCE_BYTES),
        ("cover_image", edition.cover_image, files.RESOURCE_BYTES),
    ):
        if path is None:
            continue
        line, column = edition.where(f"{name}.file") if name == "cover_image" else (0, 0)
        if not line:  # cover_image: {file: ...} is found at its file
            line, column = edition.where(name)
        field_name = f"handbooks.{edition.name}.{name}"
        try:
            head = files.read_bytes(path, [root], limit=limit, what=name, head=2048)
        except files.FileRefusedError as refusal:
            if not refusal.missing:
                problems.append(
                    refusal.problem(edition.source, line=line, column=column, field=field_name)
                )
            continue
        wrong = sniff_image(head, path) if name != "introduction" else None
        if wrong:  # inlined into HTML as an image: it must be one
            message = f"{path.name}: {wrong}; use an SVG, PNG or JPEG file"
            problems.append(
                Problem.error(edition.source, message, line=line, column=column, field=field_name)
            )
    return problems


def _cases_outside(root: Path, cases: str | None, shown: str, positions: dict) -> list[Problem]:
    """``cases:`` must name a folder inside the project: the file travels with the project,
    and a folder outside it (``../``, an absolute path, a symbolic link) would let a
    project read and publish files it does not hold. ``--cases`` may name any folder."""
    if not cases:
        return []
    folder = root / cases
    real_root = Path(os.path.realpath(root))
    if Path(os.path.realpath(folder)).is_relative_to(real_root):
        return []
    line, column = positions.get("cases", (0, 0))
    link = " (a symbolic link leads there)" if folder.is_symlink() else ""
    message = (
        f"{cases!r} is outside the project{link}; keep the case files in a folder inside it, "
        "or name the folder with --cases"
    )
    return [Problem.error(shown, message, line=line, column=column, field="cases")]
