"""A word split over a page turn by a line moved after the lines were broken (``widows``)
is mended on its page, in the first layout, as a second layout would (pdf/pageturn.py).

``pdf/hyphenlines.py`` keeps soft hyphens out of the line it sees will end a page; here
``widows: 2`` then takes that line to the next page, and the line before it, hyphenated,
ends the page. Each layout of this short text takes a tenth of a second: quick loop.
"""

from __future__ import annotations

import pytest
from weasyprint import CSS, HTML

from casepress.pdf import hyphenation, hyphenlines, hyphens, pageturn

WORDS = (
    "documentation investigative concerned. oversight. accountability organisations the "
    "complicated democratic administrative International demanded throughout "
    "responsibilities transformation institutional independence whose the committees "
    "intelligence considerably communities directorate, procedures, Parliamentary from and "
    "supported capabilities programmes, establishing"
)
HTML_TEXT = '<html lang="en"><body>' + f"<p>{WORDS}</p>" * 2 + "</body></html>"
STYLE = (
    "@page { size: 70mm 73mm; margin: 8mm }"
    "p { font-family: serif; font-size: 9pt; line-height: 1.3; text-align: justify;"
    " hyphens: manual; hyphenate-character: '-'; orphans: 2; widows: 2; margin: 0 0 4pt }"
)


@pytest.fixture(scope="module")
def css() -> CSS:
    hyphens.install()
    assert hyphenlines.install(), hyphenlines.hooks_problem()
    assert pageturn.install(), pageturn.hooks_problem()
    return CSS(string=STYLE)


def _split_pages(document) -> list[int]:
    """Pages whose last line ends inside a word."""
    _, pages = hyphenation.laid_out_text(document)
    return [number for number, lines in enumerate(pages) if lines and lines[-1][1]]


def _passes(css: CSS, *, mend: bool):
    """The document ``limit_runs`` gives, and each layout it asked for."""
    passes: list = []

    def lay_out(source: str):
        if mend:
            passes.append(HTML(string=source).render(stylesheets=[css]))
        else:
            with pageturn.suspended():
                passes.append(HTML(string=source).render(stylesheets=[css]))
        return passes[-1]

    return hyphenation.limit_runs(hyphenation.prehyphenate(HTML_TEXT), lay_out), passes


def test_widows_leave_a_split_word_that_took_a_second_layout(css):
    document, passes = _passes(css, mend=False)
    assert _split_pages(passes[0]) == [0]
    assert len(passes) == 2 and _split_pages(document) == []


def test_the_split_word_is_mended_in_the_first_layout_with_the_same_bytes(css):
    before = pageturn.mended["pages"]
    document, passes = _passes(css, mend=True)
    assert len(passes) == 1 and _split_pages(document) == []
    assert pageturn.mended["pages"] == before + 1
    again, _ = _passes(css, mend=False)
    assert document.write_pdf() == again.write_pdf()


def test_the_change_is_installed_in_this_weasyprint():
    assert pageturn.hooks_problem() is None
