"""Word documents out and back: ``--format docx`` writes a brief per case and a handbook
with real Word styles, footnotes, tables and properties; ``casepress import`` of such a
document, edited in Word or not, gives back the same case (every field)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from casepress import load_project
from casepress.cli import main
from casepress.cli.arguments import make_parser
from casepress.importers.importer import read_source, to_yaml
from casepress.model.cases import Case, load_case
from casepress.render.resources import resource_policy
from casepress.theme.chain import theme_for
from casepress.word import fields as cells
from casepress.word.reference import reference_bytes
from casepress.word.writer import write_brief
from conftest import ROOT, _tiny_png

SAMPLES = sorted((ROOT / "cases").glob("*.yaml"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _markdown_fields() -> set[str]:
    return {n for n, f in cells.ordered() if cells.is_markdown(f.type)}


def comparable(case: Case) -> dict:
    """Every field of a case that is part of it (``compare=True``), Markdown with its line
    breaks and wrapping made plain (the case file writer wraps at 92 characters)."""
    found = {}
    for spec in dataclasses.fields(case):
        if spec.compare and spec.name != "path":
            found[spec.name] = _flat(getattr(case, spec.name))
    return found


def _flat(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, tuple):
        return tuple(_flat(v) for v in value)
    if dataclasses.is_dataclass(value):
        return {f.name: _flat(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def word_of(project, case) -> bytes:
    theme = theme_for(project)
    result = write_brief(case, theme.label_set(case.language), reference_bytes(theme),
                         resource_policy(project, theme.roots))  # fmt: skip
    return result.data


def reimported(project, path: Path) -> Case:
    imported = read_source(path, project)
    target = path.parent / f"{imported.id}.yaml"
    case, problems = load_case(target, project, text=to_yaml(imported))
    assert case is not None, [p.message for p in problems]
    return case


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


@pytest.fixture(scope="module")
def written(project, tmp_path_factory):
    """Each sample case's Word brief: (case, path)."""
    folder = tmp_path_factory.mktemp("docx")
    found = {}
    for path in SAMPLES:
        case, problems = load_case(path, project)
        assert case is not None, problems
        target = folder / f"{case.id}.docx"
        target.write_bytes(word_of(project, case))
        found[case.id] = (case, target)
    return found


# -- pure: no pandoc ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "formats"),
    [("both", ("pdf", "html")), ("docx", ("docx",)), ("pdf,html,docx", ("pdf", "html", "docx")),
     ("docx,both", ("pdf", "html", "docx")), ("DOCX, pdf", ("pdf", "docx"))],
)  # fmt: skip
def test_format_takes_one_both_or_a_list(given, formats):
    for command in ("build", "brief", "handbook"):
        extra = ["x.yaml"] if command == "brief" else []
        args = make_parser().parse_args([command, *extra, "--format", given])
        assert args.format == formats


def test_an_unknown_format_says_what_to_use(capsys):
    with pytest.raises(SystemExit):
        make_parser().parse_args(["build", "--format", "pdf,odt"])
    said = capsys.readouterr().err
    assert "unknown format 'odt'" in said and "pdf,html,docx" in said


def test_the_table_rows_come_from_the_schema_declarations():
    """Every field of the about section but the title and subtitle has a row: a field
    declared later appears without a change to the Word code."""
    from casepress.model.cases import ABOUT, CASE_SPEC

    declared = [n for n, f in sorted(CASE_SPEC.fields.items(), key=lambda i: i[1].order)
                if f.section == ABOUT and n not in ("title", "subtitle")]  # fmt: skip
    assert [n for n, _ in cells.about_fields()] == declared
    values, unknown = cells.read_rows([("countries", "Peru; Korea, Republic of"),
                                       ("source.publisher", "DCAF"), ("colour", "blue")])  # fmt: skip
    assert values == {"countries": ["Peru", "Korea, Republic of"], "source": {"publisher": "DCAF"}}
    assert unknown == ["colour"]


# -- with pandoc ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_case_comes_back_the_same(project, written, path, tmp_path):
    case, target = written[path.stem]
    back = reimported(project, target)
    assert comparable(back) == comparable(case)


@pytest.mark.slow
def test_a_brief_has_word_styles_footnotes_and_properties(written):
    case, path = written["police-reform-in-sierra-leone"]
    document = docx.Document(str(path))
    used = {p.style.name for p in document.paragraphs}
    assert {"Title", "Subtitle", "Heading 1", "Lesson"} <= used
    assert {s.name for s in document.styles} >= {"Lesson Title", "Footnote Text", "Caption"}
    lesson = document.styles["Lesson"].element
    number = lesson.find(f"{W}pPr/{W}numPr/{W}numId").get(f"{W}val")
    with zipfile.ZipFile(path) as archive:
        numbering = archive.read("word/numbering.xml").decode()
        footnotes = archive.read("word/footnotes.xml").decode()
    assert f'w:numId="{number}"' in numbering  # the lessons are numbered by their style
    assert "Local Needs Policing as policing that meets" in footnotes
    lessons = [p for p in document.paragraphs if p.style.name == "Lesson"]
    assert len(lessons) == len(case.lessons)
    assert lessons[0].runs[0].style.name == "Lesson Title"
    assert lessons[0].runs[0].text == case.lessons[0].title
    table = document.tables[0]
    assert [row.cells[0].text for row in table.rows][:3] == ["id", "summary", "language"]
    core = document.core_properties
    assert core.title == case.title and core.language == "en"
    assert "Sierra Leone" in core.keywords and "Police reform" in core.keywords
    assert len(document.tables) == 2  # the facts, and the further reading


@pytest.mark.slow
def test_a_copy_edited_in_word_comes_back_with_the_edits(project, written, tmp_path):
    """What an editor does: a sentence changed, and a lesson typed after the last one (Enter
    at its end gives a paragraph in the same Lesson style)."""
    case, path = written["truth-seeking-and-ssr-in-peru"]
    document = docx.Document(str(path))
    first = next(p for p in document.paragraphs
                 if p.style.name in ("First Paragraph", "Body Text"))  # fmt: skip
    old_sentence = first.runs[0].text
    first.runs[0].text = old_sentence.replace("Peru", "the Republic of Peru", 1)
    lessons = [p for p in document.paragraphs if p.style.name == "Lesson"]
    added = copy.deepcopy(lessons[-1]._p)
    lessons[-1]._p.addnext(added)
    new = docx.text.paragraph.Paragraph(added, lessons[-1]._parent)
    for run in new.runs[1:]:
        run._r.getparent().remove(run._r)
    new.runs[0].text = "Evaluate early"
    new.add_run(" Reviews planned from the start find problems while they can be fixed.")
    rows = {row.cells[0].text: row for row in document.tables[0].rows}
    rows["published"].cells[1].paragraphs[0].add_run("2024-05")  # an empty row filled in
    edited = tmp_path / "edited.docx"
    document.save(str(edited))

    back = reimported(project, edited)
    assert "the Republic of Peru" in " ".join(back.context.split())
    assert len(back.lessons) == len(case.lessons) + 1
    assert back.lessons[-1].title == "Evaluate early"
    assert back.lessons[-1].text.startswith("Reviews planned from the start")
    assert comparable(back)["lessons"][:-1] == comparable(case)["lessons"]
    assert str(back.published) == "2024-05" and case.published is None
    edits = ("context", "lessons", "published")
    unchanged = {k: v for k, v in comparable(back).items() if k not in edits}
    assert unchanged == {k: v for k, v in comparable(case).items() if k not in edits}


@pytest.mark.slow
def test_the_theme_look_goes_into_the_styles(tmp_path):
    """Without a reference document the theme's fonts and colours are carried into the
    styles (azimut: Cabin headings in indigo); with one, its styles are used."""
    project = load_project(ROOT, theme="azimut")
    theme = theme_for(project)
    styles = docx.Document(_saved(reference_bytes(theme), tmp_path / "a.docx")).styles
    heading = styles["Heading 1"].element
    assert heading.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == "Cabin"
    assert heading.find(f"{W}rPr/{W}color").get(f"{W}val") == "3D2A6E"
    body = docx.Document(
        _saved(reference_bytes(theme_for(load_project(ROOT))), tmp_path / "b.docx")
    )
    assert body.styles["Heading 1"].element.find(f"{W}rPr/{W}color").get(f"{W}val") == "163A5F"

    own = tmp_path / "project"
    shutil.copytree(ROOT / "themes", own / "themes")
    (own / "casepress.yaml").write_text("theme: azimut\n")
    made = docx.Document()
    made.styles["Heading 1"].font.name = "Comic Neue"
    made.save(str(own / "themes" / "azimut" / "reference.docx"))
    styles = docx.Document(
        _saved(reference_bytes(theme_for(load_project(own))), tmp_path / "c.docx")
    ).styles
    assert styles["Heading 1"].font.name == "Comic Neue"
    assert "Lesson" in [s.name for s in styles]  # casepress's own styles are added to it


def _saved(data: bytes, path: Path) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.slow
def test_images_go_in_with_alt_text_and_nothing_outside_is_read(tmp_path):
    project_dir = tmp_path / "p"
    (project_dir / "cases" / "img").mkdir(parents=True)
    (project_dir / "cases" / "img" / "map.png").write_bytes(_tiny_png())
    (tmp_path / "secret.png").write_bytes(_tiny_png())
    (project_dir / "cases" / "c.yaml").write_text(
        "title: A case with pictures\ncontext: |\n  Text.\n\n  ![Map of the districts](img/map.png)\n\n"
        "  ![Outside](../../secret.png)\n\n  ![Remote](https://example.org/x.png)\n"
        "lessons:\n  - text: One lesson.\n"
    )  # fmt: skip
    project = load_project(project_dir)
    case, problems = load_case(project_dir / "cases" / "c.yaml", project)
    assert case is not None, problems
    theme = theme_for(project)
    result = write_brief(case, theme.label_set("en"), reference_bytes(theme),
                         resource_policy(project, theme.roots))  # fmt: skip
    path = tmp_path / "c.docx"
    path.write_bytes(result.data)
    document = docx.Document(str(path))
    pictures = document.inline_shapes
    assert len(pictures) == 1
    assert pictures[0]._inline.docPr.get("descr") == "Map of the districts"
    said = " ".join(result.messages)
    assert "'../../secret.png' left out of the Word document" in said
    assert "'https://example.org/x.png' left out" in said
    with zipfile.ZipFile(path) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(media) == 1


@pytest.mark.slow
def test_build_writes_word_briefs_and_handbooks_and_keeps_them(tmp_path):
    project_dir = tmp_path / "p"
    shutil.copytree(ROOT / "cases", project_dir / "cases")
    shutil.copy(ROOT / "casepress.yaml", project_dir)
    shutil.copytree(ROOT / "docs", project_dir / "docs")
    out = project_dir / "build"
    assert main(["build", "-q", "--format", "docx", "--cases", str(project_dir / "cases"),
                 "--output", str(out), "--project", str(project_dir)]) == 0  # fmt: skip
    briefs = sorted((out / "briefs").glob("*.docx"))
    assert [p.stem for p in briefs] == [p.stem for p in SAMPLES]
    assert not list((out / "briefs").glob("*.pdf"))
    books = list((out / "handbooks").glob("*.docx"))
    assert books and docx.Document(str(books[0])).paragraphs[0].style.name == "Title"
    handbook = docx.Document(str(books[0]))
    numbers = {p._p.pPr.numPr.numId.val for p in handbook.paragraphs if p.style.name == "Lesson"}
    chapters = [p for p in handbook.paragraphs if p.style.name == "Heading 1"]
    assert len(numbers) == len(chapters) > 1  # each case's lessons are numbered from 1
    assert main(["import", str(books[0]), "--dry-run"]) == 2  # a handbook is not one case
    first = {p.name: p.read_bytes() for p in [*briefs, *books]}
    written_at = {p.name: p.stat().st_mtime_ns for p in [*briefs, *books]}
    assert main(["build", "-q", "--format", "docx", "--cases", str(project_dir / "cases"),
                 "--output", str(out), "--project", str(project_dir)]) == 0  # fmt: skip
    assert {p.name: p.stat().st_mtime_ns for p in [*briefs, *books]} == written_at  # kept
    summary = json.loads((out / "report.json").read_text())["summary"]
    assert summary["docx"] == len(briefs) + len(books)
    again = main(["build", "-q", "--format", "docx", "--force", "--cases", str(project_dir / "cases"),
                  "--output", str(out), "--project", str(project_dir)])  # fmt: skip
    assert again == 0
    assert {p.name: p.read_bytes() for p in [*briefs, *books]} == first  # reproducible


@pytest.mark.slow
def test_import_of_a_word_brief_writes_the_case_file(project, written, tmp_path, capsys):
    case, path = written["verite-et-rss-au-perou"]
    out = tmp_path / "cases"
    assert main(["import", str(path), "--output", str(out), "--project", str(ROOT)]) == 0
    said = capsys.readouterr().err
    assert "imported " in said and f"{case.id}.yaml" in said
    text = (out / f"{case.id}.yaml").read_text()
    assert text.startswith("# yaml-language-server")
    assert "related: [truth-seeking-and-ssr-in-peru]" in text
