"""Editions: select cases by id or tags, group and order them, and index them — no rendering.

A ``HandbookPlan`` is everything a handbook template needs to know about structure: its
parts (one per region, country or theme, or a single unnamed part), the chapters in order,
and the indexes built from metadata. It is computed before anything is laid out, so the
same plan can drive a single-pass render or, later, chapters rendered in parallel.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import files
from ..errors import InputError, Problem, display_path
from ..text import slugify
from .cases import Case, Catalogue, find_case_files
from .places import country_code, suggest_country
from .project import COMMAND_LINE, Edition, Project

_FIELD_OF_GROUP = {"region": "regions", "country": "countries", "theme": "themes"}


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
    cases = _select(edition, catalogue, project, problems)
    introduction = _read_introduction(edition, project, problems)
    if edition.logo is not None:
        try:
            files.confine(
                edition.logo, _roots(edition, project), limit=files.RESOURCE_BYTES, what="logo"
            )
        except files.FileRefusedError as refusal:
            message = (
                f"file not found: {display_path(edition.logo)}" if refusal.missing
                else f"{display_path(edition.logo)}: {refusal.message}"
            )  # fmt: skip
            _problem(problems, edition, "logo", message)
    if problems:
        raise InputError(problems)
    parts = _group(edition, cases)
    return HandbookPlan(
        edition=edition,
        parts=parts,
        country_index=_index(cases, lambda c: c.countries),
        theme_index=_index(cases, lambda c: c.themes),
        introduction=introduction,
    )


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
    edition: Edition, catalogue: Catalogue, project: Project, problems: list[Problem]
) -> list[Case]:
    by_id = {case.id: case for case in catalogue.cases}
    on_disk = {p.stem for p in find_case_files(project.cases_dir)}
    filters = {"regions": edition.regions, "countries": edition.countries, "themes": edition.themes}

    def check_ids(name: str, ids: Iterable[str]) -> None:
        for index, case_id in enumerate(ids):
            if case_id in by_id:
                continue
            if case_id in on_disk:
                message = f"case {case_id!r} has errors (reported above) and is left out"
            else:
                message = f"no case has the id {case_id!r}{_suggest(case_id, by_id)}"
            _problem(problems, edition, f"{name}[{index}]", message)

    check_ids("ids", edition.ids)
    check_ids("exclude", edition.exclude)
    if edition.ids and any(filters.values()):
        _problem(problems, edition, "ids", "use either ids or regions/countries/themes, not both")

    wanted: dict[str, set[str]] = {}
    for name, values in filters.items():
        known = _tag_values(catalogue.cases, name)
        chosen = set()
        for index, value in enumerate(values):
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
    if not selected and not problems:
        _problem(problems, edition, "title", "selects no case; check its ids and filters")
    return selected


def _tag_key(name: str, value: str) -> str:
    """Tags compare without regard to case; countries by their ISO code, so 'PE' finds Peru."""
    if name == "countries":
        return country_code(value) or value.casefold()
    return " ".join(value.split()).casefold()


def _tag_values(cases: Iterable[Case], name: str) -> dict[str, str]:
    return {_tag_key(name, tag): tag for case in cases for tag in getattr(case, name)}


def _suggest(word: str, candidates: Iterable[str]) -> str:
    options = sorted(set(candidates))
    lowered = {c.casefold(): c for c in options}
    match = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
    if not match:  # 'Latin Amerika' for 'Latin America and the Caribbean': compare the start
        word = word.casefold()
        starts = [(difflib.SequenceMatcher(None, word, c[: len(word)]).ratio(), c) for c in lowered]
        match = [c for ratio, c in sorted(starts, reverse=True) if ratio >= 0.8][:1]
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""


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
