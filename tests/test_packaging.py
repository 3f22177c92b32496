"""`pip install .` works from anywhere: the wheel carries the templates, styles and fonts."""

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


def test_wheel_contains_builtin_templates_styles_fonts_and_labels(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "casepress/templates/brief.html.j2",
        "casepress/templates/case.html.j2",
        "casepress/styles/base.css",
        "casepress/styles/print.css",
        "casepress/styles/fonts/SourceSerifPro-Regular.ttf",
        "casepress/styles/fonts/OFL-SourceSerifPro.txt",
        "casepress/labels/fr.yaml",
        "casepress/scaffold/theme.yaml",
        "casepress/scaffold/templates/case.html.j2",
        "casepress/templates/site-index.html.j2",
        "casepress/styles/site.css",
        "casepress/skeleton/casepress.yaml",
        "casepress/skeleton/sample-case.yaml",
        "casepress/skeleton/new-case.yaml.j2",
        "casepress/skeleton/gitignore",
    ):
        assert expected in names, expected


def test_installed_wheel_builds_a_brief_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
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
        [sys.executable, "-c", "import casepress.themes as t; print(t.BUILTIN_TEMPLATES)"],
        env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip().startswith(str(target))
