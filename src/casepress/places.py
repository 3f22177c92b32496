"""Country names: ISO 3166 lookup (pycountry), normalisation to one display name, suggestions."""

from __future__ import annotations

import difflib
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


def country_code(name: str) -> str | None:
    """The alpha-2 code for a name or an alpha-2/alpha-3 code, or None when unknown."""
    return _names().get(" ".join(name.split()).lower())


def normalise_country(name: str) -> str:
    """The display name for any accepted spelling; ValueError with a suggestion otherwise."""
    code = country_code(name)
    if code is None:
        raise ValueError(f"unknown country {name!r}{suggest_country(name)}")
    return display_name(code)


def suggest_country(name: str) -> str:
    candidates = {display_name(code) for key, code in _names().items() if len(key) > 3}
    by_lower = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if match:
        return f" (did you mean '{by_lower[match[0]]}'?)"
    return "; use an ISO 3166 name or code such as 'Peru' or 'PE'"
