"""Localised country names come from one place (model.places.country_name): the brief shows
the names it gives."""

import pytest

from casepress.cli import main
from casepress.model.places import country_name

COUNTRIES = ["Côte d'Ivoire", "Peru", "Bolivia", "Kosovo"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Côte d’Ivoire", "Pérou", "Bolivie", "Kosovo"]),
        ("es", ["Côte d’Ivoire", "Perú", "Bolivia", "Kosovo"]),
        ("en", ["Côte d’Ivoire", "Peru", "Bolivia", "Kosovo"]),  # the display names
    ],
)
def test_country_names_in_a_language(language, expected):
    assert [country_name(name, language) for name in COUNTRIES] == expected


def test_a_language_babel_lacks_falls_back_to_the_iso_3166_translation():
    assert country_name("Germany", "crh") == "Almanya"  # Crimean Tatar: pycountry only
    assert country_name("Narnia", "fr") == "Narnia"  # not a country: left as written


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_brief_shows_the_names_places_gives(language, tmp_path):
    project = tmp_path / "p"
    assert main(["init", str(project), "-q"]) == 0
    countries = [arg for name in COUNTRIES for arg in ("--country", name)]
    assert main(["new", "Réforme", "--language", language, *countries, "-C", str(project)]) == 0
    case = project / "cases" / "reforme.yaml"
    out = tmp_path / "out"
    code = main(["brief", str(case), "-C", str(project), "--format", "html", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0  # the new case's TODOs are only warnings
    html = (out / "reforme.html").read_text("utf-8")
    for name in COUNTRIES:
        assert country_name(name, language) in html
    assert ("Pérou" if language == "fr" else "Perú") in html
