"""The browsable library (build/site/): every case listed and linked, the PDFs beside them,
pages that parse as HTML, and filters that work in a real browser from file://."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest

from browser import Browser, chromium_path
from casepress import build_project, load_project
from casepress.build.driver import build_site
from conftest import copy_project

TITLES = {
    "alpha-police": "Community policing in Ghana",
    "beta-justice": "Transitional justice in Colombia",
    "gamma-defence": "Defence reform in Liberia and Sierra Leone",
    "delta-out": "Police reform in Georgia",
    "epsilon-bridges": "Bridging regions: an exchange programme",
}
AFRICA = {"alpha-police", "epsilon-bridges", "gamma-defence"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The handbook fixture project built as `casepress build` does, into a temporary folder."""
    root = copy_project("handbook", tmp_path_factory.mktemp("site"))
    report = build_project(load_project(root))
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return root / "build" / "site"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text("utf-8"))
    return parser.links


@pytest.mark.slow
def test_index_lists_every_case_with_its_summary_tags_and_pdf(site):
    index = (site / "index.html").read_text("utf-8")
    for case_id, title in TITLES.items():
        item = re.search(rf'<li class="case-item" id="item-{case_id}".*?</li>\s*\n', index, re.S)
        assert item, case_id
        assert f'href="cases/{case_id}.html"' in item.group()
        assert f'href="cases/{case_id}.pdf"' in item.group()
        assert f">{title}</a></h3>" in item.group()
    assert "A short summary of community policing in ghana." in index
    assert '<li class="tag tag-region">Sub-Saharan Africa</li>' in index
    assert '<li class="tag tag-country">Sierra Leone</li>' in index
    assert '<li class="tag tag-theme">Justice reform</li>' in index
    # Handbooks are listed with both editions.
    assert 'href="handbooks/course.html"' in index and 'href="handbooks/course.pdf"' in index
    assert 'href="handbooks/explicit.pdf"' in index


@pytest.mark.slow
def test_every_link_of_the_site_resolves_to_a_file_inside_it(site):
    pages = [site / "index.html", *sorted((site / "cases").glob("*.html"))]
    assert len(pages) == 1 + len(TITLES)
    checked = 0
    for page in pages:
        for href in links(page):
            parts = urlsplit(href)
            if parts.scheme or href.startswith("#"):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.name}: {href}"
            assert target.is_relative_to(site.resolve()), f"{page.name}: {href} leaves the site"
            checked += 1
    assert checked > 20
    for case_id in TITLES:  # the PDFs are the briefs, published beside their pages
        pdf = site / "cases" / f"{case_id}.pdf"
        assert pdf.read_bytes() == (site.parent / "briefs" / f"{case_id}.pdf").read_bytes()


@pytest.mark.slow
def test_case_pages_lead_back_to_the_index_and_to_their_pdf(site):
    page = (site / "cases" / "alpha-police.html").read_text("utf-8")
    assert '<nav class="site-nav"' in page and 'href="../index.html"' in page
    assert 'class="pdf-link" href="alpha-police.pdf"' in page
    assert 'id="case-alpha-police-title">Community policing in Ghana</h1>' in page


@pytest.mark.slow
def test_the_filter_data_is_embedded_so_the_index_needs_no_server(site):
    index = (site / "index.html").read_text("utf-8")
    raw = re.search(
        r'<script type="application/json" id="casepress-data">(.*?)</script>', index, re.S
    )
    data = {entry["id"]: entry for entry in json.loads(raw.group(1))}
    assert set(data) == set(TITLES)
    assert data["gamma-defence"]["countries"] == ["liberia", "sierra leone"]
    assert "sub-saharan africa" in data["alpha-police"]["regions"]
    assert "ghana" in data["alpha-police"]["text"]
    # nothing is fetched: no external script, no fetch() or XMLHttpRequest
    assert not re.search(r"<script[^>]+src=", index)
    assert "fetch(" not in index and "XMLHttpRequest" not in index
    # Without JavaScript every case is listed and the (useless) controls are hidden.
    assert '<form class="filters" id="filters" role="search" aria-label="Search" hidden>' in index
    assert not re.search(r'class="case-item"[^>]*hidden', index)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["index.html", "cases/epsilon-bridges.html"])
def test_pages_are_valid_html_readable_on_a_phone_and_printable(site, name):
    text = (site / name).read_text("utf-8")
    html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "@media (max-width: 30rem)" in text and "@media print" in text
    assert text.count("<h1") == 1


def test_pages_of_removed_cases_and_unpublished_files_are_removed(tmp_path):
    root = copy_project("handbook", tmp_path)
    project = load_project(root)
    out = tmp_path / "site"
    brief = tmp_path / "alpha-police.pdf"
    brief.write_bytes(b"%PDF-1.7 a brief")
    build_site(project, output_dir=out, pdfs={"alpha-police": brief}, handbooks={})
    assert (out / "cases" / "alpha-police.pdf").read_bytes() == b"%PDF-1.7 a brief"
    (out / "cases" / "mine.html").write_text("put here by hand")  # not casepress's
    (root / "cases" / "delta-out.yaml").unlink()

    report = build_site(load_project(root), output_dir=out, pdfs={}, handbooks={})
    assert report.failures == []
    assert (
        sorted(p.name for p in (out / "cases").iterdir())
        == sorted(
            [
                f"{case_id}{suffix}"
                for case_id in TITLES
                if case_id != "delta-out"
                for suffix in (".html", ".bib", ".csl.json")
            ]
            + ["mine.html"]
        )
    )  # the removed case's page, citations and the PDF no longer published are gone; mine.html stays
    index = (out / "index.html").read_text("utf-8")
    assert not re.search(r'href="[^"]*\.pdf"', index)  # nothing to link to
    page = (out / "cases" / "alpha-police.html").read_text("utf-8")
    assert not re.search(r'href="[^"]*\.pdf"', page)


def test_a_theme_can_replace_the_site_templates(tmp_path):
    root = copy_project("minimal", tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "site-index.html.j2").write_text(
        '{% extends "base:site-index.html.j2" %}{% block header %}<h1>Our library</h1>{% endblock %}'
    )
    build_site(load_project(root), output_dir=tmp_path / "out")
    assert "<h1>Our library</h1>" in (tmp_path / "out" / "index.html").read_text("utf-8")


CHROMIUM = chromium_path()


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/install-system-deps)"
)
def test_filters_and_search_work_in_a_real_browser_from_file(site, tmp_path):
    visible = (
        "[...document.querySelectorAll('.case-item')]"
        ".filter(item => item.getClientRects().length > 0).map(item => item.id.slice(5)).sort()"
    )

    def choose(select: str, value: str) -> None:  # as a person picking an option would
        browser.evaluate(
            f"(() => {{ const s = document.querySelector({json.dumps(select)});"
            f" s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('input', {bubbles: true}));"
            " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    with Browser(CHROMIUM) as browser:
        browser.open((site / "index.html").as_uri())
        browser.wait_until("!document.getElementById('filters').hidden")
        assert browser.evaluate(visible) == sorted(TITLES)

        choose("#filter-regions", "sub-saharan africa")
        assert browser.evaluate(visible) == sorted(AFRICA)
        assert browser.evaluate("document.getElementById('filter-status').textContent") == (
            "Cases shown: 3 of 5"
        )

        browser.type_text("#filter-q", "Liberia")  # the search narrows the region further
        assert browser.evaluate(visible) == ["gamma-defence"]

        choose("#filter-regions", "")  # search alone, accents and case ignored
        browser.evaluate("document.getElementById('filter-q').value = ''")
        browser.type_text("#filter-q", "GHÁNA")
        assert browser.evaluate(visible) == ["alpha-police"]

        browser.type_text("#filter-q", " nothing-matches-this")
        assert browser.evaluate(visible) == []
        assert browser.evaluate("document.getElementById('no-match').hidden") is False

        browser.evaluate("document.getElementById('filters').reset()")
        browser.wait_until(f"{visible}.length === 5")
        browser.screenshot(tmp_path / "index.png")  # for a person to look at when it fails


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/install-system-deps)"
)
def test_a_filtered_view_can_be_shared_by_its_address(site):
    with Browser(CHROMIUM) as browser:
        browser.open((site / "index.html").as_uri() + "#themes=police+reform&countries=ghana")
        browser.wait_until("!document.getElementById('filters').hidden")
        shown = browser.evaluate(
            "[...document.querySelectorAll('.case-item')]"
            ".filter(item => !item.hidden).map(item => item.id)"
        )
        assert shown == ["item-alpha-police"]
        assert browser.evaluate("document.getElementById('filter-themes').value") == "police reform"


def test_build_site_copies_nothing_outside_the_catalogue(tmp_path):
    """A PDF named like a case but not in the catalogue is not published."""
    root = copy_project("minimal", tmp_path)
    stray = tmp_path / "stray.pdf"
    stray.write_bytes(b"%PDF-")
    report = build_site(load_project(root), output_dir=tmp_path / "out", pdfs={"nope": stray})
    assert not (tmp_path / "out" / "cases" / "nope.pdf").exists()
    assert report.failures == []
