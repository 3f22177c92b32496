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


REGIONS = (
    # English (UN and World Bank groupings, and the sub-regions SSR case libraries use)
    "Africa", "Sub-Saharan Africa", "North Africa", "West Africa", "East Africa",
    "Central Africa", "Southern Africa", "Horn of Africa", "Great Lakes", "Sahel",
    "Americas", "Latin America", "Latin America and the Caribbean", "Caribbean",
    "Central America", "South America", "North America", "Andean region",
    "Asia", "Asia and the Pacific", "South Asia", "South-East Asia", "East Asia",
    "Central Asia", "Pacific", "Oceania",
    "Europe", "Europe and Central Asia", "Eastern Europe", "Western Europe", "Balkans",
    "Western Balkans", "Caucasus", "South Caucasus",
    "Middle East", "Middle East and North Africa", "Gulf",
    # French
    "Afrique", "Afrique subsaharienne", "Afrique du Nord", "Afrique de l’Ouest",
    "Afrique de l’Est", "Afrique centrale", "Afrique australe", "Corne de l’Afrique",
    "Grands Lacs", "Amériques", "Amérique latine", "Amérique latine et Caraïbes", "Caraïbes",
    "Amérique centrale", "Amérique du Sud", "Amérique du Nord", "Asie", "Asie et Pacifique",
    "Asie du Sud", "Asie du Sud-Est", "Asie de l’Est", "Asie centrale", "Pacifique",
    "Océanie", "Europe et Asie centrale", "Europe de l’Est", "Europe de l’Ouest",
    "Balkans occidentaux", "Caucase", "Moyen-Orient", "Moyen-Orient et Afrique du Nord",
    # Spanish
    "África", "África subsahariana", "Norte de África", "África Occidental",
    "África Oriental", "África Central", "África Austral", "Cuerno de África",
    "Grandes Lagos", "América Latina", "América Latina y el Caribe", "Caribe",
    "América Central", "Centroamérica", "América del Sur", "Sudamérica", "América del Norte",
    "Región andina", "Asia y el Pacífico", "Asia Meridional", "Sudeste Asiático",
    "Asia Oriental", "Asia Central", "Pacífico", "Europa", "Europa y Asia Central",
    "Europa del Este", "Europa Occidental", "Balcanes", "Balcanes Occidentales", "Cáucaso",
    "Oriente Medio", "Oriente Medio y Norte de África",
)  # fmt: skip
"""Region names ``casepress import`` recognises; a project adds its own with ``regions:``."""

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
