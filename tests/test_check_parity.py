"""`casepress check` runs every validation a build runs, and says it in the same words.

One miniature project holds one broken case (or handbook) per mistake; ``check`` must give
exactly the expected ``path:line:col: field: message`` lines and exit 2, and a build must
print the same lines (the parity: check's lines ⊆ build's output). The build's summary and
report.json count the problems it printed, not what the written files happen to hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casepress.cli import main
from conftest import ROOT, write_png

GOOD = """\
title: A good case
regions: [Sub-Saharan Africa]
context: |
  Fine: ![A chart of votes](../images/chart.png).
lessons:
  - text: A lesson.
"""

CASES = {
    # the mistake: the path written relative to the project, not to the case file
    "missing-near": """\
title: Missing near
context: |
  Some text first.

  A chart ![Votes by year](images/chart.png) here.
lessons:
  - text: A lesson.
""",
    # two missing images in a lesson, on one line: each at its own column
    "missing-far": """\
title: Missing far
context: Intro.
lessons:
  - text: |
      First line.
      See ![Map](maps/nowhere.png) and ![Other map](maps/nowhere2.png).
""",
    # a text file renamed .png
    "not-image": """\
title: Not an image
context: |
  Before.
  ![Notes](../images/notes.png)
lessons:
  - text: A lesson.
""",
    "too-many-pixels": """\
title: Too many pixels
context: Intro.
lessons:
  - text: A lesson.
outcome: |
  ![A large photo](../images/big.png)
""",
    "heavy-svg": """\
title: Heavy SVG
context: |
  ![A heavy drawing](../images/heavy.svg)
lessons:
  - text: A lesson.
""",
    "outside": """\
title: Outside
context: |
  ![A secret](../../secret.png)
lessons:
  - text: A lesson.
""",
    "bad-link": """\
title: Bad link
context: |
  See [the good one](case:godo).
lessons:
  - text: A lesson.
""",
    "script": """\
title: Script
context: |
  Text <b onclick="alert(1)">bold</b>.
lessons:
  - text: A lesson.
""",
    "no-alt": """\
title: No alt
context: |
  Look: ![](../images/chart.png)
lessons:
  - text: A lesson.
""",
}

CONFIG = """\
title: Broken library
max_image_pixels: 1000
handbooks:
  book:
    title: Book
    introduction: docs/missing-intro.md
  regional:
    title: Regional
    regions: [Sub-Saharan Afrika]
  introduced:
    title: Introduced
    ids: [good]
    introduction: docs/intro.md
"""

EXPECTED = [
    "casepress.yaml:6:19: handbooks.book.introduction: file not found: docs/missing-intro.md",
    "casepress.yaml:9:15: handbooks.regional.regions #1: unknown region 'Sub-Saharan Afrika' "
    "(did you mean 'Sub-Saharan Africa'?); a region of your own must be declared under "
    "regions: in casepress.yaml",
    "docs/intro.md:3:9: introduction: image not found: images/nomap.png (looked for "
    "images/nomap.png; paths are relative to the project folder)",
    "cases/bad-link.yaml:2:10: context: no case has the id 'godo' (did you mean 'good'?)",
    "cases/heavy-svg.yaml:3:3: context: image '../images/heavy.svg' refused: the SVG has "
    "20,002 elements, more than the limit of 20,000; simplify it, or use a PNG of it",
    "cases/missing-far.yaml:6:11: lessons #1.text: image not found: maps/nowhere.png (looked "
    "for cases/maps/nowhere.png; paths are relative to the case file)",
    "cases/missing-far.yaml:6:40: lessons #1.text: image not found: maps/nowhere2.png (looked "
    "for cases/maps/nowhere2.png; paths are relative to the case file)",
    "cases/missing-near.yaml:5:11: context: image not found: images/chart.png (looked for "
    "cases/images/chart.png; did you mean ../images/chart.png?)",
    "cases/no-alt.yaml:3:9: context: image '../images/chart.png' has no alt text; describe "
    "what it shows, e.g. ![A map of the provinces](../images/chart.png)",
    "cases/not-image.yaml:4:3: context: image '../images/notes.png' is not an image: "
    "images/notes.png holds no PNG, JPEG, GIF, WebP or SVG data; save the picture again in one "
    "of these formats",
    "cases/outside.yaml:3:3: warning: context: image '../../secret.png' refused: outside the "
    "project and its theme folders",
    "cases/script.yaml:2:10: warning: context: HTML removed by the sanitiser: onclick= "
    "(casepress keeps the markup briefs need; set trust_html: true only if every author is "
    "trusted)",
    "cases/too-many-pixels.yaml:6:3: outcome: image '../images/big.png' refused: image is "
    "40 × 40 pixels (0.0 megapixels), more than the limit of 0.0 megapixels (max_image_pixels "
    "in casepress.yaml)",
]


@pytest.fixture
def broken(tmp_path, monkeypatch) -> Path:
    """A project with one mistake per case or handbook (and one good case); cwd = project."""
    root = tmp_path / "project"
    (root / "cases").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "docs").mkdir()
    (root / "casepress.yaml").write_text(CONFIG, "utf-8")
    (root / "cases" / "good.yaml").write_text(GOOD, "utf-8")
    for name, text in CASES.items():
        (root / "cases" / f"{name}.yaml").write_text(text, "utf-8")
    write_png(root / "images" / "chart.png", 4, 4)
    write_png(root / "images" / "big.png", 40, 40)
    (root / "images" / "notes.png").write_text("just some notes\n", "utf-8")
    svg = '<svg xmlns="http://www.w3.org/2000/svg">' + "<rect/>" * 20_001 + "</svg>"
    (root / "images" / "heavy.svg").write_text(svg, "utf-8")
    (root / "docs" / "intro.md").write_text(
        "# Introduction\n\nHere is ![a map](images/nomap.png).\n"
    )
    (tmp_path / "secret.png").write_bytes(b"secret")
    monkeypatch.chdir(root)
    return root


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def problem_lines(lines: list[str]) -> list[str]:
    """The lines that are problems (``path:line:col: ...``), in order."""
    return [line for line in lines if line.startswith(("cases/", "casepress.yaml", "docs/"))]


def test_check_reports_every_mistake_a_build_would_at_its_own_line(broken, capsys):
    code, lines = run(capsys, "check")
    assert problem_lines(lines) == EXPECTED
    assert lines[-1] == "checked 10 case file(s): 3 valid, 11 error(s), 2 warning(s) — invalid"
    assert code == 2


def test_check_does_not_import_weasyprint(broken):
    # in a process of its own: dropping WeasyPrint from this one's sys.modules would leave
    # two copies of its classes for the tests that run after (a layout AssertionError)
    script = (
        "import sys\n"
        "from casepress.cli import main\n"
        "code = main(['check'])\n"
        "print(code, 'weasyprint' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=broken, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120,
    )  # fmt: skip
    assert result.stdout.split() == ["2", "False"], result.stderr


def test_a_missing_image_fails_check_and_strict_check(tmp_path, monkeypatch, capsys):
    """The issue's project: check and check --strict exited 0 on a missing image."""
    (tmp_path / "cases").mkdir()
    (tmp_path / "images").mkdir()
    write_png(tmp_path / "images" / "chart.png", 4, 4)
    (tmp_path / "cases" / "x.yaml").write_text(CASES["missing-near"], "utf-8")
    monkeypatch.chdir(tmp_path)
    expected = (
        "cases/x.yaml:5:11: context: image not found: images/chart.png (looked for "
        "cases/images/chart.png; did you mean ../images/chart.png?)"
    )
    for args in (["check"], ["check", "--strict"]):
        code, lines = run(capsys, *args)
        assert lines[0] == expected
        assert code == 2


def test_brief_and_handbook_print_the_lines_check_prints(broken, capsys):
    """Parity without laying out a PDF: the HTML briefs and handbooks."""
    _, checked = run(capsys, "check")
    code, briefs = run(capsys, "brief", "cases", "--format", "html")
    assert code == 2
    cases = [line for line in problem_lines(checked) if line.startswith("cases/")]
    assert cases and set(cases) <= set(problem_lines(briefs))
    assert not (broken / "build" / "briefs" / "missing-near.html").exists()
    assert (broken / "build" / "briefs" / "outside.html").exists()  # a warning: still built
    code, books = run(capsys, "handbook", "--format", "html")
    assert code == 2
    handbooks = [line for line in problem_lines(checked) if not line.startswith("cases/")]
    assert set(handbooks) <= set(problem_lines(books))


def test_an_image_in_a_case_file_named_on_the_command_line(broken, capsys):
    code, lines = run(capsys, "check", "cases/missing-near.yaml")
    assert problem_lines(lines) == [EXPECTED[7]]
    assert code == 2


@pytest.mark.slow
def test_build_prints_the_lines_check_prints_and_counts_them(broken, capsys):
    _, checked = run(capsys, "check")
    code, built = run(capsys, "build", "--jobs", "1")
    assert code == 2
    assert set(problem_lines(checked)) <= set(problem_lines(built))
    shown = problem_lines(built)
    errors = [line for line in shown if ": warning: " not in line]
    warnings = [line for line in shown if ": warning: " in line]
    refused = [line for line in shown if " refused" in line]
    missing = [line for line in shown if " not found: " in line]
    no_alt = [line for line in shown if "has no alt text" in line]
    quality = next(line for line in built if line.startswith("quality: "))
    assert f"{len(no_alt)} missing alt text(s)" in quality
    assert f"{len(refused)} refused and {len(missing)} missing resource(s)" in quality
    assert built[-1].endswith(f"{len(errors)} error(s), 0 failed, {len(warnings)} warning(s)")
    report = json.loads((broken / "build" / "report.json").read_text("utf-8"))
    summary = report["summary"]
    assert (summary["refused"], summary["missing"], summary["missing_alt"]) == (
        len(refused), len(missing), len(no_alt)
    )  # fmt: skip
    assert (summary["errors"], summary["warnings"]) == (len(errors), len(warnings))
    outside = next(e for e in report["outputs"] if e["path"] == "briefs/outside.pdf")
    assert outside["refused"] == [
        "image '../../secret.png' refused: outside the project and its theme folders"
    ]


def test_check_validates_the_selected_theme_as_theme_check_does(tmp_path, monkeypatch, capsys):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text(
        GOOD.replace("Fine: ![A chart of votes](../images/chart.png).", "Text.")
    )
    (tmp_path / "themes" / "acme" / "styles").mkdir(parents=True)
    (tmp_path / "themes" / "acme" / "theme.yaml").write_text("name: acme\n")
    (tmp_path / "themes" / "acme" / "styles" / "theme.css").write_text("p { color: red\n}}\n")
    (tmp_path / "casepress.yaml").write_text("theme: acme\n")
    monkeypatch.chdir(tmp_path)
    expected = (
        "themes/acme/styles/theme.css:2:3: CSS: cannot read this rule (a stray '}' or a missing "
        "'{'?)"
    )
    _, themed = run(capsys, "theme", "check")
    code, lines = run(capsys, "check")
    assert lines == [
        expected, "checked 1 case file(s): 1 valid, 1 error(s), 0 warning(s) — invalid"
    ]  # fmt: skip
    assert expected in themed
    assert code == 2
