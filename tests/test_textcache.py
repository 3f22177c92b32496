"""The text cache: each case's Markdown is converted once per build and kept for the next,
so a rebuild after an edit converts the edited case's text only; outputs and reports are
those of a build that converted everything. HTML only: nothing here lays out a page."""

import json
import shutil

import pytest

from casepress import build_project, load_project
from casepress.model import conversions
from conftest import copy_project

HTML = {"formats": ("html",), "jobs": 0}


@pytest.fixture
def converted(monkeypatch):
    """Owner (case id) of every conversion actually run, in order."""
    made: list[str] = []
    add = conversions.TextCache.add

    def counted(self, key, conversion, owner):
        made.append(owner or "")
        return add(self, key, conversion, owner)

    monkeypatch.setattr(conversions.TextCache, "add", counted)
    return made


def build(project, **options):
    report = build_project(load_project(project), **{**HTML, **options})
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return report


def outputs(project) -> dict[str, bytes]:
    """The handbooks and the site (HTML pages built in this process)."""
    out = project / "build"
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for folder in ("handbooks", "site")
        for p in sorted((out / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    project = copy_project("handbook", tmp_path_factory.mktemp("texts"))
    build(project)
    return project


@pytest.fixture
def built(built_once, tmp_path):
    project = tmp_path / built_once.name
    shutil.copytree(built_once, project, copy_function=shutil.copy2)
    return project


def edit(project, case: str = "beta-justice") -> None:
    path = project / "cases" / f"{case}.yaml"
    text = path.read_text()
    assert "small team of national officials" in text
    path.write_text(
        text.replace("small team of national officials", "small team of *national* officials")
    )


def test_an_edit_converts_the_text_of_the_edited_case_only(built, converted):
    edit(built)
    build(built)
    assert converted, "the edited case's handbook chapter and site entry were converted again"
    assert set(converted) == {"beta-justice"}


def test_a_rebuild_from_the_cache_gives_the_bytes_of_a_clean_build(built, converted):
    edit(built)
    build(built)
    incremental = outputs(built)
    converted.clear()
    build(built, force=True)  # everything rendered again, every text found in the cache
    assert converted == []
    assert outputs(built) == incremental
    shutil.rmtree(built / "build" / ".casepress-cache")
    build(built, force=True)  # cold: every text converted
    assert len(set(converted)) == 5
    assert outputs(built) == incremental


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # partial
        lambda text: "not json",
        lambda text: json.dumps({"versions": [], "entries": {"x": [1]}}),
        lambda text: text.replace('"entries": {"', '"entries": {"x": [[1, 2]], "', 1),
        lambda text: json.dumps([1, 2, 3]),
    ],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(built, converted, damage):
    first = outputs(built)
    store = built / "build" / ".casepress-cache" / "text" / "alpha-police.json"
    store.write_text(damage(store.read_text()))
    build(built, force=True)
    assert set(converted) == {"alpha-police"}
    assert outputs(built) == first
    json.loads(store.read_text())  # written again, whole
    converted.clear()
    build(built, force=True)
    assert converted == []


def test_files_of_deleted_cases_are_removed(built):
    (built / "cases" / "epsilon-bridges.yaml").unlink()
    build(built)
    stored = {p.stem for p in (built / "build" / ".casepress-cache" / "text").iterdir()}
    assert "epsilon-bridges" not in stored
    assert "alpha-police" in stored


TRICKY = """\
context: |
  See [the bridges case](case:epsilon-bridges) and [a lost one](case:delta-out).[^a]
  <script>alert(1)</script> A table follows.

  | Year | Officers |
  |------|---------:|
  | 2001 | 1,200 |

  Table: Officers trained

  ![A chart of officers](javascript:alert(1) "Officers by year")

  ![A remote chart](https://example.org/chart.png "Not fetched")

  [^a]: A note <b onclick="x()">with</b> markup.
"""


def test_problems_reported_from_the_cache_are_those_of_a_conversion(tmp_path, converted):
    """Removed markup, refused images, notes, case links and numbering replay as converted:
    the same problems at the same lines, and the same outputs."""
    project = copy_project("handbook", tmp_path)
    path = project / "cases" / "alpha-police.yaml"
    text = path.read_text()
    start = text.index("context: |")
    lines = text[start:].split("\n")
    rest = next(i for i, line in enumerate(lines[1:], 1) if line and not line.startswith(" "))
    path.write_text(text[:start] + TRICKY + "\n".join(lines[rest:]))
    cold = build_project(load_project(project), **HTML)
    shown = sorted(map(str, cold.problems))
    assert any("alpha-police.yaml" in p and "sanitiser" in p for p in shown), shown
    assert any("alpha-police.yaml" in p and "example.org" in p for p in shown), shown
    first = outputs(project)
    converted.clear()
    again = build_project(load_project(project), **HTML, force=True)
    assert "alpha-police" not in converted
    assert sorted(map(str, again.problems)) == shown
    assert outputs(project) == first
