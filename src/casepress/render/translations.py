"""Translations as a document shows them: "Also available in", a 'See also' in the reader's
language, ``<link rel="alternate" hreflang>`` (the groups themselves: model/translations.py).

Language names are the reader's (CLDR through Babel): an English brief says "French", a
French one "anglais". A PDF names the other versions with their titles and links nothing
(their files may not be beside it); HTML links each to its page, with ``hreflang``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ..model.translations import group, preferred, root_of, same_language, versions_in

Link = Callable[[str], "tuple[str | None, str | None]"]


@cache
def language_label(tag: str, reader: str, *, capital: bool = False) -> str:
    """A language's name as a reader of ``reader`` writes it ('anglais' for a French
    reader; 'French (Canada)' for fr-CA in English); the tag itself when CLDR has none.
    ``capital``: its first letter upper case, for a menu or a heading."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(
            Locale.parse(reader.replace("-", "_"))
        )
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    name = name or tag
    return name[:1].upper() + name[1:] if capital else name


def other_versions(
    case: Any, titles: Mapping[str, str], link: Link, *, target: str
) -> list[dict[str, Any]]:
    """The case's other versions for "Also available in": language (its tag and name in
    the case's language), title, and where it is (``href``: HTML only, None when the link
    leads nowhere)."""
    versions = versions_in(titles)
    reader = case.language
    found = []
    for version in group(case.id, versions):
        if version.id == case.id:
            continue
        href = link(version.id)[0] if target == "html" else None
        found.append(
            {
                "id": version.id,
                "title": version.title,
                "language": version.language,
                "language_name": language_label(version.language, reader),
                "href": href,
            }
        )
    return found


def alternates(case: Any, titles: Mapping[str, str], link: Link) -> list[dict[str, str]]:
    """``<link rel="alternate" hreflang>`` of an HTML page with translations: every version,
    this one too (as search engines expect), each with its address; none without others."""
    versions = versions_in(titles)
    members = group(case.id, versions)
    if len(members) < 2:
        return []
    found = []
    for version in members:
        href = f"{case.id}.html" if version.id == case.id else link(version.id)[0]
        if href and not href.startswith("#"):
            found.append({"hreflang": version.language, "href": href})
    return found if len(found) > 1 else []


def related(
    case: Any,
    ids: tuple[str, ...],
    titles: Mapping[str, str],
    link: Link,
    in_language: str,
) -> list[dict[str, Any]]:
    """A 'See also' list: each related case in the reader's language when it has a version
    in it, else as named, then marked with its language (``in_language``, the label 'in
    {language}'); the case's own versions are left out ("Also available in" lists them)."""
    versions = versions_in(titles)
    own = root_of(case.id, versions) if versions else None
    items = []
    for other in ids:
        if versions and other in versions and root_of(other, versions) == own:
            continue
        version = preferred(other, case.language, versions) if versions else None
        chosen = version.id if version is not None else other
        href, note = link(chosen)
        foreign = version is not None and not same_language(version.language, case.language)
        name = language_label(version.language, case.language) if foreign and version else None
        items.append(
            {
                "id": chosen,
                "title": version.title if version is not None else titles.get(other, other),
                "href": href,
                "note": note,
                "language": version.language if foreign and version else None,
                "language_note": in_language.replace("{language}", name) if name else None,
            }
        )
    return items
