"""Nothing outside the output folder is written or removed: a symbolic link in build/ (a
repository can carry one) is refused with a message saying to remove it, clean-up removes
only what a build recorded writing, and a case that fails keeps its last good outputs
everywhere (briefs, site pages and PDFs, the site's handbook copies)."""

import faulthandler
import os
import sys
from pathlib import Path

import pytest

from casepress import load_project
from casepress.authoring.create import SAMPLE_ID, init_project
from casepress.build.driver import build_site
from casepress.cli import main
from casepress.errors import InputError
from casepress.serve.preview import Preview

PAGE, PDF = f"cases/{SAMPLE_ID}.html", f"cases/{SAMPLE_ID}.pdf"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    init_project(tmp_path / "library")
    monkeypatch.chdir(tmp_path / "library")
    return tmp_path / "library"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the project holding a user's files, named as outputs are."""
    folder = tmp_path / "outside"
    folder.mkdir()
    for name in ("notes.txt", f"{SAMPLE_ID}.html", f"{SAMPLE_ID}.pdf", "casebook.pdf",
                 "0123456789abcdef0123456789abcdef.pdf", "old-case.html"):  # fmt: skip
        (folder / name).write_bytes(f"the user's own {name}\n".encode())
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative name, with its bytes (links not followed)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def link(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


@pytest.mark.parametrize(
    ("where", "target"),
    [
        ("build", "../outside"),
        ("build/site/cases", "../../../outside"),
        ("build/site", "../../outside"),
        ("build/briefs", "../../outside"),
        ("build/handbooks", "../../outside"),
        ("build/.casepress-cache/units", "../../../outside"),
    ],
)
def test_a_linked_output_folder_is_refused_and_nothing_outside_changes(
    project, outside, capsys, where, target
):
    link(project / where, target)
    before = snapshot(outside)
    code, err = run(capsys, "build", "-q")
    assert code == 2
    assert err.startswith(f"{where}: is a symbolic link (to {target}), which casepress does not")
    assert "remove the link (casepress makes the folder again) and run casepress again" in err
    assert snapshot(outside) == before  # nothing outside removed, changed or added


def test_a_site_folder_linked_to_the_projects_own_cases_loses_no_case(project, capsys):
    link(project / "build" / "site" / "cases", "../../cases")
    before = snapshot(project / "cases")
    code, err = run(capsys, "build", "-q")
    assert code == 2 and err.startswith("build/site/cases: is a symbolic link (to ../../cases)")
    assert snapshot(project / "cases") == before


def test_the_site_never_cleans_up_through_a_link_that_appeared_after_a_build(
    project, outside, tmp_path
):
    """The site's clean-up, asked to remove a page the last build wrote, meets a link where
    the folder was: it refuses instead of removing the file of that name at the far end."""
    out = tmp_path / "preview"
    (project / "cases" / "old-case.yaml").write_text(
        "title: An old case\ncontext: Text.\nlessons:\n  - text: One.\n", "utf-8"
    )
    build_site(load_project(project), output_dir=out, pdfs={}, handbooks={})
    assert (out / "cases" / "old-case.html").is_file()
    (project / "cases" / "old-case.yaml").unlink()  # its page is now stale ...
    for page in (out / "cases").iterdir():
        page.unlink()
    (out / "cases").rmdir()
    link(out / "cases", str(outside))  # ... and the folder has become a link
    before = snapshot(outside)
    with pytest.raises(InputError) as refused:
        build_site(load_project(project), output_dir=out, pdfs={}, handbooks={})
    assert "is a symbolic link" in str(refused.value)
    assert snapshot(outside) == before


def test_a_link_planted_as_an_output_is_not_written_through(project, outside, capsys):
    link(project / "build" / "briefs" / f"{SAMPLE_ID}.html", f"../../../outside/{SAMPLE_ID}.html")
    before = snapshot(outside)
    code, err = run(capsys, "brief", f"cases/{SAMPLE_ID}.yaml", "--format", "html", "-q")
    assert code == 2
    assert err.startswith(
        f"build/briefs/{SAMPLE_ID}.html: is a symbolic link (to ../../../outside/{SAMPLE_ID}.html)"
        ", not a file casepress wrote; casepress does not write through links"
    )
    assert snapshot(outside) == before
    assert (project / "build" / "briefs" / f"{SAMPLE_ID}.html").is_symlink()  # left as it was


def test_new_and_import_do_not_write_through_a_linked_cases_folder(project, outside, capsys):
    os.rename(project / "cases", project / "cases-real")
    link(project / "cases", str(outside))
    before = snapshot(outside)
    # the project's own cases folder leads outside it: refused when the project is read
    refusal = "casepress.yaml:9:8: cases: 'cases' is outside the project (a symbolic link"
    code, err = run(capsys, "new", "A fresh case")
    assert code == 2 and err.startswith(refusal)
    source = project / "peru.md"
    source.write_text(
        "# An imported case\n\n## Context\n\nSome context.\n\n## Lessons learned\n\n- One.\n",
        "utf-8",
    )
    code, err = run(capsys, "import", "peru.md")
    assert code == 2 and err.startswith(refusal)
    assert snapshot(outside) == before


@pytest.mark.slow
def test_clean_up_removes_only_what_a_build_wrote_and_keeps_a_failed_cases_outputs(project, capsys):
    assert run(capsys, "build", "-q")[0] == 0
    site = project / "build" / "site"
    (site / "cases" / "mine.html").write_text("put here by hand", "utf-8")
    kept = {name: (site / name).read_bytes() for name in
            (PAGE, PDF, "handbooks/casebook.html", "handbooks/casebook.pdf")}  # fmt: skip

    # An invalid save: the case's last good page, PDF and handbook copies stay
    case = project / "cases" / f"{SAMPLE_ID}.yaml"
    good = case.read_text("utf-8")
    case.write_text(good.replace("\nlessons:", "\n<lessons>:", 1), "utf-8")
    code, err = run(capsys, "build", "-q")
    assert code == 2 and "<lessons>: unknown field" in err
    assert {name: (site / name).read_bytes() for name in kept} == kept
    assert (project / "build" / "briefs" / f"{SAMPLE_ID}.pdf").is_file()

    # Fixed, then the case removed: its page, PDF and citation files go; the file put there by hand stays
    case.write_text(good, "utf-8")
    assert run(capsys, "build", "-q")[0] == 0
    (project / "cases" / "second.yaml").write_text(
        "title: A second case\ncontext: Text.\nlessons:\n  - text: One.\n", "utf-8"
    )
    case.unlink()
    assert run(capsys, "build", "-q")[0] == 0
    names = sorted(p.name for p in (site / "cases").iterdir())
    assert names == ["mine.html", "second.bib", "second.csl.json", "second.html", "second.pdf"]


@pytest.mark.slow
def test_an_invalid_save_in_the_preview_keeps_the_cases_page_pdf_and_handbooks(project, tmp_path):
    preview = Preview(lambda: load_project(project), tmp_path / "preview")
    preview.rebuild()
    made = [preview.ensure(PDF), preview.ensure("handbooks/casebook.html")]
    out = preview.out
    before = {name: (out / name).read_bytes() for name in (PAGE, PDF, "handbooks/casebook.html")}
    assert all(made) and before[PDF].startswith(b"%PDF-")

    case = project / "cases" / f"{SAMPLE_ID}.yaml"
    case.write_text(case.read_text("utf-8").replace("\nlessons:", "\n<lessons>:", 1), "utf-8")
    result = preview.rebuild([case])
    assert any("unknown field" in p.message for p in result.problems)
    assert {name: (out / name).read_bytes() for name in before} == before
    assert preview.problems_for(PAGE)  # the preview shows the errors beside them

    case.unlink()  # a case whose file is gone loses its page and PDF
    preview.rebuild([case])
    assert not (out / PAGE).exists() and not (out / PDF).exists()


def test_build_refuses_nothing_in_an_ordinary_project(project, capsys):
    """The guard lets an ordinary output folder through: --output elsewhere, made fresh."""
    code, err = run(capsys, "brief", f"cases/{SAMPLE_ID}.yaml", "--format", "html",
                    "--output", "../elsewhere", "-q")  # fmt: skip
    assert code == 0, err
    assert (project.parent / "elsewhere" / f"{SAMPLE_ID}.html").is_file()


@pytest.mark.slow
def test_a_whole_build_into_an_output_folder_outside_the_project(project, capsys):
    code, err = run(capsys, "build", "--output", "../elsewhere", "-q")
    assert code == 0, err
    out = project.parent / "elsewhere"
    assert (out / "report.json").is_file() and (out / "site" / PDF).is_file()


def test_a_links_target_is_shown_with_its_control_characters_escaped(project, outside, capsys):
    link(project / "build" / "briefs", "../../outside/\x1b[31mred\nfake: line")
    code, err = run(capsys, "brief", f"cases/{SAMPLE_ID}.yaml", "--format", "html", "-q")
    assert code == 2
    assert "(to ../../outside/\\x1b[31mred\\nfake: line)" in err
    assert "\x1b" not in err and err.count("\n") == 1  # one line, no terminal escape


@pytest.mark.slow
def test_a_build_manifest_that_is_a_link_is_neither_read_nor_written_through(
    project, outside, capsys
):
    assert run(capsys, "build", "-q")[0] == 0
    (manifest,) = (project / "build" / ".casepress-cache").glob("briefs-*.json")
    os.mkfifo(outside / "pipe")  # reading it would wait for ever
    manifest.unlink()
    manifest.symlink_to(outside / "pipe")
    before = snapshot(outside)
    # a regression waits on the pipe for ever: end the test run with a traceback instead
    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)
    try:
        code, err = run(capsys, "build", "-q")
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert code == 2
    assert f"{manifest.name}: is a symbolic link" in err
    assert snapshot(outside) == before and (outside / "pipe").is_fifo()
