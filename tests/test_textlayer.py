"""The PDF text layer as a reader's tools see it: hyphens, the kicker, page labels, flags.

Every PDF is read back with pdftotext (poppler) and pypdf (a pdf.js-like extraction from
the ToUnicode maps): an author's hyphen extracts as "-" (U+002D) so that a search for
"anti-terrorist" finds it, a hyphen added at a line break as U+00AD (soft hyphen) or not at
all, never U+2010; the letter-spaced kicker as its words. /PageLabels match the folio each
page prints, in briefs, in a handbook laid out in one pass and in one merged from chapters;
every annotation carries the Print flag.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from casepress import build_briefs, build_handbooks, load_project
from casepress.pdf.finishing import label_ranges

ROOT = Path(__file__).resolve().parents[1]

LONG = " ".join(
    ["institutionalisation", "demobilisation", "counterinsurgency", "accountability",
     "parliamentarians", "decentralisation", "professionalisation", "reconciliation"] * 8
)  # fmt: skip

CASE = f"""\
title: Hyphens in the text layer
subtitle: A state-owned test case
summary: >-
  The anti-terrorist law and the state-owned companies, as a reader searches for them.
language: en
period: 2001–2003
regions: [Sub-Saharan Africa]
countries: [Sierra Leone]
themes: [Police reform]
context: |
  The anti-terrorist law of 2001 placed state-owned enterprises under a well-known
  oversight body. {LONG}

  *{LONG}*

  The anti-terrorist unit and the state-owned broadcaster closed the case.
lessons:
  - title: A lesson
    text: State-owned bodies need anti-terrorist oversight too.
"""


def _project(tmp: Path, theme: str | None = None):
    shutil.copy(ROOT / "casepress.yaml", tmp / "casepress.yaml")
    shutil.copytree(ROOT / "cases", tmp / "cases")
    shutil.copytree(ROOT / "docs", tmp / "docs")
    (tmp / "cases" / "hyphen-test.yaml").write_text(CASE, "utf-8")
    if theme:
        shutil.copytree(ROOT / "themes" / theme, tmp / "themes" / theme)
    return load_project(tmp, output_dir=tmp / "build", **({"theme": theme} if theme else {}))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Briefs and handbooks of the sample project plus the hyphen case, built-in theme and
    azimut (A5, duplex, its own fonts), the handbook in one pass and merged from chapters."""
    found: dict[str, Path] = {}
    for theme in (None, "azimut"):
        tmp = tmp_path_factory.mktemp(theme or "base")
        project = _project(tmp, theme)
        report = build_briefs(project, formats=("pdf",), only=["hyphen-test"])
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        found[f"{theme or 'base'}-brief"] = tmp / "build" / "briefs" / "hyphen-test.pdf"
        for split in (False, True):
            out = tmp / f"handbooks-{split}"
            report = build_handbooks(project, output_dir=out, formats=("pdf",), split=split)
            assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
            found[f"{theme or 'base'}-handbook-{'split' if split else 'single'}"] = (
                out / "ssr-casebook.pdf"
            )
    return found


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pypdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


EXTRACTORS = {"pdftotext": pdftotext, "pypdf": pypdf_text}
OUTPUTS = ["base-brief", "azimut-brief", "base-handbook-single", "base-handbook-split",
           "azimut-handbook-split"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("tool", EXTRACTORS)
def test_hard_hyphens_extract_as_hyphen_minus_and_no_u2010(built, name, tool):
    text = EXTRACTORS[tool](built[name])
    assert "\u2010" not in text and "\u2011" not in text
    flat = re.sub(r"\s+", " ", text)
    assert "anti-terrorist" in flat and "state-owned" in flat and "well-known" in flat


@pytest.mark.slow
@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("tool", EXTRACTORS)
def test_line_break_hyphens_are_soft_hyphens_or_absent(built, name, tool):
    """Each long word is found whole once a soft hyphen (and the line end after it) is
    dropped; no line of the long paragraphs ends with a "-" inside one of those words."""
    text = EXTRACTORS[tool](built[name])
    assert "\u00ad" in text or tool == "pdftotext"  # pdftotext may join the word itself
    broken = re.findall(r"[a-z]+-\n[a-z]+", text)
    long_words = set(LONG.split())
    assert not [w for w in broken if w.replace("-\n", "") in long_words]
    joined = re.sub(r"\u00ad\s*", "", text)
    for word in long_words:
        # 8 times in each of the two paragraphs; a word broken over a page break has the
        # running head between its halves
        assert joined.count(word) >= 14, word


@pytest.mark.slow
@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("tool", EXTRACTORS)
def test_a_soft_hyphen_that_breaks_no_line_leaves_no_trace(built, name, tool):
    """casepress puts soft hyphens into every long word before layout (pdf/hyphenation.py);
    only those where a line breaks may reach the text layer, at the end of the line: each
    long word that sits inside a line is found whole, as a reader searches for it."""
    text = EXTRACTORS[tool](built[name])
    line_end = r"[\n ]" if tool == "pypdf" else r"\n"  # pypdf joins some lines with a space
    assert re.findall(rf"\w+\u00ad(?!{line_end})\w*", text) == []
    for word in set(LONG.split()):
        whole = re.findall(rf"(?<![\w\u00ad]){word}(?![\w\u00ad])", text)
        assert len(whole) >= 3, (word, len(whole))


@pytest.mark.slow
@pytest.mark.parametrize("tool", EXTRACTORS)
def test_the_kicker_extracts_as_its_words(built, tool):
    first_page = pdftotext(built["base-brief"], "-l", "1") if tool == "pdftotext" else (
        PdfReader(built["base-brief"]).pages[0].extract_text())  # fmt: skip
    assert "CASE STUDY" in first_page
    assert "C A S E" not in first_page


def folios(path: Path) -> list[str]:
    """The folio pdftotext finds at each page's foot (last non-blank line), or ""."""
    found = []
    for number in range(1, len(PdfReader(path).pages) + 1):
        lines = [ln for ln in pdftotext(path, "-layout", "-f", str(number), "-l", str(number))
                 .splitlines() if ln.strip()]  # fmt: skip
        last = lines[-1].split() if lines else []
        tail = last[-1] if last else ""
        found.append(tail if re.fullmatch(r"\d{1,3}|[ivxlc]+", tail) else "")
    return found


def labels(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [pikepdf.Page(page).label for page in pdf.pages]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in OUTPUTS if "handbook" in n] + [
    "base-handbook-split", "azimut-handbook-single"])  # fmt: skip
def test_handbook_page_labels_match_the_printed_folios(built, name):
    printed, labelled = folios(built[name]), labels(built[name])
    assert len(printed) == len(labelled)
    assert [label for label, folio in zip(labelled, printed, strict=True) if folio] == [
        folio for folio in printed if folio]  # fmt: skip
    assert labelled[0] == "i" and "1" in labelled
    first_body = labelled.index("1")
    assert all(re.fullmatch(r"[ivxlc]+", label) for label in labelled[:first_body])
    assert labelled[first_body:] == [str(n) for n in range(1, len(labelled) - first_body + 1)]


@pytest.mark.slow
def test_split_and_single_pass_handbooks_have_the_same_labels(built):
    for theme in ("base", "azimut"):
        assert labels(built[f"{theme}-handbook-split"]) == labels(built[f"{theme}-handbook-single"])


@pytest.mark.slow
def test_brief_pages_are_labelled_from_1(built):
    for name in ("base-brief", "azimut-brief"):
        assert labels(built[name]) == [str(n) for n in range(1, len(labels(built[name])) + 1)]


@pytest.mark.slow
def test_every_annotation_prints_and_qpdf_finds_nothing_wrong(built):
    for name, path in built.items():
        with pikepdf.open(path) as pdf:
            annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
            assert all(int(a.get("/F", 0)) & 4 for a in annotations), name
            if "handbook" in name:
                assert annotations, name
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, (name, check.stdout, check.stderr)


def test_label_ranges_from_folios():
    """Unnumbered pages continue the numbering around them; the cover counts back."""
    folios = [None, ("lower-roman", 2), ("lower-roman", 3), None, ("decimal", 1), None,
              ("decimal", 3)]  # fmt: skip
    assert label_ranges(folios) == [(0, "/r", 1), (4, "/D", 1)]
    assert label_ranges([None, None]) == [(0, "/D", 1)]
    assert label_ranges([None, ("decimal", 1)]) == [(0, "", 0), (1, "/D", 1)]


def test_the_hyphen_hooks_fit_this_weasyprint():
    """pdf/hyphens.py wraps two private WeasyPrint functions: a WeasyPrint whose functions
    differ must be noticed here, not by readers finding U+2010 again."""
    from casepress.pdf import hyphens

    assert hyphens.hooks_problem() is None
    assert hyphens.install()
