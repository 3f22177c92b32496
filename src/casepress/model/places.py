"""Places: ISO 3166 country names (pycountry) and the region names tags are sorted into."""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pycountry

# Names people write that ISO 3166 spells otherwise, and Kosovo (user-assigned code XK),
# which SSR case libraries cannot do without.
_ALIASES = {
    "russia": "RU",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "drc": "CD",
    "dr congo": "CD",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "congo-brazzaville": "CG",
    "congo-kinshasa": "CD",
    "palestine": "PS",
    "south korea": "KR",
    "north korea": "KP",
    "laos": "LA",
    "moldova": "MD",
    "east timor": "TL",
    "burma": "MM",
    "swaziland": "SZ",
    "macedonia": "MK",
    "the gambia": "GM",
    "uk": "GB",
    "usa": "US",
    "united states of america": "US",
    "kosovo": "XK",
    "xk": "XK",
    "xkx": "XK",
}
_KOSOVO = "Kosovo"


@cache
def _names() -> dict[str, str]:
    """Every lower-cased name and code → alpha-2 code."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                table[value.lower()] = country.alpha_2
    table.update(_ALIASES)
    return table


def display_name(alpha_2: str) -> str:
    """The English short name a reader expects ('Bolivia', not 'Bolivia, Plurinational State of')."""
    if alpha_2 == "XK":
        return _KOSOVO
    country = pycountry.countries.get(alpha_2=alpha_2)
    return getattr(country, "common_name", None) or country.name


@cache
def country_name(name: str, language: str) -> str:
    """A country's name in a language: 'Peru' → 'Pérou' (fr), 'Perú' (es).

    The name a reader of that language expects comes from Babel (CLDR territory names);
    for a language Babel does not know, from pycountry's ISO 3166 translations. English
    stays canonical: ``name`` as given (the display name), as does a name not known here.
    """
    code = country_code(name)
    if language.split("-")[0].lower() == "en" or code is None:
        return name
    from babel import Locale, UnknownLocaleError  # loaded only when a case is rendered

    try:
        found = Locale.parse(language.replace("-", "_")).territories.get(code)
    except (UnknownLocaleError, ValueError):
        found = None
    return found or _iso_translation(code, language) or name


def _iso_translation(alpha_2: str, language: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:
        return None
    english = getattr(country, "common_name", None) or country.name
    translated = _catalogue(language.replace("-", "_")).gettext(english)
    return translated if translated != english else None


def country_code(name: str, *, languages: Iterable[str] = ()) -> str | None:
    """The alpha-2 code for a name or an alpha-2/alpha-3 code, or None when unknown.

    ``languages`` adds ISO 3166 names translated into those languages ('Pérou', 'Perú').
    """
    key = " ".join(name.split()).lower()
    code = _names().get(key)
    for language in languages:
        if code is None:
            code = _translated_names(language).get(key)
    return code


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    """pycountry's ISO 3166 names in one language (names stay English when it has none)."""
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


@cache
def _translated_names(language: str) -> dict[str, str]:
    """Lower-cased country names in one language → alpha-2 code (pycountry ships them)."""
    catalogue = _catalogue(language)
    if type(catalogue) is gettext.NullTranslations:
        return {}
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                table[catalogue.gettext(value).lower()] = country.alpha_2
    return table


def normalise_country(name: str) -> str:
    """The display name for any accepted spelling; ValueError with a suggestion otherwise."""
    code = country_code(name)
    if code is None:
        raise ValueError(f"unknown country {name!r}{suggest_country(name)}")
    return display_name(code)


def suggest_country(name: str, *, cutoff: float = 0.6) -> str:
    """' (did you mean ...?)' with the display name of the nearest spelling casepress
    accepts (ISO names, common and official names, aliases: 'Rusia' is nearest 'Russia')."""
    spellings = {key: code for key, code in _names().items() if len(key) > 3}
    key = " ".join(name.split()).lower()
    match = difflib.get_close_matches(key, list(spellings), n=1, cutoff=cutoff)
    if match:
        return f" (did you mean '{display_name(spellings[match[0]])}'?)"
    return "; use an ISO 3166 name or code such as 'Peru' or 'PE'"


# The built-in regions: one level, no two overlapping, after the UN and World Bank groupings
# the field uses, each in English | French | Spanish. A case's ``regions:`` takes one of these
# (in any of its spellings) or a name the project declares under ``regions:``.
_BUILTIN_TABLE = """
Sub-Saharan Africa | Afrique subsaharienne | África subsahariana
Middle East and North Africa | Moyen-Orient et Afrique du Nord | Oriente Medio y Norte de África
Latin America and the Caribbean | Amérique latine et Caraïbes | América Latina y el Caribe
North America | Amérique du Nord | América del Norte
Asia and the Pacific | Asie et Pacifique | Asia y el Pacífico
Europe and Central Asia | Europe et Asie centrale | Europa y Asia Central
"""
# Names that lie within (or span) built-in regions: ``casepress import`` recognises them, and
# a case may use one only when the project declares it (else 'West Africa' would become a
# handbook part of its own beside 'Sub-Saharan Africa'). parent(s): English | French | Spanish;
# '/' separates two spellings.
_WITHIN_TABLE = """
Sub-Saharan Africa, Middle East and North Africa: Africa | Afrique | África
Middle East and North Africa: North Africa | Afrique du Nord | Norte de África
Sub-Saharan Africa: West Africa | Afrique de l’Ouest | África Occidental
Sub-Saharan Africa: East Africa | Afrique de l’Est | África Oriental
Sub-Saharan Africa: Central Africa | Afrique centrale | África Central
Sub-Saharan Africa: Southern Africa | Afrique australe | África Austral
Sub-Saharan Africa: Horn of Africa | Corne de l’Afrique | Cuerno de África
Sub-Saharan Africa: Great Lakes | Grands Lacs | Grandes Lagos
Sub-Saharan Africa: Sahel | |
Latin America and the Caribbean, North America: Americas | Amériques |
Latin America and the Caribbean: Latin America | Amérique latine | América Latina
Latin America and the Caribbean: Caribbean | Caraïbes | Caribe
Latin America and the Caribbean: Central America | Amérique centrale | América Central/Centroamérica
Latin America and the Caribbean: South America | Amérique du Sud | América del Sur/Sudamérica
Latin America and the Caribbean: Andean region | | Región andina
Asia and the Pacific: Asia | Asie | Asia
Asia and the Pacific: South Asia | Asie du Sud | Asia Meridional
Asia and the Pacific: South-East Asia | Asie du Sud-Est | Sudeste Asiático
Asia and the Pacific: East Asia | Asie de l’Est | Asia Oriental
Asia and the Pacific: Pacific | Pacifique | Pacífico
Asia and the Pacific: Oceania | Océanie |
Europe and Central Asia: Central Asia | Asie centrale | Asia Central
Europe and Central Asia: Europe | Europe | Europa
Europe and Central Asia: Eastern Europe | Europe de l’Est | Europa del Este
Europe and Central Asia: Western Europe | Europe de l’Ouest | Europa Occidental
Europe and Central Asia: Balkans | | Balcanes
Europe and Central Asia: Western Balkans | Balkans occidentaux | Balcanes Occidentales
Europe and Central Asia: Caucasus | Caucase | Cáucaso
Europe and Central Asia: South Caucasus | |
Middle East and North Africa: Middle East | Moyen-Orient | Oriente Medio
Middle East and North Africa: Gulf | |
"""


def _cells(row: str) -> list[tuple[str, ...]]:
    """'a | b | c/d' → [('a',), ('b',), ('c', 'd')]: a row's spellings, by language."""
    return [tuple(n.strip() for n in cell.split("/") if n.strip()) for cell in row.split("|")]


_BUILTIN_ROWS = [_cells(row) for row in _BUILTIN_TABLE.strip().splitlines()]
_WITHIN_ROWS = [
    (tuple(p.strip() for p in parents.split(",")), _cells(names))
    for parents, names in (row.split(":", 1) for row in _WITHIN_TABLE.strip().splitlines())
]
BUILTIN_REGIONS = tuple(row[0][0] for row in _BUILTIN_ROWS)
"""The built-in regions, in English (each also has a French and a Spanish name)."""
BUILTIN_REGION_NAMES = tuple(name for cells in _BUILTIN_ROWS for cell in cells for name in cell)
"""Every name of a built-in region, in English, French and Spanish."""
REGIONS = tuple(
    dict.fromkeys(
        name
        for cells in [*_BUILTIN_ROWS, *(cells for _, cells in _WITHIN_ROWS)]
        for cell in cells
        for name in cell
    )
)
"""Every region name ``casepress import`` recognises; a project adds its own with ``regions:``."""

_REGION_ALIASES = {
    "mena": "Middle East and North Africa",
    "lac": "Latin America and the Caribbean",
    "southeastasia": "South-East Asia",
    "ssa": "Sub-Saharan Africa",
}
# Words that spelling variants add or drop: 'Asia-Pacific' is 'Asia and the Pacific'.
_GLUE = {"and", "the", "of", "et", "de", "du", "des", "l", "la", "le", "les", "y", "el", "del"}


def region_name(tag: str, extra: Iterable[str] = ()) -> str | None:
    """The listed spelling of a region ('asia-pacific' → 'Asia and the Pacific'), or None.

    Matching ignores case, accents, punctuation and small joining words; ``extra`` names
    (a project's ``regions:``) are tried first, so a project can respell a built-in one.
    """
    key = _region_key(tag)
    if not key:
        return None
    for name in extra:
        if _region_key(name) == key:
            return name
    candidates = _region_table().get(key, ())
    # 'África' and 'Africa' share a key: keep the language the tag was written in
    same = [name for name in candidates if name.casefold() == tag.strip().casefold()]
    return (same or list(candidates) or [None])[0]


@cache
def _region_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for name in REGIONS:
        key = _region_key(name)
        table[key] = (*table.get(key, ()), name)
    for key, name in _REGION_ALIASES.items():
        table.setdefault(key, (name,))
    return table


def _region_key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("&", " and "))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return "".join(w for w in re.split(r"[^a-z0-9]+", plain) if w and w not in _GLUE)


# -- the region vocabulary: what a case's ``regions:`` accepts ------------------------------


def check_region(tag: str, declared: Iterable[str] = ()) -> tuple[str | None, str]:
    """(the spelling to keep, '') when ``tag`` is a built-in or declared region, matched
    like ``region_name`` ('sub-saharan africa', 'SSA' → 'Sub-Saharan Africa'); otherwise
    (None, why not and what to do) for a message: a misspelling gets the nearest region, a
    country is sent to ``countries:``, a region within a built-in one ('West Africa') is
    refused unless the project declares it.
    """
    key = _region_key(tag)
    for name in declared:
        if key and _region_key(name) == key:
            return name, ""
    builtin = _builtin_table().get(key, ())
    if builtin:
        same = [name for name in builtin if name.casefold() == tag.strip().casefold()]
        return (same or list(builtin))[0], ""
    declare = f"declare {tag!r} under regions: in casepress.yaml"
    within = _within_table().get(key)
    if within:
        parents, language = within
        names = [repr(_builtin_name(parent, language)) for parent in parents]
        if len(names) == 1:
            return None, (
                f"{tag!r} lies within the region {names[0]}; write {names[0]}, or {declare} "
                "to make it a region of its own"
            )
        return None, (
            f"{tag!r} spans the regions {' and '.join(names)}; write the one the case "
            f"belongs to, or {declare} to make it a region of its own"
        )
    code = country_code(tag, languages=("fr", "es"))
    if code:
        name = display_name(code)
        called = f" as {name!r}" if name != " ".join(tag.split()) else ""
        return None, (
            f"{tag!r} is a country, not a region; list it under countries:{called} and give "
            f"its region here (one of {', '.join(BUILTIN_REGIONS)})"
        )
    match = _nearest_region(tag, [*declared, *BUILTIN_REGION_NAMES])
    if match:
        return None, (
            f"unknown region {tag!r} (did you mean {match!r}?); a region of your "
            "own must be declared under regions: in casepress.yaml"
        )
    listed = ", ".join([*declared, *BUILTIN_REGIONS])
    country = suggest_country(tag, cutoff=0.75)
    if country.startswith(" (did you mean"):  # 'Frence': a country, misspelt
        return None, (
            f"unknown region {tag!r}{country}; a country goes under countries:, a region is "
            f"one of {listed}, or {declare}"
        )
    return None, f"unknown region {tag!r}; use one of {listed}, or {declare}"


def _nearest_region(tag: str, names: list[str]) -> str | None:
    """The name nearest a misspelling, whole or by its start ('Latin Amerika' is nearest
    'Latin America and the Caribbean', not 'North America'), or None when none is near."""
    word = " ".join(tag.split()).casefold()
    best, score = None, 0.0
    for name in names:
        lowered = name.casefold()
        whole = difflib.SequenceMatcher(None, word, lowered).ratio()
        start = difflib.SequenceMatcher(None, word, lowered[: len(word)]).ratio()
        ratio = max(whole if whole >= 0.6 else 0.0, start if start >= 0.8 else 0.0)
        if ratio > score:
            best, score = name, ratio
    return best


def _builtin_name(english: str, language: int) -> str:
    """A built-in region's name in the language (column) of a name written in it."""
    row = next(cells for cells in _BUILTIN_ROWS if cells[0][0] == english)
    return (row[language] if language < len(row) and row[language] else row[0])[0]


@cache
def _builtin_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for cells in _BUILTIN_ROWS:
        for cell in cells:
            for name in cell:
                key = _region_key(name)
                table[key] = (*table.get(key, ()), name)
    for key, name in _REGION_ALIASES.items():
        if name in BUILTIN_REGIONS:
            table.setdefault(key, (name,))
    return table


@cache
def _within_table() -> dict[str, tuple[tuple[str, ...], int]]:
    """Key of a name within built-in regions → (its parents in English, its language column)."""
    table: dict[str, tuple[tuple[str, ...], int]] = {}
    for parents, cells in _WITHIN_ROWS:
        for language, cell in enumerate(cells):
            for name in cell:
                table.setdefault(_region_key(name), (parents, language))
    table.setdefault(_region_key("southeastasia"), (("Asia and the Pacific",), 0))
    return table
