"""Settings precedence and the messages about settings (issue 15, "What to build" 6).

A project made by ``casepress init`` leaves the theme's settings alone; a casepress.yaml
setting that overrides the theme's is said once; a colour under WCAG 2.1 AA is the same
error, in the same words, at the colour's own line in ``theme check`` and ``build``, with a
shade that passes; a mistyped colour name, an unknown case id and an unknown theme get a
suggestion.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from casepress.authoring.create import SAMPLE_ID
from casepress.cli import main
from casepress.cli.arguments import EXAMPLES
from casepress.model.project import load_project
from casepress.theme import colours

ROOT = Path(__file__).resolve().parents[1]
LETTER = (612, 792)
"""US Letter in PDF points."""


def init(tmp_path: Path, monkeypatch) -> Path:
    """A project made by ``casepress init``, the working folder."""
    project = tmp_path / "library"
    assert main(["init", str(project), "-q"]) == 0
    monkeypatch.chdir(project)
    return project


def letter_theme(project: Path) -> None:
    """themes/letterhead (from ``theme new``), on US Letter, selected in casepress.yaml."""
    assert main(["theme", "new", "letterhead", "-q"]) == 0
    theme = project / "themes" / "letterhead" / "theme.yaml"
    text = theme.read_text("utf-8")
    assert "  size: A4 " in text
    theme.write_text(text.replace("  size: A4 ", "  size: Letter "), "utf-8")
    config = project / "casepress.yaml"
    config.write_text(config.read_text("utf-8") + "theme: letterhead\n", "utf-8")


def set_line(project: Path, line: str) -> int:
    """Uncomment (or add) a casepress.yaml setting; returns its line number."""
    config = project / "casepress.yaml"
    key = line.split(":")[0]
    lines = config.read_text("utf-8").splitlines()
    at = next(
        (i for i, text in enumerate(lines) if re.match(rf"(# )?{key.lstrip('# ')}:", text)), None
    )
    if at is None:
        lines.append(line)
        at = len(lines) - 1
    else:
        lines[at] = line
    config.write_text("\n".join(lines) + "\n", "utf-8")
    return at + 1


# --- init and the theme's settings -------------------------------------------------------------


def test_init_writes_no_setting_a_theme_also_sets(tmp_path, monkeypatch):
    project = load_project(init(tmp_path, monkeypatch))
    assert (project.organisation, project.language, project.page_size) == (None, None, None)
    text = (tmp_path / "library" / "casepress.yaml").read_text("utf-8")
    # still there to be found, commented out, with the default
    assert "\n# page_size: A4 " in text and "\n# organisation: My organisation " in text
    assert "\n# language: en " in text


@pytest.mark.slow
def test_a_project_made_by_init_builds_in_its_themes_page_size(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    letter_theme(project)
    case = f"cases/{SAMPLE_ID}.yaml"
    assert main(["brief", case, "--format", "pdf", "-q", "--output", "out"]) == 0
    assert "overrides" not in capsys.readouterr().err  # nothing hides the theme's settings
    box = PdfReader(project / "out" / f"{SAMPLE_ID}.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == LETTER


def test_a_setting_that_overrides_the_theme_is_said_once(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    letter_theme(project)
    line = set_line(project, "page_size: A4")
    assert main(["new", "Police reform in Liberia", "-q"]) == 0  # two cases: said once
    assert main(["brief", "cases", "--format", "html", "-q", "--output", "out"]) == 0
    err = capsys.readouterr().err
    theme_text = (project / "themes" / "letterhead" / "theme.yaml").read_text("utf-8")
    size_line = theme_text.splitlines().index(
        next(x for x in theme_text.splitlines() if x.startswith("  size: Letter"))
    ) + 1  # fmt: skip
    said = (
        f"casepress: casepress.yaml:{line}:12: page_size: 'A4' overrides 'Letter' from the "
        f"theme 'letterhead' (themes/letterhead/theme.yaml:{size_line}:9); remove the line to "
        "use the theme's\n"
    )
    assert said in err and err.count("overrides") == 1
    # given on the command line, it is no line of casepress.yaml: nothing to say
    set_line(project, "# page_size: A4")
    args = ["brief", "cases", "--format", "html", "-q", "--output", "out2", "--page-size", "A5"]
    assert main(args) == 0
    assert "overrides" not in capsys.readouterr().err


# --- contrast: one severity, one message, at the colour's line ---------------------------------

PALE = '  accent: "#f5c518"       # the label above the title\n'


def pale_theme(project: Path, *extra: str) -> Path:
    folder = project / "themes" / "pale"
    folder.mkdir(parents=True)
    theme = folder / "theme.yaml"
    theme.write_text("name: pale\ncolours:\n" + PALE + "".join(extra), "utf-8")
    return theme


def test_low_contrast_is_the_same_error_in_theme_check_and_build(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    pale_theme(project)
    assert main(["theme", "check", "pale"]) == 2
    checked = capsys.readouterr().err.splitlines()[0]
    expected = (
        "themes/pale/theme.yaml:3:11: colours.accent: #f5c518 gives too little contrast "
        "(WCAG 2.1 AA) for the small label above the title (1.63:1 on the white page, needs "
        "4.5:1) and the outline that shows keyboard focus on web pages (1.63:1 on the white "
        "page, needs 3:1); use a darker shade such as #9c6e00 (4.52:1), or list accent under "
        "accept_low_contrast: in theme.yaml or casepress.yaml to keep it"
    )
    assert checked == expected
    assert "kicker" not in checked
    # the shade offered really passes, for text and for the focus outline
    shade = re.search(r"such as (#[0-9a-f]{6})", checked)[1]
    assert colours.contrast_ratio(shade, "#ffffff") >= 4.5
    assert colours.contrast_ratio("#f5c518", "#ffffff") < 3

    assert main(["build", "--theme", "pale", "-q"]) == 2  # not a warning: nothing is built
    assert capsys.readouterr().err.splitlines() == [expected]
    assert not (project / "build" / "briefs").exists()


def test_a_background_colour_gets_a_shade_that_passes_under_its_text(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    pale_theme(project, '  primary: "#8899aa"\n')
    assert main(["theme", "check", "pale"]) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "colours.primary" in x]
    assert line.startswith("themes/pale/theme.yaml:4:12: colours.primary: #8899aa gives too ")
    assert "lesson numbers and the handbook cover's title (2.92:1 under #ffffff text" in line
    shade = re.search(r"use a darker shade such as (#[0-9a-f]{6})", line)[1]
    for text in ("#ffffff", "rgba(255, 255, 255, 0.85)", "rgba(255, 255, 255, 0.9)"):
        assert colours.contrast_ratio(text, shade) >= 4.5  # white text on it
    assert colours.contrast_ratio(shade, "#ffffff") >= 4.5  # as headings on the page
    assert colours.contrast_ratio(shade, "#f2f4f6") >= 4.5  # and in the tags box


def test_accept_low_contrast_accepts_it_in_both(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    theme = pale_theme(project, "accept_low_contrast: [acent]\n")
    assert main(["theme", "check", "pale"]) == 2
    err = capsys.readouterr().err
    assert (
        "themes/pale/theme.yaml:4:23: accept_low_contrast #1: no colour is named 'acent' "
        "(did you mean 'accent'?); the colours are accent, ink, link, muted, on-primary, panel, "
        "primary, rule, tag\n"
    ) in err
    theme.write_text(theme.read_text().replace("[acent]", "[accent]"))
    assert main(["theme", "check", "pale"]) == 0
    # or accepted by the project, for the theme it uses
    theme.write_text(theme.read_text().replace("accept_low_contrast: [accent]\n", ""))
    line = set_line(project, "accept_low_contrast: [acccent]")
    assert main(["theme", "check", "pale"]) == 2
    assert (
        f"casepress.yaml:{line}:23: accept_low_contrast #1: no colour is named 'acccent' (did "
        "you mean 'accent'?)"
    ) in capsys.readouterr().err
    set_line(project, "accept_low_contrast: [accent]")
    assert main(["theme", "check", "pale"]) == 0
    assert main(["brief", "cases", "--theme", "pale", "--format", "html", "-q"]) == 0


def test_the_suggested_shade_passes_every_pair_of_the_colour():
    constraints = [
        ("#ffffff", False, 4.5),
        ("rgba(255, 255, 255, 0.85)", False, 4.5),
        ("#ffffff", True, 4.5),
        ("#f2f4f6", True, 4.5),
    ]
    shade, direction = colours.nearest_passing("#8899aa", constraints)
    assert direction == "darker"
    assert colours.worst_ratio(shade, constraints) >= 1
    # the hue is kept: only the lightness changed
    assert colours.oklch(shade)[2] == pytest.approx(colours.oklch("#8899aa")[2], abs=3)
    # on a dark background, the shade is lighter
    shade, direction = colours.nearest_passing("#3a3a3a", [("#202020", True, 4.5)])
    assert direction == "lighter" and colours.contrast_ratio(shade, "#202020") >= 4.5


# --- names: colour keys, case ids, themes ------------------------------------------------------


def test_a_mistyped_colour_name_is_an_error_with_a_suggestion(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    folder = project / "themes" / "brand"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(
        'name: brand\ncolours:\n  primery: "#1f4e79"\n  brand: teal\n', "utf-8"
    )
    expected = (
        "themes/brand/theme.yaml:3:12: colours.primery: 'primery' is not a colour the built-in "
        "look uses (did you mean 'primary'?), and no stylesheet of this theme uses "
        "var(--colour-primery), so it would change nothing; the built-in colours are ink, "
        "muted, primary, on-primary, accent, rule, tag, panel, link"
    )
    assert main(["theme", "check", "brand", "--strict"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == expected
    assert main(["build", "--theme", "brand", "-q"]) == 2
    assert capsys.readouterr().err.splitlines() == [expected]
    # a name of the theme's own, used by its stylesheet, is fine ('brand' always was)
    (folder / "styles").mkdir()
    (folder / "styles" / "brand.css").write_text("h1 { color: var(--colour-primery); }\n")
    assert main(["theme", "check", "brand", "--strict"]) == 0


def test_an_unknown_case_link_suggests_the_id(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    case = project / "cases" / f"{SAMPLE_ID}.yaml"
    text = case.read_text("utf-8")
    case.write_text(text.replace("fell under accusations", "fell ([see](case:peru)) under"))
    expected = (
        f"cases/{SAMPLE_ID}.yaml:29:10: context: no case has the id 'peru' (did you mean "
        f"'{SAMPLE_ID}'?)"
    )
    assert main(["check"]) == 2
    assert expected in capsys.readouterr().err.splitlines()
    assert main(["brief", "cases", "--format", "html", "-q"]) == 2
    assert expected in capsys.readouterr().err.splitlines()


def test_handbook_id_suggests_the_case(tmp_path, monkeypatch, capsys):
    init(tmp_path, monkeypatch)
    args = ["handbook", "--title", "Two", "--id", "peru", "--format", "html", "-q"]
    assert main(args) == 2
    assert (
        f"command line: --id: no case has the id 'peru' (did you mean '{SAMPLE_ID}'?)"
    ) in capsys.readouterr().err


def test_help_examples_name_cases_of_the_sample_project():
    ids = {path.stem for path in (ROOT / "cases").glob("*.yaml")}
    named = set()
    for command in ("handbook", "brief", "check"):
        examples = EXAMPLES[command].split("\n\n")[0]  # the examples, not the notes below
        named |= set(re.findall(r"--id ([a-z0-9-]+)", examples))
        named |= set(re.findall(r"cases/([a-z0-9-]+)\.yaml", examples))
    assert named and named <= ids, named - ids


def test_a_theme_name_error_gives_a_theme_example_and_the_themes(tmp_path, monkeypatch, capsys):
    project = init(tmp_path, monkeypatch)
    pale_theme(project)
    line = set_line(project, "theme: Pale")
    assert main(["check"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"casepress.yaml:{line}:8: theme: expected a theme name such as 'acme' (lowercase "
        "letters, digits and hyphens; 'casepress theme list' shows the themes you can use), "
        "got 'Pale'"
    )
    set_line(project, "theme: pael")
    assert main(["build", "-q"]) == 2
    assert capsys.readouterr().err.startswith(
        f"casepress.yaml:{line}:8: theme: unknown theme 'pael' (did you mean 'pale'?); the "
        "themes you can use: pale, base; looked in"
    )
