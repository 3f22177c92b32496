"""Page flow, measure and hyphenation, read back from the PDFs (issue 14, items 3 and 4).

Every PDF here is built once per module (the sample project in A4, Letter and A5, with the
azimut theme, its handbook, and a synthetic library of 20 cases with its handbook), then
measured with ``pdftotext -bbox-layout`` (tests/layoutprobe.py):

- body text: 60-75 characters a line (median; p90 at most 80) in every page size;
- at most 2 consecutive lines ending in a hyphen; no hyphen and no one-word last line in a
  case title;
- no text page but the last of a brief or a handbook chapter more than 25% empty (cover,
  imprint, contents, part dividers and indexes are furniture, not text pages);
- the "Region(s) or Country(ies)" panel never alone on a page; a lesson split over two
  pages keeps at least two lines of text with its lead-in.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import statistics
from pathlib import Path

import pytest

from casepress import build_briefs, build_handbooks, load_cases, load_project
from casepress.pdf.hyphenation import hyphenate_word, prehyphenate, unhyphenate
from conftest import ROOT
from layoutprobe import MM, body_height, body_lines, emptiness, hyphen_runs, measure, read_pages

pytestmark = pytest.mark.slow

# Content-area top and bottom margins (mm) of the built-in page and of azimut's theme.yaml.
MARGINS = {"base": (22, 24), "azimut": (16, 20)}


def _build(out: Path, project_dir: Path, *, handbooks: bool = False, **overrides) -> dict:
    project = load_project(project_dir, output_dir=out, **overrides)
    report = build_briefs(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    pdfs = {"briefs": sorted((out / "briefs").glob("*.pdf")), "handbooks": []}
    if handbooks:
        report = build_handbooks(project, output_dir=out, formats=("pdf",), jobs=1)
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        pdfs["handbooks"] = sorted((out / "handbooks").glob("*.pdf"))
    return pdfs


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, dict]:
    """name → {"briefs": [pdf...], "handbooks": [pdf...], "theme": "base"|"azimut"}."""
    found: dict[str, dict] = {}
    for name, overrides in [
        ("A4", {}),
        ("Letter", {"page_size": "Letter"}),
        ("A5", {"page_size": "A5"}),
    ]:
        out = tmp_path_factory.mktemp(f"flow-{name}")
        found[name] = _build(out, ROOT, handbooks=name == "A4", **overrides)
        found[name]["theme"] = "base"
    out = tmp_path_factory.mktemp("flow-azimut")
    found["azimut"] = _build(out, ROOT, handbooks=True, theme="azimut")
    found["azimut"]["theme"] = "azimut"
    found["synthetic"] = _synthetic(tmp_path_factory.mktemp("flow-syn"))
    found["synthetic"]["theme"] = "base"
    return found


def _synthetic(folder: Path) -> dict:
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks/synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    project = synthetic.make_project(20, folder / "project", seed=14)
    return _build(folder / "out", project, handbooks=True)


def _all(builds, *names, kinds=("briefs", "handbooks")):
    for name in names:
        for kind in kinds:
            for pdf in builds[name][kind]:
                yield name, kind, pdf


@pytest.mark.parametrize("size", ["A4", "Letter", "A5", "azimut", "synthetic"])
def test_body_text_sets_60_to_75_characters_a_line(builds, size):
    for _, _, pdf in _all(builds, size):
        median, p90 = measure(read_pages(pdf))
        assert 60 <= median <= 75, f"{size} {pdf.name}: median {median} characters a line"
        assert p90 <= 80, f"{size} {pdf.name}: p90 {p90} characters a line"


def test_at_most_two_hyphenated_lines_in_a_row(builds):
    for name, _, pdf in _all(builds, "A4", "Letter", "A5", "azimut", "synthetic"):
        for page in read_pages(pdf):
            total, longest = hyphen_runs(page)
            assert longest <= 2, f"{name} {pdf.name} p. {page.number}: {longest} in a row"


def test_hyphenation_spares_short_words_and_names():
    assert "\u00ad" not in hyphenate_word("police", "en")  # under 7 letters
    assert "\u00ad" not in hyphenate_word("Fujimori", "es")  # a proper name
    assert hyphenate_word("representatives", "en").split("\u00ad")[0] == "rep"
    for word in ("representatives", "fundamental", "démobilisation", "gouvernement"):
        parts = hyphenate_word(word, "fr" if "é" in word or "gouv" in word else "en")
        parts = parts.split("\u00ad")
        assert len(parts) > 1 and len(parts[0]) >= 3 and len(parts[-1]) >= 3, parts


def test_only_running_text_gets_soft_hyphens():
    html = (
        '<article lang="en"><h1 class="case-title">Parliamentary oversight</h1>'
        '<p class="kicker">Transitional</p><p>Parliamentary committees gained formal '
        'powers <a href="x">documentation</a> <cite>Oversight mechanisms</cite></p>'
        '<div class="tags-panel"><dl><dd>Transitional justice</dd></dl></div></article>'
    )
    out = prehyphenate(html)
    assert "com\u00admit\u00adtees" in out
    assert out.count("\u00ad") == 2  # committees only: 'Parliamentary' is capitalised
    assert unhyphenate(out, {"committees"}) == html


def _title_lines(pdf: Path) -> list[str]:
    """Lines of the case title on page 1: the largest text on it."""
    pages = read_pages(pdf)
    body = body_height(pages)
    lines = [line for line in pages[0].lines if line.height > 1.8 * body]
    return [line.text for line in lines]


def test_titles_do_not_hyphenate_or_end_in_one_word(builds):
    for name, _, pdf in _all(builds, "A4", "Letter", "A5", "azimut", "synthetic", kinds=["briefs"]):
        lines = _title_lines(pdf)
        assert lines, f"{name} {pdf.name}: no title found"
        assert not any(re.search(r"[\u2010-]$", line) for line in lines), (name, lines)
        if len(lines) > 1:
            assert len(lines[-1].split()) >= 2, f"{name} {pdf.name}: {lines}"


def _chapter_starts(pages, body: float) -> set[int]:
    """Pages that open a case: they carry a title-sized line."""
    return {page.number for page in pages if any(line.height > 1.8 * body for line in page.lines)}


def _text_pages(pdf: Path):
    """(page, is the last page of its brief or chapter) for each text page."""
    pages = read_pages(pdf)
    body = body_height(pages)
    texty = {n for n, _ in body_lines(pages)}
    counts = {n: sum(1 for m, _ in body_lines(pages) if m == n) for n in texty}
    starts = _chapter_starts(pages, body)
    for page in pages:
        if counts.get(page.number, 0) < 4:
            continue  # cover, imprint, contents, part divider, index: furniture
        following = page.number + 1
        last = (
            following > len(pages)
            or following in starts
            or counts.get(following, 0) < 4  # an index, a blank verso, a part divider
        )
        yield page, last


def test_no_text_page_is_left_more_than_a_quarter_empty(builds):
    for name, _kind, pdf in _all(builds, "A4", "azimut", "synthetic"):
        top, bottom = MARGINS[builds[name]["theme"]]
        for page, last in _text_pages(pdf):
            if last:
                continue
            empty = emptiness(page, top * MM, bottom * MM)
            assert empty <= 0.25, f"{name} {pdf.name} p. {page.number}: {empty:.0%} empty"


PANEL_HEADINGS = ("Region(s) or Country(ies)", "Région(s) ou pays", "Región(es) o país(es)")


def test_tags_panel_never_alone_on_a_page(builds):
    for name, _, pdf in _all(builds, "A4", "Letter", "A5", "azimut", "synthetic"):
        top, bottom = MARGINS[builds[name]["theme"]]
        for page in read_pages(pdf):
            lines = [ln for ln in page.lines if top * MM - 2 <= ln.y0 <= page.height - bottom * MM]
            for i, line in enumerate(lines):
                if any(line.text.startswith(h[:12]) for h in PANEL_HEADINGS):
                    assert i > 0, f"{name} {pdf.name} p. {page.number}: the panel opens the page"


def _lead_ins() -> list[str]:
    catalogue = load_cases(load_project(ROOT))
    titles = [lesson.title for case in catalogue.cases for lesson in case.lessons]
    return [re.sub(r"<[^>]+>", "", str(title)) for title in titles if title]


def test_a_split_lesson_keeps_two_lines_with_its_lead_in(builds):
    titles = {re.sub(r"\s+", " ", title)[:24]: len(title) for title in _lead_ins()}
    checked = 0
    for name, _, pdf in _all(builds, "A4", "Letter", "A5", "azimut"):
        top, bottom = MARGINS[builds[name]["theme"]]
        for page in read_pages(pdf):
            lines = [ln for ln in page.lines if ln.y1 <= page.height - bottom * MM + 2]
            for i, line in enumerate(lines):
                text = re.sub(r"^\d+\s+", "", line.text)  # the lesson number badge
                length = next((n for start, n in titles.items() if text.startswith(start)), 0)
                if not length:
                    continue
                checked += 1
                rest = lines[i + 1 :]
                while rest and len(text) < length - 2:  # the lead-in's own further lines
                    text += " " + rest.pop(0).text
                assert len(rest) >= 2, f"{name} {pdf.name} p. {page.number}: {text!r} ends it"
    assert checked > 10


def test_measure_figures_are_stable_across_briefs(builds):
    """The same grid everywhere: briefs of one page size differ by a few characters."""
    medians = [measure(read_pages(pdf))[0] for _, _, pdf in _all(builds, "A4", kinds=["briefs"])]
    assert max(medians) - min(medians) <= 5, medians
    assert statistics.median(medians) >= 62


def test_pdftotext_is_installed():
    assert shutil.which("pdftotext"), "install poppler-utils (README: Set-up)"
