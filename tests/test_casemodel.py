"""The case model declared once (``Case`` in model/cases.py), and the one YAML scalar writer.

Each field of a case is declared once; validation, JSON Schema, the model object, the YAML
writer's layout and the template context are all made from that declaration. ``casepress
new`` and ``casepress import`` write values with the same quoting.
"""

import dataclasses
import datetime as dt
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from casepress import load_case, load_project
from casepress.cli import main
from casepress.model.cases import CASE_SPEC, Case, Lesson, Source, case_schema
from casepress.model.schema import ListOf, Text, declare, object_of, to_model
from casepress.model.yamlwriter import HEADER, SECTIONS, dump_case, layout, scalar
from casepress.render.renderer import Renderer
from casepress.theme.chain import load_theme

FULL_CASE = """\
id: a-full-case
title: A full case
subtitle: Every field
summary: One paragraph.
language: fr
translation_of: the-original
period: "2001–2003"
regions: [Andean region]
countries: [PE]
themes: [Police reform]
authors: [A. Author]
series: SSR Case Studies
number: "12"
doi: "10.1234/ssr.2024.12"
status: draft
published: "2024-01-31"
source:
  publisher: An organisation
  url: https://example.org/original
  accessed: "2024-02-01"

context: |
  The context.

entry_point: |
  The entry point.

lessons_heading: Lessons identified
lessons:
  - title: Lead-in
    text: |
      The lesson.

outcome: |
  The outcome.

further_resources:
  - title: A report
    url: https://example.org/report
    publisher: Its publisher
    year: "2003"

related: [other]
"""


@pytest.fixture
def full_case(tmp_path):
    # Andean region lies within a built-in region: a project declares it to use it
    (tmp_path / "casepress.yaml").write_text("title: Library\nregions: [Andean region]\n")
    (tmp_path / "cases").mkdir()
    path = tmp_path / "cases" / "a-full-case.yaml"
    path.write_text(FULL_CASE, "utf-8")
    (tmp_path / "cases" / "other.yaml").write_text(
        "title: Other\ncontext: c\nlessons:\n  - text: t\n", "utf-8"
    )
    project = load_project(tmp_path)
    case, problems = load_case(path, project)
    assert problems == [] and case is not None
    return project, case


# -- one declaration --------------------------------------------------------------------


def test_every_declared_field_is_validated_in_the_schema_written_and_shown(full_case):
    project, case = full_case
    properties = case_schema()["properties"]
    written = [*HEADER, *(name for group in SECTIONS for name in group)]
    view = Renderer(project, load_theme(None)).case_view(case, lambda other: (None, None))
    attributes = {f.name for f in dataclasses.fields(Case)}
    assert len(CASE_SPEC.fields) == 24
    for name in CASE_SPEC.fields:
        assert name in properties, name
        assert written.count(name) == 1, name
        assert name in attributes, name
        assert view[name] not in (None, "", []), name  # the full case fills every field
    assert sorted(written) == sorted(CASE_SPEC.fields)
    # and nothing else: the template context adds only what it computes
    computed = {"tags", "published_iso", "notes", "translations", "alternates", "dir", "citation"}
    assert set(view) - set(CASE_SPEC.fields) == computed


def test_the_case_file_is_rewritten_in_the_declared_order(full_case):
    _, case = full_case
    values = yaml.safe_load(FULL_CASE)
    written = dump_case(values)
    keys = re.findall(r"^([a-z_]+):", written, re.M)
    assert keys == [*HEADER, *(name for group in SECTIONS for name in group)]
    assert written == FULL_CASE  # the hand-written layout is the writer's


def test_the_template_context_shows_each_field_by_its_type(full_case):
    project, case = full_case
    view = Renderer(project, load_theme(None)).case_view(case, lambda other: ("o.html", None))
    assert view["countries"] == ["Pérou"] and view["tags"][1] == "Pérou"
    assert view["published"] == "31 janvier 2024" and view["published_iso"] == "2024-01-31"
    assert view["source"]["accessed"] == "1 février 2024"
    assert view["source"]["publisher"] == "An organisation"
    assert view["lessons"][0]["number"] == 1 and view["lessons"][0]["title"] == "Lead-in"
    assert "The lesson." in view["lessons"][0]["text"]
    assert "The entry point." in view["entry_point"]
    assert view["further_resources"][0]["year"] == "2003"
    assert view["related"] == [
        {"id": "other", "title": "other", "href": "o.html", "note": None}
        | {"language": None, "language_note": None}  # in the reader's language (translations)
    ]


def test_a_new_declaration_reaches_validation_schema_writer_and_model():
    @dataclasses.dataclass(frozen=True)
    class Note:
        heading: str = declare(Text("A heading"), required=True, order=2, section="b")
        body: str | None = declare(Text("Text", markdown=True), order=1, section="a")
        tags: tuple[str, ...] = declare(ListOf(Text(), unique=True), order=3, section="b")

    spec = object_of(Note, "A note")
    assert list(spec.json_schema()["properties"]) == ["heading", "body", "tags"]
    assert spec.json_schema()["required"] == ["heading"]
    assert layout(spec) == [("body",), ("heading", "tags")]
    note = to_model(spec, {"heading": "H", "body": None, "tags": ["x", "y", "x"]})
    assert note == Note(heading="H", body=None, tags=("x", "y"))


def test_the_model_keeps_its_constructors_and_defaults(tmp_path):
    assert Lesson("Lead-in", "Text") == Lesson(title="Lead-in", text="Text")
    case = Case(id="c", path=tmp_path / "c.yaml", title="T", context="C", lessons=())
    assert case.language == "en" and case.regions == () and case.source is None
    assert to_model(CASE_SPEC.fields["source"].type, {"publisher": "P"}) == Source("P")


def test_an_empty_source_and_repeated_tags_are_as_before(tmp_path):
    (tmp_path / "casepress.yaml").write_text("title: Library\nlanguage: es\n")
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: T\ncontext: c\nlessons:\n  - text: t\nsource:\n  publisher:\n"
        "themes: [A, B, A]\nauthors: [X, X]\npublished: 2020-02-02\n",
        "utf-8",
    )
    case, problems = load_case(path, load_project(tmp_path))
    assert problems == []
    assert case.source is None and case.themes == ("A", "B") and case.authors == ("X", "X")
    assert case.language == "es" and case.published == dt.date(2020, 2, 2)


# -- one YAML scalar writer -------------------------------------------------------------

HARD = ["yes", "No", "on", "OFF", "true", "null", "~", "", "123", "1.10", "1e3", "0x1F",
        "2024-01-01", "12:30", " lead", "trail ", "a: b", "ends:", "x #y", "#hash", "- dash",
        "? key", "it's", "'q'", '"q"', "back\\slash", "two\nlines", "tab\there", "Łódź",
        "Реформа", "Why?", "a, b", "[x]", "line\u2028sep", "nel\x85", "del\x7f"]  # fmt: skip


@pytest.mark.parametrize("text", HARD)
def test_hard_scalars_read_back_as_the_same_text(text):
    for document, back in [
        (f"k: {scalar(text)}", lambda d: d["k"]),
        (f"- {scalar(text)}", lambda d: d[0]),
        (f"k: [{scalar(text, flow=True)}, z]", lambda d: d["k"][0]),
    ]:
        value = back(yaml.safe_load(document))
        assert isinstance(value, str) and value == text, document


def test_letters_stay_readable_and_plain_text_stays_plain():
    assert scalar("Łódź police") == "Łódź police"
    assert scalar("Réforme «au» Pérou") == "Réforme «au» Pérou"
    assert scalar("“curly” quotes") == '"“curly” quotes"'
    assert scalar("it's") == "it's"
    assert "\\u" not in scalar("Реформа: полиции")


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_reads_back_as_the_same_string(text):
    assert yaml.safe_load(f"k: {scalar(text)}")["k"] == text
    assert yaml.safe_load(f"- {scalar(text)}") == [text]
    assert yaml.safe_load(f"k: [{scalar(text, flow=True)}]")["k"] == [text]


def test_a_tag_with_a_question_mark_reads_back(tmp_path):
    """A flow list item such as `Why?` was written plain and could not be read back."""
    (tmp_path / "casepress.yaml").write_text("title: Library\n")
    path = tmp_path / "c.yaml"
    values = {"title": "T", "themes": ["Why?", "Who: guards"], "context": "c",
              "lessons": [{"text": "t"}]}  # fmt: skip
    path.write_text(dump_case(values), "utf-8")
    case, problems = load_case(path, load_project(tmp_path))
    assert [str(p) for p in problems] == []
    assert case.themes == ("Why?", "Who: guards")


NASTY_TITLES = ["Yes", "1e3 reform", "2024-01-01", "0x1F", 'No: "the #1" case',
                "Why? Police reform", "Łódź police", "Null", "C:\\ reform", "Reform #2"]  # fmt: skip


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_new_and_import_write_a_title_alike(title, tmp_path, capsys):
    main(["init", str(tmp_path), "-q"])
    assert main(["new", title, "-C", str(tmp_path), "-q", "--id", "new-case"]) == 0
    made = (tmp_path / "cases" / "new-case.yaml").read_text("utf-8")
    new_line = next(line for line in made.splitlines() if line.startswith("title: "))

    source = tmp_path / "old.txt"
    source.write_text(f"{title}\n\nThe context.\n\nLESSONS LEARNT:\n\nA lesson.\n", "utf-8")
    capsys.readouterr()
    assert main(["import", str(source), "-C", str(tmp_path), "--dry-run", "-q"]) == 0
    imported = capsys.readouterr().out
    import_line = next(line for line in imported.splitlines() if line.startswith("title: "))

    assert re.fullmatch(re.escape(import_line) + r" +# required", new_line)
    assert yaml.safe_load(import_line) == {"title": title}
