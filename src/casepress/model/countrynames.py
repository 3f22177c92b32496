"""``country_names:`` in casepress.yaml and theme.yaml: a country's printed name, per language.

::

    country_names:
      fr: {COD: RD Congo}
      en: {PSE: Occupied Palestinian Territory, Türkiye: Turkey}

Languages are BCP 47 tags (a name for ``fr`` serves ``fr-CA`` too); a country is named by
its ISO 3166 code (alpha-3 or alpha-2) or any name casepress accepts in a case
(``places.country_code``). Validated into ``{language: {alpha-2 code: name}}``; a country
casepress does not know is an error at its key, with the nearest name. The theme chain's
names apply first, the project's over them (``places.merge_country_names``); every output
(pills, the tags panel, handbook indexes and parts, the site's filters) prints them through
``places.localised_country``.
"""

from __future__ import annotations

from typing import Any

from .labels import LANGUAGE_PATTERN
from .places import country_code, display_name, suggest_country
from .schema import INVALID, Context, MapOf, Text, Type
from .source import Node


class CountryNameMap(Type):
    """``{country: name}`` for one language; a key is a code or a known name."""

    def __init__(self, description: str = ""):
        self.description = description
        self.value = Text("The name to print")

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return {}
        if node.kind != "map":
            return ctx.error(
                node, path, f"expected countries and their names, got {node.describe()}"
            )
        names: dict[str, str] = {}
        ok = True
        for key, value in node.entries:
            given = " ".join((key.text or "").split())
            where = f"{path}.{given}" if path else given
            code = country_code(given) if given else None
            if code is None:
                ctx.error(
                    key,
                    where,
                    f"unknown country {given!r}{suggest_country(given)}; name a country by "
                    "its ISO 3166 code (COD, PSE) or a name casepress accepts in countries:",
                )
                ok = False
                continue
            result = self.value.validate(value, ctx, where)
            if result is INVALID:
                ok = False
            elif not result:
                ctx.error(
                    value,
                    where,
                    f"no name given for {display_name(code)}; write the name to print, or "
                    "remove the line",
                )
                ok = False
            else:
                names[code] = result
        return names if ok else INVALID

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "propertyNames": {"minLength": 2},
            "additionalProperties": {"type": "string", "minLength": 1},
        }


def country_names_type(description: str) -> MapOf:
    """``{language: {country: name}}``, for casepress.yaml and theme.yaml alike."""
    return MapOf(
        CountryNameMap("Country names for one language, by ISO 3166 code or name"),
        description,
        key_pattern=LANGUAGE_PATTERN,
        key_hint="a language tag such as 'fr' or 'es-419'",
    )
