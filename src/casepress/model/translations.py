"""Translations: a case names its original (``translation_of: <id>``); the original and every
case naming it are one group, the same case in several languages.

Nothing is rendered here. ``translation_problems`` checks what the case files say (the id
names a case, in another language, that is not itself a translation, with one version per
language); ``Titles`` carries what a brief needs to know about the other cases (title,
language, original), so that a brief can say "Also available in" and a "See also" can pick
the version in the reader's language; ``for_language`` picks a handbook edition's versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, display_path
from .labels import language_name
from .schema import suggest

Case = Any
"""A ``cases.Case`` (not imported: cases.py runs the checks here, so it imports this module)."""

FIELD = "translation_of"
FALLBACKS = ("original", "skip")
"""What a handbook edition with ``language:`` does with a case that has no version in that
language: take the original (the default), or leave it out (and say so)."""


@dataclass(frozen=True)
class Version:
    """One case as another case's brief sees it."""

    id: str
    title: str
    language: str
    original: str | None = None
    """The id its ``translation_of`` names (None: it is an original)."""


class Titles(dict):
    """Titles of the project's cases by id (what 'See also' lists print), and ``versions``:
    each case's language and original, from which its group of translations is found.

    A dict, so that every place that passes titles around (workers, cache keys) carries the
    versions with them unchanged."""

    versions: dict[str, Version]

    def __init__(self, cases: Iterable[Case] = ()):
        cases = list(cases)
        super().__init__((c.id, c.title) for c in cases)
        self.versions = {
            c.id: Version(c.id, c.title, c.language, getattr(c, FIELD, None)) for c in cases
        }


def versions_in(titles: Mapping[str, str] | None) -> dict[str, Version]:
    """The versions ``titles`` carries (none for a plain dict of titles)."""
    return getattr(titles, "versions", None) or {}


def same_language(a: str, b: str) -> bool:
    """Whether two language tags name one language for a reader: 'fr' and 'fr-CA' do."""
    return primary(a) == primary(b)


def primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def root_of(case_id: str, versions: Mapping[str, Version]) -> str:
    """The id of the original of a case's group (the case itself when it is the original,
    or when the case it names is not among ``versions``)."""
    version = versions.get(case_id)
    if version is None or version.original is None or version.original not in versions:
        return case_id
    return version.original


def group(case_id: str, versions: Mapping[str, Version]) -> list[Version]:
    """The case's group: its original first, then every case naming that original, by
    language tag and id (only cases among ``versions``)."""
    root = root_of(case_id, versions)
    first = versions.get(root)
    members = _translations_of(versions).get(root, [])
    return ([first] if first else []) + members


_INDEX: list[tuple[Mapping[str, Version], dict[str, list[Version]]]] = []


def _translations_of(versions: Mapping[str, Version]) -> dict[str, list[Version]]:
    """Original's id → the versions naming it, ordered: made once per ``versions`` (the
    build's, asked about every case), so finding a group does not read every case again."""
    if _INDEX and _INDEX[0][0] is versions:
        return _INDEX[0][1]
    index: dict[str, list[Version]] = {}
    for version in versions.values():
        if version.original and version.original != version.id:
            index.setdefault(version.original, []).append(version)
    for members in index.values():
        members.sort(key=lambda v: (v.language, v.id))
    _INDEX[:] = [(versions, index)]
    return index


def other_versions(case_id: str, versions: Mapping[str, Version]) -> list[Version]:
    """The case's translations, or its original and the original's other translations."""
    return [v for v in group(case_id, versions) if v.id != case_id]


def version_in(case_id: str, language: str, versions: Mapping[str, Version]) -> Version | None:
    """The version of a case's group in ``language``: the exact tag first, else the same
    language ('fr-CA' for 'fr'); None when the group has none."""
    members = group(case_id, versions)
    exact = [v for v in members if v.language.lower() == language.lower()]
    close = [v for v in members if same_language(v.language, language)]
    return (exact or close or [None])[0]


def preferred(case_id: str, language: str, versions: Mapping[str, Version]) -> Version | None:
    """The version of another case a reader of ``language`` is sent to: the one in their
    language when the group has one, else the case named (None when it is not known)."""
    return version_in(case_id, language, versions) or versions.get(case_id)


def groups(cases: Iterable[Case]) -> list[list[Case]]:
    """The cases in groups of translations, each group's original first (its members as
    ``group`` orders them); groups in the order their first case comes in ``cases``."""
    cases = list(cases)
    by_id = {c.id: c for c in cases}
    versions = Titles(cases).versions
    seen: set[str] = set()
    found = []
    for case in cases:
        root = root_of(case.id, versions)
        if root in seen:
            continue
        seen.add(root)
        found.append([by_id[v.id] for v in group(case.id, versions)])
    return found


def translation_problems(
    cases: Iterable[Case], known: Iterable[str]
) -> tuple[list[Problem], set[str]]:
    """What is wrong with the cases' ``translation_of``, each at its line, and the ids of
    the cases with an error (left out of the build, as a case naming an unknown related
    case is). ``known``: every id of the project, also of cases not loaded now (``check
    one.yaml``): a case naming one of those is checked for the id only."""
    cases = list(cases)
    by_id = {c.id: c for c in cases}
    known = set(known) | set(by_id)
    problems: list[Problem] = []
    refused: set[str] = set()
    taken: dict[tuple[str, str], Case] = {}  # (original, language) → its first translation

    def error(case: Case, message: str) -> None:
        line, column = case.where(FIELD)
        problems.append(
            Problem.error(display_path(case.path), message, line=line, column=column, field=FIELD)
        )
        refused.add(case.id)

    for case in sorted(cases, key=lambda c: (str(c.path), c.id)):
        other_id = getattr(case, FIELD, None)
        if not other_id:
            continue
        if other_id == case.id:
            error(case, "a case cannot be a translation of itself; write the id of the case "
                  "it was translated from, or remove translation_of")  # fmt: skip
            continue
        if other_id not in known:
            error(case, f"no case has the id {other_id!r}{suggest(other_id, sorted(known))}; "
                  "write the id of the case this one was translated from (its file name "
                  "without .yaml, or its id:), or remove translation_of")  # fmt: skip
            continue
        original = by_id.get(other_id)
        if original is None:  # not loaded now: its own check says more
            continue
        further = getattr(original, FIELD, None)
        if further:
            error(case, f"{other_id!r} is itself a translation (of {further!r}); point at "
                  f"the original instead: translation_of: {further}")  # fmt: skip
            continue
        if same_language(original.language, case.language):
            error(case, f"{other_id!r} is in {_named(original.language)} too; a translation "
                  f"is in another language: set language: to this case's language, or "
                  "remove translation_of if it is a case of its own")  # fmt: skip
            continue
        twin = taken.setdefault((other_id, primary(case.language)), case)
        if twin is not case:
            error(case, f"{display_path(twin.path)} is already the {_named(case.language)} "
                  f"version of {other_id!r}; keep one of them, or remove translation_of "
                  "from the other")  # fmt: skip
    return problems, refused


def _named(tag: str) -> str:
    name = language_name(tag)
    return f"{name} ({tag!r})" if name != tag else repr(tag)


@dataclass
class LanguageChoice:
    """What a handbook edition with ``language:`` made of its selection."""

    cases: list[Case]
    """One version per group, in the selection's order."""
    fallbacks: list[Case]
    """Cases in the edition with no version in its language, kept in their original."""
    skipped: list[Case]
    """Cases left out for the same reason (``fallback: skip``)."""


def for_language(
    selected: Iterable[Case], every: Iterable[Case], language: str, fallback: str = "original"
) -> LanguageChoice:
    """Each group the selection touches, once, at the place of its first selected version:
    the version in ``language`` (from ``every`` valid case, selected or not), else the
    group's original (``fallback: original``), or nothing (``fallback: skip``)."""
    every = list(every)
    by_id = {c.id: c for c in every}
    versions = Titles(every).versions
    chosen: list[Case] = []
    fallbacks: list[Case] = []
    skipped: list[Case] = []
    seen: set[str] = set()
    for case in selected:
        root = root_of(case.id, versions)
        if root in seen:
            continue
        seen.add(root)
        found = version_in(case.id, language, versions)
        if found is not None:
            chosen.append(by_id[found.id])
        elif fallback == "skip":
            skipped.append(by_id.get(root, case))
        else:
            original = by_id.get(root, case)
            chosen.append(original)
            fallbacks.append(original)
    return LanguageChoice(chosen, fallbacks, skipped)


def key_facts(case: Any, titles: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """What a case's document shows of other cases through translations, for cache keys:
    (id, title, language) of its other versions, and of every version of the cases it
    relates to (a 'See also' picks the reader's language among them)."""
    versions = versions_in(titles)
    if not versions:
        return []
    ids = [case.id, *getattr(case, "related", ())]
    return [
        (v.id, v.title, v.language)
        for other in ids
        for v in group(other, versions)
        if v.id != case.id
    ]
