"""Country names for the field: display names chosen for publications, the spellings people
write (aliases, typographic apostrophes, hyphen variants), an ambiguous 'Congo' warned about,
and ``country_names:`` in casepress.yaml and theme.yaml, printed alike in every output."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pycountry
import pytest

from casepress import load_project
from casepress.cli import main
from casepress.model.cases import load_case
from casepress.model.places import (
    ambiguous_country,
    country_code,
    country_name,
    display_name,
    normalise_country,
    suggest_country,
)
from casepress.render.renderer import Renderer
from casepress.render.site import render_index
from casepress.theme.chain import theme_for

DRC = "Democratic Republic of the Congo"

ALIASES = {
    # the forms the issue found refused
    "Democratic Republic of Congo": DRC,
    "Turkey": "Türkiye",
    "Cape Verde": "Cabo Verde",
    "Bosnia-Herzegovina": "Bosnia and Herzegovina",
    "Guinea Bissau": "Guinea-Bissau",
    # common names and former names
    "DRC": DRC,
    "DR Congo": DRC,
    "Congo-Kinshasa": DRC,
    "Congo-Brazzaville": "Republic of the Congo",
    "Ivory Coast": "Côte d’Ivoire",
    "East Timor": "Timor-Leste",
    "Burma": "Myanmar",
    "Myanmar": "Myanmar",
    "Swaziland": "Eswatini",
    "Eswatini": "Eswatini",
    "Macedonia": "North Macedonia",
    "North Macedonia": "North Macedonia",
    "Russia": "Russia",
    "Palestine": "State of Palestine",
    "Czech Republic": "Czechia",
    "the Gambia": "Gambia",
    # ISO 3166 short names and codes take the display name
    "Congo, The Democratic Republic of the": DRC,
    "Palestine, State of": "State of Palestine",
    "Russian Federation": "Russia",
    "Korea, Republic of": "South Korea",
    "Lao People's Democratic Republic": "Laos",
    "Micronesia, Federated States of": "Micronesia",
    "Viet Nam": "Vietnam",
    "Syrian Arab Republic": "Syria",
    "Iran, Islamic Republic of": "Iran",
    "Bolivia, Plurinational State of": "Bolivia",
    "Venezuela, Bolivarian Republic of": "Venezuela",
    "Tanzania, United Republic of": "Tanzania",
    "Moldova, Republic of": "Moldova",
    "Korea, Democratic People's Republic of": "North Korea",
    "COD": DRC,
    "cd": DRC,
    "PSE": "State of Palestine",
    "XK": "Kosovo",
}


@pytest.mark.parametrize(("given", "shown"), ALIASES.items())
def test_every_listed_spelling_takes_the_display_name(given, shown):
    assert normalise_country(given) == shown


@pytest.mark.parametrize(
    "given",
    [
        "Côte d’Ivoire", "Côte d'Ivoire", "Cote d'Ivoire", "Côte d‘Ivoire", "Côte dʼIvoire",
        "Côte d′Ivoire", "CÔTE D’IVOIRE", "  Côte   d’Ivoire ", "“Côte d’Ivoire”",
    ],
)  # fmt: skip
def test_apostrophes_as_a_word_processor_types_them_are_accepted(given):
    assert normalise_country(given) == "Côte d’Ivoire"


@pytest.mark.parametrize(
    ("given", "shown"),
    [("Guinea\u2010Bissau", "Guinea-Bissau"), ("Guinea\u2011Bissau", "Guinea-Bissau"),
     ("Guinea – Bissau", "Guinea-Bissau"), ("Timor Leste", "Timor-Leste"),
     ("Bosnia\u2013Herzegovina", "Bosnia and Herzegovina"),
     ("Bosnia & Herzegovina", "Bosnia and Herzegovina"), ("Turkiye", "Türkiye")],
)  # fmt: skip
def test_hyphen_dash_and_accent_variants_are_accepted(given, shown):
    assert normalise_country(given) == shown


def test_every_display_name_is_accepted_as_typed_in_any_style():
    """No name casepress prints is refused, whether typed with straight or typographic
    apostrophes and hyphens; so a suggestion can never look like what was typed."""
    codes = [c.alpha_2 for c in pycountry.countries] + ["XK"]
    for code in codes:
        name = display_name(code)
        for variant in (name, name.replace("’", "'"), name.replace("'", "’"),
                        name.replace("-", "\u2010"), name.upper()):  # fmt: skip
            assert country_code(variant) == code, variant


def test_a_suggestion_never_looks_like_the_name_given():
    assert suggest_country("Côte d’Ivoir") == " (did you mean 'Côte d’Ivoire'?)"
    assert suggest_country("Cote d Ivoire") == " (did you mean 'Côte d’Ivoire'?)"
    with pytest.raises(ValueError, match=r"unknown country 'Qqqq'; use an ISO 3166 name"):
        normalise_country("Qqqq")


def test_the_display_names_chosen_for_publications():
    assert {code: display_name(code) for code in (
        "CD", "CG", "RU", "PS", "TR", "SY", "IR", "BO", "VE", "TZ", "LA", "VN", "MD", "KR",
        "KP", "CZ", "CV", "BA", "GW", "FM", "CI",
    )} == {
        "CD": DRC, "CG": "Republic of the Congo", "RU": "Russia", "PS": "State of Palestine",
        "TR": "Türkiye", "SY": "Syria", "IR": "Iran", "BO": "Bolivia", "VE": "Venezuela",
        "TZ": "Tanzania", "LA": "Laos", "VN": "Vietnam", "MD": "Moldova", "KR": "South Korea",
        "KP": "North Korea", "CZ": "Czechia", "CV": "Cabo Verde",
        "BA": "Bosnia and Herzegovina", "GW": "Guinea-Bissau", "FM": "Micronesia",
        "CI": "Côte d’Ivoire",
    }  # fmt: skip
    inverted = re.compile(r", (the )?[\w ]+ of( the)?$", re.IGNORECASE)  # 'Congo, The … of the'
    assert not [c.alpha_2 for c in pycountry.countries if inverted.search(display_name(c.alpha_2))]


def test_french_and_spanish_names_make_the_same_choices():
    assert [country_name(DRC, "fr"), country_name("Republic of the Congo", "fr"),
            country_name("State of Palestine", "fr"), country_name("Türkiye", "fr"),
            country_name("Russia", "fr")] == [
        "République démocratique du Congo", "République du Congo", "État de Palestine",
        "Türkiye", "Russie"]  # fmt: skip
    assert [country_name(DRC, "es"), country_name("Republic of the Congo", "es-419"),
            country_name("State of Palestine", "es")] == [
        "República Democrática del Congo", "República del Congo", "Estado de Palestina"]  # fmt: skip
    # what is printed in French is read back in French (casepress import)
    assert country_code("République démocratique du Congo", languages=["fr"]) == "CD"
    assert country_code("Russie", languages=["fr"]) == "RU"


def test_congo_alone_is_the_republic_of_the_congo_with_a_warning_naming_both():
    assert normalise_country("Congo") == "Republic of the Congo"
    assert ambiguous_country(" congo ").startswith("'congo' is two countries")
    assert ambiguous_country("Congo") == (
        "'Congo' is two countries, 'Republic of the Congo' or 'Democratic Republic of the "
        "Congo'; taken as 'Republic of the Congo': write 'Republic of the Congo' to say so, "
        "or 'Democratic Republic of the Congo' for the other"
    )
    assert ambiguous_country("Republic of the Congo") is None
    assert ambiguous_country("DRC") is None


# Projects --------------------------------------------------------------------------------


CASE = """\
title: {title}
language: {language}
countries: {countries}
context: Context.
lessons:
  - title: A lesson
    text: Its text.
"""


def make_project(root: Path, config: str = "", theme: str | None = None) -> Path:
    cases = root / "cases"
    cases.mkdir(parents=True)
    (cases / "kivu.yaml").write_text(
        CASE.format(title="Police reform in Kivu", language="en",
                    countries='[DRC, "Palestine", Turkey]'), encoding="utf-8")  # fmt: skip
    (cases / "kinshasa.yaml").write_text(
        CASE.format(title="Réforme à Kinshasa", language="fr", countries="[COD, Russia]"),
        encoding="utf-8",
    )
    head = "title: Library\n" + (f"theme: {theme}\n" if theme else "")
    (root / "casepress.yaml").write_text(head + textwrap.dedent(config), encoding="utf-8")
    return root


def test_check_warns_about_congo_at_its_line_and_strict_fails(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    case = root / "cases" / "kivu.yaml"
    case.write_text(case.read_text().replace("[DRC, ", "[Congo, "), encoding="utf-8")
    assert main(["check", "-C", str(root)]) == 0
    err = capsys.readouterr().err
    assert (
        "cases/kivu.yaml:3:13: warning: countries #1: 'Congo' is two countries, 'Republic of "
        "the Congo' or 'Democratic Republic of the Congo'; taken as 'Republic of the Congo'"
    ) in err
    assert main(["check", "--strict", "-C", str(root)]) != 0


def test_check_accepts_the_forms_the_field_writes(tmp_path, capsys):
    root = make_project(tmp_path / "p")
    case = root / "cases" / "kivu.yaml"
    case.write_text(
        case.read_text().replace(
            '[DRC, "Palestine", Turkey]',
            '[Democratic Republic of Congo, "Côte d’Ivoire", Cape Verde, Bosnia-Herzegovina, '
            "Guinea Bissau]",
        ),
        encoding="utf-8",
    )
    assert main(["check", "-C", str(root)]) == 0
    assert "warning:" not in capsys.readouterr().err
    case_model = load_case(case, load_project(root))[0]
    assert case_model.countries == (DRC, "Côte d’Ivoire", "Cabo Verde", "Bosnia and Herzegovina",
                                    "Guinea-Bissau")  # fmt: skip


def pills(html: str) -> list[str]:
    return re.findall(r'<li class="tag tag-country">([^<]*)</li>', html)


def panel(html: str) -> str:
    return re.search(r"<dd>([^<]*)</dd>", html.split('class="tags-panel"')[1]).group(1)


def briefs(root: Path, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "out"
    for name in ("kivu", "kinshasa"):
        code = main(["brief", str(root / "cases" / f"{name}.yaml"), "-C", str(root),
                     "--format", "html", "-q", "--output", str(out)])  # fmt: skip
        assert code == 0
    return {p.stem: p.read_text("utf-8") for p in out.glob("*.html")}


def test_briefs_print_the_display_names_in_pills_and_the_tags_panel(tmp_path):
    html = briefs(make_project(tmp_path / "p"), tmp_path)
    assert pills(html["kivu"]) == [DRC, "State of Palestine", "Türkiye"]
    assert panel(html["kivu"]) == f"{DRC}, State of Palestine, Türkiye"
    assert pills(html["kinshasa"]) == ["République démocratique du Congo", "Russie"]
    assert "Congo, The Democratic" not in html["kivu"] + html["kinshasa"]


COUNTRY_NAMES = """\
country_names:
  fr: {COD: "RD Congo"}
  en: {PSE: "Occupied Palestinian Territory", Turkey: Turkey}
"""


def test_country_names_in_casepress_yaml_override_per_language(tmp_path):
    html = briefs(make_project(tmp_path / "p", COUNTRY_NAMES), tmp_path)
    assert pills(html["kivu"]) == [DRC, "Occupied Palestinian Territory", "Turkey"]
    assert panel(html["kivu"]) == f"{DRC}, Occupied Palestinian Territory, Turkey"
    assert pills(html["kinshasa"]) == ["RD Congo", "Russie"]  # fr only: en keeps its DRC
    assert panel(html["kinshasa"]) == "RD Congo, Russie"


def test_a_themes_country_names_apply_and_the_projects_win(tmp_path):
    root = make_project(
        tmp_path / "p", "country_names:\n  fr: {Congo-Kinshasa: RDC}\n", theme="field"
    )
    theme = root / "themes" / "field"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text(
        "name: field\ncountry_names:\n  fr: {COD: Congo (RD), RUS: Fédération de Russie}\n"
        "  en: {TUR: Turkey}\n",
        encoding="utf-8",
    )
    html = briefs(root, tmp_path)
    assert pills(html["kivu"]) == [DRC, "State of Palestine", "Turkey"]
    assert pills(html["kinshasa"]) == ["RDC", "Fédération de Russie"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("country_names:\n  fr: {Qqqq: Narnia}\n",
         "casepress.yaml:3:8: country_names.fr.Qqqq: unknown country 'Qqqq'; use an ISO "
         "3166 name or code such as 'Peru' or 'PE'; name a country by its ISO 3166 code (COD, "
         "PSE) or a name casepress accepts in countries:"),
        ("country_names:\n  fr: {Rusia: Russie}\n",
         "casepress.yaml:3:8: country_names.fr.Rusia: unknown country 'Rusia' (did you mean "
         "'Russia'?)"),
        ("country_names:\n  French: {COD: RDC}\n",
         "casepress.yaml:3:3: country_names.French: expected a language tag such as 'fr' or "
         "'es-419' as the name, got 'French'"),
        ("country_names:\n  fr:\n    COD:\n",
         "casepress.yaml:4:9: country_names.fr.COD: no name given for Democratic Republic of "
         "the Congo; write the name to print, or remove the line"),
        ("country_names:\n  fr: [COD]\n",
         "casepress.yaml:3:7: country_names.fr: expected countries and their names, got a list"),
    ],
)  # fmt: skip
def test_country_names_are_validated_at_their_position(tmp_path, capsys, config, message):
    root = make_project(tmp_path / "p", config)
    assert main(["check", "-C", str(root)]) == 2
    assert message in capsys.readouterr().err


def test_a_themes_country_names_are_validated_at_their_position(tmp_path, capsys):
    root = make_project(tmp_path / "p", theme="field")
    theme = root / "themes" / "field"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text(
        "name: field\ncountry_names:\n  en: {Absurdistan: X}\n", encoding="utf-8"
    )
    assert main(["check", "-C", str(root)]) == 2
    err = capsys.readouterr().err
    assert "themes/field/theme.yaml:3:8: country_names.en.Absurdistan: unknown country" in err


def test_the_setting_is_in_both_schemas(capsys):
    assert main(["schema", "--config"]) == 0
    assert '"country_names"' in capsys.readouterr().out
    from casepress.theme.config import theme_schema

    assert "country_names" in theme_schema()["properties"]


def test_a_handbook_index_and_its_country_parts_print_the_same_names(tmp_path):
    root = make_project(tmp_path / "p", COUNTRY_NAMES.replace("{PSE:", "{COD: DR Congo, PSE:"))
    out = tmp_path / "hb"
    code = main(["handbook", "-C", str(root), "--title", "Field", "--group-by", "country",
                 "--format", "html", "-q", "--output", str(out)])  # fmt: skip
    assert code == 0
    html = next(out.glob("*.html")).read_text("utf-8")
    terms = re.findall(r"<dt>([^<]*)</dt>", html.split('id="index-countries"')[1])
    assert terms == ["DR Congo", "Occupied Palestinian Territory", "Russia", "Turkey"]
    parts = re.findall(r'<h1 class="part-title"[^>]*>([^<]*)</h1>', html)
    assert parts == ["DR Congo"]  # both cases' first country
    assert "Congo, The" not in html and "Palestine, State of" not in html


def test_the_sites_filters_and_listing_print_the_same_names(tmp_path):
    root = make_project(tmp_path / "p", COUNTRY_NAMES)
    project = load_project(root)
    cases = [load_case(p, project)[0] for p in sorted((root / "cases").glob("*.yaml"))]
    html = render_index(Renderer(project, theme_for(project)), cases)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<(]*?)\s*\(', html)
    assert [label for value, label in options if value in ("democratic republic of the congo",
            "state of palestine", "türkiye", "russia")] == [
        DRC, "Occupied Palestinian Territory", "Russia", "Turkey"]  # fmt: skip
    assert "Occupied Palestinian Territory" in pills(html)


def test_a_french_index_sorts_etat_de_palestine_under_e(tmp_path):
    root = make_project(tmp_path / "p", "language: fr\n")
    case = root / "cases" / "kivu.yaml"
    case.write_text(case.read_text().replace("language: en", "language: fr"), encoding="utf-8")
    out = tmp_path / "hb"
    code = main(["handbook", "-C", str(root), "--title", "Terrain", "--format", "html", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    html = next(out.glob("*.html")).read_text("utf-8")
    terms = re.findall(r"<dt>([^<]*)</dt>", html.split('id="index-countries"')[1])
    assert terms == ["État de Palestine", "République démocratique du Congo", "Russie", "Türkiye"]
