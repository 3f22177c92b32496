"""Theme colours are read by one parser, tinycss2's (WeasyPrint's own): every colour the schema
accepts can be measured for contrast, checked with `casepress theme check` and built."""

import pytest

from casepress.checks.theme import palette_contrast
from casepress.cli import main
from casepress.theme import colours
from casepress.theme.chain import load_theme
from conftest import copy_project


def write_theme(root, name: str, colours_yaml: str) -> None:
    folder = root / "themes" / name
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(f"name: {name}\ncolours:\n{colours_yaml}")
    (root / "cases").mkdir(exist_ok=True)  # a project, so that commands find it


def headings_ratio(root, name: str) -> float:
    results = palette_contrast(load_theme(root, name))
    (ratio,) = [r.ratio for r in results if r.used_for == "headings and titles"]
    return ratio


def test_a_space_separated_rgb_theme_colour_passes_theme_check(tmp_path, capsys):
    write_theme(tmp_path, "spaced", '  primary: "rgb(31 78 121)"\n')
    write_theme(tmp_path, "hex", '  primary: "#1f4e79"\n')
    assert main(["theme", "check", "spaced", "-C", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "checked theme spaced → base: 0 error(s), 0 warning(s) — valid" in captured.err
    assert headings_ratio(tmp_path, "spaced") == pytest.approx(8.66, abs=0.01)
    assert headings_ratio(tmp_path, "spaced") == pytest.approx(headings_ratio(tmp_path, "hex"))


@pytest.mark.slow
def test_a_space_separated_rgb_theme_colour_builds(tmp_path, capsys):
    project = copy_project("minimal", tmp_path)
    write_theme(project, "spaced", '  primary: "rgb(31 78 121)"\n')
    (project / "casepress.yaml").write_text("title: T\ntheme: spaced\n")
    out = tmp_path / "out"
    assert main(["build", "-C", str(project), "-q", "--output", str(out)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert "--colour-primary: rgb(31 78 121);" in (out / "briefs" / "minimal-case.html").read_text()
    assert (out / "briefs" / "minimal-case.pdf").stat().st_size > 5000


@pytest.mark.parametrize(
    "value",
    [
        "#1f4e79",
        "rgb(31 78 121)",
        "rgb(31, 78, 121)",
        "rgb(31 78 121 / 1)",
        "color(srgb 0.121569 0.305882 0.474510)",
        "hsl(208.8 59.2% 29.8%)",
    ],
)
def test_every_spelling_of_one_colour_reads_the_same(value):
    r, g, b, alpha = colours.parse_colour(value)
    assert (round(r), round(g), round(b), alpha) == (31, 78, 121, 1.0)


def test_names_transparent_and_alpha():
    assert colours.parse_colour("teal") == (0, 128, 128, 1.0)
    assert colours.parse_colour("transparent")[3] == 0
    # translucent text is measured as laid over its background; transparent text is invisible
    assert colours.contrast_ratio("transparent", "#ffffff") == pytest.approx(1)
    assert colours.contrast_ratio("rgb(0 0 0 / 50%)", "#ffffff") == pytest.approx(
        colours.contrast_ratio("#808080", "#ffffff"), abs=0.05
    )
    # a translucent background is laid over the white page first
    assert colours.contrast_ratio("#000000", "rgb(0 0 0 / 0)") == pytest.approx(21)
    with pytest.raises(ValueError, match="expected a colour like"):
        colours.parse_colour("currentcolor")


def test_a_transparent_theme_colour_is_reported_not_a_crash(tmp_path, capsys):
    write_theme(tmp_path, "clear", "  primary: transparent\n")
    assert main(["theme", "check", "clear", "-C", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "themes/clear/theme.yaml:3:12: colours.primary: transparent gives too little contrast "
        "(WCAG 2.1 AA) for headings and titles (1.00:1 on the white page, needs 4.5:1)"
    ) in err


def test_custom_properties_are_read_as_css():
    sheet = (
        ":root { --colour-ink: #111 !important; /* body */ --colour-link: var(--brand); }\n"
        "@media print { :root { --colour-ink: rgb(0 0 0); } }\n"
    )
    found = colours.custom_properties([sheet])
    assert found == {"--colour-ink": "rgb(0 0 0)", "--colour-link": "var(--brand)"}
    # a value that is no colour of its own is not measured (and does not crash the check)
    used = {r.used_for for r in colours.check_palette(found)}
    assert "body text" in used and "links" not in used
