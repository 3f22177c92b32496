"""Citable cases in PDF (issue 17, item 5): the "Cite as" line is in the brief's text; a
draft's pages are marked and its metadata says so; a handbook leaves a draft out and the
build says so, or, with drafts: true, marks the draft's pages only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from casepress.build.driver import build_briefs, build_handbooks
from casepress.cli import main
from casepress.model.project import load_project
from citeproject import make_project
from conftest import page_texts, pdf_text

pytestmark = pytest.mark.slow
NOTICE = "DRAFT Not yet published"


def marks(page: str) -> int:
    """Draft marks at the top of a page (the notice at the top of the case is not one)."""
    text = " ".join(page.split())
    return text.count("DRAFT") - text.count(NOTICE)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = make_project(tmp_path_factory.mktemp("cite-pdf"))
    out = tmp_path_factory.mktemp("cite-pdf-out")
    report = build_briefs(load_project(root), formats=("pdf",), output_dir=out)
    assert report.failures == [] and report.errors == []
    return root, out


def test_the_brief_says_how_to_cite_it(built):
    _, out = built
    text = " ".join(pdf_text(out / "verite-et-rss-au-perou.pdf").split())
    assert (
        "Pour citer ce cas : Pérez Ríos, Ana María, Jean Dupont, et Centre for Security & Peace. "
        "2024. Recherche de la vérité et RSS au Pérou. Études de cas RSS, n° 12. Centre for "
        "Security & Peace. https://doi.org/10.1234/ssr.2024.12."
    ) in text
    assert "Collection : Études de cas RSS, n° 12" in text
    assert "DOI : https://doi.org/10.1234/ssr.2024.12" in text
    assert "BROUILLON" not in text and "VERSION PROVISOIRE" not in text


def test_a_draft_is_marked_on_every_page_and_in_its_metadata(built):
    _, out = built
    pages = page_texts(out / "a-draft-case.pdf")
    assert pages and all(marks(page) == 1 for page in pages)
    assert "DRAFT Not yet published: check with the publisher" in " ".join(pages[0].split())
    assert PdfReader(out / "a-draft-case.pdf").metadata["/Keywords"].startswith("Draft, ")
    assert not any("DRAFT" in page for page in page_texts(out / "plain-case.pdf"))
    assert not any("DRAFT" in page for page in page_texts(out / "verite-et-rss-au-perou.pdf"))


def test_a_handbook_leaves_the_draft_out_and_says_so(built, tmp_path, capsys):
    root, _ = built
    out = tmp_path / "books"
    args = ["handbook", "everything", "-C", str(root), "--format", "html", "--output", str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "handbook everything: left out 1 draft(s): a-draft-case (" in err
    assert "set drafts: true in handbook everything" in err
    html = (out / "everything.html").read_text("utf-8")
    assert "Recherche de la vérité" in html and "Police &amp; courts" not in html


def test_a_handbook_with_drafts_marks_the_drafts_pages_only(built, tmp_path):
    root, _ = built
    project = load_project(root)
    report = build_handbooks(project, names=["with-drafts"], formats=("pdf",), output_dir=tmp_path)
    assert report.failures == [] and report.errors == []
    pages = page_texts(tmp_path / "with-drafts.pdf")
    marked = [i for i, page in enumerate(pages) if marks(page)]
    draft = [i for i, page in enumerate(pages) if "Police & courts" in page]
    assert marked and set(marked) <= set(range(min(draft), max(draft) + 2))
    assert not any(marks(page) for page in pages[: min(draft)])
