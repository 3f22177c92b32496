"""Incremental builds: nothing is rendered when nothing changed, an edit re-renders exactly
what shows it, and whatever the path, the bytes are those of a clean build."""

import shutil

import pikepdf
import pytest

from casepress import build_project, load_project
from casepress.cli import main
from conftest import copy_project

pytestmark = pytest.mark.slow  # every test renders PDFs or starts processes

COURSE = {"course.pdf", "course.html"}
EXPLICIT = {"explicit.pdf", "explicit.html"}
INDEX = {"index.html"}  # the site's index lists every case (its page has the brief's name)
ALL = 20  # 5 cases and 2 handbooks, PDF and HTML, and the site's index and 5 case pages
DATA = 11  # the site's files of metadata: each case's .bib and .csl.json, catalogue.json


def documents(report) -> list:
    """Briefs, handbooks and site pages rendered (not report.json, not the schemas)."""
    return [p for p in report.rendered if p.suffix in (".pdf", ".html")]


def rendered(report) -> set[str]:
    return {p.name for p in documents(report)}


def build(project, settings=None, **options):
    report = build_project(load_project(project, **(settings or {})), **{"jobs": 1, **options})
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return report


def outputs(project) -> dict[str, bytes]:
    build_dir = project / "build"
    return {
        p.relative_to(build_dir).as_posix(): p.read_bytes()
        for kind in ("briefs", "handbooks")
        for p in sorted((build_dir / kind).iterdir())
    }


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    project = copy_project("handbook", tmp_path_factory.mktemp("once"))
    first = build(project)
    assert len(documents(first)) == ALL
    return project


@pytest.fixture
def built(built_once, tmp_path):
    """A project after a clean build, its outputs and cache included: a copy of one build
    (times kept, as the cache compares them), so each test starts from the same state."""
    project = tmp_path / built_once.name
    shutil.copytree(built_once, project, copy_function=shutil.copy2)
    return project


def test_a_rebuild_with_no_change_renders_nothing(built):
    report_json = built / "build" / "report.json"
    before = report_json.read_text()
    again = build(built)
    assert again.rendered == [] and len(again.skipped) == ALL + DATA + 3  # schemas, report
    # every output keeps its quality entry: report.json is the same, and left alone
    assert len(again.quality) == 14 and report_json.read_text() == before


def test_a_project_moved_or_cloned_elsewhere_keeps_its_cache(built, tmp_path):
    # `built` is already a copy of the first build; move it once more, under another name
    moved = tmp_path / "another" / "checkout"
    moved.parent.mkdir()
    shutil.move(built, moved)
    assert build(moved).rendered == []
    case = moved / "cases" / "delta-out.yaml"
    case.write_text(case.read_text().replace("Reform began", "Reform soon began", 1))
    assert rendered(build(moved)) == {"delta-out.pdf", "delta-out.html"} | INDEX


def test_editing_one_case_renders_its_brief_and_the_handbooks_that_hold_it(built):
    case = built / "cases" / "delta-out.yaml"  # in no handbook
    case.write_text(case.read_text().replace("Reform began", "Reform soon began", 1))
    assert rendered(build(built)) == {"delta-out.pdf", "delta-out.html"} | INDEX

    case = built / "cases" / "gamma-defence.yaml"  # in both handbooks
    case.write_text(case.read_text().replace("Reform began", "Reform soon began", 1))
    assert rendered(build(built)) == {"gamma-defence.pdf", "gamma-defence.html"} | COURSE | (
        EXPLICIT | INDEX
    )


def test_a_new_title_re_renders_the_briefs_that_list_it_under_see_also(built):
    case = built / "cases" / "gamma-defence.yaml"
    case.write_text(
        case.read_text().replace("title: Defence reform in", "title: Defence reforms in", 1)
    )
    # alpha-police lists gamma-defence under "See also"
    assert {"alpha-police.pdf", "alpha-police.html"} <= rendered(build(built))


@pytest.mark.parametrize(
    "path, text",
    [
        ("styles/base.css", ":root { --colour-primary: #004b87; }\n"),
        ("templates/case.html.j2", '{% extends "base:case.html.j2" %}\n'),
    ],
)
def test_a_theme_change_re_renders_everything_it_affects(built, path, text):
    target = built / path
    target.parent.mkdir()
    target.write_text(text)
    assert len(documents(build(built))) == ALL


def test_missing_or_altered_outputs_are_rebuilt_and_force_renders_everything(built):
    briefs = built / "build" / "briefs"
    (briefs / "alpha-police.pdf").unlink()
    (briefs / "beta-justice.html").write_text("edited by hand")
    assert rendered(build(built)) == {"alpha-police.pdf", "beta-justice.html"}
    assert len(documents(build(built, force=True))) == ALL


def test_incremental_builds_give_the_bytes_of_a_clean_build(built):
    clean = outputs(built)
    case = built / "cases" / "alpha-police.yaml"
    original = case.read_text()
    case.write_text(original.replace("Reform began", "Reform soon began", 1))
    build(built)
    assert outputs(built) != clean
    case.write_text(original)  # back as it was: the same bytes as the first build
    assert rendered(build(built)) == {"alpha-police.pdf", "alpha-police.html"} | COURSE | (
        EXPLICIT | INDEX
    )
    assert outputs(built) == clean
    build(built, force=True)
    assert outputs(built) == clean


def test_source_date_epoch_dates_the_pdfs_and_invalidates_the_cache(built, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    assert len(documents(build(built))) == ALL
    pdf = pikepdf.open(built / "build" / "briefs" / "delta-out.pdf")
    info = pdf.docinfo
    assert str(info["/ModDate"]).startswith("D:20260101000000")
    first = outputs(built)
    assert build(built, force=True).rendered and outputs(built) == first


def test_cli_reports_what_was_up_to_date_and_prints_progress_lines(built, capsys):
    assert main(["build", "-C", str(built), "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "wrote 0 file(s), 20 up to date" in err and "[1/" not in err
    case = built / "cases" / "delta-out.yaml"
    case.write_text(case.read_text().replace("Reform began", "Reform soon began", 1))
    assert main(["build", "-C", str(built)]) == 0
    err = capsys.readouterr().err
    assert "[1/1] delta-out" in err and "wrote 5 file(s) in " in err
    case.write_text(case.read_text().replace("Reform soon began", "Reform began", 1))
    assert main(["build", "-C", str(built), "-q"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "setting",
    [
        {"profile": "print"},
        {"embed_source": True},
        {"pdf_variant": "pdf/a-3b"},
        {"page_size": "A5"},
        {"trust_html": True},
        {"max_image_pixels": 10_000_000},
    ],
    ids=lambda s: next(iter(s)),
)
def test_a_setting_that_shapes_the_outputs_re_renders_them(built, setting):
    assert len(documents(build(built, setting))) == ALL
    assert build(built, setting).rendered == []


def test_editing_a_themes_theme_yaml_re_renders_everything(built):
    theme = built / "themes" / "house"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text("name: house\ncolours:\n  primary: '#114477'\n")
    assert len(documents(build(built, {"theme": "house"}))) == ALL
    assert build(built, {"theme": "house"}).rendered == []
    (theme / "theme.yaml").write_text("name: house\ncolours:\n  primary: '#553311'\n")
    assert len(documents(build(built, {"theme": "house"}))) == ALL


def test_an_output_left_alone_keeps_its_warnings_and_its_report_entry(tmp_path):
    project = copy_project("a11y", tmp_path)
    first = build(project)
    assert first.warnings  # the handbook refuses an image (see test_accessibility)
    report_json = (project / "build" / "report.json").read_text()
    again = build(project)
    assert again.rendered == []
    assert sorted(map(str, again.warnings)) == sorted(map(str, first.warnings))
    assert (project / "build" / "report.json").read_text() == report_json
    # moved elsewhere, the warnings kept name the files where they are now
    moved = tmp_path / "elsewhere" / "a11y"
    shutil.move(project, moved)
    there = build(moved)
    assert documents(there) == [] and str(project) not in str(there.warnings)
    moved_first = [str(w).replace(str(project), str(moved)) for w in first.warnings]
    assert sorted(map(str, there.warnings)) == sorted(moved_first)


def test_explain_templates_when_nothing_needs_rendering(built, capsys):
    assert main(["build", "-C", str(built), "-q", "--explain-templates"]) == 0
    out = capsys.readouterr().out
    for name in ("brief.html.j2", "case.html.j2", "handbook.html.j2"):
        assert f"{name} → " in out


def test_source_date_epoch_reaches_the_workers_for_attached_sources(built, monkeypatch):
    # the workers fork from a server started before the variable was set
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    build(built, {"embed_source": True, "pdf_variant": "pdf/a-3b"}, jobs=2)
    pdf = pikepdf.open(built / "build" / "briefs" / "delta-out.pdf")
    attached = pdf.attachments["delta-out.yaml"].get_file()
    assert attached.mod_date.year == 2026 and attached.mod_date.month == 1


# --- One image finder: however an image is written, its bytes are part of its case's key ------


def _case_with(tmp_path, context: str):
    from casepress.model.cases import load_cases

    project = tmp_path / "p"
    (project / "cases").mkdir(parents=True)
    indented = "\n".join(f"  {line}" if line else "" for line in context.splitlines())
    (project / "cases" / "charted.yaml").write_text(
        f"title: Charted\ncontext: |\n{indented}\nlessons:\n  - text: A lesson.\n", "utf-8"
    )
    (project / "cases" / "chart.png").write_bytes(b"\x89PNG first")
    catalogue = load_cases(load_project(project))
    return project, catalogue


@pytest.mark.parametrize(
    "context",
    [
        '<img src="chart.png" alt="A chart">',
        "Look: ![A chart][ref]\n\n[ref]: chart.png",
        "![A chart](chart.png)",
        "![A chart](<chart.png>)",
    ],
    ids=["raw-html", "reference-style", "inline", "angle-brackets"],
)
def test_replacing_an_image_changes_its_cases_key(tmp_path, context):
    from casepress.build.cache import case_digest

    project, catalogue = _case_with(tmp_path, context)
    assert not catalogue.problems, [str(p) for p in catalogue.problems]
    (case,) = catalogue.cases
    before = case_digest(case)
    assert case_digest(case) == before
    (project / "cases" / "chart.png").write_bytes(b"\x89PNG second")
    assert case_digest(case) != before


@pytest.mark.parametrize(
    ("context", "shown"),
    [
        ('<img src="chart.png">', "image 'chart.png' has no alt text"),
        ("![][r]\n\n[r]: chart.png", "image 'chart.png' has no alt text"),
    ],
    ids=["raw-html", "reference-style"],
)
def test_an_image_without_alt_text_is_found_however_written(tmp_path, context, shown):
    _, catalogue = _case_with(tmp_path, context)
    assert catalogue.cases == []
    (problem,) = catalogue.problems
    assert problem.field == "context" and shown in problem.message
    lines = (tmp_path / "p" / "cases" / "charted.yaml").read_text("utf-8").splitlines()
    assert "chart.png" in lines[problem.line - 1], str(problem)  # where the image is named


def test_citation_files_are_rendered_only_when_what_they_are_made_from_changes(built, monkeypatch):
    """Keyed by their content, they are not rendered again to be keyed while their case and
    the publisher stay the same; a text edit leaves them as they are (same bytes, not
    written), a new publisher writes every one again."""
    from casepress.render import site

    made = []
    entry = site.bibtex_entry
    monkeypatch.setattr(
        site, "bibtex_entry", lambda case, **kw: made.append(case.id) or entry(case, **kw)
    )
    assert _written(build(built)) == set() and made == []
    case = built / "cases" / "delta-out.yaml"
    case.write_text(case.read_text().replace("Reform began", "Reform soon began", 1))
    written = _written(build(built))
    assert made == ["delta-out"] and "delta-out.bib" not in written  # rendered, the same
    made.clear()
    assert _written(build(built)) == set() and made == []
    config = built / "casepress.yaml"
    config.write_text(config.read_text().replace("Fixture Institute", "Another Institute", 1))
    written = _written(build(built, formats=("html",)))
    assert len(set(made)) == 5 and {f"{c}.bib" for c in made} <= written
    bib = (built / "build" / "site" / "cases" / "delta-out.bib").read_text()
    assert "Another Institute" in bib


def _written(report) -> set[str]:
    return {p.name for p in report.rendered if p.name != "report.json"}
