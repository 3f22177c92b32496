"""Case validation: every problem at once, each as path:line:col: field: message."""

import os

import jsonschema
import pytest
import yaml

from casepress import load_case, load_cases, load_project
from casepress.model.cases import case_schema
from conftest import PROJECTS


@pytest.fixture
def in_repo_root(monkeypatch):
    monkeypatch.chdir(PROJECTS.parents[1])


def test_broken_project_reports_every_problem_with_its_position(in_repo_root):
    catalogue = load_cases(load_project(PROJECTS / "broken"))
    base = "tests/projects/broken/cases"
    assert [str(p) for p in catalogue.problems] == [
        f'{base}/bad-yaml.yaml:2:10: context: this " starts a quoted value that is never '
        'closed; end the value with the same quote on this line: context: "unterminated"',
        f"{base}/duplicate-key.yaml:3:1: duplicate key 'title' (first given on line 1)",
        f"{base}/missing-fields.yaml:1:1: context: required field is missing",
        f"{base}/missing-fields.yaml:2:1: entry-point: unknown field (did you mean 'entry_point'?)",
        f"{base}/missing-fields.yaml:4:5: lessons #1.text: required field is missing",
        f"{base}/missing-fields.yaml:7:19: countries #2: unknown country 'Atlantis' (did you mean 'Albania'?)",
        f"{base}/missing-fields.yaml:7:29: countries #3: unknown country 'Frence' (did you mean 'France'?)",
        f"{base}/missing-fields.yaml:8:12: published: '2024-02-30' is not a date in the calendar",
        f"{base}/wrong-types.yaml:1:8: title: expected text, got a list",
        f"{base}/wrong-types.yaml:3:10: lessons: expected a list, got 'not a list'",
        f"{base}/wrong-types.yaml:4:10: regions: expected a list such as [Sub-Saharan Africa], got 'Latin America'",
        f"{base}/wrong-types.yaml:6:8: source.url: expected a web address starting with https://, got 'ftp://example.org'",
    ]
    assert [c.id for c in catalogue.cases] == ["valid-one"]


def test_yaml_11_values_stay_strings_and_countries_are_normalised():
    catalogue = load_cases(load_project(PROJECTS / "minimal"))
    assert not catalogue.problems
    case = catalogue.get("minimal-case")
    assert case.title == "NO"
    assert case.countries == ("Norway", "Peru", "Bolivia")
    assert case.themes == ("ON", "1.10", "yes")
    assert case.period == "01234"
    assert case.lessons[0].title is None
    assert case.lessons[1].title == "Does a question lead-in keep its mark?"
    assert case.language == "en"


def write_case(folder, name, text):
    (folder / "cases").mkdir(exist_ok=True)
    path = folder / "cases" / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = "title: T\ncontext: C\nlessons:\n  - text: L\n"


def test_duplicate_ids_are_reported_on_the_second_file(tmp_path):
    write_case(tmp_path, "a.yaml", MINIMAL + "id: same\n")
    write_case(tmp_path, "b.yaml", MINIMAL + "id: same\n")
    catalogue = load_cases(load_project(tmp_path))
    (problem,) = catalogue.problems
    assert problem.path.endswith("b.yaml") and (problem.line, problem.column) == (5, 5)
    assert problem.message.startswith("duplicate id 'same':")
    assert [c.path.name for c in catalogue.cases] == ["a.yaml"]


def test_unknown_related_id_suggests_the_nearest(tmp_path):
    write_case(tmp_path, "police-reform.yaml", MINIMAL)
    write_case(tmp_path, "other.yaml", MINIMAL + "related: [police-reforms]\n")
    catalogue = load_cases(load_project(tmp_path))
    (problem,) = catalogue.problems
    assert (problem.field, problem.line, problem.column) == ("related[0]", 5, 11)
    assert problem.message == "no case has the id 'police-reforms' (did you mean 'police-reform'?)"


def test_file_name_that_is_not_a_slug_needs_an_id(tmp_path):
    write_case(tmp_path, "My Case.yaml", MINIMAL)
    (problem,) = load_cases(load_project(tmp_path)).problems
    assert problem.field == "id" and "is not a valid id" in problem.message


def test_empty_required_field_and_empty_lessons(tmp_path):
    write_case(tmp_path, "a.yaml", "title: ''\ncontext: C\nlessons: []\n")
    messages = [
        f"{p.line}:{p.column} {p.field}: {p.message}"
        for p in load_cases(load_project(tmp_path)).problems
    ]
    assert messages == ["1:8 title: must not be empty", "3:10 lessons: must list at least one item"]


def test_source_files_are_never_modified(tmp_path):
    path = write_case(tmp_path, "a.yaml", MINIMAL)
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    load_cases(load_project(tmp_path))
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_empty_optional_fields_are_as_if_absent(tmp_path):
    case_file = tmp_path / "cases" / "x.yaml"
    case_file.parent.mkdir()
    case_file.write_text(
        "title: X\nsubtitle:\nsource:\nfurther_resources:\nrelated:\npublished:\n"
        "context: Text.\nlessons:\n  - text: One.\n"
    )
    case, problems = load_case(case_file, load_project(tmp_path))
    assert problems == [] and case.subtitle is None and case.source is None
    assert case.further_resources == () and case.published is None
    # Editors agree: the JSON Schema allows the empty values too.
    jsonschema.validate(yaml.safe_load(case_file.read_text()), case_schema())
    case_file.write_text("title: X\ncontext:\nlessons:\n")  # required ones still are
    _, problems = load_case(case_file, load_project(tmp_path))
    assert {(p.field, p.message) for p in problems} == {
        ("context", "must not be empty"),
        ("lessons", "must not be empty"),
    }


def test_todo_warnings_point_at_the_field_and_spare_other_words(tmp_path):
    case_file = tmp_path / "cases" / "x.yaml"
    case_file.parent.mkdir()
    case_file.write_text(
        "title: Todo el país\ncontext: Reformas en todo el TODOS país.\n"
        "lessons:\n  - title: A lead-in\n    text: TODO write it\n"
    )
    _, problems = load_case(case_file, load_project(tmp_path))
    assert [str(p) for p in problems] == [
        f"{case_file}:5:11: warning: lessons #1.text: still holds a TODO placeholder; "
        "replace it before publishing"
    ]
