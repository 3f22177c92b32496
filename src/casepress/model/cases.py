"""Case files → Case objects; every value keeps its file:line so later checks can point at it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from .. import files as guarded
from ..errors import Problem, display_path
from .markup import case_link_ids, images_in, markdown_case_problem
from .places import normalise_country
from .project import LANGUAGE_PATTERN, Project
from .schema import (
    INVALID,
    Context,
    Date,
    ListOf,
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
    accessed: dt.date | None = declare(Date("When the original was consulted (YYYY-MM-DD)"))


SOURCE = object_of(Source, "Where this case comes from")

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
            Text(), "Regions, e.g. 'Sub-Saharan Africa'", example="Sub-Saharan Africa",
            unique=True,
        ),
        order=7, section=ABOUT,
    )  # fmt: skip
    countries: tuple[str, ...] = declare(
        ListOf(
            Text(convert=normalise_country), "Countries: ISO 3166 names or codes",
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
    authors: tuple[str, ...] = declare(
        ListOf(Text(), "Authors", example="A. Author"), order=10, section=ABOUT
    )
    published: dt.date | None = declare(
        Date("Date of publication (YYYY-MM-DD)"), order=11, section=ABOUT
    )
    source: Source | None = declare(SOURCE, order=12, section=ABOUT)
    further_resources: tuple[Resource, ...] = declare(
        ListOf(RESOURCE, "Further reading"), order=18, section="further_resources"
    )
    related: tuple[str, ...] = declare(
        ListOf(Slug(), "Ids of related cases in this project", example="a-case-id", unique=True),
        order=19, section="related", show="related",
    )  # fmt: skip
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tags(self) -> tuple[str, ...]:
        """Every tag, in the order a reader meets them: regions, countries, themes."""
        return (*self.regions, *self.countries, *self.themes)

    def where(self, field_path: str) -> tuple[int, int]:
        return self.positions.get(field_path, (0, 0))

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every text the author wrote, as (field path, text): 'lessons[2].text', ..."""
        yield from _texts(self, "", skip=frozenset({"id", "path", "language", "positions"}))


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
class Catalogue:
    """The outcome of loading cases: the valid ones, and every problem found in all of them."""

    cases: list[Case]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def get(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)


def find_case_files(folder: Path) -> list[Path]:
    """Case files under a folder, sorted; hidden files and folders are skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


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
    missing_alt = _images_without_alt(values, text, document.shown, ctx.positions)
    if missing_alt:
        return None, ctx.problems + missing_alt
    _warn_placeholders(values, ctx)
    return _make_case(values, case_id, path, project, ctx.positions), ctx.problems


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
    for name, declared in spec.fields.items():
        item = value.get(name) if isinstance(value, dict) else getattr(value, name)
        where = f"{path}.{name}" if path else name
        kind = declared.type
        if isinstance(kind, Text) and kind.markdown:
            yield where, item
        elif isinstance(kind, ListOf) and isinstance(kind.item, Object):
            for index, entry in enumerate(item or ()):
                yield from _markdown_fields(entry, kind.item, f"{where}[{index}]")


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


def _images_without_alt(
    values: dict[str, Any], text: str, shown: str, positions: dict
) -> list[Problem]:
    """Every image needs alternative text: it is what a screen reader reads, and what a
    tagged PDF's Figure carries. The problem points at the image's own line when found."""
    problems = []
    lines: list[str] | None = None
    for where, markdown in _markdown_fields(values):
        searched_from = 0
        for src, alt in images_in(markdown):
            if alt and alt.strip():
                continue
            if lines is None:
                lines = text.splitlines()
            line, column = positions.get(where, (0, 0))
            found = _find(lines, src or "<img", max(line - 1, searched_from))
            if found:
                (line, column), searched_from = found, found[0]
            name = f"image {src!r}" if src else "an image"
            problems.append(
                Problem.error(shown, f"{name} has no alt text; describe what it shows, "
                    f"e.g. ![A map of the provinces]({src or 'map.png'})", line=line, column=column, field=where)
            )  # fmt: skip
    return problems


def _find(lines: list[str], needle: str, start: int) -> tuple[int, int] | None:
    """1-based (line, column) of the image markup holding ``needle``, from line ``start``."""
    for number in range(start, len(lines)):
        column = lines[number].find(needle)
        if column >= 0:
            text = lines[number]
            opening = max(text.rfind("![", 0, column + 1), text.rfind("<img", 0, column + 1))
            return number + 1, (opening if opening >= 0 else column) + 1
    return None


def _make_case(
    values: dict[str, Any], case_id: str, path: Path, project: Project, positions: dict
) -> Case:
    language = values["language"] or project.language or "en"
    return to_model(
        CASE_SPEC, values, id=case_id, path=path, language=language, positions=positions
    )


def load_cases(project: Project, paths: Iterable[Path] | None = None) -> Catalogue:
    """Load and validate cases (all of ``project.cases_dir`` unless paths are given).

    Every file is read and every problem collected before anything is rendered. Checks
    that span files follow: duplicate ids, and ``related`` ids that name no case.
    """
    given = None if paths is None else [Path(p) for p in paths]
    roots = case_roots(project, given)
    files = find_case_files(project.cases_dir) if given is None else _expand(given)
    problems: list[Problem] = []
    loaded: list[Case] = []
    for path in files:
        case, found = load_case(path, project, roots=roots)
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
    known = set(by_id) | {p.stem for p in files} | _ids_of_other_files(project, files)
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
    return Catalogue(cases=cases, problems=sorted(problems))


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
