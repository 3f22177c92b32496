"""Budgets that are deterministic and total: what would exhaust the machine is refused by
counting before the slow code runs (Markdown input limits, SVG elements and ``<use>``
expansion, template results), and the one time budget left is a case's, reported once."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from casepress import build_briefs, load_project
from casepress.cli import main
from conftest import ROOT

CASE = """\
title: {title}
context: |
{context}
lessons:
  - text: A lesson.
  - text: Another lesson.
"""


def write_case(project: Path, name: str, context: str, title: str = "A case") -> Path:
    path = project / "cases" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"  {line}\n" for line in context.splitlines())
    path.write_text(CASE.format(title=title, context=body.rstrip("\n")), encoding="utf-8")
    return path


def run_cli(project: Path, *args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """(exit code, output, seconds, peak MB of the children) of `casepress ...` in a fresh
    process: memory is measured as the operating system counts it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "casepress", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return done.returncode, done.stdout + done.stderr, seconds, peak_mb


# Markdown: the time budget is the case's, and it is the last resort


def test_a_case_out_of_time_is_one_error_naming_the_case_not_emptied_fields(tmp_path, monkeypatch):
    project = tmp_path / "project"
    table = "| Year | Event |\n|--|--|\n" + "".join(f"| {1900 + i} | e{i} |\n" for i in range(2000))
    write_case(project, "slow", table)
    monkeypatch.setattr("casepress.model.markup.MARKDOWN_SECONDS", 0.001)
    monkeypatch.chdir(project)
    report = build_briefs(load_project(project), formats=("html",), jobs=0)
    shown = [str(p) for p in report.problems]
    assert shown == [
        "cases/slow.yaml: the case's Markdown, all fields together, took more than 0.001 s "
        "to convert and was abandoned; very long tables or paragraphs crowded with links or "
        "markup are the usual causes: split the text"
    ]
    assert report.exit_code == 2
    assert not (project / "build" / "briefs" / "slow.html").exists()


def test_the_same_case_builds_within_the_real_budget(tmp_path):
    project = tmp_path / "project"
    table = "| Year | Event |\n|--|--|\n" + "".join(f"| {1900 + i} | e{i} |\n" for i in range(2000))
    write_case(project, "slow", table)
    report = build_briefs(load_project(project), formats=("html",), jobs=0)
    assert report.exit_code == 0, [str(p) for p in report.problems]
    assert "e1999" in (project / "build" / "briefs" / "slow.html").read_text("utf-8")


def test_check_refuses_what_the_build_would_find_too_slow_without_converting(
    tmp_path, capsys, monkeypatch
):
    project = tmp_path / "project"
    write_case(project, "tags", "<a " * 20_000)
    write_case(project, "fine", "A [link](https://example.org) and <b>bold</b> text.")
    monkeypatch.chdir(project)
    started = time.process_time()
    code = main(["check"])
    output = capsys.readouterr()
    assert time.process_time() - started < 5  # unguarded: 21 s and more
    assert code == 2
    assert (
        "cases/tags.yaml:2:10: context: the text has 20,000 HTML tags; at most 2,000 are "
        "allowed in one field" in output.out + output.err
    )
    assert "fine.yaml" not in output.out + output.err
