"""A brief's last-page fill foretells its handbook chapter's page count (pdf/pagefill.py).

A split handbook guesses a chapter's pages from its brief's before laying it out; a wrong
guess lays out again the units beside it. The chapter differs from the brief by one thing
in the built-in theme: its pages are named (``page: main``), and WeasyPrint 70 then keeps
the top margin of a block that opens a page, where the brief's page drops it.
"""

from __future__ import annotations

import pytest
from weasyprint import CSS, HTML

from casepress.pdf.pagefill import last_page_fill

SHEET = CSS(
    string="@page { size: 200px 300px; margin: 0 } body, main, div, article, section "
    "{ margin: 0; padding: 0 } .line { height: 20px } section { margin-top: 40px }"
)


def _document(lines_after: int, *, named: bool):
    """A page full of 20 px blocks, then a section with a 40 px top margin opening the
    second page; as a brief, or as a chapter's named pages."""
    article = (
        '<article>' + '<div class="line"></div>' * 15
        + "<section>" + '<div class="line"></div>' * lines_after + "</section></article>"
    )  # fmt: skip
    if named:
        article = f'<div style="page: main">{article}</div>'
    return HTML(string=f"<html><body><main>{article}</main></body></html>").render(
        stylesheets=[SHEET]
    )


@pytest.mark.parametrize(("lines_after", "fill"), [(12, 0.933), (13, 1.0), (14, 1.067)])
def test_a_fill_above_one_foretells_one_page_more_as_a_chapter(lines_after, fill):
    brief = _document(lines_after, named=False)
    chapter = _document(lines_after, named=True)
    assert len(brief.pages) == 2
    # the 40 px margin the brief dropped at its second page's top counts
    assert last_page_fill(brief) == fill
    assert len(chapter.pages) == len(brief.pages) + (fill > 1)


def test_a_page_that_continues_a_block_has_no_margin_to_add():
    brief = _document(25, named=False)  # the section runs on from page 2 to page 3
    assert len(brief.pages) == 3
    assert last_page_fill(brief) == round(10 * 20 / 300, 3)  # its margin is on page 2


def test_no_pages_no_fill():
    assert last_page_fill(HTML(string="").render(stylesheets=[SHEET])) in (None, 0.0)
