"""Where casepress looks for the project (as git looks for a repository), ``-C DIR`` on
either side of the command, ``check FILE_OR_DIR``, the refusal outside any project, and
the preview server's indifference to an editor's temporary files (issue 15, items 4 and 8).

Every test runs in a temporary folder that discovery does not look above
(``CASEPRESS_CEILING_DIRECTORIES``), so a ``cases/`` folder somewhere in ``/tmp`` cannot
make an "outside any project" test pass or fail."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from casepress.cli.commands import main
from casepress.model.project import find_project, load_project
from casepress.serve.preview import Preview, is_editor_leftover

SAMPLE = "truth-seeking-and-ssr-in-peru"


def refusal(folder: Path) -> str:
    return (
        f"casepress: error: no casepress project in {folder} or any folder above it (no "
        "casepress.yaml, no cases/ folder): run 'casepress init' to make one, or cd into "
        "your project, or name its folder with -C DIR"
    )


@pytest.fixture(autouse=True)
def ceiling(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEPRESS_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture
def project(tmp_path, capsys) -> Path:
    """A project made by ``casepress init``, with one broken case beside the sample."""
    folder = tmp_path / "my-cases"
    assert main(["init", str(folder), "-q"]) == 0
    (folder / "cases" / "broken.yaml").write_text("title: Broken\nlanguage: en\n", "utf-8")
    capsys.readouterr()
    return folder


BROKEN = [
    "cases/broken.yaml:1:1: context: required field is missing",
    "cases/broken.yaml:1:1: lessons: required field is missing",
]


def problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if "broken.yaml" in line]


def test_check_from_a_subfolder_finds_the_project_above(project, monkeypatch, capsys):
    monkeypatch.chdir(project / "cases")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert problems(err) == [line.removeprefix("cases/") for line in BROKEN]
    assert "checked 2 case file(s): 1 valid" in err


def test_outputs_of_a_command_run_in_cases_go_to_the_projects_build(project, monkeypatch):
    (project / "cases" / "broken.yaml").unlink()
    monkeypatch.chdir(project / "cases")
    assert main(["brief", f"{SAMPLE}.yaml", "--format", "html", "-q"]) == 0
    assert (project / "build" / "briefs" / f"{SAMPLE}.html").is_file()
    assert not (project / "cases" / "build").exists()


def test_a_brief_of_a_case_named_from_outside_is_made_in_its_own_project(
    project, tmp_path, monkeypatch
):
    (project / "cases" / "broken.yaml").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # in no project: the case file says which one
    case = project / "cases" / f"{SAMPLE}.yaml"
    assert main(["brief", str(case), "--format", "html", "-q"]) == 0
    assert (project / "build" / "briefs" / f"{SAMPLE}.html").is_file()
    assert not (elsewhere / "build").exists()


def test_casepress_yaml_above_wins_over_a_nearer_cases_folder(tmp_path):
    (tmp_path / "outer" / "inner" / "cases").mkdir(parents=True)
    (tmp_path / "outer" / "casepress.yaml").write_text("title: Outer\n", "utf-8")
    inner = tmp_path / "outer" / "inner"
    # build/site/ has a cases/ folder of pages: a command run there is in the outer project
    assert find_project(inner) == tmp_path / "outer"
    assert find_project(inner / "cases") == tmp_path / "outer"
    # ... unless that folder is named (-C DIR, check DIR): then it is the project
    assert find_project(inner, named=True) == inner
    (tmp_path / "bare" / "cases" / "sub").mkdir(parents=True)
    assert find_project(tmp_path / "bare" / "cases" / "sub") == tmp_path / "bare"
    assert find_project(tmp_path) is None


@pytest.mark.parametrize("before", [True, False], ids=["-C before", "-C after"])
def test_dash_c_works_before_and_after_the_command(project, tmp_path, monkeypatch, capsys, before):
    monkeypatch.chdir(tmp_path)
    args = ["-C", "my-cases", "check"] if before else ["check", "-C", "my-cases"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert problems(err) == [line.replace("cases/", "my-cases/cases/") for line in BROKEN]
    assert "checked 2 case file(s): 1 valid, 2 error(s)" in err


def test_dash_c_on_both_sides_reads_as_git_does(project, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["-C", "my-cases", "check", "-C", "cases", "-q"]) == 2  # my-cases/cases
    assert problems(capsys.readouterr().err) == [
        line.replace("cases/", "my-cases/cases/") for line in BROKEN
    ]


def test_dash_c_of_a_missing_folder_is_an_error_naming_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "-C", "nonexistent"]) == 2
    assert capsys.readouterr().err == (
        "casepress: error: -C nonexistent: the folder does not exist; name the folder of "
        "your project (the one with casepress.yaml or cases/)\n"
    )


OUTSIDE = [
    ["check"],
    ["check", "-q"],
    ["build", "-q"],
    ["brief", "x.yaml"],
    ["handbook"],
    ["new", "Police reform in Liberia"],
    ["serve", "--port", "0"],
    ["import", "x.txt"],
    ["theme", "list"],
    ["theme", "new", "acme"],
    ["theme", "check"],
]


@pytest.mark.parametrize("args", OUTSIDE, ids=" ".join)
def test_every_command_refuses_to_run_outside_a_project(tmp_path, monkeypatch, capsys, args):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)

    def never(self):  # a regression fails here rather than serving until killed
        raise AssertionError("the preview server was started outside any project")

    monkeypatch.setattr("casepress.serve.server.PreviewServer.start", never)
    assert main(args) == 2
    assert capsys.readouterr().err == refusal(empty) + "\n"
    assert list(empty.iterdir()) == []  # no cases/, no build/, no themes/


def test_dash_c_of_a_folder_outside_any_project_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["-C", str(tmp_path / "empty"), "build"]) == 2
    assert capsys.readouterr().err == refusal(tmp_path / "empty") + "\n"


def test_init_and_import_output_and_schema_work_outside_a_project(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "peru.txt"
    source.write_text(
        "Police reform in Peru\n\nThe context.\n\nLESSONS IDENTIFIED:\n\nFirst: Its text.\n"
    )
    assert main(["schema"]) == 0
    assert main(["import", str(source), "--dry-run", "-q"]) == 0
    assert main(["import", str(source), "--output", "drafts", "-q"]) == 0
    assert (tmp_path / "drafts" / "police-reform-in-peru.yaml").is_file()
    capsys.readouterr()
    assert main(["init", "fresh", "-q"]) == 0
    assert (tmp_path / "fresh" / "casepress.yaml").is_file()


def test_init_refuses_to_nest_a_project_unless_told(project, monkeypatch, capsys):
    monkeypatch.chdir(project / "cases")
    assert main(["init", "sub"]) == 2
    assert capsys.readouterr().err == (
        f"casepress: error: sub is inside the project in {project} (it has casepress.yaml); "
        "a project inside another makes it unclear which one a command works on. Make the "
        "new project outside that folder, or add --nested if you mean it\n"
        "casepress: nothing was written\n"
    )
    assert not (project / "cases" / "sub").exists()
    assert main(["init"]) == 2
    assert f"the current folder ({project / 'cases'}) is inside" in capsys.readouterr().err
    assert main(["init", "sub", "--nested", "-q"]) == 0
    assert (project / "cases" / "sub" / "casepress.yaml").is_file()


def test_check_a_project_folder_checks_its_cases_not_its_settings(project, tmp_path, capsys):
    for target in (project, project / "cases", project / "cases" / "broken.yaml"):
        assert main(["check", str(target)]) == 2, target
        err = capsys.readouterr().err
        assert "casepress.yaml" not in err  # was: 7 errors, casepress.yaml read as a case
        assert problems(err) == [line.replace("cases/", f"{project}/cases/") for line in BROKEN]
    assert main(["check", str(project / "cases" / f"{SAMPLE}.yaml")]) == 0
    assert "checked 1 case file(s): 1 valid, 0 error(s)" in capsys.readouterr().err


def test_check_a_folder_of_cases_that_is_not_the_cases_folder(project, monkeypatch, capsys):
    drafts = project / "drafts"
    drafts.mkdir()
    (project / "cases" / "broken.yaml").rename(drafts / "broken.yaml")
    monkeypatch.chdir(project)
    assert main(["check", "drafts"]) == 2
    err = capsys.readouterr().err
    assert problems(err) == [line.replace("cases/", "drafts/") for line in BROKEN]
    assert "checked 1 case file(s): 0 valid, 2 error(s)" in err


def test_check_paths_of_two_projects_is_refused(project, tmp_path, capsys):
    assert main(["init", str(tmp_path / "other"), "-q"]) == 0
    capsys.readouterr()
    assert main(["check", str(project), str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err
    assert "are in different projects" in err and "name the files of one project at a time" in err


# -- the preview server ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["sedN82W2C", ".x.yaml._mmv1hp3.tmp", ".x.yaml.swp", "x.yaml~", "#x.yaml#", "4913",
     ".#x.yaml", "x.yaml.bak", "x.css.swp", "case.html.j2___jb_tmp___"],
)  # fmt: skip
def test_editor_leftovers_are_recognised(name):
    assert is_editor_leftover(name)


@pytest.mark.parametrize("name", ["x.yaml", "case.html.j2", "brief.css", "logo.svg", "a.b.png"])
def test_project_files_are_not_leftovers(name):
    assert not is_editor_leftover(name)


def test_preview_ignores_temporary_files_and_rebuilds_for_inputs(project, tmp_path):
    preview = Preview(lambda: load_project(project), tmp_path / "out")
    preview.project = load_project(project)  # as after the first build, without rendering
    cases = project / "cases"
    for name in ("sedN82W2C", ".x.yaml._mmv1hp3.tmp", ".x.yaml.swp", "x.yaml~", "#x.yaml#",
                 "4913", "notes.txt", "x.yaml.bak"):  # fmt: skip
        assert not preview.is_input(cases / name), name
        assert preview.rebuild([cases / name]).pages == 0
    assert preview.version == 0  # no rebuild: open pages are not reloaded either
    for leftover in ("templates/.case.html.j2.swp", "styles/brief.css~", "styles/sedAb12Cd"):
        assert not preview.is_input(project / leftover), leftover
    for wanted in (f"cases/{SAMPLE}.yaml", "cases/sub/new.yml", "casepress.yaml",
                   "templates/case.html.j2", "styles/brief.css"):  # fmt: skip
        assert preview.is_input(project / wanted), wanted


@pytest.mark.slow  # a real server and its watcher, about 3 s
def test_the_watcher_rebuilds_for_a_saved_case_not_for_temporary_files(project):
    from casepress.serve.server import PreviewServer

    (project / "cases" / "broken.yaml").unlink()
    with PreviewServer(lambda: load_project(project), port=0) as server:
        start = server.preview.version
        cases = project / "cases"
        for name in ("sedN82W2C", ".x.yaml._mmv1hp3.tmp", ".x.yaml.swp", "x.yaml~", "4913"):
            (cases / name).write_text("title: half-saved\n", "utf-8")
        time.sleep(2.5)  # longer than the watcher's debounce
        assert server.preview.version == start
        path = cases / f"{SAMPLE}.yaml"
        path.write_text(path.read_text("utf-8").replace("Peru", "Perú", 1), "utf-8")
        deadline = time.monotonic() + 15
        while server.preview.version == start and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.preview.version > start


def test_serve_on_a_port_in_use_exits_2_with_what_to_do(project, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "-C", str(project), "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"casepress: error: port {port} is in use on 127.0.0.1 (another casepress serve, or "
        "another program); choose another with --port, or --port 0 for any free one\n"
    )


@pytest.mark.parametrize("port", ["70000", "-1", "eighty"])
def test_serve_refuses_a_port_out_of_range_as_a_usage_error(project, capsys, port):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "-C", str(project), "--port", port])
    assert stopped.value.code == 2
    assert (
        "argument --port: expected a port number from 1 to 65535 (or 0: any free port), "
        f"got {port!r}"
    ) in capsys.readouterr().err
