"""Themes: one case in the built-in theme and in the sample Azimut theme, read back as a reader
sees it; theme.yaml errors with their positions; the chain; packaged themes; the commands."""

import re
import shutil
import sys
from functools import cache

import pytest
from pypdf import PdfReader

from casepress import InputError, build_briefs, load_project
from casepress.checks.theme import check_theme
from casepress.cli import main
from casepress.model.markup import render_markdown
from casepress.render.renderer import Renderer
from casepress.theme.chain import Sheet, load_theme
from conftest import PROJECTS, ROOT, copy_project, page_texts
from conftest import pdf_text as _pdf_text

FRENCH_PERU = "verite-et-rss-au-perou"
FIXTURE = PROJECTS / "themes"
SHOWN = "tests/projects/themes/themes"


@pytest.fixture(scope="session")
def pair(tmp_path_factory):
    """The French Peru case rendered once in base and once in azimut: {theme: (pdf, html)}."""
    results = {}
    for name in ("base", "azimut"):
        out = tmp_path_factory.mktemp(name)
        project = load_project(ROOT, output_dir=out, theme=name)
        report = build_briefs(project, paths=[ROOT / "cases" / f"{FRENCH_PERU}.yaml"])
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        assert not report.warnings, [str(p) for p in report.warnings]
        briefs = out / "briefs"
        results[name] = (briefs / f"{FRENCH_PERU}.pdf", briefs / f"{FRENCH_PERU}.html")
    return results


@cache
def pdf_text(path) -> str:
    """Extracted once per file: pypdf takes ~0.2 s a brief."""
    return _pdf_text(path)


@pytest.fixture
def in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def embedded_fonts(path) -> set[str]:
    names = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(font.get_object()["/BaseFont"].split("+", 1)[1])
    return names


# --- What the theme changes in the PDF --------------------------------------------------------


@pytest.mark.slow
def test_fonts_come_from_the_theme_folder(pair):
    base, azimut = embedded_fonts(pair["base"][0]), embedded_fonts(pair["azimut"][0])
    assert {"Source-Serif-Pro", "Source-Sans-Pro-Semi-Bold"} <= base
    assert {"Caladea", "Caladea-Italic", "Cabin", "Cabin-Bold"} <= azimut
    assert not any(name.startswith("Source") for name in azimut), azimut  # no fallback face


@pytest.mark.slow
def test_page_size_is_the_themes(pair):
    base = PdfReader(pair["base"][0]).pages[0].mediabox
    a5 = PdfReader(pair["azimut"][0]).pages[0].mediabox
    assert (round(base.width), round(base.height)) == (595, 842)  # A4
    assert (round(a5.width), round(a5.height)) == (420, 595)  # A5


@pytest.mark.slow
def test_logo_and_footer_on_every_page_of_the_themed_brief(pair):
    base, azimut = page_texts(pair["base"][0]), page_texts(pair["azimut"][0])
    for number, text in enumerate(azimut, 1):
        assert "A Z I M U T" in text  # the SVG logo's lettering, drawn as vectors
        assert "Fiches d’expérience · azimut.example" in text
        assert f"Page {number} sur {len(azimut)}" in text
    assert "A Z I M U T" not in " ".join(base)
    # duplex: on a left-hand page the page number moves to the outer (left) corner
    right, left = azimut[0], azimut[1]
    assert right.index("Fiches d’expérience") < right.index("Page 1 sur")
    assert left.index("Page 2 sur") < left.index("Fiches d’expérience")


@pytest.mark.slow
def test_french_labels_and_the_themes_own_wording(pair):
    base, azimut = pdf_text(pair["base"][0]), pdf_text(pair["azimut"][0])
    for text in (base, azimut):  # the case is French: labels follow its language
        for label in ("Contexte", "Point d’entrée", "Enseignements tirés", "Résultats"):
            assert label in text, label
        assert "Lessons learned" not in text
    assert "ÉTUDE DE CAS" in base and "Pour aller plus loin" in base
    assert "Ressources" in azimut and "Pour aller plus loin" not in azimut  # theme override


@pytest.mark.slow
def test_the_overridden_title_block(pair):
    base, azimut = pdf_text(pair["base"][0]), pdf_text(pair["azimut"][0])
    assert "FICHE D’EXPÉRIENCE · PÉROU · 2001–2003" in azimut
    assert "PÉROU ·" not in base
    html = pair["azimut"][1].read_text("utf-8")
    assert 'class="case-header azimut-cartouche"' in html


@pytest.mark.slow
def test_funders_and_disclaimer_end_the_themed_brief(pair):
    base, azimut = pdf_text(pair["base"][0]), pdf_text(pair["azimut"][0])
    assert "Avec le soutien de" in azimut and "Horizon Solidaire" in azimut
    assert "n’engagent que leurs auteurs" in azimut
    assert "Avec le soutien de" not in base and "n’engagent" not in base


@pytest.mark.slow
def test_country_names_and_quotes_follow_the_language(pair):
    for pdf, _ in pair.values():
        text = pdf_text(pdf)
        assert "Pérou" in text and "Peru " not in text
        assert "« printemps démocratique »" in text  # (the no-break spaces read as spaces)


@pytest.mark.slow
def test_themed_html_is_standalone(pair):
    html = pair["azimut"][1].read_text("utf-8")
    assert "file:" not in html and "<link" not in html
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html
    assert "--colour-primary: #3d2a6e;" in html  # theme.yaml palette, inlined
    assert "@font-face" not in html  # fonts are embedded in the PDF only
    assert '<html lang="fr">' in html


# --- Languages, dates, labels -----------------------------------------------------------------


def render_html(project_dir, theme_name=None, **settings) -> str:
    from casepress.build.driver import with_theme_defaults
    from casepress.model.cases import load_cases

    project = load_project(project_dir, theme=theme_name, **settings)
    theme = load_theme(project.root, project.theme, labels=project.labels)
    catalogue = load_cases(with_theme_defaults(project, theme))
    assert not catalogue.problems, catalogue.problems
    return Renderer(project, theme).render_brief(catalogue.cases[0], target="html")


def test_dates_follow_the_language():
    from casepress.render.renderer import _date

    day = __import__("datetime").date(2024, 3, 15)
    assert _date(day, "fr") == "15 mars 2024"
    assert _date(day, "es") == "15 de marzo de 2024"
    assert _date(day, "en") == "March 15, 2024"
    assert _date(day, "fr", "d MMM y") == "15 mars 2024"


def test_a_themes_language_is_the_default_for_cases_that_name_none():
    html = render_html(FIXTURE, "parent")
    assert '<html lang="fr">' in html
    assert "Leçons du parent" in html  # the theme's French label
    assert "15 mars 2024" in html  # published, in French
    assert "Pérou" in html and "Côte d’Ivoire" in html
    assert "«&nbsp;parent&nbsp;»" in html  # French quotes in the Markdown context
    english = render_html(FIXTURE)  # the built-in theme: English
    assert '<html lang="en">' in english and "Lessons learned" in english
    assert "March 15, 2024" in english and "Peru" in english
    # casepress.yaml's language wins over the theme's
    assert '<html lang="en">' in render_html(FIXTURE, "parent", language="en")


def test_project_labels_override_the_themes(tmp_path):
    project = copy_project("themes", tmp_path)
    (project / "casepress.yaml").write_text(
        "theme: parent\nlabels:\n  fr:\n    lessons: Leçons du projet\n"
    )
    html = render_html(project)
    assert "Leçons du projet" in html and "Leçons du parent" not in html


def test_a_theme_can_add_a_language():
    theme = load_theme(FIXTURE, "parent")
    labels = theme.label_set("sw-KE")  # Swahili: no built-in catalogue
    assert labels["lessons"] == "Mafunzo yaliyopatikana"
    assert labels["context"] == "Context"  # untranslated labels fall back to English


def test_quotation_marks_per_language():
    assert render_markdown('"x"', language="fr") == "<p>«&nbsp;x&nbsp;»</p>"
    assert render_markdown('"x"', language="es-419") == "<p>«x»</p>"
    assert render_markdown('"x"', language="en") == "<p>“x”</p>"
    assert render_markdown("l'eau", language="fr") == "<p>l’eau</p>"


# --- The chain ----------------------------------------------------------------------------------


def test_a_child_theme_layers_over_its_parent(in_repo_root):
    theme = load_theme(FIXTURE, "child")
    labels = [layer.label for layer in theme.layers]
    assert labels == ["project", "theme child", "theme parent", "built-in"]
    assert theme.colours == {"primary": "teal", "brand": "rgb(10 120 80)"}
    assert theme.page.size == "Letter" and theme.language == "fr"
    html = render_html(FIXTURE, "child")
    assert '<p class="child-summary">child summary</p>' in html  # child's block
    assert 'class="lesson parent-lesson"' in html  # parent's block, reached by parent:
    sheets = [s for s in theme.stylesheets("pdf") if isinstance(s, Sheet)]
    assert [s.origin for s in sheets] == [
        f"{SHOWN}/parent/theme.yaml",
        f"{SHOWN}/child/theme.yaml",
    ]
    assert "--colour-primary: teal;" in sheets[-1].css  # the child's sheet comes last


@pytest.mark.slow
def test_page_size_precedence(tmp_path):
    theme = load_theme(FIXTURE, "parent")
    sheets = theme.stylesheets("pdf", page_size="A5")
    assert sheets[-1] == Sheet("page size", "@page { size: A5; }\n")  # after every theme sheet
    assert "size: Letter;" in next(s.css for s in sheets if isinstance(s, Sheet))
    project = load_project(FIXTURE, output_dir=tmp_path, theme="parent", page_size="A4")
    case = FIXTURE / "cases" / "sans-langue.yaml"
    report = build_briefs(project, paths=[case], formats=("pdf",))
    assert report.exit_code == 0, report.problems
    page = PdfReader(tmp_path / "briefs" / "sans-langue.pdf").pages[0]
    assert round(page.mediabox.width) == 595  # --page-size beat the theme's Letter
    assert "/XObject" in page["/Resources"]  # the PNG logo, an image XObject
    (image,) = page["/Resources"]["/XObject"].values()
    assert image.get_object()["/Subtype"] == "/Image"


# --- theme check: every kind of error, positioned -------------------------------------------------


def problems_of(name: str) -> list[str]:
    return [str(p) for p in check_theme(FIXTURE, name)[1]]


def test_theme_yaml_errors_each_with_its_position(in_repo_root):
    where = f"{SHOWN}/broken/theme.yaml"
    assert problems_of("broken") == [
        f"{where}:2:1: colour: unknown field (did you mean 'colours'?)",
        f"{where}:4:7: logo: file 'missing.svg' does not exist",
        f"{where}:6:12: colours.primary: expected a colour like '#1a5276', got 'blu' (did you mean 'blue'?)",
        f"{where}:7:11: colours.accent: expected a colour like '#1a5276', got '#12345'",
        f"{where}:11:14: fonts.body.regular: 'fonts/not-a-font.ttf': cannot be read as a font (expected a TrueType, OpenType or WOFF file)",
        f"{where}:12:11: fonts.body.bold: '../parent/logo.png' is outside the theme folder",
        f"{where}:14:9: page.size: expected one of A4, Letter, A5, got 'B5'",
        f"{where}:15:12: page.margins: expected one to four lengths such as '20mm 18mm 22mm 18mm', got '20 mm'",
        f"{where}:18:5: warning: labels.fr.lesons: unknown name (did you mean 'lessons'?); templates can still use it",
    ]


def test_extends_cycle_and_unknown_parent_name_the_places_searched(in_repo_root):
    assert problems_of("cycle-a") == [
        f"{SHOWN}/cycle-b/theme.yaml:2:10: extends: 'cycle-a' makes a cycle: cycle-a → cycle-b → "
        f"cycle-a; theme folders read: {SHOWN}/cycle-a, {SHOWN}/cycle-b"
    ]
    assert problems_of("orphan") == [
        f"{SHOWN}/orphan/theme.yaml:2:10: extends: unknown theme 'no-such-theme'; the themes "
        "you can use: broken, child, cycle-a, cycle-b, missing-template, orphan, parent, "
        f"wrong-name, base; looked in {SHOWN}/no-such-theme/ (project); installed packages "
        "(entry points "
        "'casepress.themes': none); built-in: base"
    ]
    assert problems_of("wrong-name") == [
        f"{SHOWN}/wrong-name/theme.yaml:1:7: name: 'other-name' does not match the folder name "
        "'wrong-name'"
    ]
    (unknown,) = problems_of("chidl")
    assert unknown.startswith(
        "casepress: unknown theme 'chidl' (did you mean 'child'?); the themes you can use: broken,"
    )


def test_missing_template_names_every_folder_searched(in_repo_root, tmp_path):
    assert problems_of("missing-template") == [
        f"{SHOWN}/missing-template/styles/theme.css:2:15: CSS: cannot read this declaration; "
        "expected 'property: value;'",
        f"{SHOWN}/missing-template/templates/broken.html.j2:2:1: template syntax error: "
        "Expected an expression, got 'end of statement block'",
        f"{SHOWN}/missing-template/templates/case.html.j2:2:1: template "
        "'no-such-partial.html.j2' not found; searched: tests/projects/themes/templates/ "
        f"(project), {SHOWN}/missing-template/templates/ (theme missing-template), "
        "templates/ (built-in)",
    ]
    # Building with it fails the same way, naming the same folders
    project = load_project(FIXTURE, output_dir=tmp_path, theme="missing-template")
    report = build_briefs(project, formats=("html",))
    assert report.exit_code == 1
    (failure,) = report.failures
    assert "'no-such-partial.html.j2' not found; searched: " in failure.message
    assert f"{SHOWN}/missing-template/templates/ (theme missing-template)" in failure.message


def test_an_invalid_theme_stops_the_build_with_every_problem(tmp_path, capsys):
    project = copy_project("themes", tmp_path)
    (project / "casepress.yaml").write_text("title: T\ntheme: broken\n")
    assert main(["build", "-C", str(project), "-q"]) == 2
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if "broken/theme.yaml:" in line]) == 8
    (project / "casepress.yaml").write_text("title: T\ntheme: nope\n")
    assert main(["build", "-C", str(project), "-q"]) == 2
    assert "casepress.yaml:2:8: theme: unknown theme 'nope'" in capsys.readouterr().err
    assert main(["build", "-C", str(project), "-q", "--theme", "nope"]) == 2
    assert "--theme: unknown theme 'nope'" in capsys.readouterr().err


# --- Commands -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_theme_new_then_check_then_build(tmp_path, capsys):
    project = copy_project("minimal", tmp_path)
    assert main(["theme", "new", "acme", "-C", str(project)]) == 0
    out = capsys.readouterr().out
    for name in ("theme.yaml", "logo.svg", "templates/case.html.j2", "styles/theme.css"):
        assert (project / "themes" / "acme" / name).is_file()
        assert name in out
    assert main(["theme", "check", "acme", "-C", str(project)]) == 0
    assert "checked theme acme → base: 0 error(s), 0 warning(s) — valid" in capsys.readouterr().err
    assert main(["theme", "new", "acme", "-C", str(project)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert main(["theme", "new", "acme-fr", "--extends", "acme", "-C", str(project)]) == 0
    assert main(["theme", "check", "acme-fr", "-C", str(project), "-q"]) == 0
    code = main(["brief", str(project / "cases" / "second-case.yaml"), "-C", str(project),
                 "--theme", "acme-fr", "--output", str(tmp_path / "out"), "-q"])  # fmt: skip
    assert code == 0
    html = (tmp_path / "out" / "second-case.html").read_text("utf-8")
    assert "Lessons identified" in html  # the scaffold's label override
    assert "--colour-primary: #1f4e79;" in html
    assert (tmp_path / "out" / "second-case.pdf").stat().st_size > 5000


def test_theme_list_shows_every_source(capsys, in_repo_root):
    assert main(["theme", "list", "-C", str(ROOT)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["NAME", "EXTENDS", "FROM", "FOLDER"]
    assert re.split(r"\s{2,}", lines[1]) == ["azimut", "base", "project", "themes/azimut"]
    assert lines[-1].split()[:2] == ["base", "built-in"]


def test_explain_templates_shows_every_place_tried(tmp_path, capsys, in_repo_root):
    case = ROOT / "cases" / f"{FRENCH_PERU}.yaml"
    code = main(["brief", str(case), "--theme", "azimut", "--format", "html", "-q",
                 "--output", str(tmp_path), "--explain-templates"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "case.html.j2 → themes/azimut/templates/case.html.j2\n" in out
    assert re.search(r"1\. themes/azimut/templates/case.html.j2 +theme azimut +used\n", out)
    assert re.search(r"2\. templates/case.html.j2 +built-in +overridden\n", out)
    assert re.search(r"1\. themes/azimut/templates/brief.html.j2 +theme azimut +not found\n", out)
    assert "base:case.html.j2 → templates/case.html.j2" in out


def test_a_theme_installed_as_a_package_is_found(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    package = site / "acme_casepress_theme"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "theme.yaml").write_text("name: acme\norganisation: Acme installed\n")
    (package / "templates").mkdir()
    (package / "templates" / "case.html.j2").write_text(
        '{% extends "base:case.html.j2" %}{% block summary %}installed block{% endblock %}'
    )
    info = site / "acme_casepress_theme-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-casepress-theme\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[casepress.themes]\nacme = acme_casepress_theme\n")
    monkeypatch.syspath_prepend(str(site))
    theme = load_theme(None, "acme")
    assert theme.organisation == "Acme installed"
    assert theme.layers[0].label == "theme acme"
    assert theme.layers[0].config.origin == "package acme-casepress-theme"
    html = render_html(PROJECTS / "minimal", "acme")
    assert "installed block" in html
    assert main(["theme", "list", "-C", str(PROJECTS / "minimal")]) == 0
    assert re.search(r"acme +base +package acme-casepress-theme", capsys.readouterr().out)
    sys.modules.pop("acme_casepress_theme", None)


def test_colour_values(tmp_path, in_repo_root):
    folder = tmp_path / "themes" / "c"
    folder.mkdir(parents=True)
    good = ["'#abc'", "'#1a5276'", "rgb(26 82 118)", "rgba(0,0,0,0.5)", "teal",
            "hsl(200deg 50% 40%)", "device-cmyk(0 0.5 1 0)"]  # fmt: skip
    bad = ["blu", "'#12'", "'red; } body { display: none'", "currentcolor", "url(x.png)"]
    lines = [f"  c{i}: {value}" for i, value in enumerate(good + bad)]
    (folder / "theme.yaml").write_text("name: c\ncolours:\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError) as error:
        load_theme(tmp_path, "c")
    flagged = [p.field for p in error.value.problems]
    assert flagged == [f"colours.c{i}" for i in range(len(good), len(good) + len(bad))]


def test_theme_check_reports_text_colours_under_wcag_contrast(tmp_path, capsys):
    folder = tmp_path / "themes" / "pale"
    folder.mkdir(parents=True)
    (tmp_path / "cases").mkdir()  # a project, so that commands find it
    (folder / "theme.yaml").write_text('name: pale\ncolours:\n  accent: "#f5c518"\n')
    assert main(["theme", "check", "pale", "-C", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        "themes/pale/theme.yaml:3:11: colours.accent: #f5c518 gives too little contrast "
        "(WCAG 2.1 AA) for the small label above the title (1.63:1 on the white page, needs "
        "4.5:1) and the outline that shows keyboard focus on web pages (1.63:1 on the white "
        "page, needs 3:1); use a darker shade such as #9c6e00 (4.52:1), or list accent under "
        "accept_low_contrast: in theme.yaml or casepress.yaml to keep it"
    ) in err
    assert main(["theme", "check", "azimut", "-C", str(ROOT)]) == 0


# --- Built-ins are never a project layer --------------------------------------------------------


def copy_of_the_repository(dest):
    """The repository's project files, copied: its top-level templates/ and styles/ are the
    built-ins (byte for byte) in another place."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("casepress.yaml", "cases", "docs", "themes", "templates", "styles"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy(source, dest / name)
    return dest


def _sheets(theme, root):
    """Stylesheets as comparable values: files relative to the project or the checkout."""
    found = []
    for sheet in theme.stylesheets("html", document="handbook"):
        if isinstance(sheet, Sheet):
            found.append(sheet.css)
        else:
            found.append(sheet.relative_to(root if sheet.is_relative_to(root) else ROOT))
    return found


@pytest.mark.parametrize("name", [None, "azimut"])
def test_a_copy_of_the_repository_has_the_layers_of_the_checkout(tmp_path, name):
    copy = copy_of_the_repository(tmp_path)
    checkout, copied = load_theme(ROOT, name), load_theme(copy, name)
    assert [layer.label for layer in copied.layers] == [layer.label for layer in checkout.layers]
    assert "project" not in [layer.label for layer in copied.layers]
    assert _sheets(copied, copy) == _sheets(checkout, ROOT)
    assert copied.overrides == ()


def test_a_copy_of_the_repository_inlines_the_stylesheet_once(tmp_path):
    copy = copy_of_the_repository(tmp_path)
    html = render_html(copy)
    assert html.count("--colour-primary:") == render_html(ROOT).count("--colour-primary:") == 1


def _with_one_edited_template(tmp_path):
    project = copy_of_the_repository(tmp_path)
    edited = project / "templates" / "case.html.j2"
    edited.write_text(edited.read_text("utf-8") + "{# our own #}\n", "utf-8")
    return project, edited


def test_one_edited_template_is_the_one_override(tmp_path):
    project, edited = _with_one_edited_template(tmp_path)
    theme = load_theme(project, "azimut")
    assert [layer.label for layer in theme.layers] == [
        "project", "theme azimut", "built-in",
    ]  # fmt: skip
    (override,) = theme.overrides
    assert override.path == edited
    assert override.overridden == project / "themes" / "azimut" / "templates" / "case.html.j2"
    assert override.layer == "theme azimut"
    # the copied stylesheets are the built-in ones: none of them is loaded twice
    assert _sheets(theme, project) == _sheets(load_theme(ROOT, "azimut"), ROOT)


def test_the_build_says_once_which_file_overrides_the_theme(tmp_path, capsys, monkeypatch):
    project, _ = _with_one_edited_template(tmp_path)
    monkeypatch.chdir(project)
    case = "cases/verite-et-rss-au-perou.yaml"
    args = ["brief", case, "--theme", "azimut", "--format", "html", "--output", str(tmp_path / "o")]
    assert main([*args, "-q", "--explain-templates"]) == 0
    captured = capsys.readouterr()
    message = (
        "casepress: templates/case.html.j2: overrides theme azimut's case.html.j2 "
        "(themes/azimut/templates/case.html.j2); delete or rename it to use the theme's\n"
    )
    assert captured.err.count("overrides theme") == 1 and message in captured.err
    out = captured.out
    assert "case.html.j2 → templates/case.html.j2 (the project's, overriding theme azimut's)" in out
    assert re.search(r"1\. templates/case.html.j2 +project +used\n", out)
    assert re.search(r"2\. themes/azimut/templates/case.html.j2 +theme azimut +overridden\n", out)
    assert re.search(r"1\. templates/brief.html.j2 +project +same as built-in: skipped\n", out)
    assert re.search(r"3\. \S+/templates/brief.html.j2 +built-in +used\n", out)


def test_a_project_stylesheet_named_like_a_built_in_one_is_mentioned(tmp_path):
    project = copy_project("minimal", tmp_path)
    (project / "styles").mkdir()
    (project / "styles" / "base.css").write_text("body { color: black; }\n")
    (override,) = load_theme(project, None).overrides
    assert override.layer == "built-in" and override.overridden.name == "base.css"
    assert "loaded after every theme sheet" in override.message
    assert "delete it to use the theme's" in override.message


@pytest.mark.slow
@pytest.mark.parametrize("name", ["base", "azimut"])
def test_a_copy_of_the_repository_makes_the_briefs_of_the_checkout(tmp_path, pair, name):
    copy = copy_of_the_repository(tmp_path / "copy")
    out = tmp_path / "out"
    project = load_project(copy, output_dir=out, theme=name)
    report = build_briefs(project, paths=[copy / "cases" / f"{FRENCH_PERU}.yaml"])
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    pdf, html = pair[name]
    assert (out / "briefs" / pdf.name).read_bytes() == pdf.read_bytes()
    assert (out / "briefs" / html.name).read_bytes() == html.read_bytes()
