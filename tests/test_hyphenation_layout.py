"""Hyphenation limits kept while lines are broken: one layout pass (issue 16, pdf/hyphenlines.py).

A narrow justified column of long words, checked to give a ladder of three hyphenated lines
on every page and a word split over a page turn when every soft hyphen may break a line
(``hyphenlines.suspended()``: what ``limit_runs`` alone faces, and does when another
WeasyPrint refuses the hooks), is laid out once with the hooks and keeps the rules.
Each layout takes about a tenth of a second: these tests stay in the quick loop.
"""

from __future__ import annotations

import contextlib

import pytest
from weasyprint import CSS, HTML

from casepress.pdf import hyphenation, hyphenlines, hyphens
from casepress.pdf.hyphenation import MAX_RUN, SOFT

TEXT = (
    "Parliamentary committees demanded accountability from the intelligence directorate, "
    "whose institutional independence considerably complicated democratic oversight. "
    "International organisations supported transformation programmes, establishing "
    "documentation procedures, investigative capabilities and administrative "
    "responsibilities throughout the communities concerned. "
)
HTML_TEXT = '<html lang="en"><body>' + f"<p>{TEXT * 2}</p>" * 3 + "</body></html>"
STYLE = (
    "@page { size: 70mm 80mm; margin: 8mm }"
    "p { font-family: serif; font-size: 9pt; line-height: 1.3; text-align: justify;"
    " hyphens: manual; hyphenate-character: '-'; orphans: 1; widows: 1; margin: 0 }"
)


@pytest.fixture(scope="module")
def css() -> CSS:
    hyphens.install()
    assert hyphenlines.install(), hyphenlines.hooks_problem()
    return CSS(string=STYLE)


def _faults(document) -> tuple[int, int]:
    """(longest run of lines ending in a hyphen on a page, words split over a page turn)."""
    _, pages = hyphenation.laid_out_text(document)
    longest = splits = 0
    for lines in pages:
        run = 0
        for _, broken, _ in lines:
            run = run + 1 if broken else 0
            longest = max(longest, run)
        splits += bool(lines and lines[-1][1])
    return longest, splits


def _lay_out(css: CSS, plain: bool):
    """``limit_runs`` over the text, counting the layout passes; and the first pass."""
    passes: list = []

    def lay_out(source: str):
        with hyphenlines.suspended() if plain else contextlib.nullcontext():
            passes.append(HTML(string=source).render(stylesheets=[css]))
        return passes[-1]

    document = hyphenation.limit_runs(hyphenation.prehyphenate(HTML_TEXT), lay_out)
    return document, passes


@pytest.fixture(scope="module")
def plain(css):
    return _lay_out(css, plain=True)


@pytest.fixture(scope="module")
def hooked(css):
    return _lay_out(css, plain=False)


def test_the_column_has_ladders_and_a_page_turn_split_when_every_soft_hyphen_breaks(plain):
    document, passes = plain
    longest, splits = _faults(passes[0])
    assert longest > MAX_RUN and splits >= 1
    assert len(passes) > 1  # limit_runs alone lays the document out again...
    assert _faults(document) == (MAX_RUN, 0)  # ...to mend them


def test_hooked_layout_keeps_the_rules_in_one_pass(hooked):
    document, passes = hooked
    assert len(passes) == 1
    assert _faults(document) == (MAX_RUN, 0)


def test_hidden_soft_hyphens_stay_in_the_text(hooked):
    """A line laid out with its soft hyphens hidden keeps them in its text (the text layer
    and ``pdf/hyphens.py`` read it): all of the source's soft hyphens, all of its words."""
    text, _ = hyphenation.laid_out_text(hooked[0])
    assert text.count(SOFT) == hyphenation.prehyphenate(HTML_TEXT).count(SOFT)
    words = " ".join(text.replace(SOFT, "").split())
    assert words == " ".join([" ".join((TEXT * 2).split())] * 3)


def _text_style(css: CSS):
    document = HTML(string='<p lang="en">x</p>').render(stylesheets=[css])
    boxes = [document.pages[0]._page_box]
    while boxes:
        box = boxes.pop()
        if type(box).__name__ == "TextBox":
            return box.style
        boxes.extend(getattr(box, "children", ()))
    raise AssertionError("no text box")


class _Context:
    dictionaries: dict = {}
    font_config = None


def _split(css: CSS, text: str, width: float, hide: bool):
    from weasyprint.layout import inline

    token = hyphenlines._HIDE.set(hide)
    try:
        layout, length, resume, *_ = inline.split_first_line(
            text, _text_style(css), _Context(), width, 0
        )
    finally:
        hyphenlines._HIDE.reset(token)
    return layout.text, length, resume


def test_hidden_soft_hyphens_break_at_the_space_and_map_back(css):
    text = f"an extra{SOFT}ordi{SOFT}nary vio{SOFT}lence"
    assert _split(css, text, 100, hide=False)[0].startswith(f"an extra{SOFT}")
    line, length, resume = _split(css, text, 100, hide=True)
    assert line == "an" and length == 2 and resume == 3
    line, length, resume = _split(css, text, 150, hide=True)
    assert line == f"an extra{SOFT}ordi{SOFT}nary"
    assert length == len(f"an extra{SOFT}ordi{SOFT}nary".encode()) and resume == length + 1


def test_a_word_too_wide_for_the_line_still_breaks_at_a_soft_hyphen(css):
    text = f"respon{SOFT}si{SOFT}bil{SOFT}i{SOFT}ties of all"
    line, _, resume = _split(css, text, 40, hide=True)
    assert line.endswith("-") and SOFT in line and resume is not None


def test_original_offset_skips_soft_hyphens():
    text = f"ab{SOFT}cd é{SOFT}f"
    assert hyphenlines._original_offset(text, 2) == 2  # before the soft hyphen
    assert hyphenlines._original_offset(text, 3) == 5
    assert hyphenlines._original_offset(text, len("abcd éf".encode())) == len(text.encode())
