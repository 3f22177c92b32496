"""The case memo: a build remembers what it made of each case file, so the next build and
``check`` read only the files that changed, and report what reading them all reports."""

import os
import shutil
import time

import pytest

from casepress import build_project, load_project
from casepress.checks.inputs import check_project
from casepress.model import cases
from conftest import copy_project

HTML = {"formats": ("html",), "jobs": 0}


@pytest.fixture
def parsed(monkeypatch):
    """Case files read and validated (``load_case``), by name."""
    names: list[str] = []
    load_case = cases.load_case

    def counted(path, *args, **kwargs):
        names.append(path.name)
        return load_case(path, *args, **kwargs)

    monkeypatch.setattr(cases, "load_case", counted)
    return names


def age(project) -> None:
    """Case files last modified a minute ago (a file changed in the same second as the memo
    was written is read again, whatever the memo says)."""
    past = time.time() - 60
    for path in (project / "cases").iterdir():
        os.utime(path, (past, past))


def build(project):
    report = build_project(load_project(project), **HTML)
    return report


def problems(result) -> list[str]:
    return [str(p) for p in result.problems]


@pytest.fixture
def project(tmp_path):
    made = copy_project("handbook", tmp_path)
    # a warning in a valid case, and a case file with errors: both must be said again
    path = made / "cases" / "gamma-defence.yaml"
    path.write_text(path.read_text().replace("context: |\n", "context: |\n  TODO: finish.\n", 1))
    (made / "cases" / "zeta-broken.yaml").write_text("title: [unclosed\ncontext: x\n")
    age(made)
    return made


def test_a_rebuild_with_no_change_parses_no_case_file(project, parsed):
    first = build(project)
    assert len(parsed) == 6
    parsed.clear()
    again = build(project)
    assert parsed == []
    assert problems(again) == problems(first)


def test_an_edited_case_file_alone_is_read_again(project, parsed):
    build(project)
    parsed.clear()
    path = project / "cases" / "beta-justice.yaml"
    path.write_text(path.read_text().replace("Transitional justice", "Transitional Justice", 1))
    build(project)
    assert parsed == ["beta-justice.yaml"]


def test_check_reports_from_the_memo_what_reading_every_file_reports(project, parsed):
    build(project)
    parsed.clear()
    remembered = check_project(load_project(project))
    assert parsed == []
    shutil.rmtree(project / "build" / ".casepress-cache")
    read = check_project(load_project(project))
    assert len(parsed) == 6
    assert problems(remembered) == problems(read)
    assert any("TODO" in p for p in problems(read))
    assert any("zeta-broken.yaml" in p for p in problems(read))
    assert [c.id for c in remembered.catalogue.cases] == [c.id for c in read.catalogue.cases]
    for a, b in zip(remembered.catalogue.cases, read.catalogue.cases, strict=True):
        assert (a, a.positions, a.images) == (b, b.positions, b.images)


@pytest.mark.parametrize("damage", ["", "{", '{"setting": 1, "files": []}', "[1]"])
def test_a_damaged_memo_is_ignored(project, parsed, damage):
    build(project)
    memo = project / "build" / ".casepress-cache" / "catalogue.json"
    memo.write_text(damage)
    parsed.clear()
    report = build(project)
    assert len(parsed) == 6
    assert any("TODO" in p for p in problems(report))


def test_a_setting_that_validation_reads_makes_every_file_read_again(project, parsed):
    build(project)
    parsed.clear()
    config = project / "casepress.yaml"
    config.write_text(config.read_text() + "topics: [Police reform]\n")
    report = build(project)
    assert len(parsed) == 6
    assert any("unknown theme" in p for p in problems(report))


def test_check_does_not_prepare_for_keeping_what_it_never_keeps(project, monkeypatch):
    """``check`` never writes the memo, so the files it parses are not encoded for it."""
    from casepress.model import catalogue

    encoded = []
    encode = catalogue._encode
    monkeypatch.setattr(catalogue, "_encode", lambda value: encoded.append(1) or encode(value))
    result = check_project(load_project(project))
    assert len(result.catalogue.cases) == 5 and encoded == []
    assert not (project / "build" / ".casepress-cache").exists()
    build(project)
    assert encoded  # a build keeps them
