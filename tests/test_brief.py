"""Briefs read back as a reader sees them: text, order, pages, bookmarks, fonts, metadata."""

import re

import pytest
from pypdf import PdfReader

from conftest import SEED, outline, page_texts, pdf_text, squash

pytestmark = pytest.mark.slow  # every test renders PDFs or starts processes

PERU = "truth-seeking-and-ssr-in-peru"
SECTIONS = ["Context", "Entry point", "Lessons learned", "Outcome", "Further resources",
            "Region(s) or Country(ies)"]  # fmt: skip
PERU_LEADS = [
    "Importance of addressing past crimes",
    "Role of international human rights institutions",
    "Civil society engagement",
]


def in_order(text: str, needles: list[str]) -> bool:
    position = 0
    for needle in needles:
        position = text.find(needle, position)
        if position < 0:
            return False
    return True


def test_every_sample_case_has_a_pdf_and_an_html_brief(sample_build):
    names = sorted(p.name for p in sample_build.iterdir())
    assert names == sorted(
        f"{case}.{ext}"
        for case in (
            PERU,
            "police-reform-in-sierra-leone",
            "defence-oversight-in-indonesia",
            "verite-et-rss-au-perou",
        )
        for ext in ("pdf", "html")
    )


def test_sections_and_lesson_lead_ins_appear_in_order(sample_build):
    text = pdf_text(sample_build / f"{PERU}.pdf")
    assert in_order(
        text, ["Truth-seeking and SSR in Peru", *SECTIONS[:3], *PERU_LEADS, *SECTIONS[3:]]
    )


def test_every_sentence_of_the_seed_is_in_the_brief(sample_build):
    seed = SEED.read_text("utf-8").replace("\u00a0", " ").replace("signifi cant", "significant")
    body = seed.split("\n", 1)[1].rsplit("Region(s) or Country(ies)", 1)[0]
    # "Lead-in — text": the brief sets the lead-in apart as a heading
    body = re.sub(r"^([^\n.]{3,80}?) \u2014 ", r"\1\n", body, flags=re.M)
    text = pdf_text(sample_build / f"{PERU}.pdf")
    # a sentence may run over a page break: leave out the furniture between the pages, and
    # the numbers of the lessons that start on the next page (floats: WeasyPrint draws them
    # before the page's text, so pypdf reads them first)
    text = re.sub(
        r"Casepress sample library Page \d+ of \d+(?: \d{1,2}\b)*( Truth-seeking and SSR in Peru)?",
        "",
        text,
    )
    sentences = [
        s.strip() for s in re.split(r"(?<=[.;])\s+|\n", normalise_lines(body)) if s.strip()
    ]
    assert len(sentences) > 20
    missing = [s for s in sentences if squash(s) not in squash(text)]
    assert missing == []


def normalise_lines(text: str) -> str:
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)  # hard line breaks inside a paragraph


def test_page_count_is_sane_and_running_furniture_is_there(sample_build):
    pages = page_texts(sample_build / f"{PERU}.pdf")
    assert 1 <= len(pages) <= 3
    assert pages[0].endswith(f"Page 1 of {len(pages)}")
    assert "Casepress sample library" in pages[0]
    # the running head repeats the title from page 2 on, not on the title page
    assert pages[0].count("Truth-seeking and SSR in Peru") == 1
    assert "Truth-seeking and SSR in Peru" in pages[1]
    pdfs = sorted(sample_build.glob("*.pdf"))
    assert len(pdfs) == 4
    for path in pdfs:
        assert 1 <= len(PdfReader(path).pages) <= 6, path.name


def test_metadata_title_subject_keywords_language(sample_build):
    reader = PdfReader(sample_build / f"{PERU}.pdf")
    info = reader.metadata
    assert info.title == "Truth-seeking and SSR in Peru"
    assert info.subject.startswith("After the fall of the Fujimori regime in 2001")
    assert info["/Keywords"] == (
        "Latin America and the Caribbean, Peru, Transitional justice, Security sector reform, Civil society"
    )
    assert info.author == "Casepress sample library"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_fonts_are_embedded(sample_build):
    reader = PdfReader(sample_build / f"{PERU}.pdf")
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"].split("+", 1)[1]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    assert {"Source-Serif-Pro", "Source-Sans-Pro-Semi-Bold"} <= set(fonts)


def test_bookmarks_follow_the_sections_and_land_on_their_pages(sample_build):
    path = sample_build / f"{PERU}.pdf"
    marks = outline(path)
    assert [(d, t) for d, t, _ in marks] == [
        (0, "Truth-seeking and SSR in Peru"),
        (1, "Context"), (1, "Entry point"), (1, "Lessons learned"),
        *[(2, lead) for lead in PERU_LEADS],
        (1, "Outcome"), (1, "Further resources"), (1, "Region(s) or Country(ies)"),
    ]  # fmt: skip
    pages = page_texts(path)
    for _, title, page in marks:
        assert title in pages[page - 1], (title, page)


def test_html_brief_is_standalone_semantic_and_responsive(sample_build):
    html = (sample_build / f"{PERU}.html").read_text("utf-8")
    assert '<html lang="en">' in html
    assert '<meta name="viewport"' in html
    assert "<style>" in html and "@media (max-width" in html
    # nothing to fetch (a translation's <link rel="alternate"> is an address, not a load)
    assert not re.search(r'<link(?! rel="alternate" hreflang=)', html) and "<script" not in html
    assert html.count("<h1") == 1
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings == SECTIONS
    assert f'href="{PERU}.pdf"' in html


def test_footnotes_and_case_links_in_a_brief(minimal_build):
    html = (minimal_build / "minimal-case.html").read_text("utf-8")
    assert 'href="second-case.html"' in html  # [text](case:second-case)
    assert 'id="minimal-case-fn-1"' in html and 'href="#minimal-case-fnref-1"' in html
    text = pdf_text(minimal_build / "minimal-case.pdf")
    assert "The note." in text and "See also" in text and "Second case" in text
    assert "Does a question lead-in keep its mark?" in text


def test_output_is_reproducible(sample_build, tmp_path):
    from casepress import build_briefs, load_project
    from conftest import ROOT

    build_briefs(load_project(ROOT, output_dir=tmp_path), formats=("pdf",))
    first = sorted(p.name for p in sample_build.glob("*.pdf"))
    assert sorted(p.name for p in (tmp_path / "briefs").glob("*.pdf")) == first
    assert len(first) == 4
    for name in first:
        assert (tmp_path / "briefs" / name).read_bytes() == (sample_build / name).read_bytes(), name


def test_see_also_links_in_a_pdf_open_the_sibling_brief_relatively(minimal_build):
    reader = PdfReader(minimal_build / "minimal-case.pdf")
    actions = [
        annotation.get_object()["/A"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    remote = [a for a in actions if a["/S"] == "/GoToR"]
    assert remote and all(a["/F"] == "second-case.pdf" for a in remote)
    assert not [a for a in actions if str(a.get("/URI", "")).startswith("file:")]
