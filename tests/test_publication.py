"""Issue 14's own test case, read back with outside tools: one case holding everything the
issue names at once (notes referenced in one field and defined in another, a note in a
lesson, a figure with caption and source, a captioned table, a lesson without lead-in),
built as an A4 brief, a Letter brief, an azimut (A5) brief and a handbook chapter.

Each lane of the issue has its own detailed tests; this one checks that together they give
the page the issue asks for: notes at the foot of the page of their reference, numbered
1…n; one number per lesson; numbered captions; a 60-75 character measure; at most two
hyphenated lines in a row; no hole over 25% but on a last page; hard hyphens searchable;
/PageLabels and Print flags; one program per font face.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from casepress import build_briefs, build_handbooks, load_project
from conftest import ROOT, page_texts, squash, write_png
from layoutprobe import MM, emptiness, hyphen_runs, measure, read_pages

pytestmark = pytest.mark.slow

LONG = (
    "Parliamentary oversight of the defence budget strengthened considerably once the "
    "committee secured independent analytical capacity, and the anti-terrorist units were "
    "brought under the ordinary chain of command. "
)
CASE = f"""\
title: Everything the page has to hold
language: en
regions: [Sub-Saharan Africa]
countries: [Liberia]
themes: [Police reform]
context: |
  The Comprehensive Peace Agreement[^cpa] ended fourteen years of war in Liberia. {LONG * 3}

  ![Bar chart of sworn officers per year, rising from 3,000 to 6,400](chart.png "Sworn police officers, 2004–2009")

  Source: Ministry of Justice, annual reports.

  {LONG * 4}

  Table: Officers by county, 2009

  | County      | Officers | Per 10,000 people |
  |-------------|---------:|------------------:|
  | Montserrado |    3,950 |              34.1 |
  | Nimba       |      610 |              13.2 |
  | Bong        |      420 |              12.5 |
entry_point: |
  {LONG * 5}
lessons:
  - title: Vetting takes longer than planned
    text: |
      The vetting of officers[^vetting] ran two years late. {LONG * 3}
  - text: |
      A lesson without a lead-in, as the importer writes them. {LONG * 3}
  - title: Budgets decide
    text: |
      {LONG * 4}
outcome: |
  The mission closed in 2018, and the Agreement[^cpa] remained the reference. {LONG * 2}

  [^cpa]: Signed in Accra on 18 August 2003 by the government and the rebel movements.
  [^vetting]: Vetting checked each officer's record for human rights abuses.
"""
NOTES = {1: "Signed in Accra", 2: "Vetting checked"}
REFERENCES = {1: "Comprehensive Peace Agreement", 2: "The vetting of officers"}


def _project(root: Path, **settings: str) -> Path:
    (root / "cases").mkdir(parents=True)
    (root / "cases" / "everything.yaml").write_text(CASE, encoding="utf-8")
    write_png(root / "cases" / "chart.png", 1200, 900, mode="RGB")
    shutil.copy(ROOT / "cases" / "police-reform-in-sierra-leone.yaml", root / "cases")
    lines = [f"{key}: {value}" for key, value in settings.items()]
    lines += [
        "handbooks:",
        "  book:",
        "    title: A small book",
        "    ids: [everything, police-reform-in-sierra-leone]",
    ]
    (root / "casepress.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    found = {}
    for name, settings, theme in [
        ("A4", {}, None),
        ("Letter", {"page_size": "Letter"}, None),
        ("azimut", {}, "azimut"),
    ]:
        root = _project(tmp_path_factory.mktemp(f"pub-{name}"), **settings)
        if theme:
            shutil.copytree(ROOT / "themes" / theme, root / "themes" / theme)
        project = load_project(root, theme=theme)
        report = build_briefs(project, only=["everything"], formats=("pdf", "html"))
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        found[name] = root / "build" / "briefs" / "everything.pdf"
        if name == "A4":
            report = build_handbooks(project, formats=("pdf", "html"))
            assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
            found["handbook"] = root / "build" / "handbooks" / "book.pdf"
    return found


BRIEFS = ["A4", "Letter", "azimut"]
MARGINS = {"A4": (22, 24), "Letter": (22, 24), "azimut": (16, 20)}


def _page_of(pages: list[str], text: str) -> int:
    hits = [n for n, page in enumerate(pages, start=1) if squash(text) in squash(page)]
    assert hits, text
    return hits[0]


@pytest.mark.parametrize("name", BRIEFS)
def test_each_note_is_on_the_page_of_its_reference_numbered_in_order(built, name):
    pages = page_texts(built[name])
    text = "".join(pages)
    assert "[^" not in text and "↩" not in text
    for number, note in NOTES.items():
        page = _page_of(pages, note)
        assert page == _page_of(pages, REFERENCES[number]), (name, number)
        assert re.search(rf"(^| ){number} ?{note}", pages[page - 1]), (name, number)


@pytest.mark.parametrize("name", BRIEFS)
def test_captions_are_numbered_and_the_alt_text_is_not_printed(built, name):
    text = " ".join(page_texts(built[name]))
    assert "Figure 1. Sworn police officers" in text
    assert "Table 1. Officers by county" in text
    assert "Bar chart of sworn officers" not in text  # alt text, for screen readers only


@pytest.mark.parametrize("name", BRIEFS)
def test_measure_hyphens_and_holes(built, name):
    pages = read_pages(built[name])
    median, _p90 = measure(pages)
    assert 60 <= median <= 75, (name, median)
    assert max(hyphen_runs(page)[1] for page in pages) <= 2
    top, bottom = (mm * MM for mm in MARGINS[name])
    for page in pages[:-1]:
        assert emptiness(page, top, bottom) <= 0.25, (name, page.number)


@pytest.mark.parametrize("name", [*BRIEFS, "handbook"])
def test_hard_hyphens_search_and_no_u2010(built, name):
    text = subprocess.run(
        ["pdftotext", str(built[name]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\u2010" not in text
    assert "anti-terrorist" in text.replace("\u00ad\n", "")


@pytest.mark.parametrize("name", [*BRIEFS, "handbook"])
def test_page_labels_print_flags_and_one_program_per_face(built, name):
    with pikepdf.open(built[name]) as pdf:
        assert "/PageLabels" in pdf.Root
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                assert int(annotation.get("/F", 0)) & 4, annotation
        programs = {}
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                cid = font.DescendantFonts[0]
                name_ = str(font.BaseFont).split("+", 1)[-1]
                program = cid.FontDescriptor.get("/FontFile2") or cid.FontDescriptor.get(
                    "/FontFile3"
                )
                programs.setdefault(name_, set()).add(program.objgen)
        assert all(len(found) == 1 for found in programs.values()), programs


def test_the_handbook_chapter_numbers_its_notes_from_one(built):
    pages = page_texts(built["handbook"])
    assert _page_of(pages, NOTES[1]) == _page_of(pages, REFERENCES[1])
    chapter = _page_of(pages, "Everything the page has to hold")
    assert re.search(r"(^| )1 ?Signed in Accra", pages[_page_of(pages, NOTES[1]) - 1])
    assert _page_of(pages, NOTES[1]) >= chapter
