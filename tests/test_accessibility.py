"""Accessible by default: the tagged PDF read back with pikepdf as a validator reads it,
the HTML run through axe-core in headless Chromium, and images without alt text refused."""

import json

import pikepdf
import pytest

from browser import Browser, axe_script, chromium_path
from casepress import build_project, load_project
from casepress.checks import quality
from casepress.cli import main
from casepress.pdf import tagging
from conftest import PROJECTS, ROOT, copy_project

FIXTURE = PROJECTS / "a11y"
SAMPLE_CASES = sorted(p.stem for p in (ROOT / "cases").glob("*.yaml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The accessibility fixture (a project theme over the built-in look), built as is."""
    out = tmp_path_factory.mktemp("a11y")
    report = build_project(load_project(FIXTURE, output_dir=out))
    assert not report.failures and not report.errors, [str(p) for p in report.problems]
    return out


def tree(path):
    """The structure tree as nested (tag, attributes, kids); kids of Spans are left out."""
    pdf = pikepdf.open(path)

    def node(element):
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        children = [
            node(k)
            for k in items
            if isinstance(k, pikepdf.Dictionary) and k.get("/Type") not in ("/OBJR", "/MCR")
        ]
        annotations = [
            k.Obj for k in items if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
        ]
        attributes = {key: str(element[key]) for key in ("/Lang", "/Alt") if key in element}
        return str(element.S)[1:], attributes, children, annotations

    root = pdf.Root.StructTreeRoot.K
    return pdf, node(root[0] if isinstance(root, pikepdf.Array) else root)


def walk(node):
    yield node
    for kid in node[2]:
        yield from walk(kid)


def tags(node) -> list[str]:
    return [n[0] for n in walk(node)]


def test_the_tagging_hooks_find_what_they_need_in_this_weasyprint():
    assert tagging.hooks_available()
    assert tagging.hooks_problem() is None


def _tiny_pdf(tmp_path) -> bytes:
    from casepress.pdf.writer import PdfRenderer

    html = (
        '<html lang="en"><head><title>T</title></head><body><h1>Title</h1><p>Hi</p></body></html>'
    )
    return PdfRenderer([], roots=[tmp_path]).pdf(html, tmp_path).data


def test_tagging_replaces_weasyprint_only_while_a_pdf_is_written(tmp_path):
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    data = _tiny_pdf(tmp_path)
    assert tags._build_box_tree is original  # put back once the PDF is written
    (tmp_path / "t.pdf").write_bytes(data)
    pdf = pikepdf.open(tmp_path / "t.pdf")
    assert "/StructTreeRoot" in pdf.Root and pdf.Root.Lang == "en"
    with tagging.completing_tags():
        assert tags._build_box_tree is not original
        with tagging.completing_tags():  # a second writer (another thread): still in place
            pass
        assert tags._build_box_tree is not original
    assert tags._build_box_tree is original


def test_a_weasyprint_whose_tag_builder_changed_is_refused_with_what_to_install(
    tmp_path, monkeypatch
):
    from weasyprint.pdf import tags

    from casepress.errors import RenderError

    def changed(box, parent, pdf, page_number, nums, annotations, tags, links):
        raise AssertionError("must not be called")

    monkeypatch.setattr(tags, "_build_box_tree", changed)
    assert not tagging.hooks_available()
    problem = tagging.hooks_problem()
    assert (
        "_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags, links)" in problem
    )
    assert problem.endswith(
        "install the version casepress supports: pip install 'weasyprint>=70,<71'"
    )
    with pytest.raises(RenderError) as raised:
        _tiny_pdf(tmp_path)
    assert str(raised.value) == problem  # not "writing the PDF failed: TypeError: ..."
    assert tags._build_box_tree is changed


@pytest.mark.slow
def test_catalog_declares_language_marking_title_display_and_pdf_ua(built):
    pdf = pikepdf.open(built / "briefs" / "languages.pdf")
    root = pdf.Root
    assert root.Lang == "en"
    assert root.MarkInfo.Marked is True
    assert root.ViewerPreferences.DisplayDocTitle is True
    xmp = pdf.open_metadata()
    assert xmp["dc:title"] == "Languages, images and links"
    assert xmp["pdfuaid:part"] == "1"
    assert pikepdf.open(built / "briefs" / "plain.pdf").Root.Lang == "fr"


@pytest.mark.slow
def test_headings_are_real_levels_in_reading_order(built):
    _, document = tree(built / "briefs" / "languages.pdf")
    assert document[0] == "Document"
    headings = [t for t in tags(document) if t in ("H1", "H2", "H3")]
    assert headings == ["H1", "H2", "H2", "H2", *["H3"] * 5, "H2", "H2", "H2"]
    # no heading holds another (WeasyPrint nests an anonymous copy of each h2 in itself)
    for node in walk(document):
        if node[0].startswith("H"):
            assert not [k for k in tags(node)[1:] if k.startswith("H")], node


@pytest.mark.slow
def test_lessons_are_one_list_with_labels_across_the_page_break(built):
    pdf, document = tree(built / "briefs" / "languages.pdf")
    lists = [n for n in walk(document) if n[0] == "L"]
    lessons = [n for n in lists if "H3" in tags(n)]
    assert len(lessons) == 1
    items = lessons[0][2]
    assert [[k[0] for k in item[2]] for item in items] == [["Lbl", "LBody"]] * 5
    assert len(pdf.pages) > 1  # the list really was split by a page break
    for node in lists:  # every list is L → LI → Lbl/LBody
        for item in node[2]:
            assert item[0] in ("LI", "L")
            assert {k[0] for k in item[2]} <= {"Lbl", "LBody", "L"}


@pytest.mark.slow
def test_a_passage_in_another_language_carries_its_lang(built):
    _, document = tree(built / "briefs" / "languages.pdf")
    spans = [n for n in walk(document) if n[1].get("/Lang") == "es"]
    assert [n[0] for n in spans] == ["Span"]
    _, french = tree(built / "briefs" / "plain.pdf")
    assert [n[0] for n in walk(french) if n[1].get("/Lang") == "en"] == ["Span"]


@pytest.mark.slow
def test_images_are_figures_with_their_alt_text(built):
    _, document = tree(built / "briefs" / "languages.pdf")
    figures = [n for n in walk(document) if n[0] == "Figure"]
    assert [f[1]["/Alt"] for f in figures] == [
        "A map of the three provinces where hearings were held"
    ]


@pytest.mark.slow
def test_a_case_image_is_found_from_its_case_file_in_every_output(built):
    """images/map.png sits beside the case file, not beside casepress.yaml."""
    alt = "A map of the three provinces where hearings were held"
    for pdf in (built / "briefs" / "languages.pdf", built / "handbooks" / "reader.pdf"):
        result = quality.inspect_pdf(pdf)
        assert [image["pixels"] for image in result.images] == [[300, 200]], pdf.name
        _, document = tree(pdf)
        assert alt in [n[1].get("/Alt") for n in walk(document) if n[0] == "Figure"]
    for page in (built / "briefs" / "languages.html", built / "handbooks" / "reader.html"):
        html = page.read_text("utf-8")  # standalone: the image travels inside the page
        assert f'<img alt="{alt}" src="data:image/png;base64,' in html, page.name
    report = (built / "report.json").read_text("utf-8")
    assert "map.png" not in report  # nothing refused
    shown = [image["src"] for output in json.loads(report)["outputs"]
             for image in output["images"] if output["format"] == "html"]  # fmt: skip
    assert shown and all(s.startswith("data:image/png;base64,") and len(s) <= 80 for s in shown)


@pytest.mark.slow
def test_links_are_tagged_and_described_by_their_text(built):
    pdf, document = tree(built / "briefs" / "languages.pdf")
    links = [n for n in walk(document) if n[0] == "Link"]
    external = [n for n in links if any("example.org" in str(a.get("/A")) for a in n[3])]
    assert len(external) == 1  # one Link, though the text breaks across two lines
    assert {str(a.Contents) for a in external[0][3]} == {
        "published by the commission (https://example.org/report)"
    }
    for page in pdf.pages:
        assert page.obj.get("/Tabs") == "/S" or "/Annots" not in page.obj
        for annotation in page.obj.get("/Annots", []):
            assert "/StructParent" in annotation


@pytest.mark.slow
def test_running_heads_and_footers_are_pagination_artifacts(built):
    pdf = pikepdf.open(built / "briefs" / "languages.pdf")
    page = pdf.pages[1]
    artifacts, mcids = [], 0
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and operands[0] == "/Artifact":
            properties = operands[1]
            artifacts.append((str(properties.get("/Type")), str(properties.get("/Subtype"))))
        elif str(operator) == "BDC":
            mcids += 1
    assert ("/Pagination", "/Header") in artifacts
    assert ("/Pagination", "/Footer") in artifacts
    assert mcids > 10


@pytest.fixture(scope="module")
def azimut(azimut_project_build):
    """The sample project in the example organisation theme (conftest: built once a session)."""
    return azimut_project_build


@pytest.mark.slow
def test_every_pdf_passes_every_machine_check(built, azimut):
    pdfs = sorted(built.glob("*/*.pdf")) + sorted(azimut.glob("*/*.pdf"))
    assert [p.relative_to(p.parents[1]).as_posix() for p in pdfs] == [
        "briefs/languages.pdf", "briefs/plain.pdf", "handbooks/reader.pdf",
        *(f"briefs/{case}.pdf" for case in SAMPLE_CASES), "handbooks/ssr-casebook.pdf",
    ]  # fmt: skip
    for path in pdfs:
        result = quality.inspect_pdf(path)
        assert [(c.id, c.detail) for c in result.failed_checks] == [], path.name
        assert len(result.checks) == 21


@pytest.mark.slow
def test_the_content_check_finds_untagged_drawing_inline_images_included(built, tmp_path):
    pdf = pikepdf.open(next(built.glob("briefs/*.pdf")))
    page = pdf.pages[0]
    page.contents_coalesce()
    untagged = (
        b"\nBT /F1 9 Tf (x) Tj ET\nq 1 0 0 1 0 0 cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q\n"
    )
    page.obj.Contents.write(page.obj.Contents.read_bytes() + untagged)
    pdf.save(tmp_path / "broken.pdf")
    checks = {c.id: c for c in quality.inspect_pdf(tmp_path / "broken.pdf").checks}
    assert not checks["content-marked"].passed
    assert checks["content-marked"].detail == "page 1: 2"  # the text and the inline image


@pytest.mark.slow
def test_a_handbook_starts_at_h1_and_skips_no_level(built):
    _, document = tree(built / "handbooks" / "reader.pdf")
    levels = [int(t[1]) for t in tags(document) if len(t) == 2 and t[0] == "H"]
    assert levels[0] == 1 and levels.count(1) == 3  # the book, then each chapter
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_an_image_without_alt_text_is_an_error_at_its_line(tmp_path, capsys):
    project = copy_project("a11y", tmp_path)
    case = project / "cases" / "languages.yaml"
    case.write_text(
        case.read_text().replace("![A map of the three provinces where hearings were held]", "![]")
    )
    assert main(["check", "-C", str(project)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, t in enumerate(case.read_text().splitlines(), 1) if "![]" in t)
    assert f"languages.yaml:{line}:3: context: image 'images/map.png' has no alt text" in err


# HTML: axe-core in headless Chromium ---------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (scripts/install-system-deps installs it)")
    script = axe_script()
    if script is None:
        pytest.skip("axe-core is not installed (scripts/install-test-tools installs it)")
    pytest.importorskip("websocket", reason="websocket-client is a test dependency")
    session = Browser(executable, script)
    yield session
    session.close()


@pytest.fixture(scope="module")
def sample(sample_project_build):
    return sample_project_build


@pytest.mark.slow
def test_every_html_page_has_no_axe_violations(browser, built, sample, azimut):
    """Every HTML page casepress writes, in the built-in look, in a project's own palette and
    in the example organisation theme."""
    pages = sorted(sample.rglob("*.html")) + sorted(built.rglob("*.html"))
    pages += sorted(azimut.rglob("*.html"))
    assert len(pages) >= 6
    found = {page.relative_to(page.parents[1]).as_posix(): browser.axe(page) for page in pages}
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.slow
def test_axe_finds_what_it_should(browser, tmp_path):
    """The harness itself: a page with known faults is not reported clean."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><title>x</title></head><body><img src=x></body>")
    assert {v["id"] for v in browser.axe(page)} >= {"html-has-lang", "image-alt"}
