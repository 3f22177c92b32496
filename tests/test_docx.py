"""Word documents out and back: ``--format docx`` writes a brief per case and a handbook
with real Word styles, footnotes, tables and properties; ``casepress import`` of such a
document, edited in Word or not, gives back the same case (every field)."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
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


def key_of(row) -> str:
    """The field a row of the facts table holds: its hidden key."""
    return "".join(
        r.text for r in row.cells[0].paragraphs[0].runs if r.style.name == "Case Field Key"
    )


def label_of(row) -> str:
    """What an editor sees in the first column (or a heading cell): the field's label."""
    cell = row.cells[0] if hasattr(row, "cells") else row
    return "".join(r.text for r in cell.paragraphs[0].runs if r.style.name != "Case Field Key")


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
def test_a_cited_draft_translation_comes_back_the_same(tmp_path):
    """The fields of citations and translations too: structured authors (given, family,
    affiliation, ORCID iD) next to plain names, series, number, DOI, status, translation_of."""
    from citeproject import make_project

    root = make_project(tmp_path)
    path = root / "cases" / "verite-et-rss-au-perou.yaml"
    text = path.read_text("utf-8").replace(
        "published: 2024-05\n", "published: 2024-05\nstatus: draft\n"
    )
    (root / "cases" / "a.yaml").write_text("title: A\ncontext: C.\nlessons:\n  - text: L.\n")
    path.write_text(text.replace("\nperiod:", "\ntranslation_of: a\nperiod:", 1), "utf-8")
    project = load_project(root)
    case, problems = load_case(path, project)
    assert case is not None, [p.message for p in problems]
    assert case.status == "draft" and case.translation_of == "a" and case.doi
    assert [type(a).__name__ for a in case.authors] == ["Person", "str", "str"]
    target = tmp_path / "out.docx"
    target.write_bytes(word_of(project, case))
    back = reimported(project, target)
    assert comparable(back) == comparable(case)
    written = to_yaml(read_source(target, project))
    assert "  - given: Ana María\n    family: Pérez Ríos\n" in written  # a mapping, not its text


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
    assert [key_of(row) for row in table.rows][:3] == ["id", "summary", "language"]
    assert [label_of(row) for row in table.rows][:3] == ["Identifier", "Summary", "Language"]
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
    rows = {key_of(row): row for row in document.tables[0].rows}
    rows["published"].cells[1].paragraphs[0].add_run("2024-05")  # typed after the grey dash
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
def test_the_facts_table_speaks_the_case_language_and_keeps_its_keys(written):
    """The French brief's table: French labels, each field's key hidden after its label,
    an empty field a grey dash, and every column sized to the text so that no label
    breaks in the middle of a word."""
    case, path = written["verite-et-rss-au-perou"]
    document = docx.Document(str(path))
    table = document.tables[0]
    labels = {key_of(row): label_of(row) for row in table.rows}
    assert labels["summary"] == "Résumé" and labels["countries"] == "Pays"
    assert labels["source.publisher"] == "Source\u00a0: éditeur"
    assert labels["published"] == "Publié le"
    assert document.styles["Case Field Key"].font.hidden is True
    empty = [row for row in table.rows if key_of(row) == "authors"][0]
    assert [(r.text, r.style.name) for r in empty.cells[1].paragraphs[0].runs] == [
        ("\u2014", "Case Field Empty")
    ]
    grid = [int(c.get(f"{W}w")) for c in table._tbl.iter(f"{W}gridCol")]
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) / 635
    assert section.page_width.cm == pytest.approx(21.0, abs=0.1)  # A4, the project's size
    assert sum(grid) == pytest.approx(text_width, abs=2)
    longest = max(len(label) for label in labels.values())  # 'Source : consulté le'
    assert grid[0] >= longest * 0.85 * 9 * 20 + 216  # a wide 9-point bold letter: 0.85 em
    widths = {c.get(f"{W}w") for c in table._tbl.iter(f"{W}tcW")}
    assert widths == {str(g) for g in grid}  # every cell sized
    reading = document.tables[1]  # further reading: its headings are labels too
    assert [label_of(c) for c in reading.rows[0].cells] == [
        "Titre",
        "Adresse web",
        "Éditeur",
        "Année",
    ]
    columns = [int(c.get(f"{W}w")) for c in reading._tbl.iter(f"{W}gridCol")]
    assert min(columns) >= len("Année") * 0.75 * 9 * 20 + 216  # 'Année' and '2003' on one line
    assert columns[0] > 2 * columns[3]  # the title wide, the year narrow


@pytest.mark.slow
def test_an_editor_may_retype_a_label_or_type_over_the_dash(project, written, tmp_path):
    """A label retyped by hand loses its hidden key: the label is read instead. Text typed
    over the grey dash (it takes the dash's style) is the field's value."""
    case, path = written["verite-et-rss-au-perou"]
    document = docx.Document(str(path))
    rows = {key_of(row): row for row in document.tables[0].rows}
    paragraph = rows["period"].cells[0].paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.add_run("Période")
    rows["period"].cells[1].paragraphs[0].runs[0].text = "2001–2004"
    rows["source.publisher"].cells[1].paragraphs[0].runs[0].text = "DCAF"
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    back = reimported(project, edited)
    assert back.period == "2001–2004"
    assert back.source.publisher == "DCAF"
    assert back.countries == case.countries


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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample project built with --format docx: (project folder, output, log records)."""
    project_dir = tmp_path_factory.mktemp("built") / "p"
    shutil.copytree(ROOT / "cases", project_dir / "cases")
    shutil.copy(ROOT / "casepress.yaml", project_dir)
    shutil.copytree(ROOT / "docs", project_dir / "docs")
    out = project_dir / "build"
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("casepress")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        assert main(["build", "-q", "--format", "docx", "--cases", str(project_dir / "cases"),
                     "--output", str(out), "--project", str(project_dir)]) == 0  # fmt: skip
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return project_dir, out, records


@pytest.mark.slow
def test_build_writes_word_briefs_and_handbooks_and_keeps_them(built):
    project_dir, out, _ = built
    briefs = sorted((out / "briefs").glob("*.docx"))
    assert [p.stem for p in briefs] == [p.stem for p in SAMPLES]
    assert not list((out / "briefs").glob("*.pdf"))
    books = list((out / "handbooks").glob("*.docx"))
    assert books
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
    assert "translation_of: truth-seeking-and-ssr-in-peru" in text


@pytest.mark.slow
def test_a_word_handbook_is_a_book(built):
    """Title page, imprint, a Word table of contents Word updates on opening, the
    introduction, a Heading 1 per part (group_by: region) with its number, the cases one
    level down with their numbers, each case's lessons numbered from 1; the indexes left
    out, and the log says so once."""
    project_dir, out, records = built
    path = out / "handbooks" / "ssr-casebook.docx"
    document = docx.Document(str(path))
    shown = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert shown[:4] == [
        ("Book Title", "Reforming the security sector"),
        ("Subtitle", "Cases from Latin America, Sub-Saharan Africa and Asia"),
        ("Book Edition", "First edition · November 2026"),
        ("Book Organisation", "Casepress sample library"),
    ]
    imprint = " ".join(t for s, t in shown if s == "Imprint")
    for fact in ("Publisher: Casepress sample library", "© 2026 Casepress sample library",
                 "Licence: CC BY 4.0 (Creative Commons Attribution 4.0 International)",
                 "Suggested citation: Casepress sample library (2026).",
                 "do not necessarily reflect the views", "Typeset with casepress"):  # fmt: skip
        assert fact in imprint
    with zipfile.ZipFile(path) as archive:
        body = archive.read("word/document.xml").decode()
        settings = archive.read("word/settings.xml").decode()
    assert 'TOC \\o "1-2" \\h' in body and "Table of Contents" in body
    assert '<w:updateFields w:val="true"/>' in settings
    headings = [
        (s, t) for s, t in shown if s in ("Heading 1", "Heading 2", "Part Number", "Case Number")
    ]
    assert headings[:5] == [
        ("Heading 1", "Introduction"),
        ("Part Number", "Part\u00a0I"),
        ("Heading 1", "Latin America and the Caribbean"),
        ("Case Number", "Case 1"),
        ("Heading 2", "Truth-seeking and SSR in Peru"),
    ]
    divider = [t for s, t in shown if s == "Part Case"]  # each part lists its cases
    assert divider == ["1\u2003Truth-seeking and SSR in Peru", "2\u2003Police reform in Sierra Leone",
                       "3\u2003Defence reform and oversight in Indonesia"]  # fmt: skip
    assert [t for s, t in headings if s == "Heading 1"][1:] == [
        "Latin America and the Caribbean",
        "Sub-Saharan Africa",
        "Asia and the Pacific",
    ]
    assert any("This handbook collects short case studies" in t for _, t in shown)
    toc = [p for p in document.element.body.iter(f"{W}p")
           if p.find(f"{W}pPr/{W}pStyle") is not None
           and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("TOC1", "TOC2")]  # fmt: skip
    assert len(toc) == 1 + 3 + 3  # the introduction, three parts, three cases
    numbers = [p._p.pPr.numPr.numId.val for p in document.paragraphs if p.style.name == "Lesson"]
    cases = [p for p in document.paragraphs if p.style.name == "Heading 2"]
    assert len(set(numbers)) == len(cases) == 3  # each case's lessons numbered from 1
    breaks = [p for p in document.paragraphs if p._p.pPr is not None
              and p._p.pPr.find(f"{W}pageBreakBefore") is not None]  # fmt: skip
    assert {p.style.name for p in breaks} >= {"Part Number", "Case Number", "Heading 1"}
    assert not any(p.text == "" and p._p.find(f".//{W}br") is not None for p in document.paragraphs)
    said = [r.getMessage() for r in records if "no indexes" in r.getMessage()]
    assert said == ["ssr-casebook.docx: the Word handbook has no indexes (Cases by country, "
                    "Cases by theme): Word can only list cases with their pages through fields "
                    "a reader must update; the PDF and HTML handbooks have them"]  # fmt: skip


@pytest.mark.slow
def test_the_word_title_page_carries_the_logo_and_fits_an_a5_page(tmp_path):
    """azimut: A5 pages, a logo; the logo (with its alternative text) above the
    organisation's name, the whole title page on the first page."""
    out = tmp_path / "build"
    assert main(["build", "-q", "--format", "docx", "--theme", "azimut", "--project", str(ROOT),
                 "--output", str(out)]) == 0  # fmt: skip
    document = docx.Document(str(out / "handbooks" / "ssr-casebook.docx"))
    section = document.sections[0]
    assert section.page_width.cm == pytest.approx(14.8, abs=0.1)
    organisation = next(p for p in document.paragraphs if p.style.name == "Book Organisation")
    pictures = organisation._p.findall(
        ".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    )
    assert [p.get("descr") for p in pictures] == ["Casepress sample library"]
    title_page = []
    for paragraph in document.paragraphs:  # up to the imprint, which starts a new page
        if (
            paragraph._p.pPr is not None
            and paragraph._p.pPr.find(f"{W}pageBreakBefore") is not None
        ):
            break
        title_page.append(paragraph.style.name)
    assert title_page[0] == "Book Title" and title_page[-1] == "Book Organisation"
    styles = document.styles
    space = sum(
        int(styles[name].element.find(f"{W}pPr/{W}spacing").get(f"{W}before"))
        for name in ("Book Title", "Book Organisation")
    )
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    assert space < 0.3 * height  # the spaces leave room for a long title on a small page
