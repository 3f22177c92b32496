"""A handbook's book furniture as its template sees it: cover, imprint, part and case numbers.

``furniture`` adds to the ``handbook`` context that ``Renderer.render_handbook`` builds: the
cover (image, whether it is dark, which logo), the imprint (publisher, licence, suggested
citation, colophon), month-precision dates and the numbering of parts and cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Problem, display_path
from ..model.bookparts import default_citation, month_date
from ..model.editions import HandbookPlan
from ..theme import colours
from ..theme.chain import Theme

COVER_COLOUR = "--colour-primary"
"""The custom property the cover page is filled with (styles/handbook.css ``@page cover``)."""

_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def roman(number: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out += letters * count
    return out


def cover_colour(theme: Theme) -> str | None:
    """The cover's background colour as the theme's sheets resolve it."""
    declared = colours.declared_colours(
        theme.stylesheets("pdf", document="handbook"), roots=theme.roots
    )
    found = declared.get(COVER_COLOUR)
    return found.value if found else None


def is_dark(colour: str | None) -> bool:
    """Dark: white text reads better on it than black text does (WCAG contrast)."""
    if not colour:
        return False
    try:
        return colours.contrast_ratio("#ffffff", colour) >= colours.contrast_ratio(
            "#000000", colour
        )
    except ValueError:
        return False


def reversed_logo_problem(theme: Theme) -> Problem | None:
    """A warning when the handbook cover is dark and the theme's logo has no light version:
    the logo is then set on a white plate rather than printed illegibly."""
    if theme.logo is None or theme.logo_reversed is not None:
        return None
    colour = cover_colour(theme)
    if not is_dark(colour):
        return None
    config = next((c for c in theme.configs if c.logo is not None), None)
    where = display_path(config.path if config is not None else theme.logo)
    line, column = config.positions.get("logo", (0, 0)) if config is not None else (0, 0)
    message = (
        f"the handbook cover is dark ({colour}) and the logo has no light version, so it is "
        "set on a white plate; add logo_reversed: with a light (white or one-colour) version "
        "of the logo to theme.yaml"
    )
    return Problem.warning(where, message, line=line, column=column, field="logo")


def furniture(
    plan: HandbookPlan,
    theme: Theme,
    *,
    language: str,
    labels: dict[str, str],
    organisation: str | None,
    image: Callable[[Any, str], dict[str, str] | None],
) -> dict[str, Any]:
    """What the cover and imprint show, besides the keys ``render_handbook`` sets itself.
    ``image(path, alt)`` makes a template image (a file URL in PDF, ``data:`` in HTML)."""
    edition = plan.edition
    dark = is_dark(cover_colour(theme))
    cover_logo = None
    plate = False
    if edition.logo is not None:
        cover_logo = image(edition.logo, organisation or edition.title)
        plate = dark
    elif theme.logo is not None:
        use_reversed = dark and theme.logo_reversed is not None
        cover_logo = image(
            theme.logo_reversed if use_reversed else theme.logo, organisation or theme.name
        )
        plate = dark and not use_reversed
    cover_image = None
    if edition.cover_image is not None:
        cover_image = image(edition.cover_image, edition.cover_image_alt or "")
        if cover_image is not None:
            cover_image["credit"] = edition.cover_image_credit
    publisher = edition.publisher or organisation
    date = edition.date
    year = date.year if date is not None else None
    citation = edition.citation or default_citation(
        organisation=organisation, year=year, title=edition.title, subtitle=edition.subtitle,
        edition=edition.edition, publisher=publisher,
    )  # fmt: skip
    part_numbers = plan.grouped if edition.part_numbers is None else edition.part_numbers
    numbers: dict[str, str] = {}
    if edition.case_numbers:
        numbers = {case.id: str(n) for n, case in enumerate(plan.cases, 1)}
    return {
        "date": month_date(date, language),
        "cover_dark": dark,
        "cover_logo": cover_logo,
        "cover_logo_plate": plate,
        "cover_image": cover_image,
        "publisher": publisher,
        "licence": edition.licence,
        "citation": citation,
        "colophon": edition.colophon,
        "produced_with": edition.produced_with,
        "part_numbers": part_numbers and plan.grouped,
        "case_numbers": numbers,
    }


def part_label(labels: dict[str, str], number: int) -> str:
    """'Part I', 'Partie I', 'Parte I'."""
    return f"{labels.get('part', 'Part')}\u00a0{roman(number)}"
