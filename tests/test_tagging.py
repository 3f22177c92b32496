"""tagging.py on one small document, read back with pikepdf as a PDF/UA validator would:
one structure tree, furniture as artifacts, languages, alt text, lists and links joined
across breaks, and the private WeasyPrint function it wraps still shaped as it expects."""

import inspect
from pathlib import Path

import pikepdf
import pytest
from weasyprint.pdf import tags as weasyprint_tags

from casepress.checks import quality
from casepress.pdf import tagging
from casepress.pdf.writer import PdfRenderer
from casepress.theme.chain import Sheet
from conftest import structure_problems, write_png

pytestmark = pytest.mark.slow

CSS = """
@page { size: A6; margin: 18mm 12mm;
  @top-center { content: "Running head"; font-size: 8pt }
  @bottom-center { content: counter(page); font-size: 8pt } }
body { font-family: serif; font-size: 10pt }
.toc a::after { content: leader('.') target-counter(attr(href), page) }
"""
ITEMS = "".join(
    f"<li>Item number {i} of a list long enough to break a page.</li>" for i in range(12)
)
HTML = f"""<!DOCTYPE html><html lang="en"><head><title>Tagging fixture</title></head><body>
<h1>Tagging fixture</h1>
<nav class="toc"><ul><li><a href="#second">Second section</a></li></ul></nav>
<p>The commission used the Spanish term <em lang="es">desaparecidos</em> throughout, and the
final report is <a href="https://example.org/report">published by the commission in a long
link text</a>.</p>
<p lang="fr">Un paragraphe entier en français.</p>
<figure><img src="map.png" alt="A map of the provinces" width="60"></figure>
<h2 id="second">Second section</h2>
<ul class="long">{ITEMS}</ul>
<p>Back to the <a href="#second">second section</a>.</p>
</body></html>"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tagging")
    write_png(folder / "map.png", 30, 20, "RGB")
    renderer = PdfRenderer([Sheet("test", CSS)], [folder])
    result = renderer.pdf(HTML, base_url=folder)
    assert result.warnings == [] and result.pages == 2  # the long list breaks the page
    path = folder / "tagged.pdf"
    path.write_bytes(result.data)
    return path


def elements(element, depth=0):
    """(depth, role, element) of every structure element, in reading order."""
    yield depth, str(element.S)[1:], element
    kids = element.get("/K")
    for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            yield from elements(kid, depth + 1)


def kids_of(element) -> list:
    kids = element.get("/K")
    return [
        k
        for k in (list(kids) if isinstance(kids, pikepdf.Array) else [kids])
        if isinstance(k, pikepdf.Dictionary) and k.get("/Type") not in ("/MCR", "/OBJR")
    ]


def marked_pages(element, pdf) -> set[int]:
    """The pages an element's marked content (its own and its descendants') lies on."""
    pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    found = set()
    for _, _, item in elements(element):
        kids = item.get("/K")
        for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                found.add(pages[item.Pg.objgen])
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                found.add(pages[kid.get("/Pg", item.get("/Pg")).objgen])
    return found


def artifacts(page) -> list[tuple[str, str | None]]:
    """(type, subtype) of every artifact marked on a page, in content order."""
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and operands[0] == "/Artifact":
            properties = operands[1]
            subtype = properties.get("/Subtype")
            found.append((str(properties.Type), None if subtype is None else str(subtype)))
    return found


def test_one_consistent_structure_tree(tagged):
    with pikepdf.open(tagged) as pdf:
        assert structure_problems(pdf) == []
        root = pdf.Root.StructTreeRoot
        assert [str(e.S) for e in (root.K if isinstance(root.K, pikepdf.Array) else [root.K])] == [
            "/Document"
        ]


def test_headings_paragraphs_and_figures_in_reading_order(tagged):
    with pikepdf.open(tagged) as pdf:
        roles = [role for _, role, _ in elements(pdf.Root.StructTreeRoot.K[0])]
    assert [r for r in roles if r in ("H1", "H2", "P", "Figure", "L")] == [
        "H1", "L", "P", "P", "Figure", "H2", "L", "P",
    ]  # fmt: skip
    assert roles[0] == "Document"


def test_no_heading_holds_another_and_no_element_is_left_empty(tagged):
    with pikepdf.open(tagged) as pdf:
        found = list(elements(pdf.Root.StructTreeRoot.K[0]))
        for _, role, element in found:
            if role.startswith("H"):  # WeasyPrint nests an anonymous copy of each heading
                assert [r for _, r, _ in elements(element) if r.startswith("H")] == [role]
            if role in ("NonStruct", "Span", "Div"):
                assert element.get("/K") is not None and (
                    not isinstance(element.K, pikepdf.Array) or len(element.K) > 0
                ), role


def test_passages_in_another_language_carry_it(tagged):
    with pikepdf.open(tagged) as pdf:
        found = [
            (role, str(element.Lang))
            for _, role, element in elements(pdf.Root.StructTreeRoot.K[0])
            if "/Lang" in element
        ]
        assert pdf.Root.Lang == "en"
    # the inline <em lang="es"> becomes a Span of its own; the paragraph keeps its role
    assert found == [("Span", "es"), ("P", "fr")]


def test_a_figure_carries_its_alt_text(tagged):
    with pikepdf.open(tagged) as pdf:
        figures = [e for _, r, e in elements(pdf.Root.StructTreeRoot.K[0]) if r == "Figure"]
        assert [str(f.Alt) for f in figures] == ["A map of the provinces"]


def test_a_list_broken_by_a_page_is_one_list_of_labelled_items(tagged):
    with pikepdf.open(tagged) as pdf:
        lists = [e for _, r, e in elements(pdf.Root.StructTreeRoot.K[0]) if r == "L"]
        long = [e for e in lists if len(kids_of(e)) > 1]
        assert len(long) == 1
        items = kids_of(long[0])
        assert len(items) == 12
        assert {tuple(str(k.S) for k in kids_of(item)) for item in items} == {("/Lbl", "/LBody")}
        assert marked_pages(long[0], pdf) == {0, 1}
        for element in lists:  # every list is L → LI → Lbl + LBody
            for item in kids_of(element):
                assert str(item.S) == "/LI"


def test_running_heads_and_page_numbers_are_pagination_artifacts_on_every_page(tagged):
    with pikepdf.open(tagged) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            pagination = [a for a in artifacts(page) if a[0] == "/Pagination"]
            assert pagination == [("/Pagination", "/Header"), ("/Pagination", "/Footer")], number


def test_leader_dots_are_layout_artifacts_only_where_there_are_leaders(tagged):
    with pikepdf.open(tagged) as pdf:
        first, second = (artifacts(page) for page in pdf.pages)
    assert ("/Layout", None) in first  # the contents entry's dots
    assert ("/Layout", None) not in second


def test_links_are_link_elements_described_by_their_text(tagged):
    with pikepdf.open(tagged) as pdf:
        annotations = [
            a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.Subtype == "/Link"
        ]
        described = sorted({str(a.Contents) for a in annotations})
        assert described == [
            "Second section",
            "published by the commission in a long link text (https://example.org/report)",
            "second section",
        ]
        links = [e for _, r, e in elements(pdf.Root.StructTreeRoot.K[0]) if r == "Link"]
        # one Link element per link, even where the text breaks over two lines
        annotations_per_link = sorted(
            sum(1 for k in e.K if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR")
            for e in links
        )
        assert len(links) == 3 and sum(annotations_per_link) == len(annotations)
        external = [e for e in links if any(
            isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
            and "example.org" in str(k.Obj.get("/A", {}).get("/URI", "")) for k in e.K
        )]  # fmt: skip
        assert len(external) == 1


def test_the_pdf_passes_every_machine_check_of_the_quality_report(tagged):
    result = quality.inspect_pdf(tagged)
    assert [(c.id, c.detail) for c in result.failed_checks] == []
    assert len(result.checks) > 10


def test_the_hooks_are_active_only_while_casepress_writes(tagged, tmp_path):
    assert tagging._LOG.get() is None  # nothing left behind by the fixture's write
    renderer = PdfRenderer([Sheet("test", CSS)], [tagged.parent])
    document, _ = renderer.render(HTML, tagged.parent)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(document.write_pdf(pdf_tags=True))  # WeasyPrint on its own
    with pikepdf.open(plain) as pdf:
        assert [a for page in pdf.pages for a in artifacts(page) if a[0] == "/Pagination"] == []
    with tagging.completing_tags() as log:
        assert tagging._LOG.get() is log
    assert tagging._LOG.get() is None


def test_the_private_weasyprint_function_it_wraps_has_the_signature_it_expects():
    """A WeasyPrint that renames or reorders these parameters would fail every PDF with
    "writing the PDF failed: TypeError": caught here, before any build."""
    assert tagging.hooks_available()
    original = inspect.signature(tagging._ORIGINAL)
    assert list(original.parameters) == list(inspect.signature(tagging._build_box_tree).parameters)
    assert list(original.parameters) == [
        "box", "parent", "pdf", "page_number", "nums", "annotations", "tags",
    ]  # fmt: skip
    assert inspect.isgeneratorfunction(tagging._ORIGINAL)
    assert weasyprint_tags._build_box_tree in (tagging._ORIGINAL, tagging._build_box_tree)
