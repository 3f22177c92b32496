"""merge.py: unit PDFs of a split handbook joined into one, read back as a reader sees it.

Three tiny units (front matter, two chapters, one of three pages) are laid out by the
project's own PdfRenderer and merged; the same book is also laid out in one pass. The merged
book must read like the single pass: pages, text, bookmarks, links and named destinations,
one structure tree of the same shape, the front matter's catalog and metadata.
"""

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from casepress.build.split import UnitResult
from casepress.pdf import merge as merging
from casepress.pdf.writer import PdfRenderer
from casepress.theme.chain import Sheet
from conftest import outline, page_texts, structure_problems

pytestmark = pytest.mark.slow

CSS = """
@page { size: A6; margin: 15mm }
body { font-family: serif; font-size: 10pt }
.chapter { break-before: page }
"""
HEAD = '<!DOCTYPE html><html lang="en"><head><title>Merged book</title></head><body>'
FRONT = (
    '<header class="cover"><h1>Merged book</h1></header>'
    '<nav class="contents"><p><a href="#ch-one">Chapter one</a></p>'
    '<p><a href="#ch-two">Chapter two</a></p></nav>'
    '<main id="main"><section class="introduction" id="introduction"><h2>Introduction</h2>'
    "<p>An introduction.</p></section>"
)
ONE = (
    '<section class="chapter" id="ch-one"><h1>Chapter one</h1>'
    '<p>See <a href="#ch-two">chapter two</a>.</p></section>'
)
FILL = "<p>" + "Words of chapter two fill the page. " * 30 + "</p>"
TWO = (
    f'<section class="chapter" id="ch-two"><h1>Chapter two</h1>{FILL}{FILL}'
    '<h2 id="later">Later section</h2>'
    '<p>Back to <a href="#introduction">the introduction</a> and <a href="#ch-one">one</a>.</p>'
    "</section>"
)
WRAP, UNWRAP = '<main id="main"><div class="body-matter">', "</div></main>"
EXPECTED_OUTLINE = [
    (0, "Merged book", 1),
    (1, "Introduction", 1),
    (0, "Chapter one", 2),
    (0, "Chapter two", 3),
    (1, "Later section", 5),
]
DESTINATIONS = {"main": 1, "introduction": 1, "ch-one": 2, "ch-two": 3, "later": 5}


def document(body: str) -> str:
    return f"{HEAD}{body}</body></html>"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("merge")
    return PdfRenderer([Sheet("test", CSS)], [folder]), folder


@pytest.fixture(scope="module")
def units(renderer) -> list[UnitResult]:
    """The units as assemble.SplitHandbook hands them to merge: links to anchors of other
    units kept as stub destinations (on the unit's first page until the merge)."""
    pdf, folder = renderer

    def unit(name: str, body: str, stubs: list[str]) -> UnitResult:
        found = pdf.pdf(document(body), base_url=folder, stubs=stubs, details=True)
        assert found.warnings == []
        return UnitResult(name, found.data, found.pages, found.anchors, found.bookmarks, stubs,
                          found.strings, found.first_strings)  # fmt: skip

    made = [
        unit("front", FRONT + "</main>", ["ch-one", "ch-two"]),
        unit("ch-one", WRAP + ONE + UNWRAP, ["ch-two"]),
        unit("ch-two", WRAP + TWO + UNWRAP, ["introduction", "ch-one"]),
    ]
    assert [u.pages for u in made] == [1, 1, 3]
    return made


@pytest.fixture(scope="module")
def merged(units, renderer) -> Path:
    path = renderer[1] / "merged.pdf"
    path.write_bytes(merging.merge(units, depth=2))  # <main>, .body-matter
    return path


@pytest.fixture(scope="module")
def single(renderer) -> Path:
    pdf, folder = renderer
    body = FRONT + '<div class="body-matter">' + ONE + TWO + UNWRAP
    path = folder / "single.pdf"
    path.write_bytes(pdf.pdf(document(body), base_url=folder).data)
    return path


def destinations(path: Path) -> dict[str, int]:
    """Named destination → 1-based page."""
    reader = PdfReader(path)
    return {
        name: reader.get_destination_page_number(dest) + 1
        for name, dest in reader.named_destinations.items()
    }


def links(path: Path) -> list[tuple[int, str, int]]:
    """(page, destination name, page it lands on) of every internal link, 1-based."""
    landing = destinations(path)
    found = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") != "/Link":
                    continue
                target = annotation.get("/Dest")
                if target is None:
                    target = annotation.A.D
                found.append((number, str(target), landing.get(str(target), 0)))
    return found


def shape(path: Path):
    """The structure tree as nested (role, kids), marked content left out."""

    def node(element):
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        return (str(element.S), [node(k) for k in items if isinstance(k, pikepdf.Dictionary)
                                 and k.get("/Type") not in ("/MCR", "/OBJR")])  # fmt: skip

    with pikepdf.open(path) as pdf:
        return node(pdf.Root.StructTreeRoot.K[0])


def test_pages_are_every_units_in_order_with_their_text(merged, single, units):
    texts = page_texts(merged)
    assert len(texts) == sum(u.pages for u in units) == 5
    assert texts == page_texts(single)
    assert texts[0].startswith("Merged book") and texts[1].startswith("Chapter one")
    assert texts[2].startswith("Chapter two")


def test_the_outline_is_every_units_bookmarks_on_their_merged_pages(merged, single):
    assert outline(merged) == EXPECTED_OUTLINE == outline(single)


def test_named_destinations_are_the_real_anchors_not_the_stubs(merged, single):
    assert destinations(merged) == DESTINATIONS == destinations(single)


def test_links_between_units_land_where_the_single_pass_lands_them(merged, single):
    assert links(merged) == [
        (1, "ch-one", 2), (1, "ch-two", 3),  # the contents
        (2, "ch-two", 3),
        (5, "introduction", 1), (5, "ch-one", 2),
    ]  # fmt: skip
    assert links(merged) == links(single)


def test_one_structure_tree_of_the_single_pass_shape(merged, single):
    with pikepdf.open(merged) as pdf:
        assert structure_problems(pdf) == []
    assert shape(merged) == shape(single)
    role, top = shape(merged)
    assert role == "/Document" and len(top) == 3  # cover, contents, <main>
    main = top[-1]  # once, though every chapter unit has its own <main> and .body-matter
    assert [kid[0] for kid in main[1]] == ["/Sect", "/Div"]  # the introduction, the body
    chapters = main[1][1][1]
    assert [kid[0] for kid in chapters] == ["/Sect", "/Sect"]
    assert [kid[1][0][0] for kid in chapters] == ["/H1", "/H1"]


def test_the_parent_tree_has_one_entry_per_marked_page_and_per_link(merged):
    with pikepdf.open(merged) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        pages = [int(p.obj.StructParents) for p in pdf.pages if "/StructParents" in p.obj]
        annotations = [int(a.StructParent) for p in pdf.pages for a in p.obj.get("/Annots", [])]
    assert len(pages) == 5 and len(annotations) == 5
    assert sorted(keys) == sorted(pages + annotations)
    assert len(set(keys)) == len(keys)


def test_the_front_matters_catalog_and_metadata_are_the_books(merged, units):
    with pikepdf.open(merged) as pdf, pikepdf.open(io.BytesIO(units[0].data)) as front:
        assert pdf.Root.Lang == "en" == front.Root.Lang
        assert pdf.Root.MarkInfo.Marked is True
        xmp, theirs = pdf.open_metadata(), front.open_metadata()
        assert xmp["dc:title"] == "Merged book" == theirs["dc:title"]
        assert xmp["pdfuaid:part"] == "1"
        assert str(pdf.docinfo.get("/Title")) == str(front.docinfo.get("/Title")) == "Merged book"


def test_merged_in_groups_the_book_reads_the_same(units, merged, monkeypatch, tmp_path):
    """A long book is merged a group at a time into the book so far."""
    monkeypatch.setattr(merging, "GROUP", 2)  # front + one unit at a time
    path = tmp_path / "grouped.pdf"
    path.write_bytes(merging.merge(units, depth=2))
    assert page_texts(path) == page_texts(merged)
    assert outline(path) == EXPECTED_OUTLINE
    assert destinations(path) == DESTINATIONS
    assert links(path) == links(merged)
    assert shape(path) == shape(merged)
    with pikepdf.open(path) as pdf:
        assert structure_problems(pdf) == []


def test_merging_is_reproducible(units, merged):
    assert merging.merge(units, depth=2) == merged.read_bytes()


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_nothing_wrong_with_the_merged_file(merged, tmp_path, monkeypatch, units):
    monkeypatch.setattr(merging, "GROUP", 2)
    grouped = tmp_path / "grouped.pdf"
    grouped.write_bytes(merging.merge(units, depth=2))
    for path in (merged, grouped):
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No syntax or stream encoding errors found" in done.stdout


def outline_items(path: Path) -> list[tuple[str, int]]:
    """(title, /Count) of every bookmark in document order: a negative count is closed."""
    found = []
    with pikepdf.open(path) as pdf:

        def walk(item):
            while item is not None:
                found.append((str(item.Title), int(item.get("/Count", 0))))
                walk(item.get("/First"))
                item = item.get("/Next")

        walk(pdf.Root.Outlines.get("/First"))
    return found


def test_bookmarks_that_skip_levels_or_start_closed_nest_as_in_one_pass(renderer, tmp_path):
    pdf, folder = renderer
    front = (
        '<h1>Book</h1><h3>Deep note</h3><h3>Next note</h3><main id="main">'
        '<h2 style="bookmark-state: closed">Closed part</h2><h3>Inside the closed part</h3>'
    )
    body = (
        '<section class="chapter" id="c"><h1>Chapter</h1><h4>Very deep</h4><h2>Back up</h2>'
        "<h5>Deeper still</h5><h1>Next chapter</h1></section>"
    )
    made = []
    for html in (front + "</main>", WRAP + body + UNWRAP):
        found = pdf.pdf(document(html), base_url=folder, details=True)
        made.append(UnitResult("u", found.data, found.pages, found.anchors, found.bookmarks, [],
                               found.strings, found.first_strings))  # fmt: skip
    merged, single = tmp_path / "merged.pdf", tmp_path / "single.pdf"
    merged.write_bytes(merging.merge(made, depth=2))
    single.write_bytes(
        pdf.pdf(document(front + '<div class="body-matter">' + body + UNWRAP), folder).data
    )
    assert outline(merged) == outline(single)
    assert [(depth, title) for depth, title, _ in outline(merged)] == [
        (0, "Book"), (1, "Deep note"), (1, "Next note"), (1, "Closed part"), (2, "Inside the closed part"),
        (0, "Chapter"), (1, "Very deep"), (1, "Back up"), (2, "Deeper still"), (0, "Next chapter"),
    ]  # fmt: skip
    assert outline_items(merged) == outline_items(single)
    assert ("Closed part", -1) in outline_items(merged)
