"""Case files → Case objects; every value keeps its file:line so later checks can point at it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from .. import files as guarded
from ..errors import Findings, Problem, display_path
from . import catalogue as memos
from .catalogue import CatalogueMemo
from .citation import DRAFT, PUBLISHED, STATUSES, Author, Person, checked_doi
from .labels import has_labels, known_language, language_name, shipped_languages
from .markup import case_link_ids, images_in, markdown_case_problem
from .notes import Definition, Mark, collect_notes
from .places import BUILTIN_REGION_NAMES, ambiguous_country, check_region, normalise_country
from .project import LANGUAGE_PATTERN, Project
from .schema import (
    INVALID,
    Choice,
    Context,
    Date,
    ListOf,
    Noted,
    Object,
    Slug,
    Text,
    Url,
    Year,
    declare,
    object_of,
    suggest,
    to_model,
)
from .source import decode_yaml, parse_yaml
from .translations import translation_problems


def _country(text: str) -> Noted:
    """A country as the case keeps it (its display name), with the warning for a name two
    countries go by ('Congo')."""
    return Noted(normalise_country(text), ambiguous_country(text))


# The case model, declared once. Each field's one declaration (``declare``) gives its type
# and description for validation and JSON Schema (``CASE_SPEC``, ``case_schema``), the
# attribute of the object (``Case``), where the YAML writer puts it (``order``, ``section``)
# and how templates see it (``Renderer.case_view``: by its type, or by ``show``/``anchor``).


@dataclass(frozen=True)
class Lesson:
    title: str | None = declare(Text("Lead-in: a few words that name the lesson"), default=MISSING)
    text: str = declare(Text("The lesson itself (Markdown)", markdown=True), required=True)


LESSON = object_of(Lesson, "One lesson: an optional lead-in and its paragraph")


@dataclass(frozen=True)
class Resource:
    title: str = declare(Text("Title of the publication or page"), required=True)
    url: str | None = declare(Url("Web address"))
    publisher: str | None = declare(Text("Who published it"))
    year: str | None = declare(Year("Year of publication"))


RESOURCE = object_of(Resource, "A publication for further reading")


@dataclass(frozen=True)
class Source:
    publisher: str | None = declare(Text("Who first published this case"))
    url: str | None = declare(Url("Where the original can be found"))
    accessed: dt.date | None = declare(
        Date("When the original was consulted (YYYY-MM-DD, or YYYY-MM)")
    )


SOURCE = object_of(Source, "Where this case comes from")


@dataclass(frozen=True)
class ImageSite:
    """An image a Markdown field shows, and where its markup starts in the case file (the
    ``![`` or ``<img``; the field's own position when it cannot be found, 0 if unknown)."""

    field: str
    src: str
    alt: str | None
    line: int
    column: int


ABOUT = "about"
"""The section of a case file's facts, written first; the narrative sections follow."""


@dataclass(frozen=True, kw_only=True)
class Case:
    """A validated case. Markdown fields hold Markdown source; ``render`` turns them into HTML."""

    id: str = declare(
        Slug("Unique identifier; defaults to the file name without .yaml"),
        default=MISSING, order=1, section=ABOUT,
    )  # fmt: skip
    path: Path
    title: str = declare(Text("Title of the case"), required=True, order=2, section=ABOUT)
    subtitle: str | None = declare(Text("Subtitle shown under the title"), order=3, section=ABOUT)
    summary: str | None = declare(
        Text("One short paragraph for listings and contents"), order=4, section=ABOUT
    )
    language: str = declare(
        Text(
            "Language of the case (BCP 47 tag); defaults to the project's",
            pattern=LANGUAGE_PATTERN,
            hint="a language tag such as 'en', 'fr' or 'es'",
            convert=known_language,
        ),
        default="en", order=5, section=ABOUT,
    )  # fmt: skip
    context: str = declare(
        Text("The opening narrative (Markdown)", markdown=True),
        required=True, order=13, section="context",
    )  # fmt: skip
    entry_point: str | None = declare(
        Text("How the engagement began (Markdown)", markdown=True),
        order=14, section="entry_point", anchor="entry",
    )  # fmt: skip
    lessons_heading: str | None = declare(
        Text("Heading over the lessons, e.g. 'Lessons identified'"), order=15, section="lessons"
    )
    lessons: tuple[Lesson, ...] = declare(
        ListOf(LESSON, "Lessons learned, in order", min_items=1),
        required=True, order=16, section="lessons", anchor="lesson",
    )  # fmt: skip
    outcome: str | None = declare(
        Text("Closing narrative after the lessons (Markdown)", markdown=True),
        order=17, section="outcome",
    )  # fmt: skip
    regions: tuple[str, ...] = declare(
        ListOf(
            Text(examples=BUILTIN_REGION_NAMES),
            "Regions: built-in ones (the examples, in English, French, Spanish, Portuguese, "
            "Russian or Ukrainian) or those "
            "declared under regions: in casepress.yaml",
            example="Sub-Saharan Africa", unique=True,
        ),
        order=7, section=ABOUT,
    )  # fmt: skip
    countries: tuple[str, ...] = declare(
        ListOf(
            Text(convert=_country),
            "Countries: ISO 3166 names or codes, or common names ('DRC', 'Ivory Coast')",
            example="Peru", unique=True,
        ),
        order=8, section=ABOUT, show="countries",
    )  # fmt: skip
    themes: tuple[str, ...] = declare(
        ListOf(Text(), "Themes, e.g. 'Police reform'", example="Police reform", unique=True),
        order=9, section=ABOUT,
    )  # fmt: skip
    period: str | None = declare(
        Text("Period covered, as free text such as '2001–2003'"), order=6, section=ABOUT
    )
    authors: tuple[str | Person, ...] = declare(
        ListOf(
            Author(),
            "Authors: a name as written ('Ana María Pérez', an organisation), or its parts "
            "{given, family, affiliation, orcid} so that citations sort by family name",
            example="A. Author",
        ),
        order=10, section=ABOUT,
    )  # fmt: skip
    # Citing the case (model/citation.py): series and number, DOI, draft or published.
    series: str | None = declare(
        Text("Series the case is published in, e.g. 'SSR Case Studies'"), order=11, section=ABOUT
    )
    number: str | None = declare(Text("Its number in the series, e.g. 12"), order=11, section=ABOUT)
    doi: str | None = declare(
        Text("DOI, e.g. 10.1234/ssr.2024.12 (printed as https://doi.org/...)", convert=checked_doi),
        order=11, section=ABOUT,
    )  # fmt: skip
    status: str = declare(
        Choice(STATUSES, "published (the default) or draft: a draft's brief is marked Draft, "
               "and handbooks leave it out unless their edition says drafts: true"),
        default=PUBLISHED, order=11, section=ABOUT,
    )  # fmt: skip
    published: dt.date | None = declare(
        Date("Date of publication (YYYY-MM-DD, or a month: YYYY-MM or 'May 2024')"),
        order=11,
        section=ABOUT,
    )
    source: Source | None = declare(SOURCE, order=12, section=ABOUT)
    further_resources: tuple[Resource, ...] = declare(
        ListOf(RESOURCE, "Further reading"), order=18, section="further_resources"
    )
    related: tuple[str, ...] = declare(
        ListOf(Slug(), "Ids of related cases in this project", example="a-case-id", unique=True),
        order=19, section="related", show="related",
    )  # fmt: skip
    translation_of: str | None = declare(
        Slug("Id of the case this one is a translation of (its original)"),
        order=5, section=ABOUT,  # after language: (same order, declared later)
    )  # fmt: skip
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    images: tuple[ImageSite, ...] = field(default=(), compare=False, repr=False)
    """Every image the case's text shows, at its own line (``image_sites``)."""

    @property
    def draft(self) -> bool:
        """A draft: marked so in its brief, left out of handbooks unless asked for."""
        return self.status == DRAFT

    @property
    def tags(self) -> tuple[str, ...]:
        """Every tag, in the order a reader meets them: regions, countries, themes."""
        return (*self.regions, *self.countries, *self.themes)

    def where(self, field_path: str) -> tuple[int, int]:
        return self.positions.get(field_path, (0, 0))

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every text the author wrote, as (field path, text): 'lessons[2].text', ..."""
        yield from _texts(
            self, "", skip=frozenset({"id", "path", "language", "positions", "images"})
        )


memos.register(Case, Lesson, Resource, Source, ImageSite, Person)

CASE_SPEC = object_of(Case, title="casepress case file")
"""Validation and JSON Schema of a case file, made from ``Case``'s declarations."""


def case_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a case file, made from ``CASE_SPEC``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **CASE_SPEC.json_schema()}


def _texts(value: Any, path: str, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")
    elif is_dataclass(value):
        for spec in fields(value):
            if spec.name not in skip:
                name = f"{path}.{spec.name}" if path else spec.name
                yield from _texts(getattr(value, spec.name), name)


@dataclass
class Catalogue(Findings):
    """The outcome of loading cases: the valid ones, and every problem found in all of them."""

    cases: list[Case]
    problems: list[Problem]

    def get(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)


def find_case_files(folder: Path) -> list[Path]:
    """Case files under a folder, sorted; hidden files and folders are skipped, and linked
    folders are not entered (a linked file is listed: reading it refuses it)."""
    if not folder.is_dir():
        return []
    return sorted(_case_files(Path(folder)))


def _case_files(folder: Path) -> Iterator[Path]:
    """One pass of ``os.scandir`` per folder: the file type comes with the listing, so a
    thousand case files cost no ``stat`` each."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _case_files(folder / entry.name)
            elif entry.name.endswith((".yaml", ".yml")) and entry.is_file():
                yield folder / entry.name
        except OSError:
            continue


def load_case(
    path: Path,
    project: Project,
    *,
    text: str | None = None,
    roots: guarded.Roots | None = None,
) -> tuple[Case | None, list[Problem]]:
    """Validate one file; returns the case (None if invalid) and its problems.

    With ``text``, that text is validated as if it were the file's (nothing is read).
    Otherwise the file is read only from inside ``roots`` (by default the project's
    folder, ``case_roots``): a case file that is, or lies in, a symbolic link to a place
    outside is refused, and nothing it holds appears in any message.
    """
    if text is None:
        data = guarded_read(path, roots if roots is not None else case_roots(project))
        if isinstance(data, Problem):
            return None, [data]
        text = data
    document = parse_yaml(text, path)
    ctx = Context(document.shown, list(document.problems))
    if document.root is None:
        return None, ctx.problems
    values = CASE_SPEC.validate(document.root, ctx, "")  # go on after duplicate keys: find more
    if values is INVALID or any(p.severity == "error" for p in ctx.problems):
        return None, ctx.problems
    case_id = values["id"] or path.stem
    if values["id"] is None and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", case_id):
        ctx.error(
            document.root,
            "id",
            f"the file name {path.stem!r} is not a valid id; rename the file "
            "(lowercase letters, digits and hyphens) or set 'id:'",
        )
        return None, ctx.problems
    too_much = markdown_case_problem(_markdown_fields(values))
    if too_much:
        where, message = too_much
        line, column = ctx.positions.get(where, (0, 0))
        problem = Problem.error(document.shown, message, line=line, column=column, field=where)
        return None, [*ctx.problems, problem]
    sites = image_sites(values, text, ctx.positions, trusted=project.trust_html)
    missing_alt = _images_without_alt(sites, document.shown)
    if missing_alt:
        return None, ctx.problems + missing_alt
    if not _check_vocabularies(values, project, ctx):
        return None, ctx.problems
    notes = note_problems(values, text, ctx.positions, document.shown)
    ctx.problems.extend(notes)
    if any(problem.severity == "error" for problem in notes):
        return None, ctx.problems
    _warn_placeholders(values, ctx)
    case = _make_case(values, case_id, path, project, ctx.positions)
    return dataclasses.replace(case, images=sites), ctx.problems


def _check_vocabularies(values: dict[str, Any], project: Project, ctx: Context) -> bool:
    """Regions from the built-in list or the project's ``regions:``; themes from the
    project's ``topics:`` when it lists them. Each accepted tag takes the listed spelling
    ('sub-saharan africa' → 'Sub-Saharan Africa'); each other one is an error at its line."""
    ok = True
    regions = []
    for index, tag in enumerate(values.get("regions") or ()):
        name, why = check_region(tag, project.regions)
        if name is None:
            line, column = ctx.positions.get(f"regions[{index}]", (0, 0))
            ctx.problems.append(
                Problem.error(ctx.shown, why, line=line, column=column, field=f"regions[{index}]")
            )
            ok = False
        regions.append(name)
    values["regions"] = regions
    if project.topics:
        listed = {theme_key(topic): topic for topic in project.topics}
        themes = []
        for index, tag in enumerate(values.get("themes") or ()):
            name = listed.get(theme_key(tag))
            if name is None:
                line, column = ctx.positions.get(f"themes[{index}]", (0, 0))
                hint = suggest(tag, list(project.topics))
                message = (
                    f"unknown theme {tag!r}{hint}; use a theme listed under topics: in "
                    "casepress.yaml, or add it there"
                )
                ctx.problems.append(
                    Problem.error(
                        ctx.shown, message, line=line, column=column, field=f"themes[{index}]"
                    )
                )
                ok = False
            themes.append(name)
        values["themes"] = themes
    return ok


def theme_key(tag: str) -> str:
    """How subject themes compare: without regard to case, accents, spacing or punctuation."""
    plain = unicodedata.normalize("NFKD", tag)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(w for w in re.split(r"[\W_]+", plain) if w)


def _loose_theme_key(tag: str) -> str:
    """``theme_key`` with plurals made singular: 'Police reforms' is 'Police reform'."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in theme_key(tag).split())  # fmt: skip


def _near_duplicate_themes(cases: list[Case]) -> list[Problem]:
    """Warnings for themes written two ways across the library ('Vetting', 'vetting',
    'Police reforms'): handbooks and the site's index would keep them apart. The spelling
    most cases use is taken as the one meant; each other spelling is warned about where
    it is written."""
    spellings: dict[str, dict[str, list[tuple[Case, int]]]] = {}
    for case in cases:
        for index, tag in enumerate(case.themes):
            spellings.setdefault(_loose_theme_key(tag), {}).setdefault(tag, []).append(
                (case, index)
            )
    problems = []
    for variants in spellings.values():
        if len(variants) < 2:
            continue
        meant = max(variants, key=lambda tag: len(variants[tag]))  # first of the most used
        first_case = variants[meant][0][0]
        for tag, uses in variants.items():
            if tag == meant:
                continue
            for case, index in uses:
                message = (
                    f"the theme {tag!r} is also written {meant!r} "
                    f"({display_path(first_case.path)}); write it one way, so that handbooks "
                    "and the site's index keep these cases together (or list the themes "
                    "under topics: in casepress.yaml)"
                )
                line, column = case.where(f"themes[{index}]")
                problems.append(
                    Problem.warning(
                        display_path(case.path), message, line=line, column=column,
                        field=f"themes[{index}]",
                    )
                )  # fmt: skip
    return problems


PLACEHOLDER = re.compile(r"\bTODO\b")
"""What ``casepress new`` writes in text still to be written; ``check`` warns while it is left."""


def _warn_placeholders(value: Any, ctx: Context, path: str = "") -> None:
    """A warning (``--strict`` fails) for every text still holding a TODO placeholder.

    A new case must be valid the moment it is made, so its required fields hold placeholder
    text; the warning keeps such a draft from being published by mistake.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            _warn_placeholders(item, ctx, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _warn_placeholders(item, ctx, f"{path}[{index}]")
    elif isinstance(value, str) and PLACEHOLDER.search(value):
        line, column = ctx.positions.get(path, (0, 0))
        message = "still holds a TODO placeholder; replace it before publishing"
        ctx.problems.append(
            Problem.warning(ctx.shown, message, line=line, column=column, field=path)
        )


def _markdown_fields(
    value: Any, spec: Object = CASE_SPEC, path: str = ""
) -> Iterator[tuple[str, str | None]]:
    """(field path, Markdown) for every Markdown field the spec declares, in a case's
    validated values or in a Case: 'context', ..., 'lessons[0].text'."""
    get = value.get if isinstance(value, dict) else lambda name: getattr(value, name)
    for name, item_spec in _markdown_plan(spec):
        item = get(name)
        where = f"{path}.{name}" if path else name
        if item_spec is None:
            yield where, item
        else:
            for index, entry in enumerate(item or ()):
                yield from _markdown_fields(entry, item_spec, f"{where}[{index}]")


_PLANS: dict[int, tuple[Object, list[tuple[str, Object | None]]]] = {}


def _markdown_plan(spec: Object) -> list[tuple[str, Object | None]]:
    """The fields of ``spec`` that hold Markdown (None) or lists of objects that may (their
    spec), in order: worked out once per spec, as a case is read many times over."""
    known = _PLANS.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    plan: list[tuple[str, Object | None]] = []
    for name, declared in spec.fields.items():
        kind = declared.type
        if isinstance(kind, Text) and kind.markdown:
            plan.append((name, None))
        elif isinstance(kind, ListOf) and isinstance(kind.item, Object):
            plan.append((name, kind.item))
    _PLANS[id(spec)] = (spec, plan)
    return plan


def markdown_fields(case: Case) -> Iterator[tuple[str, str | None]]:
    """(field path, Markdown) of every Markdown field of a case: 'context', 'lessons[0].text'."""
    return _markdown_fields(case)


def case_images(case: Case) -> list[tuple[str, str | None]]:
    """(src, alt) of every image the case's Markdown fields show, in order (``images_in``):
    the images validation checks, the renderer loads and the build cache digests."""
    values = {
        "context": case.context,
        "entry_point": case.entry_point,
        "outcome": case.outcome,
        "lessons": [{"text": lesson.text} for lesson in case.lessons],
    }
    return [image for _, text in _markdown_fields(values) for image in images_in(text)]


def image_sites(
    values: dict[str, Any], text: str, positions: dict, *, trusted: bool = False
) -> tuple[ImageSite, ...]:
    """Every image of the Markdown fields (``images_in``), each at the line and column of
    its own markup in the file's ``text``: searched from the field's value onwards, in
    order, so two images of one field land on their own lines (a literal block's lines are
    the file's lines, after the indentation). ``trusted``: the images of raw HTML kept as
    written (``trust_html``) are among them."""
    sites = []
    lines: list[str] | None = None
    for where, markdown in _markdown_fields(values):
        searched_from = None
        for src, alt in images_in(markdown, trusted=trusted):
            if lines is None:
                lines = text.splitlines()
            line, column = positions.get(where, (0, 0))
            start = searched_from or (max(line - 1, 0), 0)
            found = find_image(lines, src, start, alt)
            if found:
                line, column, searched_from = found  # the next image comes after this one
            sites.append(ImageSite(where, src, alt, line, column))
    return tuple(sites)


def _images_without_alt(sites: Iterable[ImageSite], shown: str) -> list[Problem]:
    """Every image needs alternative text: it is what a screen reader reads, and what a
    tagged PDF's Figure carries. The problem points at the image's own line when found."""
    problems = []
    for site in sites:
        if site.alt and site.alt.strip():
            continue
        src = site.src
        name = f"image {src!r}" if src else "an image"
        problems.append(
            Problem.error(shown, f"{name} has no alt text; describe what it shows, "
                f"e.g. ![A map of the provinces]({src or 'map.png'})", line=site.line,
                column=site.column, field=site.field)
        )  # fmt: skip
    return problems


def find_image(
    lines: list[str], src: str, start: tuple[int, int], alt: str | None = None
) -> tuple[int, int, tuple[int, int]] | None:
    """1-based (line, column) of the first image markup (``![`` or ``<img``) naming ``src``
    at or after ``start`` (0-based line, column), and where to look for the next image;
    the address's own position when the opening is not on its line (a reference-style
    image's definition). An image whose address the sanitiser removed is found by its
    ``alt`` text."""
    needles = [f"]({src}", f"]( {src}", f'"{src}"', f"'{src}'", src] if src else []
    needles += [] if src else [f"![{alt}]"] if alt else ["<img"]  # its address was removed
    for number in range(start[0], len(lines)):
        text = lines[number]
        begin = start[1] if number == start[0] else 0
        hits = [(i, len(n)) for n in needles if (i := text.find(n, begin)) >= 0]
        if not hits:
            continue
        column, length = min(hits)
        opening = max(
            text.rfind("![", begin, column + 1), text.lower().rfind("<img", begin, column + 1)
        )
        return number + 1, (opening if opening >= 0 else column) + 1, (number, column + length)
    return None


def note_problems(
    values: dict[str, Any] | Case, text: str, positions: dict, shown: str
) -> list[Problem]:
    """The case's notes (``notes.collect_notes``, over every Markdown field in reading
    order): a reference to no definition and a label defined twice are errors, a definition
    never referenced a warning; each at the line and column of its ``[^`` in the file."""
    note_set = collect_notes(_markdown_fields(values))
    found = note_set.problems()
    if not found:
        return []
    lines = text.splitlines()
    places: dict[int, tuple[int, int]] = {}
    for where, notes in note_set.fields.items():
        line, column = positions.get(where, (0, 0))
        cursor = (max(line - 1, 0), 0)
        marks: list[Mark] = sorted(
            [*notes.definitions, *notes.references], key=lambda m: (m.line, m.column)
        )
        for mark in marks:
            needle = f"[^{mark.label}]" + (":" if isinstance(mark, Definition) else "")
            spot = _find_after(lines, needle, cursor)
            if spot is None:
                places[id(mark)] = (line, column)
                continue
            places[id(mark)] = (spot[0] + 1, spot[1] + 1)
            cursor = (spot[0], spot[1] + len(needle))
    labels = [f"[^{label}]" for label in note_set.definitions]
    problems = []
    for kind, where, mark, first in found:
        line, column = places.get(id(mark), positions.get(where, (0, 0)))
        label = f"[^{mark.label}]"
        if kind == "undefined":
            known = ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "")
            message = (
                f"the note {label} is not defined; add a line '{label}: the note's text' to "
                "any text field of this case, or correct the label"
                + (f" (this case defines {known})" if labels else "")
            )
        elif kind == "duplicate":
            first_line = places.get(id(first), (0, 0))[0]
            message = (
                f"the note {label} is defined twice (first on line {first_line}); give one "
                "of them another label, or delete one"
            )
        else:
            message = (
                f"the note {label} is never referenced, so it is not printed; refer to it "
                f"with {label} where it belongs, or delete it"
            )
        severity = "warning" if kind == "unused" else "error"
        problems.append(Problem(shown, line, column, where, message, severity=severity))
    return problems


def _find_after(lines: list[str], needle: str, start: tuple[int, int]) -> tuple[int, int] | None:
    """0-based (line, column) of ``needle`` at or after ``start`` in ``lines``."""
    for number in range(start[0], len(lines)):
        column = lines[number].find(needle, start[1] if number == start[0] else 0)
        if column >= 0:
            return number, column
    return None


def _make_case(
    values: dict[str, Any], case_id: str, path: Path, project: Project, positions: dict
) -> Case:
    language = values["language"] or project.language or "en"
    return to_model(
        CASE_SPEC, values, id=case_id, path=path, language=language, positions=positions
    )


def load_cases(
    project: Project,
    paths: Iterable[Path] | None = None,
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    memo: CatalogueMemo | None = None,
) -> Catalogue:
    """Load and validate cases (all of ``project.cases_dir`` unless paths are given).

    Every file is read and every problem collected before anything is rendered. Checks
    that span files follow: duplicate ids, ``related`` ids that name no case, themes
    written two ways, and languages with no labels. ``labels`` are the label overrides in
    effect (the theme's with the project's; by default the project's alone). ``memo``:
    what an earlier build made of each file (``catalogue``), used for the files unchanged
    since, and told what was made of the others; only when every case is loaded.
    """
    given = None if paths is None else [Path(p) for p in paths]
    roots = case_roots(project, given)
    files = find_case_files(project.cases_dir) if given is None else _expand(given)
    problems: list[Problem] = []
    loaded: list[Case] = []
    memo = memo if given is None else None
    for path in files:
        recalled = memo.recall(path) if memo is not None else None
        if recalled is not None:
            case, found = recalled
        else:
            stamp = memos.stamp_of(path) if memo is not None else None
            case, found = load_case(path, project, roots=roots)
            if memo is not None:
                memo.remember(path, stamp, case, found)
        problems.extend(found)
        if case is not None:
            if given is not None:  # named on the command line: known by its real path
                case = dataclasses.replace(case, path=path.resolve())
            loaded.append(case)
    files = files if given is None else [p.resolve() for p in files]

    by_id: dict[str, Case] = {}
    valid: list[Case] = []
    for case in loaded:
        first = by_id.get(case.id)
        if first is not None:
            line, column = case.where("id") if "id" in case.positions else (1, 1)
            message = f"duplicate id {case.id!r}: {display_path(first.path)} has it already"
            problems.append(
                Problem.error(
                    display_path(case.path), message, line=line, column=column, field="id"
                )
            )
            continue
        by_id[case.id] = case
        valid.append(case)

    # Ids of files that failed validation count as known: their own errors are reported.
    others = set() if given is None else _ids_of_other_files(project, files)  # all loaded
    known = set(by_id) | {p.stem for p in files} | others
    cases = []
    for case in valid:
        found = [
            Problem(display_path(case.path), *case.where(where), where, message)
            for where, other in _references(case)
            if other not in known
            for message in [f"no case has the id {other!r}{suggest(other, sorted(known))}"]
        ]
        problems.extend(found)
        if not found:
            cases.append(case)
    # translation_of: an id, another language, the original (model/translations.py)
    found, refused = translation_problems(cases, known)
    problems.extend(found)
    cases = [case for case in cases if case.id not in refused]
    if not project.topics:
        problems.extend(_near_duplicate_themes(cases))
    problems.extend(
        unlabelled_language_problems(cases, project, project.labels if labels is None else labels)
    )
    return Catalogue(cases=cases, problems=sorted(problems))


def unlabelled_language_problems(
    cases: Iterable[Case], project: Project, labels: Mapping[str, Mapping[str, str]]
) -> list[Problem]:
    """A warning for each language cases are written in that has no labels (casepress ships
    ``labels.builtin_languages``, the theme and casepress.yaml may add others): its headings
    would be in English. At the case's ``language:`` line, or once at
    casepress.yaml's when cases take the project's language."""
    problems = []
    said: set[str] = set()
    for case in cases:
        if has_labels(case.language, labels):
            continue
        own = "language" in case.positions
        if not own and case.language in said:
            continue
        message = (
            f"casepress has no labels in {language_name(case.language)} ({case.language!r}): "
            "headings such as 'Lessons' will be in English; add them under "
            f"labels: {case.language}: in casepress.yaml or in the theme's theme.yaml "
            f"(casepress ships {shipped_languages()})"
        )
        if own:
            line, column = case.where("language")
            problems.append(
                Problem.warning(
                    display_path(case.path), message, line=line, column=column, field="language"
                )
            )
        else:
            said.add(case.language)
            line, column = project.positions.get("language", (0, 0))
            shown = display_path(project.config_path) if project.config_path else "casepress.yaml"
            problems.append(
                Problem.warning(shown, message, line=line, column=column, field="language")
            )
    return problems


def _references(case: Case) -> Iterable[tuple[str, str]]:
    """(field, id) for every other case this one names: ``related`` and ``case:`` links."""
    for index, other in enumerate(case.related):
        yield f"related[{index}]", other
    for where, text in _markdown_fields(case):
        for other in case_link_ids(text):
            yield where, other


def _expand(paths: Iterable[Path]) -> list[Path]:
    """Files named and files in folders named, once each; as named (a symbolic link stays
    one, so that reading it can refuse it), absolute."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        found.extend(find_case_files(path) if path.is_dir() else [path])
    return list({p.resolve(): Path(os.path.abspath(p)) for p in found}.values())


def case_roots(project: Project, paths: Iterable[Path] | None = None) -> list[Path]:
    """Where case files may be read from: the project's folder; and, when the command line
    names a folder of cases or case files outside it (``--cases``, ``check ../x.yaml``),
    that folder, since the person typing the command chose it."""
    root = Path(project.root)
    roots = [root]
    named = [project.cases_dir, *(paths or ())]
    for path in named:
        path = Path(os.path.abspath(path))
        if path.is_relative_to(root) or path.is_relative_to(os.path.realpath(root)):
            continue
        folder = path if path.is_dir() and not path.is_symlink() else path.parent
        roots.append(folder)
    return roots


def guarded_read(path: Path, roots: guarded.Roots) -> str | Problem:
    """A case file's text, or the Problem that says why it is not read (``files``)."""
    try:
        data = guarded.read_bytes(path, roots, limit=guarded.CASE_FILE_BYTES, what="case file")
    except guarded.FileRefusedError as refusal:
        if refusal.missing:
            return Problem.error(path, "cannot read file: no such file")
        return Problem.error(path, refusal.message)
    return decode_yaml(data, path)


def _ids_of_other_files(project: Project, loaded: list[Path]) -> set[str]:
    """Ids of project cases not being built now (``brief one.yaml`` may relate to others)."""
    loaded_set = {p.resolve() for p in loaded}
    return {p.stem for p in find_case_files(project.cases_dir) if p.resolve() not in loaded_set}
