"""Places: ISO 3166 country names (pycountry) and the region names tags are sorted into."""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pycountry

# -- countries -----------------------------------------------------------------------------
#
# A case's ``countries:`` takes any accepted spelling and keeps the display name, which is what
# every output prints. Display names are chosen for publications: the short names the UN
# (UNTERM) and the field's publishers print, where ISO 3166's short names are inverted
# ("Congo, The Democratic Republic of the") or formal ("Russian Federation"). Everything not
# listed keeps ISO 3166's common or short name (pycountry). In French and Spanish, names come
# from CLDR (Babel), with the same choices made where CLDR differs (``_DISPLAY``);
# ``country_names:`` in casepress.yaml or theme.yaml overrides any of them per language.

_DISPLAY: dict[str, dict[str, str]] = {
    "en": {
        "BA": "Bosnia and Herzegovina",
        "BN": "Brunei",
        "BO": "Bolivia",
        "CD": "Democratic Republic of the Congo",
        "CG": "Republic of the Congo",
        "CI": "Côte d’Ivoire",
        "CV": "Cabo Verde",
        "CZ": "Czechia",
        "FM": "Micronesia",
        "GW": "Guinea-Bissau",
        "IR": "Iran",
        "KP": "North Korea",
        "KR": "South Korea",
        "LA": "Laos",
        "MD": "Moldova",
        "PS": "State of Palestine",
        "RU": "Russia",
        "SY": "Syria",
        "TR": "Türkiye",
        "TZ": "Tanzania",
        "VA": "Holy See",
        "VE": "Venezuela",
        "VG": "British Virgin Islands",
        "VI": "United States Virgin Islands",
        "VN": "Vietnam",
        "XK": "Kosovo",
    },
    "fr": {
        "CD": "République démocratique du Congo",
        "CG": "République du Congo",
        "MM": "Myanmar",
        "PS": "État de Palestine",
        "TR": "Türkiye",
    },
    "es": {
        "CD": "República Democrática del Congo",
        "CG": "República del Congo",
        "MM": "Myanmar",
        "PS": "Estado de Palestina",
        "TR": "Türkiye",
    },
    # CLDR's European Portuguese (``_CLDR_LOCALES``), with the UN-style choices made above
    "pt": {
        "CD": "República Democrática do Congo",
        "CG": "República do Congo",
        "CI": "Costa do Marfim",
        "MM": "Myanmar",
        "PS": "Estado da Palestina",
    },
    "ru": {
        "CD": "Демократическая Республика Конго",
        "CG": "Республика Конго",
        "KG": "Кыргызстан",
        "KP": "Северная Корея",
        "KR": "Южная Корея",
        "MM": "Мьянма",
        "PS": "Государство Палестина",
        "US": "США",
    },
    "uk": {
        "CD": "Демократична Республіка Конго",
        "CG": "Республіка Конго",
        "MM": "Мʼянма",
        "PS": "Держава Палестина",
        "US": "США",
    },
}
"""Display names by language where casepress's choice differs from ISO 3166 (English) or
CLDR (the others): the short forms the field's publishers print, where CLDR's are a city
pair ('Congo - Kinshasa'), carry a second name in brackets ('Mianmar (Birmânia)') or name
a territory where the UN names a state. Kosovo (user-assigned code XK) is here because ISO
3166 lacks it."""

_CLDR_LOCALES = {"pt": "pt_PT"}
"""The CLDR locale whose names a language prints, where it is not the language's own:
Portuguese as written in Portugal, Lusophone Africa and Timor-Leste ('Quénia', 'Vietname');
``pt-BR`` takes Brazil's ('Quênia', 'Vietnã')."""


def _cldr_locale(language: str) -> str:
    return _CLDR_LOCALES.get(language.lower(), language.replace("-", "_"))


# Spellings people write that are neither ISO 3166 names nor display names. Matching ignores
# case, accents, typographic apostrophes and quotes, hyphens (= spaces) and the word "the"
# (``country_key``), so each variant needs one entry: "Bosnia-Herzegovina" covers
# "bosnia herzegovina", "Democratic Republic of Congo" the form with "the".
_ALIASES = {
    "Bosnia-Herzegovina": "BA", "Bosnia": "BA",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo-Brazzaville": "CG", "Congo Republic": "CG", "Republic of Congo": "CG",
    "Congo-Kinshasa": "CD", "DRC": "CD", "DR Congo": "CD", "D.R. Congo": "CD",
    "Democratic Republic of Congo": "CD",
    "Czech Republic": "CZ",
    "Democratic People's Republic of Korea": "KP", "DPRK": "KP",
    "East Timor": "TL",
    "Great Britain": "GB", "Britain": "GB", "UK": "GB",
    "Ivory Coast": "CI",
    "Kosovo": "XK", "XK": "XK", "XKX": "XK",
    "Lao PDR": "LA",
    "Macedonia": "MK",
    "Occupied Palestinian Territory": "PS", "Palestine": "PS", "Palestinian Territories": "PS",
    "Republic of Korea": "KR",
    "Swaziland": "SZ",
    "Turkey": "TR",
    "United States of America": "US", "USA": "US",
    "Vatican": "VA", "Vatican City": "VA",
}  # fmt: skip

_AMBIGUOUS = {"Congo": ("CG", "CD")}
"""Names that two countries go by: the first is taken, with a warning naming both."""

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u2032\u00b4`\u02b9"})
_DROPPED = str.maketrans({c: " " for c in '"\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a'})
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212-]")


def country_key(name: str) -> str:
    """How country names are compared: 'Côte d’Ivoire', "cote d'ivoire" and 'COTE D IVOIRE'
    differ, but 'Guinea Bissau'/'Guinea-Bissau' and 'the Gambia'/'Gambia' do not.

    Case, accents, typographic apostrophes (as a word processor types them), quotes, hyphens
    and dashes (read as spaces), '&' (read as 'and') and the word 'the' are ignored."""
    text = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES).translate(_DROPPED)
    text = _DASHES.sub(" ", text.replace("&", " and "))
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(word for word in plain.split() if word != "the")


@cache
def _names() -> dict[str, str]:
    """Every accepted spelling (``country_key``) and code → alpha-2 code."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                table[country_key(value)] = country.alpha_2
    for code, name in _DISPLAY["en"].items():
        table[country_key(name)] = code
    for name, code in _ALIASES.items():
        table[country_key(name)] = code
    return table


def display_name(alpha_2: str) -> str:
    """The English name every output prints ('Democratic Republic of the Congo', 'Bolivia'):
    casepress's choice (``_DISPLAY``), else ISO 3166's common name, else its short name."""
    chosen = _DISPLAY["en"].get(alpha_2)
    if chosen:
        return chosen
    country = pycountry.countries.get(alpha_2=alpha_2)
    return getattr(country, "common_name", None) or country.name


@cache
def country_name(name: str, language: str) -> str:
    """A country's name in a language: 'Peru' → 'Pérou' (fr), 'Perú' (es).

    casepress's choice for that language first (``_DISPLAY``), then the name a reader of
    that language expects from Babel (CLDR territory names), then pycountry's ISO 3166
    translations. English is the display name; a name not known here stays as given.
    """
    code = country_code(name)
    if code is None:
        return name
    primary = language.split("-")[0].lower()
    if primary == "en":
        return display_name(code)
    chosen = _DISPLAY.get(primary, {}).get(code)
    if chosen:
        return chosen
    from babel import Locale, UnknownLocaleError  # loaded only when a case is rendered

    try:
        found = Locale.parse(_cldr_locale(language)).territories.get(code)
    except (UnknownLocaleError, ValueError):
        found = None
    return found or _iso_translation(code, language) or display_name(code)


CountryNames = dict[str, dict[str, str]]
"""``country_names:`` as validated: {language: {alpha-2 code: name}}."""


def localised_country(name: str, language: str, overrides: CountryNames | None = None) -> str:
    """What a reader of ``language`` sees for a country: the project's or theme's
    ``country_names:`` for that language tag or its primary language, else ``country_name``."""
    if overrides:
        code = country_code(name)
        primary = language.split("-")[0].lower()
        for tag in dict.fromkeys((language, primary)):
            chosen = overrides.get(tag, {}).get(code or "")
            if chosen:
                return chosen
    return country_name(name, language)


def merge_country_names(*layers: CountryNames | None) -> CountryNames:
    """``country_names:`` of several places, later layers winning, language by language."""
    merged: CountryNames = {}
    for layer in layers:
        for language, names in (layer or {}).items():
            merged.setdefault(language, {}).update(names)
    return merged


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
    key = country_key(name)
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
    """Country names in one language (``country_key``) → alpha-2 code (pycountry ships them)."""
    catalogue = _catalogue(language)
    if type(catalogue) is gettext.NullTranslations:
        return {}
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                table[country_key(catalogue.gettext(value))] = country.alpha_2
    primary = language.replace("-", "_").split("_")[0]
    from babel import Locale, UnknownLocaleError

    try:  # the names CLDR gives, which ``country_name`` prints ('Russie', not ISO's form)
        cldr = Locale.parse(_cldr_locale(language)).territories
    except (UnknownLocaleError, ValueError):
        cldr = {}
    for country in pycountry.countries:
        if cldr.get(country.alpha_2):
            table.setdefault(country_key(cldr[country.alpha_2]), country.alpha_2)
    for code, name in _DISPLAY.get(primary, {}).items():
        table[country_key(name)] = code
    return table


def normalise_country(name: str) -> str:
    """The display name for any accepted spelling; ValueError with a suggestion otherwise."""
    code = country_code(name)
    if code is None:
        raise ValueError(
            _translated_name(name) or f"unknown country {name!r}{suggest_country(name)}"
        )
    return display_name(code)


def _translated_name(name: str) -> str:
    """For a country named in another language casepress prints ('Україна'), what to write
    instead and why; '' for any other name."""
    for language in REGION_LANGUAGES[1:]:
        code = country_code(name, languages=(language,))
        if code:
            shown = display_name(code)
            from babel import Locale  # loaded only for this message

            called = Locale.parse(language).english_name
            return (
                f"{name!r} is {shown} in {called}: write {shown!r} or its code {code!r}; "
                "case files name countries in English or by ISO code, and every output "
                "prints them in the case's language"
            )
    return ""


def ambiguous_country(name: str) -> str | None:
    """For a name two countries go by ('Congo'), the warning: both names, which one was
    taken and what to write for the other; None for any other name."""
    key = country_key(name)
    for spelling, (taken, other) in _AMBIGUOUS.items():
        if country_key(spelling) == key:
            chosen, alternative = display_name(taken), display_name(other)
            given = " ".join(name.split())
            return (
                f"{given!r} is two countries, {chosen!r} or {alternative!r}; "
                f"taken as {chosen!r}: write {chosen!r} to say so, or {alternative!r} "
                "for the other"
            )
    return None


def suggest_country(name: str, *, cutoff: float = 0.6) -> str:
    """' (did you mean ...?)' with the display name of the nearest spelling casepress
    accepts (ISO names, common and official names, aliases: 'Rusia' is nearest 'Russia').

    Never a name that looks like the one given: one that matched only after normalising
    would have been accepted, so such a near-twin is no suggestion."""
    spellings = {key: code for key, code in _names().items() if len(key) > 3}
    key = country_key(name)
    for match in difflib.get_close_matches(key, list(spellings), n=3, cutoff=cutoff):
        suggestion = display_name(spellings[match])
        if country_key(suggestion) != key and suggestion.casefold() != name.strip().casefold():
            return f" (did you mean '{suggestion}'?)"
    return "; use an ISO 3166 name or code such as 'Peru' or 'PE'"


# The built-in regions: one level, no two overlapping, after the UN and World Bank groupings
# the field uses, each in English | French | Spanish | Portuguese | Russian | Ukrainian | Arabic (the
# languages of the built-in label catalogues; Portuguese in the European and the Brazilian
# spelling). A case's ``regions:`` takes one of these (in any of its spellings) or a name the
# project declares under ``regions:``.
_BUILTIN_TABLE = """
Sub-Saharan Africa | Afrique subsaharienne | África subsahariana | África Subsariana/África Subsaariana | Африка к югу от Сахары | Африка на південь від Сахари | أفريقيا جنوب الصحراء الكبرى
Middle East and North Africa | Moyen-Orient et Afrique du Nord | Oriente Medio y Norte de África | Médio Oriente e Norte de África/Oriente Médio e Norte da África | Ближний Восток и Северная Африка | Близький Схід і Північна Африка | الشرق الأوسط وشمال أفريقيا
Latin America and the Caribbean | Amérique latine et Caraïbes | América Latina y el Caribe | América Latina e Caraíbas/América Latina e Caribe | Латинская Америка и Карибский бассейн | Латинська Америка та Карибський басейн | أمريكا اللاتينية ومنطقة البحر الكاريبي
North America | Amérique du Nord | América del Norte | América do Norte | Северная Америка | Північна Америка | أمريكا الشمالية
Asia and the Pacific | Asie et Pacifique | Asia y el Pacífico | Ásia e Pacífico | Азия и Тихоокеанский регион | Азія та Тихоокеанський регіон | آسيا والمحيط الهادئ
Europe and Central Asia | Europe et Asie centrale | Europa y Asia Central | Europa e Ásia Central | Европа и Центральная Азия | Європа та Центральна Азія | أوروبا وآسيا الوسطى
"""
# Names that lie within (or span) built-in regions: ``casepress import`` recognises them, and
# a case may use one only when the project declares it (else 'West Africa' would become a
# handbook part of its own beside 'Sub-Saharan Africa'). parent(s): English | French | Spanish
# | Portuguese | Russian | Ukrainian | Arabic; '/' separates two spellings.
_WITHIN_TABLE = """
Sub-Saharan Africa, Middle East and North Africa: Africa | Afrique | África | África | Африка | Африка | أفريقيا
Middle East and North Africa: North Africa | Afrique du Nord | Norte de África | Norte de África/Norte da África | Северная Африка | Північна Африка | شمال أفريقيا
Sub-Saharan Africa: West Africa | Afrique de l’Ouest | África Occidental | África Ocidental | Западная Африка | Західна Африка | غرب أفريقيا
Sub-Saharan Africa: East Africa | Afrique de l’Est | África Oriental | África Oriental | Восточная Африка | Східна Африка | شرق أفريقيا
Sub-Saharan Africa: Central Africa | Afrique centrale | África Central | África Central | Центральная Африка | Центральна Африка | وسط أفريقيا
Sub-Saharan Africa: Southern Africa | Afrique australe | África Austral | África Austral | Южная Африка | Південна Африка | الجنوب الأفريقي
Sub-Saharan Africa: Horn of Africa | Corne de l’Afrique | Cuerno de África | Corno de África | Африканский Рог | Африканський Ріг | القرن الأفريقي
Sub-Saharan Africa: Great Lakes | Grands Lacs | Grandes Lagos | Grandes Lagos | Великие озера | Великі озера | منطقة البحيرات الكبرى
Sub-Saharan Africa: Sahel | | | | Сахель | Сахель | الساحل
Latin America and the Caribbean, North America: Americas | Amériques | | Américas | Америка | Америка | الأمريكتان
Latin America and the Caribbean: Latin America | Amérique latine | América Latina | América Latina | Латинская Америка | Латинська Америка | أمريكا اللاتينية
Latin America and the Caribbean: Caribbean | Caraïbes | Caribe | Caraíbas | Карибский бассейн | Карибський басейн | منطقة البحر الكاريبي
Latin America and the Caribbean: Central America | Amérique centrale | América Central/Centroamérica | América Central | Центральная Америка | Центральна Америка | أمريكا الوسطى
Latin America and the Caribbean: South America | Amérique du Sud | América del Sur/Sudamérica | América do Sul | Южная Америка | Південна Америка | أمريكا الجنوبية
Latin America and the Caribbean: Andean region | | Región andina | Região andina | | |
Asia and the Pacific: Asia | Asie | Asia | Ásia | Азия | Азія | آسيا
Asia and the Pacific: South Asia | Asie du Sud | Asia Meridional | Ásia do Sul/Ásia Meridional | Южная Азия | Південна Азія | جنوب آسيا
Asia and the Pacific: South-East Asia | Asie du Sud-Est | Sudeste Asiático | Sudeste Asiático | Юго-Восточная Азия | Південно-Східна Азія | جنوب شرق آسيا
Asia and the Pacific: East Asia | Asie de l’Est | Asia Oriental | Ásia Oriental | Восточная Азия | Східна Азія | شرق آسيا
Asia and the Pacific: Pacific | Pacifique | Pacífico | Pacífico | Тихоокеанский регион | Тихоокеанський регіон | المحيط الهادئ
Asia and the Pacific: Oceania | Océanie | | Oceânia/Oceania | Океания | Океанія | أوقيانوسيا
Europe and Central Asia: Central Asia | Asie centrale | Asia Central | Ásia Central | Центральная Азия | Центральна Азія | آسيا الوسطى
Europe and Central Asia: Europe | Europe | Europa | Europa | Европа | Європа | أوروبا
Europe and Central Asia: Eastern Europe | Europe de l’Est | Europa del Este | Europa de Leste/Europa Oriental | Восточная Европа | Східна Європа | أوروبا الشرقية
Europe and Central Asia: Western Europe | Europe de l’Ouest | Europa Occidental | Europa Ocidental | Западная Европа | Західна Європа | أوروبا الغربية
Europe and Central Asia: Balkans | | Balcanes | Balcãs | Балканы | Балкани | البلقان
Europe and Central Asia: Western Balkans | Balkans occidentaux | Balcanes Occidentales | Balcãs Ocidentais | Западные Балканы | Західні Балкани | غرب البلقان
Europe and Central Asia: Caucasus | Caucase | Cáucaso | Cáucaso | Кавказ | Кавказ | القوقاز
Europe and Central Asia: South Caucasus | | | Cáucaso do Sul | Южный Кавказ | Південний Кавказ | جنوب القوقاز
Middle East and North Africa: Middle East | Moyen-Orient | Oriente Medio | Médio Oriente/Oriente Médio | Ближний Восток | Близький Схід | الشرق الأوسط
Middle East and North Africa: Gulf | | | Golfo | Персидский залив | Перська затока | الخليج
"""


def _cells(row: str) -> list[tuple[str, ...]]:
    """'a | b | c/d' → [('a',), ('b',), ('c', 'd')]: a row's spellings, by language."""
    return [tuple(n.strip() for n in cell.split("/") if n.strip()) for cell in row.split("|")]


REGION_LANGUAGES = ("en", "fr", "es", "pt", "ru", "uk", "ar")
"""The languages of the region tables' columns, in order."""
_BUILTIN_ROWS = [_cells(row) for row in _BUILTIN_TABLE.strip().splitlines()]
_WITHIN_ROWS = [
    (tuple(p.strip() for p in parents.split(",")), _cells(names))
    for parents, names in (row.split(":", 1) for row in _WITHIN_TABLE.strip().splitlines())
]
BUILTIN_REGIONS = tuple(row[0][0] for row in _BUILTIN_ROWS)
"""The built-in regions, in English (each also has a name in each language of ``_BUILTIN_TABLE``)."""
BUILTIN_REGION_NAMES = tuple(name for cells in _BUILTIN_ROWS for cell in cells for name in cell)
"""Every name of a built-in region, in every language of ``_BUILTIN_TABLE``."""
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
_GLUE = {
    "and", "the", "of", "et", "de", "du", "des", "l", "la", "le", "les", "y", "el", "del",
    "e", "do", "da", "dos", "das", "и", "та", "і", "й",
}  # fmt: skip


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
    # any script's letters ('Азия' too), without accents; punctuation and spaces split words
    return "".join(w for w in re.split(r"[\W_]+", plain) if w and w not in _GLUE)


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
    code = country_code(tag, languages=REGION_LANGUAGES[1:])
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
