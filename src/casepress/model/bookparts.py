"""A handbook's book furniture settings: cover image, licence, ISBN, citation, month dates.

The types here validate the handbook keys of casepress.yaml that describe the printed book
rather than its selection of cases (``project.HANDBOOK_SPEC``); the renderer turns them into
the cover and the imprint. Nothing here lays anything out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .schema import INVALID, Context, Field, Object, Text, Type, suggest
from .source import Node

# -- ISBN ---------------------------------------------------------------------------------


def _isbn10_check(digits: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _isbn13_check(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return str((10 - total % 10) % 10)


def check_isbn(text: str) -> str:
    """The ISBN as written (hyphens kept, a leading 'ISBN' dropped, 'x' made 'X') when its
    check digit is right; ValueError with what to do otherwise."""
    written = re.sub(r"^ISBN(?:-1[03])?:?\s*", "", text.strip(), flags=re.I).upper()
    digits = re.sub(r"[\s-]", "", written)
    if not re.fullmatch(r"\d{9}[\dX]|\d{13}", digits):
        raise ValueError(
            f"{text!r} is not an ISBN: an ISBN has 13 digits (978-… or 979-…) or, for older "
            "books, 10 (the last may be X), with or without hyphens; copy it from your ISBN "
            "agency's record"
        )
    if len(digits) == 13:
        if not digits.startswith(("978", "979")):
            raise ValueError(
                f"ISBN {written} starts with {digits[:3]}; an ISBN-13 starts with 978 or 979. "
                "Copy it again from your ISBN agency's record"
            )
        expected = _isbn13_check(digits)
    else:
        expected = _isbn10_check(digits)
    if digits[-1] != expected:
        raise ValueError(
            f"ISBN {written}: the check digit (the last) should be {expected}, not "
            f"{digits[-1]}, so a digit is mistyped; copy the ISBN again from your ISBN "
            "agency's record (do not just change the last digit: the error may be elsewhere)"
        )
    return written


# -- Licences -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Licence:
    short: str
    """As printed: 'CC BY 4.0'."""
    name: str | None = None
    """The full name of a known licence: 'Creative Commons Attribution 4.0 International'."""
    url: str | None = None


_CC = "https://creativecommons.org/licenses/{code}/{version}/"
_CC_NAMES = {
    "by": "Attribution",
    "by-sa": "Attribution-ShareAlike",
    "by-nc": "Attribution-NonCommercial",
    "by-nc-sa": "Attribution-NonCommercial-ShareAlike",
    "by-nd": "Attribution-NoDerivatives",
    "by-nc-nd": "Attribution-NonCommercial-NoDerivatives",
}


def _known_licences() -> dict[str, Licence]:
    known = {}
    for code, name in _CC_NAMES.items():
        short = f"CC {code.upper()} 4.0"
        known[_licence_key(short)] = Licence(
            short,
            f"Creative Commons {name} 4.0 International",
            _CC.format(code=code, version="4.0"),
        )
        igo = f"CC {code.upper()} 3.0 IGO"  # used by the UN family and other IGOs
        known[_licence_key(igo)] = Licence(
            igo, f"Creative Commons {name} 3.0 IGO", _CC.format(code=code, version="3.0/igo")
        )
    known[_licence_key("CC0 1.0")] = Licence(
        "CC0 1.0", "CC0 1.0 Universal (public domain dedication)",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    )  # fmt: skip
    return known


def _licence_key(text: str) -> str:
    """'CC-BY-4.0', 'cc by 4.0', 'CC BY 4.0 International' → 'ccby4.0'."""
    key = re.sub(r"[\s_-]+", "", text.casefold())
    return key.removesuffix("international")


LICENCES = _known_licences()


def check_licence(text: str) -> Licence:
    """A known short name (SPDX-like: 'CC BY 4.0', 'CC-BY-NC-4.0', 'CC0 1.0') with its full
    name and address; any other text as written. A short name that looks like a Creative
    Commons one but is none is an error with the nearest known one."""
    found = LICENCES.get(_licence_key(text))
    if found is not None:
        return found
    if re.fullmatch(r"(?i)cc[\s_-]*(0|by)\b[\w\s.-]{0,20}", text.strip()):
        shorts = [licence.short for licence in LICENCES.values()]
        hint = suggest(text.upper().replace("-", " "), shorts)
        raise ValueError(
            f"{text!r} is not a Creative Commons licence casepress knows{hint}; write one of "
            f"{', '.join(s for s in shorts if 'IGO' not in s)} (or a 3.0 IGO one), or the "
            "licence's full wording"
        )
    return Licence(text)


# -- Cover image --------------------------------------------------------------------------

COVER_IMAGE_FIELDS = Object(
    {
        "file": Field(
            Text("Image file (SVG, PNG or JPEG), relative to casepress.yaml"), required=True
        ),  # fmt: skip
        "alt": Field(Text("What the image shows, for readers who cannot see it")),
        "credit": Field(Text("Photo credit printed on the imprint page")),
    },
    "The cover image with its text alternative and credit",
)


class CoverImage(Type):
    """``cover_image: cover.jpg`` or ``cover_image: {file: cover.jpg, alt: …, credit: …}``;
    always a dict with ``file``, ``alt`` and ``credit``."""

    description = "Cover image, relative to casepress.yaml: a file name, or {file, alt, credit}"

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.kind == "map":
            values = COVER_IMAGE_FIELDS.validate(node, ctx, path)
            if values is INVALID:
                return INVALID
            return {"file": values["file"], "alt": values.get("alt"),
                    "credit": values.get("credit")}  # fmt: skip
        value = Text().check(node, ctx, path)
        if value is None or value is INVALID:
            return value
        return {"file": value, "alt": None, "credit": None}

    def schema(self) -> dict[str, Any]:
        return {"oneOf": [{"type": "string"}, COVER_IMAGE_FIELDS.json_schema()]}


# -- Dates and citation -------------------------------------------------------------------


def month_date(value: dt.date | None, language: str) -> str | None:
    """'November 2026', 'novembre 2026', 'noviembre de 2026': a book's date is its month."""
    if value is None:
        return None
    from babel.dates import format_skeleton

    try:
        return format_skeleton("yMMMM", value, locale=language.replace("-", "_"))
    except Exception:  # a locale Babel lacks: the ISO month, never a failed build
        return value.strftime("%Y-%m")


def default_citation(
    *, organisation: str | None, year: int | None, title: str, subtitle: str | None,
    edition: str | None, publisher: str | None,
) -> str:  # fmt: skip
    """'Organisation (Year). Title: Subtitle. Edition. Publisher.' — parts that are not known
    are left out, and the publisher when it is the author."""
    author = organisation or publisher
    head = f"{author} ({year})." if author and year else f"{author}." if author else ""
    title_part = f"{title}: {subtitle}" if subtitle else title
    parts = [head, _stop(title_part)]
    if edition:
        parts.append(_stop(edition))
    if publisher and publisher != author:
        parts.append(_stop(publisher))
    return " ".join(p for p in parts if p)


def _stop(text: str) -> str:
    return text if text.rstrip().endswith((".", "?", "!")) else f"{text}."
