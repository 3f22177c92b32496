"""`pip install .` works from anywhere: the wheel carries the templates, styles and fonts."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import PROJECTS, ROOT

pytestmark = pytest.mark.slow  # every test renders PDFs or starts processes


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (path,) = out.glob("casepress-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel installed (not editable) into a folder for PYTHONPATH."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def test_wheel_contains_builtin_templates_styles_fonts_and_labels(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "casepress/templates/brief.html.j2",
        "casepress/templates/case.html.j2",
        "casepress/styles/base.css",
        "casepress/styles/print.css",
        "casepress/styles/fonts/SourceSerifPro-Regular.ttf",
        "casepress/styles/fonts/OFL-SourceSerifPro.txt",
        "casepress/model/labels/fr.yaml",
        "casepress/authoring/scaffold/theme.yaml",
        "casepress/authoring/scaffold/templates/case.html.j2",
        "casepress/templates/site-index.html.j2",
        "casepress/styles/site.css",
        "casepress/authoring/skeleton/casepress.yaml",
        "casepress/authoring/skeleton/sample-case.yaml",
        "casepress/authoring/skeleton/new-case.yaml.j2",
        "casepress/authoring/skeleton/gitignore",
    ):
        assert expected in names, expected


def test_installed_wheel_builds_a_brief_outside_the_checkout(installed, tmp_path):
    target = installed
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "casepress", "brief", str(PROJECTS / "minimal" / "cases" / "second-case.yaml"),
         "--output", str(out), "-q"],
        cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / "second-case.pdf").stat().st_size > 5000
    made = subprocess.run(
        [sys.executable, "-m", "casepress", "init", "library", "-q"],
        cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "library" / "cases" / "truth-seeking-and-ssr-in-peru.yaml").is_file()
    probe = subprocess.run(
        [sys.executable, "-c", "import casepress.theme.chain as t; print(t.BUILTIN_TEMPLATES)"],
        env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip().startswith(str(target))


@pytest.mark.slow
@pytest.mark.parametrize("theme", [[], ["--theme", "azimut"]], ids=["base", "azimut"])
def test_a_copy_of_the_repository_with_the_wheel_makes_the_checkouts_bytes(
    installed, tmp_path, theme
):
    """The repository's top-level templates/ and styles/ are the built-ins: in a copy, with
    casepress installed from the wheel, they must not become a project layer over the theme."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("casepress.yaml", "cases", "docs", "themes", "templates", "styles"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name)
        else:
            shutil.copy(ROOT / name, copy / name)
    case = "cases/verite-et-rss-au-perou.yaml"
    made = {}
    for where, path in (("checkout", ROOT / "src"), ("copy", installed)):
        out = tmp_path / f"out-{where}"
        result = subprocess.run(
            [sys.executable, "-m", "casepress", "brief", case, "--format", "both", "-q",
             "--output", str(out), *theme],
            cwd=ROOT if where == "checkout" else copy, capture_output=True, text=True,
            env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "0"},
            timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        # no project file overrides a theme file (a setting overriding the theme's is said)
        assert ": overrides " not in result.stderr
        made[where] = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert sorted(made["copy"]) == ["verite-et-rss-au-perou.html", "verite-et-rss-au-perou.pdf"]
    for name, data in made["checkout"].items():
        assert made["copy"][name] == data, name
