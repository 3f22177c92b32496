"""The site's index in several languages: one entry per case and its translations, shown
in the site's language when the case has a version in it (else in its original), with its
languages linked and a filter by language (the groups: model/translations.py).

The filters and search of the index read one record per entry: its tags and text are those
of every version, so a French word finds a case whose entry is shown in English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model.cases import Case
from ..model.translations import groups, same_language
from .translations import language_label

FACET = "languages"
"""The language filter's name: its field in the index's data, and in a shared address."""


@dataclass(frozen=True)
class SiteEntry:
    """One entry of the index: a case and its translations (the original first)."""

    cases: tuple[Case, ...]
    shown: Case
    """The version the entry shows: the one in the site's language, else the original."""


def site_entries(cases: Iterable[Case], language: str) -> list[SiteEntry]:
    """The index's entries, in the order of the titles they show."""
    entries = []
    for members in groups(cases):
        exact = [c for c in members if c.language.lower() == language.lower()]
        close = [c for c in members if same_language(c.language, language)]
        entries.append(SiteEntry(tuple(members), (exact or close or members)[0]))
    return sorted(entries, key=lambda e: (e.shown.title.casefold(), e.shown.id))


def entry_view(
    entry: SiteEntry, listing: Callable[[Case], dict[str, Any]], reader: str
) -> dict[str, Any]:
    """An entry as the template sees it: the shown version's listing (``id``, ``title``,
    ...), with ``versions`` (every version's listing, ``shown`` marking the one displayed,
    ``language_name`` in the site's language) and ``languages`` (a link to each version's
    page; none for a case in one language)."""
    versions = [
        listing(case)
        | {
            "shown": case is entry.shown,
            "language_name": language_label(case.language, reader, capital=True),
        }
        for case in entry.cases
    ]
    item = dict(next(v for v in versions if v["shown"]))
    item["versions"] = versions
    item["languages"] = (
        [
            {
                "code": v["language"],
                "name": v["language_name"],
                "href": v["href"],
                "shown": v["shown"],
            }
            for v in versions
        ]  # fmt: skip
        if len(versions) > 1
        else []
    )
    return item


def entry_data(records: list[Mapping[str, Any]], entry: SiteEntry) -> dict[str, Any]:
    """The filters' record of an entry: every version's (``site._search_entry``) merged,
    under the id of the shown one, with the languages it is in."""
    merged: dict[str, Any] = {"id": entry.shown.id}
    for name in ("regions", "countries", "themes"):
        merged[name] = list(dict.fromkeys(k for record in records for k in record[name]))
    merged[FACET] = [case.language for case in entry.cases]
    merged["text"] = " ".join(record["text"] for record in records)
    return merged


def language_facet(
    entries: list[SiteEntry], labels: Mapping[str, str], reader: str
) -> list[dict[str, Any]]:
    """The language filter, as the other filters are given to the template: each language
    named in the site's language, with how many entries have a version in it; no options
    when every case is in one language (the filter is then not shown)."""
    counts: dict[str, int] = {}
    for entry in entries:
        for language in dict.fromkeys(case.language for case in entry.cases):
            counts[language] = counts.get(language, 0) + 1
    options = [
        {"value": code, "label": language_label(code, reader, capital=True), "count": count}
        for code, count in counts.items()
    ]
    options.sort(key=lambda o: o["label"].casefold())
    return [
        {
            "name": FACET,
            "label": labels.get(FACET, "Languages"),
            "any": labels.get(f"any_{FACET}", "All languages"),
            "options": options if len(options) > 1 else [],
        }
    ]
