"""Nothing outside the project is read (issue 18): one test per attack.

Each test builds a project in tmp_path beside a folder of secrets (files holding ``SECRET``),
makes the symbolic link, FIFO or sparse file of the attack, runs ``casepress check`` or
``build`` as a user would, and asserts the refusal (the file named, the rule said), the exit
code, and that the secret appears in no message and no file under build/. Attacks that used
to hang or eat memory run in a subprocess under a time-out, so a regression fails instead of
hanging the suite, and assert a time bound.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casepress.cli import main
from conftest import ROOT, write_png

SECRET = "casepress-secret-5e7a"
SRC = ROOT / "src"

GOOD = """title: A good case
context: The context.
lessons:
  - text: A lesson.
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """``tmp_path/project`` (one valid case) and ``tmp_path/outside`` (secrets), cwd = project."""
    root = tmp_path / "project"
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text("title: Confined\n", "utf-8")
    (root / "cases" / "good.yaml").write_text(GOOD, "utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"top secret {SECRET} notes\n", "utf-8")
    (outside / "secret-case.yaml").write_text(
        GOOD.replace("A good case", f"Leaked {SECRET}"), "utf-8"
    )
    (outside / "secret.css").write_text(f'body::after {{ content: "{SECRET}"; }}\n', "utf-8")
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n", "utf-8")
    (outside / "secret.j2").write_text(f"<p>{SECRET}</p>\n", "utf-8")
    monkeypatch.chdir(root)
    return root


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_not_published(root: Path, messages: str) -> None:
    assert SECRET not in messages
    for path in (root / "build").rglob("*") if (root / "build").exists() else ():
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def run_slow(root: Path, *args: str, timeout: float = 60) -> tuple[int, str, float, int]:
    """``casepress ARGS`` in a subprocess: exit code, output, seconds, peak memory (KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "casepress", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return done.returncode, done.stdout + done.stderr, seconds, max(peak, before)


# -- case files --------------------------------------------------------------------------


def test_a_case_file_that_is_a_symlink_outside_is_refused(project, capsys):
    (project / "cases" / "evil.yaml").symlink_to(project.parent / "outside" / "secret.yaml")
    code, out = run(capsys, "check")
    assert code == 2
    assert (
        "cases/evil.yaml: a symbolic link to a file outside the project and its theme "
        "folders; copy the case file into the project instead"
    ) in out
    assert_not_published(project, out)
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert code == 2 and "cases/evil.yaml: a symbolic link" in out
    assert (project / "build" / "briefs" / "good.html").is_file()  # the others still build
    assert_not_published(project, out)


@pytest.mark.slow
def test_a_valid_case_through_a_symlink_is_not_published(project, capsys):
    """Before: the brief, the handbook, the site index, report.json and (embed_source) the
    PDF's attachment all carried the file outside the project."""
    (project / "cases" / "evil.yaml").symlink_to(project.parent / "outside" / "secret-case.yaml")
    (project / "casepress.yaml").write_text(
        "title: Confined\nembed_source: true\nhandbooks:\n  all:\n    title: All\n", "utf-8"
    )
    code, out = run(capsys, "build", "-q", "--jobs", "1")
    assert code == 2 and "cases/evil.yaml: a symbolic link" in out
    assert (project / "build" / "briefs" / "good.pdf").is_file()
    assert (project / "build" / "report.json").is_file()
    assert not list((project / "build").rglob("evil.*"))
    assert_not_published(project, out)  # no brief, handbook, site page, report.json


def test_a_cases_folder_that_is_a_symlink_outside_is_refused(project, capsys):
    (project / "cases" / "good.yaml").unlink()
    (project / "cases").rmdir()
    (project / "cases").symlink_to(project.parent / "outside", target_is_directory=True)
    code, out = run(capsys, "check")
    assert code == 2
    assert (
        "cases/secret.yaml: in a folder that is a symbolic link to a place outside the "
        "project and its theme folders; copy the case file into the project instead"
    ) in out
    assert_not_published(project, out)
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert code == 2
    assert_not_published(project, out)


def test_a_case_file_named_through_a_symlink_on_the_command_line_is_refused(project, capsys):
    (project / "cases" / "evil.yaml").symlink_to(project.parent / "outside" / "secret.yaml")
    code, out = run(capsys, "check", "cases/evil.yaml")
    assert code == 2 and "cases/evil.yaml: a symbolic link" in out
    assert SECRET not in out


def test_a_symlink_that_stays_inside_the_project_is_read(project, capsys):
    (project / "shared").mkdir()
    (project / "shared" / "other.yaml").write_text(GOOD, "utf-8")
    (project / "cases" / "other.yaml").symlink_to(project / "shared" / "other.yaml")
    code, out = run(capsys, "check")
    assert code == 0, out
    assert "checked 2 case file(s): 2 valid" in out


def test_cases_setting_outside_the_project_is_refused(project, capsys):
    (project / "casepress.yaml").write_text("title: Confined\ncases: ../outside\n", "utf-8")
    code, out = run(capsys, "check")
    assert code == 2
    assert "casepress.yaml:2:8: cases: '../outside' is outside the project" in out
    assert SECRET not in out


def test_a_case_file_in_a_folder_named_on_the_command_line_is_read(project, capsys, tmp_path):
    """The person typing the command may name a folder outside the project (``--cases``)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other.yaml").write_text(GOOD, "utf-8")
    code, out = run(capsys, "check", "--cases", str(elsewhere))
    assert code == 0, out


@pytest.mark.slow
def test_a_three_gigabyte_case_file_is_refused_before_it_is_read(project):
    huge = project / "cases" / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(3_000_000_000)  # sparse: takes no disk
    code, out, seconds, peak_kb = run_slow(project, "check")
    assert code == 2
    assert (
        "cases/huge.yaml: 3,000,000,000 bytes, more than the limit of 1,000,000; "
        "split the text or move long material to a linked resource"
    ) in out
    assert seconds < 10
    assert peak_kb < 500_000  # it read 3.1 GB before


# -- templates, stylesheets, themes -----------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p, o: _link(p / "styles" / "evil.css", o / "secret.css"), id="style"),
        pytest.param(lambda p, o: _link(p / "styles", o, folder=True), id="styles-folder"),
        pytest.param(
            lambda p, o: _link(p / "templates" / "brief.html.j2", o / "secret.j2"), id="template"
        ),
        pytest.param(lambda p, o: _link(p / "templates", o, folder=True), id="templates-folder"),
    ],
)
def test_project_templates_and_stylesheets_that_are_symlinks_are_refused(project, capsys, make):
    make(project, project.parent / "outside")
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert code == 2, out
    assert "a symbolic link to a " in out and "copy the " in out
    assert_not_published(project, out)


def _link(link: Path, target: Path, *, folder: bool = False) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=folder)


def _theme(project: Path, name: str = "acme") -> Path:
    folder = project / "themes" / name
    (folder / "styles").mkdir(parents=True)
    (folder / "theme.yaml").write_text(f"name: {name}\n", "utf-8")
    (project / "casepress.yaml").write_text(f"title: Confined\ntheme: {name}\n", "utf-8")
    return folder


def test_a_theme_stylesheet_that_is_a_symlink_is_refused(project, capsys):
    theme = _theme(project)
    (theme / "styles" / "evil.css").symlink_to(project.parent / "outside" / "secret.css")
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert code == 2
    assert (
        "themes/acme/styles/evil.css: a symbolic link to a file outside the project and its "
        "theme folders; copy the stylesheet into the project instead"
    ) in out
    assert_not_published(project, out)
    code, out = run(capsys, "theme", "check", "acme")
    assert code == 2 and "themes/acme/styles/evil.css: a symbolic link" in out


def test_a_theme_folder_that_is_a_symlink_is_refused_as_a_theme(project, capsys, tmp_path):
    evil = tmp_path / "outside" / "evil"
    (evil / "styles").mkdir(parents=True)
    (evil / "theme.yaml").write_text("name: evil\n", "utf-8")
    (evil / "styles" / "evil.css").write_text(f"/* {SECRET} */\n", "utf-8")
    write_png(evil / "anything.png", 4, 4)
    (project / "themes").mkdir()
    (project / "themes" / "evil").symlink_to(evil, target_is_directory=True)
    (project / "casepress.yaml").write_text("title: Confined\ntheme: evil\n", "utf-8")
    code, out = run(capsys, "check")  # check loads no theme; build does
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert code == 2
    assert (
        "casepress.yaml:2:8: theme: theme 'evil' refused: themes/evil is a symbolic link to a "
        "folder outside the project; copy the theme into themes/ instead"
    ) in out
    assert_not_published(project, out)


def test_an_image_through_a_symlinked_theme_folder_is_refused(project, capsys, tmp_path):
    evil = tmp_path / "outside" / "evil"
    evil.mkdir(parents=True)
    (evil / "theme.yaml").write_text("name: evil\n", "utf-8")
    write_png(evil / "anything.png", 4, 4)
    (project / "themes").mkdir()
    (project / "themes" / "evil").symlink_to(evil, target_is_directory=True)
    (project / "cases" / "good.yaml").write_text(
        GOOD.replace("The context.", "'![x](../themes/evil/anything.png)'"), "utf-8"
    )
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert "image '../themes/evil/anything.png' refused: in a folder that is a symbolic" in out
    html = (project / "build" / "briefs" / "good.html").read_text("utf-8")
    assert "data:image/png" not in html


def test_the_builtin_theme_lends_only_its_templates_and_styles(project, capsys):
    """A case in another project embedded casepress's README.md as ``data:image/jpeg``."""
    readme = ROOT / "README.md"
    (project / "cases" / "good.yaml").write_text(
        GOOD.replace("The context.", f"'![x]({readme})'"), "utf-8"
    )
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert f"image '{readme}' refused: outside the project and its theme folders" in out
    html = (project / "build" / "briefs" / "good.html").read_text("utf-8")
    assert "data:image/jpeg" not in html


def test_a_file_that_is_no_image_is_not_inlined_as_one(project, capsys):
    (project / "notes.jpg").write_text(f"# not an image {SECRET}\n", "utf-8")
    (project / "cases" / "good.yaml").write_text(
        GOOD.replace("The context.", "'![x](../notes.jpg)'"), "utf-8"
    )
    code, out = run(capsys, "brief", "cases", "--format", "html", "-q")
    assert (
        "image '../notes.jpg' is not an image: notes.jpg holds no PNG, JPEG, GIF, WebP or SVG "
        "data; save the picture again in one of these formats" in out
    ), out
    assert_not_published(project, out)


# -- handbooks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("/etc/passwd", "outside the project and its theme folders"),
        ("../outside/secret.md", "outside the project and its theme folders"),
        ("intro.md", "a symbolic link to a file outside the project and its theme folders"),
    ],
)
def test_a_handbook_introduction_outside_the_project_is_refused(project, capsys, value, rule):
    (project / "intro.md").symlink_to(project.parent / "outside" / "secret.md")
    (project / "casepress.yaml").write_text(
        f"title: Confined\nhandbooks:\n  main:\n    title: Main\n    introduction: {value}\n",
        "utf-8",
    )
    for command in (["check"], ["handbook", "--format", "html", "-q"]):
        code, out = run(capsys, *command)
        assert code == 2, out
        assert "casepress.yaml:5:19: handbooks.main.introduction: " in out
        assert f"{rule}; copy the introduction into the project instead" in out
        assert "root:x:0:0" not in out
        assert_not_published(project, out)


def test_a_handbook_logo_outside_the_project_is_refused_in_html_too(project, capsys):
    logo = write_png(project.parent / "outside" / "logo.png", 4, 4)
    (project / "casepress.yaml").write_text(
        f"title: Confined\nhandbooks:\n  main:\n    title: Main\n    logo: {logo}\n", "utf-8"
    )
    code, out = run(capsys, "handbook", "--format", "html", "-q")
    assert code == 2
    assert "casepress.yaml:5:11: handbooks.main.logo: " in out
    assert "outside the project and its theme folders; copy the logo into the project" in out
    assert not list((project / "build").rglob("*.html")) or all(
        "data:image/png" not in p.read_text("utf-8") for p in (project / "build").rglob("*.html")
    )


def test_a_handbook_logo_that_is_no_image_is_refused(project, capsys):
    (project / "logo.png").write_text(f"{SECRET}\n", "utf-8")
    (project / "casepress.yaml").write_text(
        "title: Confined\nhandbooks:\n  main:\n    title: Main\n    logo: logo.png\n", "utf-8"
    )
    code, out = run(capsys, "check")
    assert code == 2
    assert (
        "casepress.yaml:5:11: handbooks.main.logo: logo.png: not an SVG, PNG or JPEG image; "
        "use an SVG, PNG or JPEG file"
    ) in out
    assert_not_published(project, out)


# -- things that never end: the cache's digests ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "sparse"])
def test_an_image_that_never_ends_is_not_read_by_the_cache(project, kind):
    if kind == "dev-zero":
        src = "/dev/zero"
    elif kind == "fifo":
        os.mkfifo(project / "pipe.png")
        src = "../pipe.png"
    else:
        with open(project / "big.png", "wb") as handle:
            handle.truncate(3_000_000_000)
        src = "../big.png"
    (project / "cases" / "good.yaml").write_text(
        GOOD.replace("The context.", f"'![z]({src}) and `![z]({src})`'"), "utf-8"
    )
    code, out, seconds, peak_kb = run_slow(project, "brief", "cases", "--format", "html", "-q")
    assert seconds < 10, out
    assert peak_kb < 500_000  # /dev/zero took more than 4 GB
    assert f"image '{src}' refused: " in out
    assert {
        "dev-zero": "outside the project and its theme folders",
        "fifo": "not a regular file but a named pipe (FIFO)",
        "sparse": "3,000,000,000 bytes, more than the limit of 50,000,000",
    }[kind] in out
    assert (project / "build" / "briefs" / "good.html").is_file()


@pytest.mark.slow
def test_a_huge_stylesheet_is_refused_before_it_is_read(project):
    (project / "styles").mkdir()
    with open(project / "styles" / "huge.css", "wb") as handle:
        handle.truncate(3_000_000_000)
    code, out, seconds, peak_kb = run_slow(project, "brief", "cases", "--format", "html", "-q")
    assert code == 2
    assert (
        "styles/huge.css: 3,000,000,000 bytes, more than the limit of 5,000,000; "
        "make the stylesheet smaller, or split it"
    ) in out
    assert seconds < 10 and peak_kb < 500_000


# -- the importer -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".txt", ".docx"])
def test_an_import_of_a_fifo_does_not_wait_for_ever(project, suffix):
    pipe = project / f"pipe{suffix}"
    os.mkfifo(pipe)
    code, out, seconds, _ = run_slow(project, "import", pipe.name, timeout=30)
    assert code == 2
    assert f"pipe{suffix}: not a regular file but a named pipe (FIFO)" in out
    assert seconds < 10


# -- the preview server ---------------------------------------------------------------


@pytest.mark.slow
def test_the_preview_server_shows_the_refusal_not_the_file(tmp_path):
    """Before: the error page quoted the file ("expected a mapping of fields, got 'top
    secret …'") with the lines around it."""
    import urllib.request

    from casepress import load_project
    from casepress.authoring.create import SAMPLE_ID, init_project
    from casepress.serve.server import PreviewServer

    root = tmp_path / "library"
    init_project(root)
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"top secret {SECRET} notes\n", "utf-8")
    case = root / "cases" / f"{SAMPLE_ID}.yaml"
    case.unlink()
    case.symlink_to(secret)
    with (
        PreviewServer(lambda: load_project(root), port=0) as server,
        urllib.request.urlopen(server.url + "__casepress/problems", timeout=30) as response,
    ):
        page = response.read().decode("utf-8")
    assert "a symbolic link to a file outside the project" in page, page
    assert SECRET not in page
