"""YAML mistakes in plain words (issue 15, "What to build" 5).

A project of broken case files, one mistake each, as a programme officer makes them: each
gives, from `casepress check` and from `casepress build`, exactly one line
`path:line:col: field: message` at the line to change, with the fix written out, and
exit 2. Field paths count list items from 1 (`lessons #3.title`).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

CASE = """\
title: Vetting in Liberia
subtitle: Police vetting after the war
language: en
period: 2003–2008
regions: [Sub-Saharan Africa]
countries: [Liberia]
themes: [Police reform]
context: |
  The war left the police without records.
entry_point: |
  A request from the transitional government.
lessons:
  - title: First lesson
    text: |
      Text one.
  - title: Second lesson
    text: |
      Text two.
"""


def broken(old: str, new: str) -> str:
    assert old in CASE
    return CASE.replace(old, new, 1)


SAMPLE = (ROOT / "cases" / "police-reform-in-sierra-leone.yaml").read_text("utf-8")
_sample_lines = SAMPLE.split("\n")
_sample_lines[25] = _sample_lines[25].lstrip()  # line 26 typed at column 1
SAMPLE_COLUMN_ONE = "\n".join(_sample_lines)

# name: (file text, the one line check and build print for it)
MISTAKES = {
    "unquoted-colon": (
        broken(
            "subtitle: Police vetting after the war", "subtitle: Liberia: vetting, police and trust"
        ),
        "2:18: subtitle: a colon followed by a space ends the value here; put the whole "
        'value in quotes: subtitle: "Liberia: vetting, police and trust"',
    ),
    "unquoted-colon-in-lesson": (
        broken("  - title: Second lesson", "  - title: Lesson two: trust takes time"),
        "16:22: lessons #2.title: a colon followed by a space ends the value here; put the "
        'whole value in quotes: - title: "Lesson two: trust takes time"',
    ),
    "curly-quotes": (
        broken(
            "subtitle: Police vetting after the war", "subtitle: “Liberia: vetting after the war”"
        ),
        "2:11: subtitle: “ ” and ‘ ’ (curly quotes, as a word processor types them) are not "
        'quotes in YAML; use straight quotes: subtitle: "Liberia: vetting after the war"',
    ),
    "curly-quote-starts-value": (
        broken(
            "subtitle: Police vetting after the war", "subtitle: ‘Force for good’: police vetting"
        ),
        "2:27: subtitle: a colon followed by a space ends the value here; put the whole "
        'value in quotes: subtitle: "‘Force for good’: police vetting"',
    ),
    "forgotten-pipe": (
        broken(
            "context: |\n  The war left the police without records.",
            "context: The war left the police without records\n"
            "  and this second line says: no registry survived.",
        ),
        "8:10: context: this text goes on to line 9, where a colon followed by a space ends "
        "it; text on several lines needs a | after the colon: write context: | and put the "
        "text on the lines below it, indented",
    ),
    "continuation-at-column-1": (
        broken(
            "  The war left the police without records.",
            "  The war left the police\nwithout records, stations or vehicles.",
        ),
        "10:1: context: this line starts further left than the text above it, so it ends "
        "that text; indent it by 2 spaces like the text above, or give it a name "
        "(name: value) if it is a new field",
    ),
    "continuation-at-column-1-line-26": (
        SAMPLE_COLUMN_ONE,  # was reported at 36:64
        "26:1: context: this line starts further left than the text above it, so it ends "
        "that text; indent it by 2 spaces like the text above, or give it a name "
        "(name: value) if it is a new field",
    ),
    "text-line-further-left": (
        broken(
            "context: |\n  The war left the police without records.",
            "context: |\n   The war left the police\n  without records.",
        ),
        "10:3: context: this line starts further left than the first line of its text "
        "(line 9); the lines of one text start at the same place: indent it by 3 spaces, or "
        "indent line 9 like this one",
    ),
    "top-field-indented": (
        broken("language: en", " language: en"),
        "3:1: language: this field is indented 1 space, more than subtitle: on line 2; start "
        "it at the beginning of the line like subtitle:",
    ),
    "tab-indentation": (
        broken("    text: |\n      Text two.", "\ttext: |\n      Text two."),
        "17:1: lessons #2.text: this line is indented with a tab; YAML counts only spaces: "
        "replace the tab with spaces, lined up with the lines above",
    ),
    "lesson-field-indented-too-little": (
        broken("    text: |\n      Text two.", "   text: |\n     Text two."),
        "17:4: lessons #2.text: this field is indented 3 spaces; the fields of an item of "
        "lessons line up with the first one after its - (title: on line 16): indent it by "
        "4 spaces",
    ),
    "lesson-field-indented-too-much": (
        broken("    text: |\n      Text two.", "      text: |\n        Text two."),
        "17:1: lessons #2.text: this field is indented 6 spaces, more than title: on line 16; "
        "indent it by 4 spaces like title:",
    ),
    "lesson-item-indented-differently": (
        broken(
            "  - title: Second lesson\n    text: |\n      Text two.",
            "   - title: Second lesson\n     text: |\n       Text two.",
        ),
        "16:4: lessons #2: this item of lessons is indented 3 spaces but the one on line 13 "
        "is indented 2 spaces; start every - of the list at the same place",
    ),
    "lesson-item-at-column-1": (
        broken(
            "  - title: Second lesson\n    text: |\n      Text two.",
            "- title: Second lesson\n  text: |\n    Text two.",
        ),
        "16:1: lessons: this item of lessons starts at the beginning of the line but the one "
        "on line 13 is indented 2 spaces; start every - of the list at the same place",
    ),
    "dash-without-space": (
        broken("  - title: Second lesson", "  -title: Second lesson"),
        "16:3: lessons #2: a list item needs a space after the -: - title: Second lesson",
    ),
    "list-starts-on-the-name-line": (
        broken("themes: [Police reform]", "themes: - Police reform"),
        "7:9: themes: a list starts on the line below its name, one - item per line; if the "
        'value is text, put it in quotes: themes: "- Police reform"',
    ),
    "colon-without-space": (
        broken("subtitle: Police", "subtitle:Police"),
        "2:9: subtitle: put a space after the colon: subtitle: Police vetting after the war",
    ),
    "quote-never-closed": (
        broken("subtitle: Police vetting after the war", 'subtitle: "Police vetting after the war'),
        '2:11: subtitle: this " starts a quoted value that is never closed; end the value '
        'with the same quote on this line: subtitle: "Police vetting after the war"',
    ),
    "text-after-closing-quote": (
        broken(
            "subtitle: Police vetting after the war", 'subtitle: "Force for good" police vetting'
        ),
        '2:28: subtitle: the value ends at its closing ", but more text follows; put the '
        "whole value in quotes: subtitle: '\"Force for good\" police vetting'",
    ),
    "markdown-emphasis-starts-value": (
        broken(
            "subtitle: Police vetting after the war", "subtitle: *Police* vetting after the war"
        ),
        "2:11: subtitle: a value may not start with *; put the whole value in quotes: "
        'subtitle: "*Police* vetting after the war"',
    ),
    "bracket-starts-value": (
        broken(
            "subtitle: Police vetting after the war",
            "subtitle: [Draft] Police vetting after the war",
        ),
        "2:11: subtitle: a value that starts with [ is read as a list; put the whole value "
        'in quotes: subtitle: "[Draft] Police vetting after the war"',
    ),
    "list-not-closed": (
        broken("regions: [Sub-Saharan Africa]", "regions: [Sub-Saharan Africa"),
        "5:10: regions: this [ starts a list that is not closed on this line; end it with ], "
        'or, if the value is text, put it in quotes: regions: "[Sub-Saharan Africa"',
    ),
    "dashes-at-column-1": (
        broken(
            "  The war left the police without records.",
            "  The war left the police without records.\n---\n  More text.",
        ),
        "10:1: context: --- at the start of a line ends the file's content here; if it "
        "belongs to the text above, indent it like that text, or remove it",
    ),
    "unknown-shape-keeps-the-parser-words": (
        CASE + 'note: "a"\n  b\n',
        "20:3: invalid YAML: did not find expected key (while parsing a block mapping that "
        "starts at line 1, column 1); "
        "check the quotes and indentation on this line and the one before",
    ),
    "misspelt-field-in-third-lesson": (
        CASE + "  - titel: Third lesson\n    text: |\n      Text three.\n",
        "19:5: lessons #3.titel: unknown field (did you mean 'title'?)",
    ),
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "casepress", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("yaml-mistakes")
    (root / "casepress.yaml").write_text("title: Mistakes\n", "utf-8")
    (root / "cases").mkdir()
    for name, (text, _) in MISTAKES.items():
        (root / "cases" / f"{name}.yaml").write_text(text, "utf-8")
    return root


@pytest.fixture(scope="module")
def checked(project) -> subprocess.CompletedProcess:
    return run("check", cwd=project)


@pytest.fixture(scope="module")
def built(project) -> subprocess.CompletedProcess:
    return run("build", "-q", cwd=project)


def _lines(result: subprocess.CompletedProcess, name: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"cases/{name}.yaml")]


@pytest.mark.parametrize("name", list(MISTAKES))
def test_check_says_what_to_do_at_the_line_to_change(checked, name):
    assert checked.returncode == 2, checked.stderr
    assert _lines(checked, name) == [f"cases/{name}.yaml:{MISTAKES[name][1]}"]


@pytest.mark.parametrize("name", list(MISTAKES))
def test_build_says_the_same(built, name):
    assert built.returncode == 2, built.stderr
    assert "Traceback" not in built.stderr
    assert _lines(built, name) == [f"cases/{name}.yaml:{MISTAKES[name][1]}"]


def test_every_mistake_is_reported_and_nothing_else(checked):
    reported = [line for line in checked.stderr.splitlines() if line.startswith("cases/")]
    assert len(reported) == len(MISTAKES), reported
    assert f"0 valid, {len(MISTAKES)} error(s), 0 warning(s)" in checked.stderr


# Values YAML reads, but not as the author meant: warnings (`--strict` fails), same words
WARNINGS = {
    "curly-quotes-around-value": (
        broken("subtitle: Police vetting after the war",
               "subtitle: “Police vetting after the war”"),
        "2:11: warning: subtitle: “ ” and ‘ ’ (curly quotes, as a word processor types them) "
        'are not quotes in YAML; use straight quotes: subtitle: "Police vetting after the '
        'war" (or leave them, if they are to be printed)',
    ),
    "hash-in-value": (
        broken("subtitle: Police vetting after the war", "subtitle: Lesson #3 of the war"),
        "2:18: warning: subtitle: the text from # on is read as a comment and left out; put "
        'the whole value in quotes: subtitle: "Lesson #3 of the war"',
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def warned(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("yaml-warnings")
    (root / "casepress.yaml").write_text("title: Warnings\n", "utf-8")
    (root / "cases").mkdir()
    for name, (text, _) in WARNINGS.items():
        (root / "cases" / f"{name}.yaml").write_text(text, "utf-8")
    return {
        "check": run("check", cwd=root),
        "strict": run("check", "--strict", cwd=root),
        "build": run("build", "-q", cwd=root),
    }


@pytest.mark.parametrize("name", list(WARNINGS))
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_value_read_otherwise_than_meant_is_a_warning_with_the_fix(warned, command, name):
    result = warned[command]
    assert result.returncode == 0, result.stderr
    assert _lines(result, name) == [f"cases/{name}.yaml:{WARNINGS[name][1]}"]
    assert warned["strict"].returncode != 0


def test_a_comment_after_two_spaces_or_a_hash_and_a_space_is_left_alone(tmp_path):
    (tmp_path / "cases").mkdir()
    text = broken("language: en", "language: en  # the default").replace(
        "period: 2003–2008", "period: 2003–2008 # years of the programme"
    )
    (tmp_path / "cases" / "comments.yaml").write_text(text, "utf-8")
    checked = run("check", "--strict", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_field_paths_count_list_items_from_one(tmp_path):
    """The machine path (`Problem.field`) stays 0-based; people read `#1` for the first."""
    from casepress.errors import Problem

    problem = Problem.error("x.yaml", "m", line=1, column=1, field="lessons[2].titel")
    assert problem.field == "lessons[2].titel"
    assert str(problem) == "x.yaml:1:1: lessons #3.titel: m"
    nested = Problem.error("x.yaml", "m", field="handbooks.core.regions[0]")
    assert str(nested) == "x.yaml: handbooks.core.regions #1: m"
