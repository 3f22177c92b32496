"""Archival, print and the quality report: PDF/A metadata and attachments, the print
profile's page boxes, report.json, page budgets, and the contrast of the palettes."""

import json

import pikepdf
import pytest

from casepress import build_project, load_project
from casepress.cli import main
from casepress.errors import InputError, display_path
from casepress.theme import colours
from casepress.theme.chain import load_theme
from conftest import PROJECTS, copy_project, page_texts

FIXTURE = PROJECTS / "a11y"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def screen(tmp_path_factory):
    out = tmp_path_factory.mktemp("screen")
    report = build_project(load_project(FIXTURE, output_dir=out))
    return out, report


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    report = build_project(load_project(FIXTURE, output_dir=out, profile="print"))
    return out, report


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    out = tmp_path_factory.mktemp("archive")
    code = main(
        ["build", "-C", str(FIXTURE), "--output", str(out), "-q",
         "--pdf-variant", "pdf/a-3b", "--embed-source"]
    )  # fmt: skip
    assert code == 0
    return out


# PDF/A ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_pdf_a_3b_carries_its_identification_output_intent_and_fonts(archived):
    pdf = pikepdf.open(archived / "briefs" / "languages.pdf")
    xmp = pdf.open_metadata()
    assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "B")
    assert xmp["pdfuaid:part"] == "1"  # still identified as PDF/UA-1, extension schema declared
    assert "pdfaExtension:schemas" in pdf.Root.Metadata.read_bytes().decode()
    assert xmp["dc:title"] == "Languages, images and links"
    intent = pdf.Root.OutputIntents[0]
    assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert pdf.Root.MarkInfo.Marked is True and "/StructTreeRoot" in pdf.Root
    fonts = list(pdf.pages[0].Resources.Font.values())
    assert len(fonts) >= 2  # serif text, sans headings
    for font in fonts:
        descriptor = font.DescendantFonts[0].FontDescriptor
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


@pytest.mark.slow
def test_the_source_yaml_is_attached_as_the_pdfs_source(archived):
    pdf = pikepdf.open(archived / "briefs" / "languages.pdf")
    assert list(pdf.attachments) == ["languages.yaml"]
    spec = pdf.attachments["languages.yaml"]
    assert spec.obj.AFRelationship == "/Source"
    assert {"/F", "/UF"} <= set(spec.obj.keys())
    assert [a.objgen for a in pdf.Root.AF] == [spec.obj.objgen]
    source = (FIXTURE / "cases" / "languages.yaml").read_bytes()
    assert spec.get_file().read_bytes() == source
    book = pikepdf.open(archived / "handbooks" / "reader.pdf")
    assert sorted(book.attachments) == ["languages.yaml", "plain.yaml"]


@pytest.mark.slow
def test_pdf_a_2_cannot_carry_the_source_and_says_so(tmp_path, capsys):
    case = FIXTURE / "cases" / "plain.yaml"
    code = main(["brief", str(case), "--format", "pdf", "--output", str(tmp_path),
                 "--pdf-variant", "pdf/a-2b", "--embed-source"])  # fmt: skip
    assert code == 0
    assert "source files not embedded: pdf/a-2b forbids" in capsys.readouterr().err
    assert not pikepdf.open(tmp_path / "plain.pdf").attachments


# Print profile -------------------------------------------------------------------------


@pytest.mark.slow
def test_print_pages_have_trim_bleed_and_room_for_marks(printed):
    out, _ = printed
    pdf = pikepdf.open(out / "briefs" / "plain.pdf")
    page = pdf.pages[0].obj
    trim = [float(v) for v in page.TrimBox]
    bleed = [float(v) for v in page.BleedBox]
    media = [float(v) for v in page.MediaBox]
    assert trim == pytest.approx([0, 0, 210 * MM, 297 * MM], abs=0.01)
    assert bleed == pytest.approx(
        [trim[0] - 3 * MM, trim[1] - 3 * MM, trim[2] + 3 * MM, trim[3] + 3 * MM], abs=0.01
    )
    assert media[0] < bleed[0] - 5 * MM and media[2] > bleed[2] + 5 * MM  # the marks' slug


@pytest.mark.slow
def test_screen_pages_have_no_bleed(screen):
    out, _ = screen
    pdf = pikepdf.open(out / "briefs" / "plain.pdf")
    page = pdf.pages[0].obj
    assert [float(v) for v in page.MediaBox] == [float(v) for v in page.TrimBox]


@pytest.mark.slow
def test_print_keeps_every_page_of_a_brief_as_on_screen(screen, printed):
    for name in ("languages.pdf", "plain.pdf"):
        assert page_texts(printed[0] / "briefs" / name) == page_texts(screen[0] / "briefs" / name)


@pytest.mark.slow
def test_print_mirrors_the_margins(printed):
    """The text block moves towards the spine: right on left-hand pages, left on right-hand."""
    import subprocess

    path = printed[0] / "briefs" / "languages.pdf"

    def left_edge(page: int) -> float:
        out = subprocess.run(
            ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        import re

        return min(float(x) for x in re.findall(r'xMin="([\d.]+)"', out))

    assert left_edge(1) - left_edge(2) == pytest.approx(6 * MM, abs=0.5)


@pytest.mark.slow
def test_print_starts_handbook_chapters_on_right_hand_pages_after_blank_versos(printed):
    out, _ = printed
    path = out / "handbooks" / "reader.pdf"
    pages = page_texts(path)
    starts = [i for i, text in enumerate(pages, 1) if "CASE STUDY" in text.upper()[:200]]
    assert len(starts) == 2 and all(n % 2 == 1 for n in starts), starts
    blanks = [i for i, text in enumerate(pages, 1) if not text.strip()]
    assert blanks and all(n % 2 == 0 for n in blanks)  # versos, without head or folio


@pytest.mark.slow
def test_print_warns_about_images_too_coarse_for_print(printed, screen):
    _, report = printed
    messages = [p.message for p in report.warnings]
    assert any("is 96 dpi where it is placed, under 150 dpi for print" in m for m in messages)
    assert not any("dpi" in p.message for p in screen[1].warnings)


# Quality report ------------------------------------------------------------------------


@pytest.mark.slow
def test_report_json_describes_every_output(screen):
    out, _ = screen
    report = json.loads((out / "report.json").read_text())
    assert report["profile"] == "screen" and report["pdf_variant"] == "pdf/ua-1"
    outputs = {entry["path"]: entry for entry in report["outputs"]}
    assert sorted(outputs) == [
        "briefs/languages.html", "briefs/languages.pdf", "briefs/plain.html", "briefs/plain.pdf",
        "handbooks/reader.html", "handbooks/reader.pdf",
    ]  # fmt: skip
    brief = outputs["briefs/languages.pdf"]
    assert brief["pages"] == len(pikepdf.open(out / "briefs" / "languages.pdf").pages) > 1
    assert brief["bytes"] == (out / "briefs" / "languages.pdf").stat().st_size
    assert brief["source"].endswith("cases/languages.yaml")
    assert {f["name"] for f in brief["fonts"]} >= {"Source-Serif-Pro", "Source-Sans-Pro"}
    assert all(f["embedded"] and f["subset"] for f in brief["fonts"])
    [image] = brief["images"]
    assert image["pixels"] == [300, 200] and image["dpi"] == 96.0
    assert image["placed_mm"] == [79.4, 52.9]
    assert brief["missing_alt"] == [] and brief["variant"] == "pdf/ua-1"
    assert {c["id"]: c["passed"] for c in brief["checks"]} == dict.fromkeys(
        [
            "identification", "tagged", "xmp-title", "title-shown", "language",
            "structure-tree", "headings", "figures-alt", "lists", "passage-languages",
            "content-marked", "content-in-tree", "artifacts-apart", "annotations-tagged",
            "tab-order", "links-tagged", "links-described", "embedded-files",
            "fonts-embedded", "fonts-unicode", "bookmarks",
        ],
        True,
    )  # fmt: skip
    html = outputs["briefs/plain.html"]
    assert html["language"] == "fr" and "pages" not in html
    # a case image is found beside its case file in a handbook too
    book = outputs["handbooks/reader.pdf"]
    assert book["refused"] == [] and [i["pixels"] for i in book["images"]] == [[300, 200]]
    assert report["summary"]["pdf"] == 3 and report["summary"]["checks_failed"] == 0


@pytest.mark.slow
def test_page_budgets_are_reported_and_fail_a_strict_build(screen, tmp_path, capsys):
    out, report = screen
    entry = next(
        e for e in json.loads((out / "report.json").read_text())["outputs"]
        if e["path"] == "briefs/languages.pdf"
    )  # fmt: skip
    assert entry["page_budget"] == 1 and entry["over_budget"] is True
    assert any(
        p.path.endswith("cases/languages.yaml")
        and f"languages.pdf: {entry['pages']} pages, over the page budget of 1" in p.message
        for p in report.warnings
    )
    project = copy_project("a11y", tmp_path)
    assert main(["build", "-C", str(project), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "over the page budget of 1" in err
    assert "quality: 3 PDF(s)" in err and "details in" in err


def test_max_pages_must_be_a_whole_number(tmp_path, capsys):
    (tmp_path / "casepress.yaml").write_text("briefs:\n  max_pages: two\n")
    assert main(["check", "-C", str(tmp_path)]) == 2
    assert (
        "casepress.yaml:2:14: briefs.max_pages: expected a whole number such as 2, got 'two'"
        in capsys.readouterr().err
    )


# Contrast ------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag():
    assert colours.contrast_ratio("#000", "#fff") == pytest.approx(21)
    assert colours.contrast_ratio("#fff", "#fff") == pytest.approx(1)
    assert colours.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # a translucent colour is measured as laid over its background
    assert colours.contrast_ratio("rgba(0, 0, 0, 0.5)", "#ffffff") == pytest.approx(
        colours.contrast_ratio("#808080", "#ffffff"), abs=0.05
    )


def test_the_built_in_palette_meets_wcag_aa():
    theme = load_theme(None)
    results = colours.check_stylesheets(theme.stylesheets(("base.css", "screen.css")))
    figures = {(r.foreground, r.background, r.used_for): round(r.ratio, 2) for r in results}
    assert figures == {
        ("#1d2329", "#ffffff", "body text"): 15.85,
        ("#56606b", "#ffffff", "subtitles, dates, sources, notes, page headers and tags"): 6.4,
        ("#163a5f", "#ffffff", "headings and titles"): 11.64,
        ("#b4532a", "#ffffff", "the small label above the title"): 4.99,
        ("#1b5e96", "#ffffff", "links"): 6.8,
        ("#1d2329", "#f2f4f6", "text in the box of regions, countries and themes"): 14.38,
        ("#163a5f", "#f2f4f6", "headings in the box of regions, countries and themes"): 10.55,
        ("#ffffff", "#163a5f", "lesson numbers and the handbook cover's title"): 11.64,
        ("rgba(255, 255, 255, 0.85)", "#163a5f", "the handbook cover's subtitle and edition"): 8.88,
        ("rgba(255, 255, 255, 0.9)", "#163a5f", "the organisation on the handbook cover"): 9.74,
        ("#b4532a", "#ffffff", "the outline that shows keyboard focus on web pages"): 4.99,
    }
    assert all(r.passed for r in results)


@pytest.mark.slow
def test_a_project_palette_is_checked_and_a_low_contrast_stops_the_build(screen, tmp_path):
    report = json.loads((screen[0] / "report.json").read_text())
    assert all(pair["passed"] for pair in report["contrast"])
    assert {p["foreground"] for p in report["contrast"]} >= {"#222222", "#5a2a6e", "#a23b2c"}
    project = copy_project("a11y", tmp_path)
    sheet = project / "styles" / "base.css"
    sheet.write_text(sheet.read_text().replace("#5c5c5c", "#9a9a9a"))
    # an error at the declaration, as in `theme check`: nothing is built
    with pytest.raises(InputError) as refused:
        build_project(load_project(project, output_dir=tmp_path / "out"))
    (problem,) = refused.value.problems
    assert (problem.path, problem.line, problem.column, problem.field) == (
        display_path(sheet),
        4,
        3,
        "--colour-muted",
    )
    assert problem.message.startswith(
        "#9a9a9a gives too little contrast (WCAG 2.1 AA) for subtitles, dates, sources, notes, "
        "page headers and tags (2.81:1 on the white page, needs 4.5:1); use a darker shade"
    )
    assert not (tmp_path / "out").exists()
    # accepted in casepress.yaml: built, and report.json still says it fails
    config = project / "casepress.yaml"
    config.write_text(config.read_text() + "accept_low_contrast: [muted]\n")
    result = build_project(load_project(project, output_dir=tmp_path / "out"))
    assert not result.errors
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [p["foreground"] for p in report["contrast"] if not p["passed"]] == ["#9a9a9a"]


def test_parse_colour_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="expected a colour like"):
        colours.parse_colour("blu")
