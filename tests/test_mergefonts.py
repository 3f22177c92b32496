"""fontmerge.py: a merged (split) handbook embeds one program per font face, as lean as the
single pass, and the quality report counts what a file really embeds.

Each chapter of a split handbook is its own WeasyPrint document with its own subset of every
font; merged, a 60-case book carried 205 programs for 4 faces, all of a face's subsets under
one tag. Read back here as a reader's tools see it: pdffonts, the file's FontFile streams,
its size against the single pass, pdftotext, qpdf --check, pdftoppm, report.json.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from casepress import build_handbooks, load_project
from casepress.build.reporting import write_report
from casepress.checks import quality
from casepress.pdf import fontmerge
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import make_project  # noqa: E402

AZIMUT_FONTS = ROOT / "themes" / "azimut" / "fonts"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
FACES = 5
"""Faces the synthetic handbook shows: Source Serif Pro regular, italic (the imprint's
suggested citation) and bold, Source Sans Pro regular and semibold."""


def pdffonts(path: Path) -> list[list[str]]:
    """pdffonts' rows: name, then the rest split on blanks."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return out.stdout


def font_programs(path: Path) -> list:
    """Every embedded font program the file holds (reachable or not)."""
    with pikepdf.open(path) as pdf:
        return [
            obj[key].objgen
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
            for key in FONT_FILES
            if key in obj
        ]


def width_mismatches(path: Path) -> list:
    """(font, glyph id, /W width, program's advance) wherever the font dictionary and the
    embedded program disagree on a glyph the file shows (PDF/A-2 §6.2.11.5)."""
    from fontTools.ttLib import TTFont

    found = []
    with pikepdf.open(path) as pdf:
        for font in fontmerge.used_fonts(pdf):
            program = TTFont(io.BytesIO(fontmerge.program_of(font).read_bytes()))
            order, scale = program.getGlyphOrder(), 1000 / program["head"].unitsPerEm
            widths = fontmerge._read_widths(font.DescendantFonts[0].W)
            to_glyph = fontmerge._extra_codes(font)  # line-break hyphens' codes
            for code, width in widths.items():
                gid = to_glyph.get(code, code)
                advance = program["hmtx"].metrics[order[gid]][0] * scale
                if abs(advance - width) > 1:
                    found.append((str(font.BaseFont), gid, width, advance))
    return found


def face(name: str) -> str:
    return name.split("+", 1)[1]


# A split handbook ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """A 12-case synthetic library's handbook, split (forced) and in one pass."""
    tmp = tmp_path_factory.mktemp("mergefonts")
    project = load_project(make_project(12, tmp / "lib"))
    built = {}
    for split in (True, False):
        out = tmp / ("split" if split else "single")
        report = build_handbooks(project, output_dir=out, formats=("pdf",), split=split, jobs=2)
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        write_report(out, report, project, [])
        built[split] = out
    return built


@pytest.mark.slow
def test_a_split_handbook_lists_each_face_once_embedded_and_subset(books):
    split, single = pdffonts(books[True] / "all.pdf"), pdffonts(books[False] / "all.pdf")
    names = [row[0] for row in split]
    assert len(names) == len({face(n) for n in names}) == FACES, names
    assert {face(n) for n in names} == {face(row[0]) for row in single}
    for row in split:
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # emb sub uni
    assert len({n.split("+")[0] for n in names}) == len(names)  # a tag per subset


@pytest.mark.slow
def test_a_split_handbook_holds_one_font_program_per_face(books):
    programs = font_programs(books[True] / "all.pdf")
    faces = {face(row[0]) for row in pdffonts(books[False] / "all.pdf")}
    assert len(programs) == len(set(programs)) == len(faces) == FACES
    assert width_mismatches(books[True] / "all.pdf") == []


@pytest.mark.slow
def test_a_split_handbook_is_within_a_tenth_of_the_single_pass_size(books):
    split = (books[True] / "all.pdf").stat().st_size
    single = (books[False] / "all.pdf").stat().st_size
    assert abs(split - single) <= single / 10, (split, single)


@pytest.mark.slow
def test_a_split_handbook_reads_like_the_single_pass_and_passes_qpdf(books):
    assert text_of(books[True] / "all.pdf") == text_of(books[False] / "all.pdf")
    check = subprocess.run(["qpdf", "--check", str(books[True] / "all.pdf")],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout
    assert "WARNING" not in check.stdout + check.stderr


@pytest.mark.slow
def test_a_split_handbook_passes_the_pdf_ua_checks_with_its_merged_fonts(books):
    result = quality.inspect_pdf(books[True] / "all.pdf")
    assert result.failed_checks == []
    assert all(f["embedded"] and f["to_unicode"] and f["subset"] for f in result.fonts)


@pytest.mark.slow
def test_report_json_counts_the_faces_and_programs_a_file_embeds(books):
    for out in books.values():
        report = json.loads((out / "report.json").read_text())
        [book] = report["outputs"]
        assert book["font_programs"] == {
            "faces": FACES, "programs": FACES, "repeated_faces": {}, "shared_tags": {},
        }  # fmt: skip
        assert report["summary"]["font_programs"] == FACES
        assert report["summary"]["fonts_repeated"] == []
        assert not any("font" in w for w in book["warnings"]), book["warnings"]


@pytest.mark.slow
def test_a_split_handbook_is_byte_identical_from_one_build_to_the_next(books, tmp_path):
    project = load_project(books[True].parent / "lib")
    again = build_handbooks(project, output_dir=tmp_path, formats=("pdf",), split=True, jobs=1)
    assert again.exit_code == 0
    assert (tmp_path / "all.pdf").read_bytes() == (books[True] / "all.pdf").read_bytes()


# Two tiny documents, different subsets of the same faces ---------------------------------


CSS = f"""
@font-face {{ font-family: Cab; src: url({(AZIMUT_FONTS / "Cabin-Regular.otf").as_uri()}) }}
@font-face {{ font-family: Cal; src: url({(AZIMUT_FONTS / "Caladea-Regular.ttf").as_uri()}) }}
@page {{ size: A7; margin: 5mm }}
h1 {{ font: normal 14pt Cab }} p {{ font: 11pt Cal }}
"""
TEXTS = ("Alpha bravo Ämter", "Zulu/quiet/xylophone/½")
"""The second has the highest glyph ids (its subsets are the base of the merge) and no
space: the merged program's space comes from the first (a subset's dropped glyphs have
no width)."""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two one-page PDFs with different subsets of a CFF (Cabin, .otf) and a TrueType
    (Caladea) face under the same tags, as two chapters of a split handbook have."""
    folder = tmp_path_factory.mktemp("tiny")
    return [
        render(folder / f"{n}.pdf", f"<html lang=en><h1>{text}</h1><p>{text}</p></html>", CSS)
        for n, text in enumerate(TEXTS)
    ]


def render(path: Path, html: str, css: str) -> Path:
    """A document of its own (its own fonts and subsets), as a split handbook's units are."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    sheet = weasyprint.CSS(string=css, font_config=fonts)
    weasyprint.HTML(string=html).write_pdf(path, stylesheets=[sheet], font_config=fonts)
    return path


def joined(paths: list[Path], target: Path, *, merge: bool) -> Path:
    """The pages of ``paths`` in one file, as merge.py joins units, fonts merged or not."""
    pdf = pikepdf.open(paths[0])
    for path in paths[1:]:
        pdf.pages.extend(pikepdf.open(path).pages)
    if merge:
        fontmerge.merge_fonts(pdf)
    pdf.save(target, deterministic_id=True)
    return target


def pixels(path: Path, page: int) -> bytes:
    out = subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", str(page), "-l", str(page),
                          str(path)], capture_output=True, check=True)  # fmt: skip
    return out.stdout


@pytest.mark.slow
def test_merging_leaves_one_program_per_face_and_every_glyph_drawn(tiny, tmp_path):
    before = joined(tiny, tmp_path / "before.pdf", merge=False)
    after = joined(tiny, tmp_path / "after.pdf", merge=True)
    assert len(pdffonts(before)) == 4 and len(font_programs(before)) == 4
    rows = pdffonts(after)
    assert sorted(face(row[0]) for row in rows) == ["Cab", "Cal"]
    assert {row[1] for row in rows} == {"CID"} and len(font_programs(after)) == 2
    assert {row[2] for row in rows} == {"Type", "TrueType"}  # CFF (Type 0C) and glyf
    tags = {row[0].split("+")[0] for row in rows}
    assert len(tags) == 2 and not tags & {row[0].split("+")[0] for row in pdffonts(before)}
    text = " ".join(text_of(after).split())
    assert text == " ".join(text_of(before).split()) == " ".join(t for t in TEXTS for _ in "12")
    # Each page draws exactly as in its own document, with the merged programs' glyphs.
    for page, source in enumerate(tiny, 1):
        drawn = pixels(after, page)
        assert drawn == pixels(source, 1)
        assert len(set(drawn[100:])) > 1  # not blank
    check = subprocess.run(["qpdf", "--check", str(after)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert after.stat().st_size < before.stat().st_size
    assert width_mismatches(before) == width_mismatches(after) == []


@pytest.mark.slow
def test_the_quality_report_flags_a_face_embedded_twice_under_one_tag(tiny, tmp_path):
    before = quality.inspect_pdf(joined(tiny, tmp_path / "before.pdf", merge=False))
    assert before.font_programs["faces"] == 2 and before.font_programs["programs"] == 4
    assert before.font_programs["repeated_faces"] == {"Cab": 2, "Cal": 2}
    assert sorted(map(face, before.font_programs["shared_tags"])) == ["Cab", "Cal"]
    found = quality.findings(before)
    assert any("font Cal is embedded 2 times where one program would do" in f for f in found)
    assert any("2 different subsets of font Cab share the subset tag" in f for f in found)
    assert quality.font_line(before) == "fonts: 2 faces, 4 programs"
    assert quality.summary([before])["fonts_repeated"] == ["before.pdf"]
    after = quality.inspect_pdf(joined(tiny, tmp_path / "after.pdf", merge=True))
    assert quality.font_line(after) == "fonts: 2 faces, 2 programs"
    assert [f for f in quality.findings(after) if "font " in f] == []


@pytest.mark.slow
def test_two_different_fonts_under_one_name_are_left_apart(tmp_path):
    """Subsets that disagree on a glyph are not of one font: both are kept."""
    paths = []
    for number, file in enumerate(("Caladea-Regular.ttf", "Caladea-Bold.ttf")):
        css = f"@font-face {{ font-family: Same; src: url({(AZIMUT_FONTS / file).as_uri()}) }}"
        html = "<p style='font-family: Same'>Same words</p>"
        paths.append(render(tmp_path / f"{number}.pdf", html, css))
    after = joined(paths, tmp_path / "after.pdf", merge=True)
    assert len(font_programs(after)) == 2
    assert text_of(after).split() == ["Same", "words"] * 2


# The reading and writing of /W and ToUnicode (quick) -----------------------------------


def test_widths_and_unicode_maps_are_read_in_every_form_and_written_back():
    widths = fontmerge._read_widths(pikepdf.Array([3, pikepdf.Array([500, 250.5]), 10, 12, 600]))
    assert widths == {3: 500, 4: 250.5, 10: 600, 11: 600, 12: 600}
    assert list(fontmerge._write_widths(widths)) == [3, [500, 250.5], 10, [600, 600, 600]]
    pdf = pikepdf.new()
    cmap = (b"2 beginbfchar\n<0003> <0041>\n<0004> <00660069>\nendbfchar\n"
            b"1 beginbfrange\n<0010> <0012> <0061>\nendbfrange\n"
            b"1 beginbfrange\n<0020> <0021> [<0078> <0079>]\nendbfrange")  # fmt: skip
    text = fontmerge._read_to_unicode(pikepdf.Stream(pdf, cmap))
    assert text == {3: "A", 4: "fi", 16: "a", 17: "b", 18: "c", 32: "x", 33: "y"}
    written = pikepdf.Stream(pdf, fontmerge._write_to_unicode(text))
    assert fontmerge._read_to_unicode(written) == text
    assert fontmerge._union([{1: "a", 2: "b"}, {2: "c", 0: "z"}]) == {0: "z", 1: "a", 2: "b"}


def test_subset_tags_are_six_capitals_and_differ_with_the_program():
    first, second = fontmerge.subset_tag("Face", b"one"), fontmerge.subset_tag("Face", b"two")
    assert len(first) == 6 and first.isalpha() and first.isupper() and first != second
    assert fontmerge.subset_tag("Face", b"one") == first


def test_the_summary_line_says_faces_and_programs():
    result = quality.OutputQuality(path="a.pdf", format="pdf")
    result.fonts = [{"name": "A", "embedded": True}, {"name": "B", "embedded": False}]
    assert quality.font_line(result) == "1/2 fonts embedded"  # an entry from before
    result.font_programs = {"faces": 2, "programs": 1, "repeated_faces": {}, "shared_tags": {}}
    assert quality.font_line(result) == "fonts: 2 faces, 1 program (1 not embedded)"
