"""`casepress brief` of one case starts only what a brief needs: every module a cold process
imports is start-up time, and a brief is what an author runs after each edit (benchmark
target 3 compares it with bare WeasyPrint). The handbooks, the site, Word, importers, the
preview server and merging are imported by the commands that use them; an HTML brief does
not import WeasyPrint or pikepdf at all."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, copy_project

NOT_FOR_A_BRIEF = (
    "casepress.build.handbooks", "casepress.build.split", "casepress.build.site",
    "casepress.build.shards", "casepress.build.export", "casepress.render.site",
    "casepress.pdf.merge", "casepress.pdf.units", "casepress.importers", "casepress.authoring",
    "casepress.serve", "casepress.word", "casepress.checks.word", "pypdf", "docx", "pypandoc",
)  # fmt: skip
"""Modules (and their submodules) a brief build has no use for."""

PROBE = """
import json, sys
from casepress.cli.commands import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported(project, *args: str) -> set[str]:
    """The modules a cold `casepress brief` process holds when it is done."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_CACHE_HOME": str(project.parent)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "brief", *args, "-q", "--output", str(project / "out")],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return set(result["modules"])


def unneeded(modules: set[str], also: tuple[str, ...] = ()) -> list[str]:
    return sorted(m for m in modules for name in (*NOT_FOR_A_BRIEF, *also)
                  if m == name or m.startswith(name + "."))  # fmt: skip


def test_an_html_brief_imports_neither_weasyprint_nor_the_rest(tmp_path):
    project = copy_project("minimal", tmp_path)
    modules = imported(project, "cases/minimal-case.yaml", "--format", "html")
    assert "casepress.build.briefs" in modules  # it did build the brief
    assert unneeded(modules, also=("weasyprint", "pikepdf", "pydyf")) == []


@pytest.mark.slow
def test_a_pdf_brief_imports_only_what_a_brief_needs(tmp_path):
    project = copy_project("minimal", tmp_path)
    modules = imported(project, "cases/minimal-case.yaml", "--format", "pdf")
    assert "weasyprint" in modules and (project / "out" / "minimal-case.pdf").is_file()
    assert unneeded(modules) == []
