"""Controlled vocabularies and the messages around them (issue 15, "What to build" 2).

Regions come from a built-in list plus the project's ``regions:``; subject themes from the
project's ``topics:`` when it lists them (else near-duplicates are warned about); a case's
language must be one the world's locale data knows, and one without labels is warned
about; a date may be known to the month only. Each mistake is a miniature project in
tmp_path, and the test asserts the exact ``path:line:col: field: message`` lines that
``check`` prints and that ``build`` prints in the same words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casepress.cli import main
from casepress.model.cases import load_cases
from casepress.model.labels import shipped_languages
from casepress.model.places import BUILTIN_REGIONS, check_region
from casepress.model.project import load_project
from conftest import ROOT

BUILTIN = ", ".join(BUILTIN_REGIONS)

CASE = """\
title: Police reform in Liberia
language: {language}
published: {published}
regions: [{regions}]
countries: [Liberia]
themes: [{themes}]
context: |
  The context.
lessons:
  - text: A lesson.
"""


def write_case(
    root: Path,
    name: str = "liberia",
    *,
    regions: str = "Sub-Saharan Africa",
    themes: str = "Police reform",
    language: str = "en",
    published: str = "2024-05-17",
) -> Path:
    path = root / "cases" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = CASE.format(regions=regions, themes=themes, language=language, published=published)
    path.write_text(text, "utf-8")
    return path


def project(tmp_path: Path, monkeypatch, config: str = "title: Library\n") -> Path:
    root = tmp_path / "library"
    root.mkdir()
    (root / "casepress.yaml").write_text(config, "utf-8")
    monkeypatch.chdir(root)  # paths in messages are shown relative to here
    return root


PROBLEM = re.compile(r"^\S+:\d+:\d+: .+")


def problems(command: list[str], capsys) -> tuple[int, list[str]]:
    """Exit code and the ``path:line:col: field: message`` lines a command prints."""
    code = main(command)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if PROBLEM.match(line)]


def check_and_build(capsys, *expected: str) -> None:
    """``check`` and ``build`` both print exactly these lines and exit 2."""
    assert problems(["check"], capsys) == (2, list(expected))
    code, lines = problems(["build", "-q"], capsys)
    assert (code, lines) == (2, list(expected))


# -- regions -------------------------------------------------------------------------------


def test_a_misspelt_region_is_an_error_with_the_nearest_region(tmp_path, monkeypatch, capsys):
    write_case(project(tmp_path, monkeypatch), regions="Sub-Saharan Afrika")
    check_and_build(
        capsys,
        "cases/liberia.yaml:4:11: regions #1: unknown region 'Sub-Saharan Afrika' (did you mean "
        "'Sub-Saharan Africa'?); a region of your own must be declared under regions: in "
        "casepress.yaml",
    )


def test_a_country_given_as_a_region_is_sent_to_countries(tmp_path, monkeypatch, capsys):
    write_case(project(tmp_path, monkeypatch), regions="Liberia")
    check_and_build(
        capsys,
        "cases/liberia.yaml:4:11: regions #1: 'Liberia' is a country, not a region; list it "
        f"under countries: and give its region here (one of {BUILTIN})",
    )


def test_a_region_within_a_builtin_one_must_be_declared(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch)
    write_case(root, regions="West Africa")
    check_and_build(
        capsys,
        "cases/liberia.yaml:4:11: regions #1: 'West Africa' lies within the region 'Sub-Saharan "
        "Africa'; write 'Sub-Saharan Africa', or declare 'West Africa' under regions: in "
        "casepress.yaml to make it a region of its own",
    )
    (root / "casepress.yaml").write_text("regions: [West Africa]\n", "utf-8")
    assert problems(["check", "--strict"], capsys) == (0, [])


def test_an_unknown_region_lists_the_regions_to_choose_from(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch, "regions: [Andean region]\n")
    write_case(root, regions="Mindanao, Frence")
    assert problems(["check"], capsys) == (
        2,
        [
            "cases/liberia.yaml:4:11: regions #1: unknown region 'Mindanao'; use one of Andean "
            f"region, {BUILTIN}, or declare 'Mindanao' under regions: in casepress.yaml",
            "cases/liberia.yaml:4:21: regions #2: unknown region 'Frence' (did you mean "
            "'France'?); a country goes under countries:, a region is one of Andean region, "
            f"{BUILTIN}, or declare 'Frence' under regions: in casepress.yaml",
        ],
    )


def test_spelling_variants_of_a_region_take_the_listed_spelling(tmp_path, monkeypatch):
    root = project(tmp_path, monkeypatch, "regions: [Andean Region]\n")
    write_case(root, regions="sub-saharan africa, SSA, andean region")
    write_case(root, "perou", regions="amérique latine & caraïbes", language="fr")
    catalogue = load_cases(load_project(root))
    assert catalogue.problems == []
    by_id = {case.id: case.regions for case in catalogue.cases}
    assert by_id == {
        "liberia": ("Sub-Saharan Africa", "Andean Region"),
        "perou": ("Amérique latine et Caraïbes",),
    }


@pytest.mark.parametrize(
    ("tag", "why"),
    [
        ("Africa", "'Africa' spans the regions 'Sub-Saharan Africa' and 'Middle East and North "
         "Africa'; write the one the case belongs to"),
        ("Afrique de l’Ouest", "lies within the region 'Afrique subsaharienne'"),
        ("Pérou", "'Pérou' is a country, not a region; list it under countries: as 'Peru'"),
    ],
)  # fmt: skip
def test_region_messages_speak_the_language_of_the_tag(tag, why):
    name, message = check_region(tag)
    assert name is None and why in message


def test_a_handbook_region_misspelling_suggests_a_listed_region(tmp_path, monkeypatch, capsys):
    """Not a misspelling some case holds: before, 'did you mean' offered the cases' tags."""
    root = project(
        tmp_path,
        monkeypatch,
        "handbooks:\n  africa:\n    title: Africa\n    regions: [Sub-Saharan Afrika]\n",
    )
    write_case(root, regions="Sub-Saharan Africa")
    write_case(root, "misspelt", regions="Sub-Saharan Afrikaa")
    expected = [
        "casepress.yaml:4:15: handbooks.africa.regions #1: unknown region 'Sub-Saharan Afrika' "
        "(did you mean 'Sub-Saharan Africa'?); a region of your own must be declared under "
        "regions: in casepress.yaml",
    ]
    code, lines = problems(["handbook", "africa", "--format", "html", "-q"], capsys)
    assert code == 2
    assert [line for line in lines if line.startswith("casepress.yaml")] == expected
    assert "Afrikaa'?" not in "\n".join(lines)


def test_new_refuses_a_region_outside_the_vocabulary(tmp_path, monkeypatch, capsys):
    project(tmp_path, monkeypatch)
    code = main(["new", "Police reform in Liberia", "--region", "West Africa"])
    assert code == 2
    assert (
        "command line: --region: 'West Africa' lies within the region 'Sub-Saharan Africa'"
        in capsys.readouterr().err
    )
    assert main(["new", "Police reform in Liberia", "--region", "ssa", "-q"]) == 0
    written = Path("cases/police-reform-in-liberia.yaml").read_text("utf-8")
    assert re.search(r"\nregions: .*\n  - Sub-Saharan Africa\n", written)


def test_an_imported_sub_region_gets_the_error_check_gives(tmp_path, monkeypatch, capsys):
    project(tmp_path, monkeypatch)
    Path("west.txt").write_text(
        "A West African case\n\nContext.\n\nLessons learned\n\nOnly lesson — Its text.\n\n"
        "Regions or countries:\n\nWest Africa, Liberia\n",
        "utf-8",
    )
    message = (
        "cases/a-west-african-case.yaml:5:11: regions #1: 'West Africa' lies within the region "
        "'Sub-Saharan Africa'; write 'Sub-Saharan Africa', or declare 'West Africa' under "
        "regions: in casepress.yaml to make it a region of its own"
    )
    code, lines = problems(["import", "west.txt"], capsys)
    assert code == 2 and message in lines
    assert problems(["check"], capsys) == (2, [message])


# -- subject themes ------------------------------------------------------------------------


def test_themes_outside_the_declared_topics_are_errors(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch, "topics: [Police reform, Vetting, Gender]\n")
    write_case(root, themes="police reform, Vettting")
    check_and_build(
        capsys,
        "cases/liberia.yaml:6:25: themes #2: unknown theme 'Vettting' (did you mean 'Vetting'?); "
        "use a theme listed under topics: in casepress.yaml, or add it there",
    )
    write_case(root, themes="police  reform, vetting")
    catalogue = load_cases(load_project(root))
    assert catalogue.problems == []
    assert catalogue.cases[0].themes == ("Police reform", "Vetting")


def test_a_handbook_theme_outside_the_declared_topics_is_an_error(tmp_path, monkeypatch, capsys):
    root = project(
        tmp_path,
        monkeypatch,
        "topics: [Police reform]\nhandbooks:\n  p:\n    title: P\n    themes: [Police reforms]\n",
    )
    write_case(root)
    code, lines = problems(["handbook", "p", "--format", "html", "-q"], capsys)
    assert (code, lines) == (
        2,
        [
            "casepress.yaml:5:14: handbooks.p.themes #1: unknown theme 'Police reforms' (did you "
            "mean 'Police reform'?); use a theme listed under topics: in casepress.yaml"
        ],
    )


def test_near_duplicate_themes_are_warned_about_without_topics(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch)
    write_case(root, "a", themes="Vetting, Police reform")
    write_case(root, "b", themes="Vetting, Police reforms")
    write_case(root, "c", themes="vetting, Gender")
    expected = [
        "cases/b.yaml:6:19: warning: themes #2: the theme 'Police reforms' is also written 'Police reform' "
        "(cases/a.yaml); write it one way, so that handbooks and the site's index keep these "
        "cases together (or list the themes under topics: in casepress.yaml)",
        "cases/c.yaml:6:10: warning: themes #1: the theme 'vetting' is also written 'Vetting' "
        "(cases/a.yaml); write it one way, so that handbooks and the site's index keep these "
        "cases together (or list the themes under topics: in casepress.yaml)",
    ]
    assert problems(["check"], capsys) == (0, expected)
    assert problems(["check", "--strict"], capsys) == (2, expected)


# -- languages -----------------------------------------------------------------------------


def test_a_language_without_labels_is_warned_about(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch)
    write_case(root, language="ka")
    expected = [
        "cases/liberia.yaml:2:11: warning: language: casepress has no labels in Georgian ('ka'): "
        "headings such as 'Lessons' will be in English; add them under labels: ka: in "
        f"casepress.yaml or in the theme's theme.yaml (casepress ships {shipped_languages()})"
    ]
    assert problems(["check"], capsys) == (0, expected)
    code, lines = problems(["brief", "cases", "--format", "html", "-q"], capsys)
    assert (code, lines) == (0, expected)
    (root / "casepress.yaml").write_text(
        "labels:\n  ka:\n    lessons: ნასწავლი გაკვეთილები\n", "utf-8"
    )
    assert problems(["check", "--strict"], capsys) == (0, [])


def test_the_projects_language_without_labels_is_warned_about_once(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch, "title: Library\nlanguage: sw\n")
    for name in ("a", "b"):
        path = write_case(root, name)
        path.write_text(path.read_text("utf-8").replace("language: en\n", ""), "utf-8")
    assert problems(["check"], capsys) == (
        0,
        [
            "casepress.yaml:2:11: warning: language: casepress has no labels in Swahili ('sw'): headings "
            "such as 'Lessons' will be in English; add them under labels: sw: in casepress.yaml "
            f"or in the theme's theme.yaml (casepress ships {shipped_languages()})"
        ],
    )


def test_an_unknown_language_is_refused(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch)
    write_case(root, language="xx")
    check_and_build(
        capsys,
        "cases/liberia.yaml:2:11: language: 'xx' is not a language casepress knows; use a BCP 47 "
        "language tag such as 'en', 'fr', 'es', 'ar' or 'es-419'",
    )
    assert main(["new", "A case", "--language", "xx"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "command line: --language: 'xx' is not a language casepress knows; use a BCP 47 "
        "language tag such as 'en', 'fr', 'es', 'ar' or 'es-419'"
    )
    assert not (root / "cases" / "a-case.yaml").exists()


# -- dates known to the month --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "published", "shown"),
    [
        ("en", "May 2024", "May 2024"),
        ("en", "2024-05", "May 2024"),
        ("fr", "mai 2024", "mai 2024"),
        ("es", "'2024-05'", "mayo de 2024"),
        ("en", "2024-05-17", "May 17, 2024"),
    ],
)
def test_a_month_only_date_is_shown_to_the_month(
    tmp_path, monkeypatch, capsys, language, published, shown
):
    root = project(tmp_path, monkeypatch)
    write_case(root, language=language, published=published)
    assert problems(["brief", "cases", "--format", "html", "-q"], capsys) == (0, [])
    html = next((root / "build" / "briefs").glob("*.html")).read_text("utf-8")
    assert f">{shown}<" in html


def test_a_date_that_is_neither_day_nor_month_says_both_forms(tmp_path, monkeypatch, capsys):
    write_case(project(tmp_path, monkeypatch), published="Spring 2024")
    check_and_build(
        capsys,
        "cases/liberia.yaml:3:12: published: expected a date written YYYY-MM-DD, or a month "
        "written YYYY-MM or 'May 2024', got 'Spring 2024'",
    )


# -- the sample project --------------------------------------------------------------------


def test_the_sample_project_stays_valid_without_warnings(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert problems(["check", "--strict"], capsys) == (0, [])


def test_a_themes_list_in_casepress_yaml_is_sent_to_topics(tmp_path, monkeypatch, capsys):
    """Not to 'theme' (the visual theme), which 'did you mean' would offer."""
    write_case(project(tmp_path, monkeypatch, "themes: [Police reform]\n"))
    assert problems(["check"], capsys) == (
        2,
        [
            "casepress.yaml:1:1: themes: unknown field; list the subject themes cases may use "
            "under topics: (theme: is the visual theme)"
        ],
    )


def test_a_themes_labels_for_the_language_silence_the_warning(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, monkeypatch, "theme: persian\n")
    (root / "themes" / "persian").mkdir(parents=True)
    (root / "themes" / "persian" / "theme.yaml").write_text(
        "name: persian\nlabels:\n  fa:\n    lessons: درس‌های آموخته\n", "utf-8"
    )
    write_case(root, language="fa")
    assert problems(["check", "--strict"], capsys) == (0, [])
    assert problems(["brief", "cases", "--format", "html", "--strict", "-q"], capsys) == (0, [])


def test_new_keeps_to_the_declared_topics(tmp_path, monkeypatch, capsys):
    project(tmp_path, monkeypatch, "topics: [Police reform, Vetting]\n")
    assert main(["new", "A case", "--topic", "Vettting"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "command line: --topic: unknown theme 'Vettting' (did you mean 'Vetting'?); use a theme "
        "listed under topics: in casepress.yaml, or add it there"
    )
    assert main(["new", "A case", "--topic", "police reform", "-q"]) == 0
    code, lines = problems(["check"], capsys)
    assert code == 0 and all("TODO placeholder" in line for line in lines)
    assert "\n  - Police reform\n" in Path("cases/a-case.yaml").read_text("utf-8")
