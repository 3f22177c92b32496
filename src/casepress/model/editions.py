"""Editions: select cases by id or tags, group and order them, and index them — no rendering.

A ``HandbookPlan`` is everything a handbook template needs to know about structure: its
parts (one per region, country or theme, or a single unnamed part), the chapters in order,
and the indexes built from metadata. It is computed before anything is laid out, so the
same plan can drive a single-pass render or, later, chapters rendered in parallel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import files
from ..errors import InputError, Problem, display_path
from ..text import slugify
from .cases import Case, Catalogue, case_roots, find_case_files, theme_key
from .labels import language_name
from .places import check_region, country_code, suggest_country
from .project import COMMAND_LINE, Edition, Project
from .schema import suggest
from .source import Node, read_yaml
from .translations import for_language

_FIELD_OF_GROUP = {"region": "regions", "country": "countries", "theme": "themes"}
_TAG_FIELDS = ("regions", "countries", "themes")


@dataclass(frozen=True)
class BrokenCase:
    """A case file in the project that failed validation, as far as it can still be read:
    a handbook that would have held it must not pretend it does not exist."""

    path: Path
    ids: frozenset[str]
    """The ids it may have: its file name's, and its ``id:`` as written."""
    title: str | None
    """Its ``title:`` as written, when there is one."""
    tags: dict[str, tuple[str, ...] | None]
    """``regions``, ``countries`` and ``themes`` as written; None where that field cannot be
    read (the file does not parse, or the field itself has an error)."""

    @property
    def id(self) -> str:
        """The id it is known by: its ``id:`` when that is readable, else its file name's."""
        others = sorted(self.ids - {self.path.stem})
        return others[0] if len(others) == 1 else self.path.stem

    @property
    def shown(self) -> str:
        return display_path(self.path)


def broken_cases(catalogue: Catalogue, project: Project) -> list[BrokenCase]:
    """Every case file of the project that is not a valid case in ``catalogue`` (its own
    errors are in ``catalogue.problems``), with what can be read of it."""
    named = {Path(c.path) for c in catalogue.cases}  # as found: most need no resolving
    resolved: set[Path] = set()
    errors: dict[str, set[str]] = {}
    for problem in catalogue.errors:
        errors.setdefault(problem.path, set()).add(re.split(r"[.\[]", problem.field or "")[0])
    broken = []
    for path in find_case_files(project.cases_dir):
        if path in named:
            continue
        if not resolved:
            resolved = {Path(c.path).resolve() for c in catalogue.cases} | {Path("/")}
        if path.resolve() in resolved:
            continue
        document = read_yaml(path, roots=case_roots(project))
        root = document.root if document.root is not None and not document.problems else None
        values = {
            key.text: value
            for key, value in (root.entries if root is not None and root.kind == "map" else ())
        }
        bad = errors.get(display_path(path), set())
        if root is None or "" in bad:  # a problem with no field: the file as a whole
            bad = bad | {"id", "title", *_TAG_FIELDS}
        written_id = _scalar(values.get("id")) if "id" not in bad else None
        ids = {written_id} if written_id else {path.stem}
        if "id" in bad:  # its id cannot be known: either may be the one meant
            ids |= {path.stem, *filter(None, [_scalar(values.get("id"))])}
        broken.append(
            BrokenCase(
                path=path,
                ids=frozenset(ids),
                title=_scalar(values.get("title")) if "title" not in bad else None,
                tags={
                    name: None if name in bad else _scalars(values.get(name))
                    for name in _TAG_FIELDS
                },
            )
        )
    return broken


def present_ids(catalogue: Catalogue, project: Project) -> set[str]:
    """The id of every case file the project has, valid or not (``broken_cases``)."""
    broken = broken_cases(catalogue, project)
    return {c.id for c in catalogue.cases} | {i for case in broken for i in case.ids}


def _scalar(node: Node | None) -> str | None:
    if node is None or node.kind != "scalar" or not node.text:
        return None
    return " ".join(node.text.split())


def _scalars(node: Node | None) -> tuple[str, ...] | None:
    """A list of tags as written (none when the field is absent or empty); None when it is
    not a list of words."""
    if node is None or node.is_null:
        return ()
    if node.kind == "scalar":
        return (node.text or "",)
    if node.kind != "seq" or any(item.kind != "scalar" or not item.text for item in node.items):
        return None
    return tuple(item.text or "" for item in node.items)


@dataclass
class Part:
    """A group of chapters; ``title`` is None when the handbook is not grouped."""

    title: str | None
    anchor: str
    cases: list[Case] = field(default_factory=list)
    other: bool = False
    """True for the part of cases that have no tag to group them by."""


@dataclass
class IndexEntry:
    term: str
    cases: list[Case]


@dataclass
class HandbookPlan:
    edition: Edition
    parts: list[Part]
    country_index: list[IndexEntry]
    theme_index: list[IndexEntry]
    introduction: str | None = None
    missing: list[BrokenCase] = field(default_factory=list)
    """Cases it selects (or may select: ``broken_cases``) whose files have errors. A build
    stops the handbook for them unless the edition or the command allows a partial one."""
    fallbacks: list[Case] = field(default_factory=list)
    """With ``language:``: chapters printed in their original, having no version in it."""
    skipped: list[Case] = field(default_factory=list)
    """With ``language:`` and ``fallback: skip``: cases left out for want of a version."""
    drafts: list[Case] = field(default_factory=list)
    """Drafts it selects but leaves out (the edition does not say ``drafts: true``); the
    build says which (``drafts_message``)."""

    @property
    def cases(self) -> list[Case]:
        return [case for part in self.parts for case in part.cases]

    @property
    def grouped(self) -> bool:
        return self.edition.group_by != "none"

    def contains(self, case_id: str) -> bool:
        return any(case.id == case_id for case in self.cases)


def plan_handbook(edition: Edition, catalogue: Catalogue, project: Project) -> HandbookPlan:
    """Select, group, order and index; every problem with the definition raises together."""
    problems: list[Problem] = []
    broken = broken_cases(catalogue, project)
    cases, missing = _select(edition, catalogue, project, problems, broken)
    cases, drafts = _without_drafts(edition, cases, problems)
    introduction = _read_introduction(edition, project, problems)
    for name, path in (("logo", edition.logo), ("cover_image", edition.cover_image)):
        if path is None:
            continue
        try:
            files.confine(path, _roots(edition, project), limit=files.RESOURCE_BYTES, what=name)
        except files.FileRefusedError as refusal:
            message = (
                f"file not found: {display_path(path)}" if refusal.missing
                else f"{display_path(path)}: {refusal.message}"
            )  # fmt: skip
            _problem(problems, edition, name, message)
    if problems:
        raise InputError(problems)
    fallbacks: list[Case] = []
    skipped: list[Case] = []
    if edition.language:  # one version of each case, in the edition's language
        # a draft version is no candidate either, unless the edition takes drafts
        versions = [c for c in catalogue.cases if edition.drafts or not c.draft]
        choice = for_language(cases, versions, edition.language, edition.fallback)
        cases, fallbacks, skipped = choice.cases, choice.fallbacks, choice.skipped
    parts = _group(edition, cases)
    return HandbookPlan(
        edition=edition,
        parts=parts,
        country_index=_index(cases, lambda c: c.countries),
        theme_index=_index(cases, lambda c: c.themes),
        introduction=introduction,
        missing=missing,
        fallbacks=fallbacks,
        skipped=skipped,
        drafts=drafts,
    )


def _without_drafts(
    edition: Edition, cases: list[Case], problems: list[Problem]
) -> tuple[list[Case], list[Case]]:
    """The selected cases less the drafts (unless the edition says ``drafts: true``), and
    the drafts left out; an edition that selects drafts only is a problem to fix."""
    drafts = [] if edition.drafts else [case for case in cases if case.draft]
    if not drafts:
        return cases, []
    kept = [case for case in cases if not case.draft]
    if not kept and not problems:
        ids = ", ".join(case.id for case in drafts)
        fix = "add --drafts" if edition.source == COMMAND_LINE else "set drafts: true in it"
        _problem(problems, edition, "title",
                 f"selects only drafts ({ids}); publish them (status: published), or {fix}")  # fmt: skip
    return kept, drafts


def drafts_message(plan: HandbookPlan) -> str | None:
    """What a build says about the drafts a handbook leaves out, or None."""
    if not plan.drafts:
        return None
    edition = plan.edition
    listed = ", ".join(f"{case.id} ({display_path(case.path)})" for case in plan.drafts)
    fix = (
        "add --drafts"
        if edition.source == COMMAND_LINE
        else f"set drafts: true in handbook {edition.name}"
    )
    return (
        f"handbook {edition.name}: left out {len(plan.drafts)} draft(s): {listed}; "
        f"to include them, publish them (status: published) or {fix}"
    )


def language_problems(plan: HandbookPlan) -> list[Problem]:
    """What the log says of an edition with ``language:``: which chapters are printed in
    their original language, and which cases were left out (``fallback: skip``; its
    contents page names them too). Warnings: the handbook is built."""
    edition = plan.edition
    if not edition.language or not (plan.fallbacks or plan.skipped):
        return []
    name = language_name(edition.language)
    line, column, where = _position(edition, "fallback" if plan.skipped else "language")
    if not line:
        line, column, where = _position(edition, "language")

    def listed(cases: list[Case]) -> str:
        return ", ".join(f"{c.id} ({language_name(c.language)})" for c in cases)

    cases = plan.skipped or plan.fallbacks
    one = len(cases) == 1
    it, has = ("it", "has") if one else ("they", "have")
    add = (f"add a case with language: {edition.language} and translation_of: "
           f"{cases[0].id if one else '<its id>'}")  # fmt: skip
    flag = "--fallback " if edition.source == COMMAND_LINE else "fallback: "
    if plan.skipped:
        message = (
            f"handbook {edition.name} leaves out {listed(cases)}: {it} {has} no {name} "
            f"version ({flag}skip), as its contents page says. To include "
            f"{'it' if one else 'them'} in {name}, {add}; or set {flag}original"
        )
    else:
        message = (
            f"handbook {edition.name} prints {listed(cases)} in the original language: "
            f"{it} {has} no {name} version. To print {'it' if one else 'them'} in {name}, "
            f"{add}; or set {flag}skip to leave such cases out"
        )
    return [Problem.warning(edition.source, message, line=line, column=column, field=where)]


def partial_problems(plan: HandbookPlan, allow_partial: bool = False) -> list[Problem]:
    """What a build says about a handbook that selects cases with errors: an error that
    stops it (its last good file stays), or, when a partial handbook is allowed, a warning
    that it is published without them."""
    if not plan.missing:
        return []
    edition = plan.edition
    names = ", ".join(b.shown for b in plan.missing)
    ids = ", ".join(b.id for b in plan.missing)
    where = _position(edition, "title")
    verb = "have" if len(plan.missing) > 1 else "has"
    if (allow_partial or edition.allow_partial) and not plan.cases:
        message = (
            f"handbook {edition.name} not built: every case it selects has errors; fix {names}"
        )
        return [Problem.error(edition.source, message, line=where[0], column=where[1],
                              field=where[2])]  # fmt: skip
    if allow_partial or edition.allow_partial:
        message = (
            f"handbook {edition.name} published without {ids}: {names} {verb} errors; "
            "its contents page says which cases are missing"
        )
        return [Problem.warning(edition.source, message, line=where[0], column=where[1],
                                field=where[2])]  # fmt: skip
    fix = (
        "add --allow-partial" if edition.source == COMMAND_LINE
        else f"set allow_partial: true in handbook {edition.name}"
    )  # fmt: skip
    message = (
        f"handbook {edition.name} not built: it selects {names}, which {verb} errors; "
        f"its last good file stays. Fix {names}, or {fix} to publish without {ids}"
    )
    return [Problem.error(edition.source, message, line=where[0], column=where[1], field=where[2])]


def _position(edition: Edition, path: str) -> tuple[int, int, str | None]:
    """Line, column and field of a key of the handbook's definition (the command line's
    options have none)."""
    if edition.source == COMMAND_LINE:
        return 0, 0, None
    line, column = edition.where(path)
    return line, column, f"handbooks.{edition.name}"


_FLAGS = {"ids": "--id", "exclude": "--exclude", "regions": "--region",
          "countries": "--country", "themes": "--topic", "title": "--title"}  # fmt: skip


def _problem(problems: list[Problem], edition: Edition, path: str, message: str) -> None:
    if edition.source == COMMAND_LINE:
        flag = _FLAGS.get(path.split("[")[0], path)
        problems.append(Problem.error(COMMAND_LINE, message, field=flag))
        return
    line, column = edition.where(path)
    if not line:  # fall back to the handbook's own entry
        line, column = edition.where("title")
    problems.append(
        Problem.error(
            edition.source,
            message,
            line=line,
            column=column,
            field=f"handbooks.{edition.name}.{path}",
        )
    )


def _select(
    edition: Edition, catalogue: Catalogue, project: Project, problems: list[Problem],
    broken: list[BrokenCase],
) -> tuple[list[Case], list[BrokenCase]]:  # fmt: skip
    """The valid cases the edition selects, and the broken ones it selects or may select."""
    by_id = {case.id: case for case in catalogue.cases}
    broken_ids = {i for case in broken for i in case.ids}
    filters = {"regions": edition.regions, "countries": edition.countries, "themes": edition.themes}

    def check_ids(name: str, ids: Iterable[str]) -> None:
        for index, case_id in enumerate(ids):
            if case_id in by_id or case_id in broken_ids:  # a broken one: see ``missing``
                continue
            message = f"no case has the id {case_id!r}{_suggest(case_id, by_id)}"
            _problem(problems, edition, f"{name}[{index}]", message)

    check_ids("ids", edition.ids)
    check_ids("exclude", edition.exclude)
    if edition.ids and any(filters.values()):
        _problem(problems, edition, "ids", "use either ids or regions/countries/themes, not both")

    wanted: dict[str, set[str]] = {}
    for name, values in filters.items():
        known = _tag_values(catalogue.cases, name)
        for case in broken:  # a tag only a broken case has is still a tag the project uses
            for tag in case.tags[name] or ():
                known.setdefault(_tag_key(name, tag), tag)
        chosen = set()
        for index, value in enumerate(values):
            vocabulary = _vocabulary_problem(name, value, project)
            if isinstance(vocabulary, str):  # the same words as for a case's tag
                _problem(problems, edition, f"{name}[{index}]", vocabulary)
                continue
            if vocabulary:  # the listed spelling: 'SSA' is 'Sub-Saharan Africa'
                value = vocabulary[0]
            key = _tag_key(name, value)
            if name == "countries" and country_code(value) is None:
                message = f"{value!r} is not a country{suggest_country(value)}"
                _problem(problems, edition, f"{name}[{index}]", message)
            elif key not in known:
                label = {"regions": "region", "countries": "country", "themes": "theme"}[name]
                message = (
                    f"no case is tagged with the {label} {value!r}{_suggest(value, known.values())}"
                )
                _problem(problems, edition, f"{name}[{index}]", message)
            chosen.add(key)
        if values:
            wanted[name] = chosen

    if edition.ids:
        selected = [by_id[i] for i in dict.fromkeys(edition.ids) if i in by_id]
    else:
        selected = [
            case
            for case in catalogue.cases
            if all(
                any(_tag_key(name, tag) in chosen for tag in getattr(case, name))
                for name, chosen in wanted.items()
            )
        ]
    excluded = set(edition.exclude)
    selected = [case for case in selected if case.id not in excluded]
    missing = [case for case in broken if _may_select(edition, wanted, case)]
    if not selected and not missing and not problems:
        _problem(problems, edition, "title", "selects no case; check its ids and filters")
    return selected, missing


def _may_select(edition: Edition, wanted: dict[str, set[str]], case: BrokenCase) -> bool:
    """Whether the edition selects a broken case, or may (conservatively: a field it
    selects by that cannot be read counts as selected, unless another field rules it out)."""
    if case.ids & set(edition.exclude):
        return False
    if edition.ids:
        return bool(case.ids & set(edition.ids))
    for name, chosen in wanted.items():
        tags = case.tags[name]
        if tags is not None and not any(_tag_key(name, tag) in chosen for tag in tags):
            return False
    return True


def _vocabulary_problem(name: str, value: str, project: Project) -> tuple[str] | str | None:
    """A filter's region (or theme, when the project lists ``topics:``) checked against the
    vocabulary, so that a misspelling is named with the nearest listed name, never with a
    misspelling some case holds: (the listed spelling,), or the message, or None."""
    if name == "regions":
        found, why = check_region(value, project.regions)
        return (found,) if found else why
    if name == "themes" and project.topics:
        listed = {theme_key(topic): topic for topic in project.topics}
        if theme_key(value) in listed:
            return (listed[theme_key(value)],)
        return (
            f"unknown theme {value!r}{_suggest(value, project.topics)}; use a theme listed "
            "under topics: in casepress.yaml"
        )
    return None


def _tag_key(name: str, value: str) -> str:
    """Tags compare without regard to case; countries by their ISO code, so 'PE' finds Peru."""
    if name == "countries":
        return country_code(value) or value.casefold()
    return " ".join(value.split()).casefold()


def _tag_values(cases: Iterable[Case], name: str) -> dict[str, str]:
    return {_tag_key(name, tag): tag for case in cases for tag in getattr(case, name)}


def _suggest(word: str, candidates: Iterable[str]) -> str:
    return suggest(word, set(candidates))  # the one "did you mean" (``schema.suggest``)


def _roots(edition: Edition, project: Project) -> list[Path] | None:
    """Where a handbook's files may come from: the project, when casepress.yaml names them;
    anywhere, when the person typing the command does (``--introduction``)."""
    return None if edition.source == COMMAND_LINE else [project.root]


def _read_introduction(edition: Edition, project: Project, problems: list[Problem]) -> str | None:
    """The introduction's Markdown, read through ``files``: a file outside the project (an
    absolute path, ``../``, a symbolic link leading out) is refused at its line."""
    if edition.introduction is None:
        return None
    try:
        return files.read_text(
            edition.introduction, _roots(edition, project), limit=files.TEXT_BYTES,
            what="introduction",
        )  # fmt: skip
    except files.FileRefusedError as refusal:
        if refusal.missing:
            message = f"file not found: {display_path(edition.introduction)}"
        else:
            message = f"{display_path(edition.introduction)}: {refusal.message}"
        _problem(problems, edition, "introduction", message)
    return None


def _sort_key(order_by: str) -> Callable[[Case], tuple]:
    def title(case: Case) -> tuple:
        return (case.title.casefold(),)

    if order_by == "country":
        return lambda c: ((c.countries[0] if c.countries else "\uffff").casefold(), *title(c))
    if order_by == "period":
        return lambda c: (_first_year(c.period), *title(c))
    return title


def _first_year(period: str | None) -> int:
    match = re.search(r"\d{4}", period or "")
    return int(match.group()) if match else 10_000


def _group(edition: Edition, cases: list[Case]) -> list[Part]:
    ordered = cases if edition.order_by == "ids" else sorted(cases, key=_sort_key(edition.order_by))
    if edition.group_by == "none":
        return [Part(title=None, anchor="part-all", cases=ordered)]
    field_name = _FIELD_OF_GROUP[edition.group_by]
    groups: dict[str | None, list[Case]] = {}
    for case in ordered:
        tags = getattr(case, field_name)
        groups.setdefault(tags[0] if tags else None, []).append(case)
    # Parts follow the edition's own filter order when it has one, then the alphabet.
    preferred = [_tag_key(field_name, v) for v in getattr(edition, field_name)]

    def part_order(name: str | None) -> tuple:
        if name is None:
            return (2, 0, "")
        key = _tag_key(field_name, name)
        if key in preferred:
            return (0, preferred.index(key), "")
        return (1, 0, name.casefold())

    return [
        Part(
            name,
            f"part-{slugify(name or 'other', max_length=None) or 'part'}",
            groups[name],
            other=name is None,
        )
        for name in sorted(groups, key=part_order)
    ]


def _index(cases: list[Case], terms: Callable[[Case], Iterable[str]]) -> list[IndexEntry]:
    entries: dict[str, list[Case]] = {}
    for case in cases:
        for term in terms(case):
            entries.setdefault(term, []).append(case)
    return [IndexEntry(term, entries[term]) for term in sorted(entries, key=str.casefold)]
