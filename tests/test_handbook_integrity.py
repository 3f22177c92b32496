"""A build never publishes less than it says (issue 15, "What to build" 3).

- A handbook that selects a case with errors is not built: its last good files (and the
  site's copies) stay byte for byte, the build says which cases stopped it and what to do,
  exit 2. ``allow_partial: true`` (or ``--allow-partial``) publishes it without them, and
  its contents page names them.
- Outputs of deleted cases and editions are removed by the build that notices, and listed;
  a file casepress did not write stays.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casepress import build_project, load_project
from casepress.cli import main
from conftest import pdf_text

CONFIG = """\
title: Test library
handbooks:
  africa:
    title: Cases from Africa
    regions: [Sub-Saharan Africa]
  latin:
    title: Cases from Latin America
    regions: [Latin America and the Caribbean]
"""

CASE = """\
title: {title}
regions: [{region}]
countries: [{country}]
context: |
  What happened in {country}.
lessons:
  - title: A lesson
    text: What was learnt in {country}.
"""

CASES = {
    "liberia": ("Police reform in Liberia", "Sub-Saharan Africa", "Liberia"),
    "ghana": ("Community policing in Ghana", "Sub-Saharan Africa", "Ghana"),
    "peru": ("Truth-seeking in Peru", "Latin America and the Caribbean", "Peru"),
}

STOPPED = (
    "casepress.yaml:4:12: handbooks.africa: handbook africa not built: it selects "
    "cases/liberia.yaml, which has errors; its last good file stays. Fix cases/liberia.yaml, "
    "or set allow_partial: true in handbook africa to publish without liberia"
)
MISSING_LINE = "Not in this edition, because their case files have errors: Police reform in Liberia"


def make_project(root: Path, config: str = CONFIG) -> Path:
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text(config, "utf-8")
    for case_id, (title, region, country) in CASES.items():
        text = CASE.format(title=title, region=region, country=country)
        (root / "cases" / f"{case_id}.yaml").write_text(text, "utf-8")
    return root


def break_liberia(root: Path) -> None:
    path = root / "cases" / "liberia.yaml"
    path.write_text(path.read_text("utf-8").replace("[Liberia]", "[Libera]"), "utf-8")


def lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith(("[", "  "))]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = make_project(tmp_path / "library")
    monkeypatch.chdir(root)
    return root


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- a handbook that selects a broken case ---------------------------------------------


def test_a_broken_case_stops_its_handbook_and_its_last_good_file_stays(project, capsys):
    assert main(["handbook", "--format", "html", "-q"]) == 0
    before = files_of(project / "build" / "handbooks")
    assert set(before) == {"africa.html", "latin.html"}
    capsys.readouterr()

    break_liberia(project)
    assert main(["handbook", "--format", "html", "-q"]) == 2
    err = capsys.readouterr().err
    assert STOPPED in lines(err)
    assert any(
        line.startswith("cases/liberia.yaml:3:13: countries #1: ") and "'Libera'" in line
        for line in lines(err)
    ), err
    # not rewritten without the chapter: byte for byte the last good file
    assert files_of(project / "build" / "handbooks") == before


def test_the_handbook_is_built_again_once_the_case_is_fixed(project, capsys):
    assert main(["handbook", "--format", "html", "-q"]) == 0
    break_liberia(project)
    assert main(["handbook", "--format", "html", "-q"]) == 2
    path = project / "cases" / "liberia.yaml"
    path.write_text(path.read_text("utf-8").replace("[Libera]", "[Liberia]"), "utf-8")
    capsys.readouterr()
    assert main(["handbook", "--format", "html", "-q"]) == 0
    assert "Police reform in Liberia" in (project / "build/handbooks/africa.html").read_text()


def test_a_broken_case_another_handbook_does_not_select_leaves_it_alone(project, capsys):
    assert main(["handbook", "--format", "html", "-q"]) == 0
    (project / "build/handbooks/latin.html").unlink()
    break_liberia(project)
    capsys.readouterr()
    assert main(["handbook", "latin", "--format", "html", "-q"]) == 2  # the case's own error
    err = capsys.readouterr().err
    assert "handbook latin" not in err
    assert (project / "build/handbooks/latin.html").is_file()


def test_a_case_file_that_cannot_be_read_stops_every_handbook_that_selects_by_tags(project, capsys):
    (project / "cases" / "broken.yaml").write_text("title: [unclosed\nregions: x\n", "utf-8")
    capsys.readouterr()
    assert main(["handbook", "--format", "html", "-q"]) == 2
    stopped = [line for line in lines(capsys.readouterr().err) if "not built" in line]
    assert [line.split(": handbook ")[1].split()[0] for line in stopped] == ["africa", "latin"]
    assert "it selects cases/broken.yaml, which has errors" in stopped[0]
    assert not (project / "build" / "handbooks").exists()
    # a handbook that names its cases by id does not select it
    code = main(["handbook", "--title", "Two", "--id", "ghana", "--id", "peru",
                 "--format", "html", "-q"])  # fmt: skip
    assert code == 2  # the broken file's own error
    assert (project / "build/handbooks/two.html").is_file()


def test_a_broken_case_named_by_id_stops_an_ad_hoc_edition_with_the_flag_to_use(project, capsys):
    break_liberia(project)
    code = main(["handbook", "--title", "Two", "--id", "liberia", "--id", "ghana",
                 "--format", "html", "-q"])  # fmt: skip
    assert code == 2
    assert (
        "command line: handbook two not built: it selects cases/liberia.yaml, which has "
        "errors; its last good file stays. Fix cases/liberia.yaml, or add --allow-partial "
        "to publish without liberia"
    ) in lines(capsys.readouterr().err)
    assert not (project / "build/handbooks/two.html").exists()

    code = main(["handbook", "--title", "Two", "--id", "liberia", "--id", "ghana",
                 "--format", "html", "-q", "--allow-partial"])  # fmt: skip
    assert code == 2
    html = (project / "build/handbooks/two.html").read_text("utf-8")
    assert MISSING_LINE in re.sub(r"<[^>]+>", "", html)
    assert "Community policing in Ghana" in html


def test_allow_partial_publishes_without_the_case_and_says_so(tmp_path, monkeypatch, capsys):
    config = CONFIG.replace("    regions: [Sub-Saharan Africa]\n",
                            "    regions: [Sub-Saharan Africa]\n    allow_partial: true\n")  # fmt: skip
    project = make_project(tmp_path / "library", config)
    monkeypatch.chdir(project)
    break_liberia(project)
    assert main(["handbook", "--format", "html", "-q"]) == 2  # the case itself is invalid
    assert (
        "casepress.yaml:4:12: warning: handbooks.africa: handbook africa published without "
        "liberia: cases/liberia.yaml has errors; its contents page says which cases are missing"
    ) in lines(capsys.readouterr().err)
    html = (project / "build/handbooks/africa.html").read_text("utf-8")
    assert MISSING_LINE in re.sub(r"<[^>]+>", "", html)
    assert "Community policing in Ghana" in html and "What happened in Libera" not in html


def test_the_missing_cases_line_is_in_the_handbooks_language(tmp_path, monkeypatch, capsys):
    project = make_project(tmp_path / "library", "language: fr\n" + CONFIG)
    monkeypatch.chdir(project)
    break_liberia(project)
    main(["handbook", "africa", "--format", "html", "-q", "--allow-partial"])
    html = (project / "build/handbooks/africa.html").read_text("utf-8")
    assert "Absents de cette édition, car leurs fichiers contiennent des erreurs\u202f:" in html


def test_allow_partial_with_every_selected_case_broken_builds_nothing(project, capsys):
    break_liberia(project)
    code = main(["handbook", "--title", "One", "--id", "liberia", "--format", "html", "-q",
                 "--allow-partial"])  # fmt: skip
    assert code == 2
    assert (
        "command line: handbook one not built: every case it selects has errors; "
        "fix cases/liberia.yaml"
    ) in lines(capsys.readouterr().err)


def test_allow_partial_is_in_the_schema_of_casepress_yaml(capsys):
    assert main(["schema", "--config"]) == 0
    assert '"allow_partial"' in capsys.readouterr().out


# --- outputs of deleted cases and editions ---------------------------------------------


def html_build(root: Path):
    return build_project(load_project(root), formats=("html",), jobs=0)


def test_a_deleted_cases_outputs_are_removed_and_listed_hand_made_files_stay(project):
    assert html_build(project).exit_code == 0
    briefs, site = project / "build" / "briefs", project / "build" / "site"
    (briefs / "notes.html").write_text("my own notes", "utf-8")  # not casepress's
    assert (site / "cases" / "ghana.html").is_file()

    (project / "cases" / "ghana.yaml").unlink()
    report = html_build(project)
    assert report.exit_code == 0
    removed = sorted((p.relative_to(project).as_posix(), why) for p, why in report.removed)
    assert removed == [
        ("build/briefs/ghana.html", "its case file is gone"),
        ("build/site/cases/ghana.bib", "its case file is gone"),  # its citation files
        ("build/site/cases/ghana.csl.json", "its case file is gone"),
        ("build/site/cases/ghana.html", "its case file is gone"),
    ]
    assert not (briefs / "ghana.html").exists()
    assert not (site / "cases" / "ghana.html").exists()
    assert (briefs / "notes.html").read_text("utf-8") == "my own notes"
    assert (briefs / "peru.html").is_file()


def test_a_brief_changed_by_hand_since_written_is_left_with_a_warning(project):
    assert html_build(project).exit_code == 0
    (project / "build/briefs/ghana.html").write_text("edited by hand", "utf-8")
    (project / "cases" / "ghana.yaml").unlink()
    report = html_build(project)
    assert (project / "build/briefs/ghana.html").read_text("utf-8") == "edited by hand"
    assert [str(w) for w in report.warnings] == [
        "build/briefs/ghana.html: warning: left in place although its case file is gone: it "
        "changed since casepress wrote it (or is not a regular file); remove it yourself if "
        "it is not needed"
    ]


def test_an_invalid_case_keeps_its_brief(project):
    assert html_build(project).exit_code == 0
    before = (project / "build/briefs/liberia.html").read_bytes()
    break_liberia(project)
    report = html_build(project)
    assert report.exit_code == 2 and report.removed == []
    assert (project / "build/briefs/liberia.html").read_bytes() == before


def test_a_deleted_editions_handbook_is_removed_from_build_and_site(project):
    assert html_build(project).exit_code == 0
    config = project / "casepress.yaml"
    config.write_text(CONFIG.split("  latin:")[0], "utf-8")
    report = html_build(project)
    assert report.exit_code == 0
    removed = sorted((p.relative_to(project).as_posix(), why) for p, why in report.removed)
    why = "its handbook is no longer defined in casepress.yaml"
    assert removed == [
        ("build/handbooks/latin.html", why),
        ("build/site/handbooks/latin.html", why),
    ]
    assert (project / "build/handbooks/africa.html").is_file()


def test_an_ad_hoc_handbook_goes_with_a_deleted_case_and_stays_otherwise(project, capsys):
    assert main(["handbook", "--title", "Two", "--id", "ghana", "--id", "peru",
                 "--format", "html", "-q"]) == 0  # fmt: skip
    assert main(["handbook", "--title", "Peru", "--id", "peru", "--format", "html", "-q"]) == 0
    assert html_build(project).exit_code == 0
    assert (project / "build/handbooks/two.html").is_file()  # a build leaves ad hoc ones

    (project / "cases" / "ghana.yaml").unlink()
    report = html_build(project)
    assert ("build/handbooks/two.html", "it holds ghana, whose case file is gone") in [
        (p.relative_to(project).as_posix(), why) for p, why in report.removed
    ]
    assert (project / "build/handbooks/peru.html").is_file()


# --- the same through `casepress build`, PDFs and all ----------------------------------


@pytest.mark.slow
def test_build_keeps_the_last_good_handbook_pdf_and_publishes_partial_on_request(project, capsys):
    assert main(["build", "-q"]) == 0
    handbooks, site = project / "build" / "handbooks", project / "build" / "site"
    before, published = files_of(handbooks), files_of(site / "handbooks")
    assert set(before) == {"africa.pdf", "africa.html", "latin.pdf", "latin.html"}
    capsys.readouterr()

    break_liberia(project)
    assert main(["build", "-q"]) == 2
    assert STOPPED in lines(capsys.readouterr().err)
    assert files_of(handbooks) == before
    assert files_of(site / "handbooks") == published
    index = (site / "index.html").read_text("utf-8")
    assert 'href="handbooks/africa.pdf"' in index  # still published
    assert (site / "cases" / "liberia.html").is_file()  # its last good page stays
    assert (project / "build/briefs/liberia.pdf").is_file()

    assert main(["build", "-q", "--allow-partial"]) == 2
    text = pdf_text(handbooks / "africa.pdf")
    assert MISSING_LINE in text
    assert "Community policing in Ghana" in text
    assert files_of(site / "handbooks")["africa.pdf"] == (handbooks / "africa.pdf").read_bytes()


@pytest.mark.slow
def test_build_lists_what_it_removed_for_a_deleted_case_and_edition(project, capsys):
    assert main(["build", "-q"]) == 0
    (project / "build/briefs/handmade.pdf").write_bytes(b"%PDF-1.4 by hand")
    (project / "cases" / "ghana.yaml").unlink()
    (project / "casepress.yaml").write_text(CONFIG.split("  latin:")[0], "utf-8")
    capsys.readouterr()
    assert main(["build"]) == 0
    removed = [line for line in capsys.readouterr().err.splitlines() if line.startswith("removed")]
    assert removed == [
        "removed build/briefs/ghana.html (its case file is gone)",
        "removed build/briefs/ghana.pdf (its case file is gone)",
        "removed build/handbooks/latin.html (its handbook is no longer defined in casepress.yaml)",
        "removed build/handbooks/latin.pdf (its handbook is no longer defined in casepress.yaml)",
        "removed build/site/cases/ghana.bib (its case file is gone)",
        "removed build/site/cases/ghana.csl.json (its case file is gone)",
        "removed build/site/cases/ghana.html (its case file is gone)",
        "removed build/site/cases/ghana.pdf (its case file is gone)",
        "removed build/site/handbooks/latin.html "
        "(its handbook is no longer defined in casepress.yaml)",
        "removed build/site/handbooks/latin.pdf "
        "(its handbook is no longer defined in casepress.yaml)",
    ]
    assert (project / "build/briefs/handmade.pdf").read_bytes() == b"%PDF-1.4 by hand"
    for gone in ("briefs/ghana.pdf", "briefs/ghana.html", "handbooks/latin.pdf",
                 "site/cases/ghana.html", "site/handbooks/latin.pdf"):  # fmt: skip
        assert not (project / "build" / gone).exists(), gone


@pytest.mark.slow
def test_the_preview_shows_a_handbook_naming_its_cases_with_errors(tmp_path):
    """The preview never stops a handbook: it shows it without the broken case, and says so."""
    import urllib.request

    from casepress.serve.server import PreviewServer

    root = make_project(tmp_path / "library")
    break_liberia(root)  # broken before the preview starts: no last good version to show
    with PreviewServer(lambda: load_project(root), port=0) as running:
        url = running.url + "handbooks/africa.html"
        html = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert MISSING_LINE in re.sub(r"<[^>]+>", "", html)
    assert "Community policing in Ghana" in html
