"""Split handbooks before any layout: the HTML cut into units, what the CSS asks of a split,
the named strings read from HTML, cross-unit page numbers, and the page-count guesses.

Nothing here renders a PDF: units.py and the planning half of assemble.py are pure text.
"""

from types import SimpleNamespace

import pytest
import tinycss2

from casepress import load_cases, load_project
from casepress.build.context import with_theme_defaults
from casepress.build.split import OVERFLOW_FILL, SplitHandbook, SplitJob
from casepress.model.editions import plan_handbook
from casepress.pdf.units import (
    cross_unit_css,
    css_string,
    cut,
    format_counter,
    matches,
    predict_strings,
    running_selectors,
    why_not_split,
)
from casepress.render.renderer import Renderer, sheet_text
from casepress.theme.chain import theme_for
from conftest import PROJECTS

HEAD = '<!DOCTYPE html>\n<html lang="en">\n<head><title>T</title></head>\n<body class="handbook">'
FRONT = (
    '<div class="running-footer"><span class="footer-text">House</span></div>\n'
    '<header class="cover"><h1 class="cover-title">Book</h1></header>\n'
    '<nav class="contents" id="contents"><a href="#case-a">A</a> <a href="#part-1">P</a>'
    ' <a href="#case-a">again</a></nav>\n'
    '<main id="main">\n<section class="introduction" id="introduction"><p>Intro</p></section>\n'
)
PART = '<section class="part" id="part-1"><h1>Part one</h1><a href="#case-a">A</a></section>'
CHAPTER_A = (
    '<div class="chapter"><article class="case" id="case-a" lang="en">'
    '<h2 id="a-title">A &amp; co</h2><img src="x.png" alt="x"><br/>'
    '<p title="1 > 0">see <a class="case-ref" href="#case-b">B</a></p></article></div>'
)
CHAPTER_B = '<div class="chapter"><article class="case" id="case-b"><h2>B</h2></article></div>'
INDEX = '<section class="index" id="index-countries"><h1>Countries</h1></section>'


def book(*body: str, after: str = "", front: str = FRONT) -> str:
    inner = "\n".join(body)
    return (
        f'{HEAD}\n{front}<div class="body-matter">\n{inner}\n</div>\n</main>\n{after}'
        "</body>\n</html>\n"
    )


SIMPLEX = SimpleNamespace(edition=SimpleNamespace(duplex=False))
DUPLEX = SimpleNamespace(edition=SimpleNamespace(duplex=True))


# -- cut ------------------------------------------------------------------------------------
def test_a_handbook_is_cut_into_the_front_matter_and_each_child_of_the_body_matter():
    html = book(PART, CHAPTER_A, CHAPTER_B, INDEX)
    units = cut(html)
    assert units.head == HEAD
    assert units.wrappers == [("main", '<main id="main">'), ("div", '<div class="body-matter">')]
    assert [u.name for u in units.body] == ["part-1", "case-a", "case-b", "index-countries"]
    assert [u.fragment for u in units.body] == [PART, CHAPTER_A, CHAPTER_B, INDEX]
    assert not any(u.front for u in units.body)
    assert units.front.front and units.front.name == "front"
    assert units.front.fragment == "\n" + FRONT
    # every byte of the book is in exactly one place: head, front, wrappers, units, closers
    assert units.open_wrappers() == '<main id="main"><div class="body-matter">'
    assert units.close_wrappers() == "</div></main>"
    assert units.close_ancestors() == "</main>"


def test_each_unit_knows_its_own_anchors_and_the_anchors_its_links_name_once_in_order():
    units = cut(book(PART, CHAPTER_A, CHAPTER_B))
    front, part, chapter, _ = [units.front, *units.body]
    assert front.ids == {"contents", "main", "introduction"}
    assert front.targets == ["case-a", "part-1"]  # the second link to case-a is not repeated
    assert part.ids == {"part-1"} and part.targets == ["case-a"]
    assert chapter.ids == {"case-a", "a-title"} and chapter.targets == ["case-b"]


def test_the_front_matters_top_level_elements_are_listed_for_running_elements():
    units = cut(book(CHAPTER_A))
    assert [t.split(">", 1)[0] + ">" for t in units.top] == [
        '<div class="running-footer">',
        '<header class="cover">',
        '<nav class="contents" id="contents">',
    ]  # <main> is still open where the body matter starts: not a top-level element here
    assert (
        units.top[0] == '<div class="running-footer"><span class="footer-text">House</span></div>'
    )


def test_a_unit_without_an_id_is_named_by_its_position():
    units = cut(book('<div class="chapter"><p>x</p></div>', CHAPTER_B, '<div class="index"></div>'))
    assert [u.name for u in units.body] == ["unit-1", "case-b", "unit-3"]


def test_only_the_class_body_matter_marks_the_body_not_a_name_that_contains_it():
    front = FRONT.replace("<p>Intro</p>", '<p class="body-matter-note" id="body-matter">Intro</p>')
    units = cut(book(CHAPTER_A, front=front))
    assert [u.name for u in units.body] == ["case-a"]
    assert 'class="body-matter-note"' in units.front.fragment


def test_comments_and_white_space_may_follow_the_body_matter():
    units = cut(book(CHAPTER_A, after="<!-- the end -->\n  \n"))
    assert [u.name for u in units.body] == ["case-a"]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<html><head></head><p>no body</p></html>", "the handbook HTML has no body"),
        (
            f"{HEAD}<main><div class='chapter'></div></main></body>",
            "the handbook template has no .body-matter element",
        ),
        (
            f'{HEAD}<div class="body-matter"></div><div class="body-matter"></div></body>',
            "the handbook template has more than one .body-matter",
        ),
        (
            book(CHAPTER_A, after='<footer class="colophon">x</footer>'),
            "something follows .body-matter in the handbook template",
        ),
        (book(CHAPTER_A, "<p>stray</p>"), "an element that does not start a page sits in the body: <p>"),
        (f'{HEAD}<main><div class="body-matter"></span></div></main></body>', "the handbook HTML does not nest: </span>"),
    ],
)  # fmt: skip
def test_a_handbook_that_cannot_be_cut_says_why(html, message):
    with pytest.raises(ValueError) as caught:
        cut(html)
    assert str(caught.value) == message
    assert why_not_split(SIMPLEX, html, []) == message


@pytest.fixture(scope="module")
def course():
    """The fixture handbook's HTML for PDF and its stylesheets (rendered, not laid out)."""
    project = load_project(PROJECTS / "handbook")
    theme = theme_for(project)
    project = with_theme_defaults(project, theme)
    catalogue = load_cases(project)
    plan = plan_handbook(project.handbooks["course"], catalogue, project)
    titles = {c.id: c.title for c in catalogue.cases}
    html = Renderer(project, theme, titles=titles).render_handbook(plan, target="pdf")
    sheets = theme.stylesheets(
        "pdf", page_size=project.page_size, document="handbook", profile=project.profile
    )
    return plan, html, [sheet_text(sheet, theme.roots) for sheet in sheets]


def test_the_built_in_handbook_template_cuts_into_parts_chapters_and_indexes(course):
    plan, html, texts = course
    units = cut(html)
    assert [u.name for u in units.body] == [
        "part-sub-saharan-africa", "case-alpha-police", "case-gamma-defence",
        "part-latin-america-and-the-caribbean", "case-epsilon-bridges", "case-beta-justice",
        "index-countries",  # both indexes: one unit, so that short ones share a page
    ]  # fmt: skip
    assert {"index-countries", "index-themes"} <= units.body[-1].ids
    assert [name for name, _ in units.wrappers] == ["main", "div"]
    assert "introduction" in units.front.ids and "contents" in units.front.ids
    # the contents link to every chapter: all of them live in other units
    assert {"case-alpha-police", "case-beta-justice"} <= set(units.front.targets)
    assert why_not_split(plan, html, texts) is None


def test_the_built_in_template_printed_duplex_is_laid_out_in_one_pass(course):
    _, html, texts = course
    reason = why_not_split(DUPLEX, html, texts)
    assert reason == (
        "it is printed on both sides (duplex, or the print profile): blank pages "
        "depend on the whole book's page parity"
    )


# -- what CSS asks of a split -------------------------------------------------------------
DUPLEX_REASON = why_not_split(DUPLEX, book(CHAPTER_A), [])


def test_a_duplex_body_class_is_enough_to_refuse_a_split():
    html = book(CHAPTER_A).replace('<body class="handbook">', '<body class="handbook duplex">')
    assert why_not_split(SIMPLEX, html, []) == DUPLEX_REASON
    assert DUPLEX_REASON.startswith("it is printed on both sides")


@pytest.mark.parametrize(
    ("css", "found"),
    [
        ("@page { @bottom-right { content: counter(page) ' of ' counter(pages) } }",
         "page totals or cross-document counters"),
        ("@page :left { margin-left: 3cm }", "left and right pages"),
        ("@page chapter:right { margin-left: 3cm }", "left and right pages"),
        (".case-ref::after { content: target-text(attr(href)) }", "target-text"),
        (".case-ref::after { content: target-counter(attr(href), chapter) }", "target-counter"),
        ("@media print { h2::after { content: counter(pages) } }", "counter(pages"),
        ("h2::after { content: target-counters(attr(href), section, '.') }", "target-counters"),
    ],
)  # fmt: skip
def test_styles_a_split_cannot_honour_keep_the_book_in_one_pass(css, found):
    reason = why_not_split(SIMPLEX, book(PART, CHAPTER_A), [css])
    assert reason == f"its styles use {found}, which one document per chapter cannot resolve"


@pytest.mark.parametrize(
    "css",
    [
        # page numbers of links are handed from unit to unit: this is what a split supports
        "a.case-ref::after { content: ' (p. ' target-counter(attr(href), page) ')' }",
        "a::after { content: target-counter(attr(href), page, lower-roman) }",
        # rules that cannot apply: screen only, or a class the book does not use
        "@media screen { h2::after { content: counter(pages) } }",
        ".no-such-class::after { content: counter(pages) }",
        "#no-such-id .chapter::after { content: target-text(attr(href)) }",
        # counter(page) is per page, not a total
        "@page { @bottom-center { content: counter(page) } }",
    ],
)
def test_styles_a_split_can_honour_leave_the_book_splittable(css):
    assert why_not_split(SIMPLEX, book(PART, CHAPTER_A), [css]) is None


def test_style_elements_in_the_head_count_as_much_as_stylesheets():
    html = book(CHAPTER_A).replace(
        "</head>", "<style>@page { @top-center { content: counter(pages) } }</style></head>"
    )
    assert why_not_split(SIMPLEX, html, []) == (
        "its styles use page totals or cross-document counters, "
        "which one document per chapter cannot resolve"
    )


def test_a_running_element_inside_a_chapter_keeps_the_book_in_one_pass():
    css = [
        ".footer-text { position: running(foot) } @page { @bottom-left { content: element(foot) } }"
    ]
    # in the front matter only: every unit gets a copy on its carrier page
    assert why_not_split(SIMPLEX, book(CHAPTER_A), css) is None
    chapter = CHAPTER_B.replace("<h2>", '<h2><span class="footer-text">x</span>')
    assert why_not_split(SIMPLEX, book(CHAPTER_A, chapter), css) == (
        "a part or chapter holds a running element (position: running)"
    )


def test_running_selectors_are_the_last_compound_of_each_selector():
    css = """
    header .logo, footer > span.note { position: running(foot) }
    @media print { #banner:first-child { position: running(top) } }
    @media screen { .screen-only { position: running(x) } }
    p { position: relative }
    @page { @top-center { content: element(top) } }
    """
    assert running_selectors([css]) == [".logo", "span.note", "#banner:first-child"]


@pytest.mark.parametrize(
    ("compound", "tag", "expected"),
    [
        ("span.note", '<span class="note other">', True),
        ("span.note", '<div class="note">', False),
        (".note.other", '<span class="note">', False),
        ("#banner", '<div id="banner" class="x">', True),
        ("#banner", '<div id="other">', False),
        ("#banner", "<div>", False),
        ("div:first-child", "<div>", True),  # pseudo-classes are not checked: taken as a match
        ("a[href]", '<a href="#x">', True),
        ("P", "<p>", True),  # element names are case-insensitive
    ],
)
def test_a_compound_selector_matches_an_opening_tag(compound, tag, expected):
    assert matches(compound, tag) is expected


# -- cross-unit page numbers ----------------------------------------------------------------
def test_target_counter_rules_get_twins_reading_the_number_from_an_attribute():
    css = """
    a.case-ref[href^="#"]::after { content: " (p. " target-counter(attr(href), page) ")"; color: red }
    .toc a::after { content: target-counter(attr(href), page, lower-roman) !important }
    h2 { color: blue }
    @media print { .index a { content: target-counter( attr( href ) , page ) } }
    @media screen { .x { color: red } }
    """
    twins, styles = cross_unit_css([css])
    assert styles == {"decimal", "lower-roman"}
    assert " ".join(twins.split()) == (  # white space as tinycss2 serialises it aside
        'a.case-ref[href^="#"][data-cp]::after { content: " (p. " attr(data-cp-decimal) ")"; } '
        ".toc a[data-cp]::after { content: attr(data-cp-lower-roman) !important; } "
        "@media print { .index a[data-cp] { content: attr(data-cp-decimal) ; } }"
    )
    # the twins are valid CSS that tinycss2 (WeasyPrint's parser) reads without an error
    parsed = tinycss2.parse_stylesheet(twins, skip_whitespace=True, skip_comments=True)
    assert [rule.type for rule in parsed] == ["qualified-rule", "qualified-rule", "at-rule"]


def test_styles_without_target_counters_need_no_twins():
    assert cross_unit_css(["a::after { content: counter(page) } p { margin: 0 }"]) == ("", set())


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        (4, "lower-roman", "iv"),
        (1994, "lower-roman", "mcmxciv"),
        (3999, "lower-roman", "mmmcmxcix"),
        (14, "upper-roman", "XIV"),
        (4000, "lower-roman", "4000"),  # beyond roman numerals: decimal, as CSS falls back
        (0, "upper-roman", "0"),
        (7, "decimal-leading-zero", "07"),
        (123, "decimal-leading-zero", "123"),
        (12, "decimal", "12"),
    ],
)
def test_page_numbers_are_written_in_their_counter_style(value, style, text):
    assert format_counter(value, style) == text


@pytest.mark.parametrize(
    "text",
    ['Chapter "one"', "back\\slash", "</style><script>alert(1)</script>", "tab\there\nline",
     "< space after", "<abc> hex-like letters", "Łódź & más", "\x7f", ""],
)  # fmt: skip
def test_a_css_string_reads_back_as_the_same_text_and_cannot_close_the_style(text):
    literal = css_string(text)
    assert not set("<>&\n\t") & set(literal)
    assert literal.count('"') == 2 and literal[0] == literal[-1] == '"'
    [rule] = tinycss2.parse_stylesheet(f"x {{ content: {literal} }}", True, True)
    [declaration] = tinycss2.parse_blocks_contents(rule.content, True, True)
    [token] = [t for t in declaration.value if t.type != "whitespace"]
    assert token.type == "string" and token.value == text


# -- named strings predicted from the HTML ----------------------------------------------------
def test_named_strings_are_the_last_value_each_element_gives_them():
    css = [
        "h1.cover-title { string-set: book content() }",
        "@media print { .chapter h2 { string-set: chapter content(text), running content() } }",
        "@page { @top-center { content: string(book) } }",
    ]
    fragment = (
        '<h1 class="cover-title">The   book</h1>'
        '<div class="chapter"><h2>First <em>one</em></h2></div>'
        "<h2>Outside a chapter</h2>"
        '<div class="chapter"><h2>Tom &amp; Jerry</h2></div>'
    )
    assert predict_strings(fragment, css) == {
        "book": "The book",
        "chapter": "Tom & Jerry",
        "running": "Tom & Jerry",
    }


def test_no_rule_that_matches_predicts_no_strings():
    css = ["h2 { string-set: title content() } .x { string-set: none }"]
    assert predict_strings("<p>no heading <br> here</p>", css) == {}
    assert predict_strings("<h2>x</h2>", ["h2 { string-set: none }"]) == {}


@pytest.mark.parametrize(
    "css",
    [
        "h2 { string-set: title content(before) }",
        "h2 { string-set: title counter(page) }",
        'h2 { string-set: title "Chapter " content() }',
        "h2 { string-set: title attr(title) }",
        ".chapter > h2 { string-set: title content() }",  # a child combinator: not guessed
    ],
)
def test_strings_that_need_layout_are_not_guessed(css):
    assert predict_strings('<div class="chapter"><h2 title="t">x</h2></div>', [css]) is None


# -- cross-unit numbers, carrier pages and page-count guesses (assemble.SplitHandbook) ----------
def split(html: str, *, previous=None, hints=None, css=()) -> SplitHandbook:
    """The planning half of a split handbook: no pool, nothing laid out."""
    plan = SimpleNamespace(edition=SimpleNamespace(name="book"))
    job = SplitJob(plan, html, PROJECTS, previous or {}, hints or {}, css_texts=list(css))
    return SplitHandbook(job, pool=None, load_unit=lambda key: None)


TWIN_CSS = [
    "a.case-ref::after { content: ' (p. ' target-counter(attr(href), page) ')' }",
    ".toc a::after { content: target-counter(attr(href), page, lower-roman) }",
    ".running-footer { position: running(foot) }",
    ".chapter h2 { string-set: chapter content() }",
]


def test_a_link_into_another_unit_carries_that_units_page_number_in_each_counter_style():
    book_ = split(book(PART, CHAPTER_A, CHAPTER_B), css=TWIN_CSS,
                  previous={"part-1": {"pages": 1}, "case-a": {"pages": 3}})  # fmt: skip
    starts = book_._starts()
    assert starts == {"part-1": 1, "case-a": 2, "case-b": 5}  # case-b: no count yet, 2 guessed
    chapter_a = book_.body[1]
    html, stubs = book_.unit_html(chapter_a, starts, {})
    assert stubs == ["case-b"]
    assert (
        '<a data-cp="" data-cp-decimal="5" data-cp-lower-roman="v" class="case-ref" href="#case-b">'
        in html
    )
    # the chapter sits in the book's wrappers after its carrier page, numbered from its start
    assert html.index('<div data-cp-carrier="">') < html.index(
        '<main id="main"><div class="body-matter"><div class="chapter">'
    )
    assert "@page :nth(2) { counter-reset: page 2 }" in html
    carrier = html.split('<div data-cp-carrier="">', 1)[1]  # holds the running elements
    assert carrier.startswith(
        '<div class="running-footer"><span class="footer-text">House</span></div></div>\n'
    )
    assert html.endswith("</div></main>\n</body>\n</html>\n")


def test_the_carrier_page_sets_the_strings_the_units_before_left_except_those_a_unit_sets_itself():
    book_ = split(book(PART, CHAPTER_A, CHAPTER_B), css=TWIN_CSS,
                  previous={"part-1": {"strings": {"part": 'Part "one"'}},
                            "case-a": {"strings": {"chapter": "A & co"}, "first_strings": ["chapter"]},
                            "case-b": {"first_strings": ["chapter"]}})  # fmt: skip
    carries = book_._carries()
    assert carries["part-1"] == {}
    assert carries["case-a"] == {"part": 'Part "one"'}
    assert carries["case-b"] == {"part": 'Part "one"', "chapter": "A & co"}
    html, _ = book_.unit_html(book_.body[2], book_._starts(), carries["case-b"])
    # "chapter" is moot: case-b's first page sets it itself
    assert '[data-cp-carrier] { break-after: page; string-set: part "Part \\22 one\\22 " }' in html


def test_the_front_matter_is_numbered_from_one_and_closes_its_open_ancestors():
    book_ = split(book(PART, CHAPTER_A), css=TWIN_CSS, previous={"part-1": {"pages": 1}})
    html, stubs = book_.unit_html(book_.front, book_._starts(), {})
    assert stubs == ["case-a", "part-1"]
    assert 'data-cp-decimal="2"' in html and 'data-cp-decimal="1"' in html
    assert "data-cp-carrier=" not in html and "counter-reset" not in html
    assert html.endswith("<p>Intro</p></section>\n</main>\n</body>\n</html>\n")


def test_page_counts_are_guessed_from_last_build_then_the_brief_then_similar_units():
    chapters = [CHAPTER_A, CHAPTER_B, CHAPTER_B.replace("case-b", "case-c"),
                CHAPTER_B.replace("case-b", "case-d").replace("<h2>B</h2>", "<h2>B</h2>" + "<p>text</p>" * 50)]  # fmt: skip
    book_ = split(
        book(PART, INDEX.replace("countries", "themes"), *chapters, INDEX),
        previous={"case-a": {"pages": 7}},
        hints={"b": (3, OVERFLOW_FILL + 0.01), "c": (3, OVERFLOW_FILL), "a": 1},
    )
    part, index_themes, a, b, c, d, index_countries = book_.body
    assert book_._count(a) == 7  # last build's count wins over every hint
    assert book_._count(b) == 4  # the brief's last page would overflow as a chapter: one more
    assert book_._count(c) == 3  # exactly at the threshold: not "fuller than"
    assert book_._count(d) == 2 and book_._count(part) == 1  # nothing known yet
    # once units of a kind are laid out, the closest in length is the guess
    book_._accept(c, SimpleNamespace(pages=5, first_strings=[]))
    assert book_._count(d) == 5
    book_._accept(index_themes, SimpleNamespace(pages=2, first_strings=[]))
    assert book_._count(index_countries) == 2
    # a real count replaces any guess
    book_._accept(b, SimpleNamespace(pages=9, first_strings=[]))
    assert book_._count(b) == 9
    assert book_._starts()["case-d"] == 1 + 1 + 2 + 7 + 9 + 5  # part, index, a, b, c


def test_the_overflow_threshold_moves_to_where_chapters_needed_a_page_more():
    names = [f"case-{i}" for i in range(1, 6)]
    chapters = [CHAPTER_B.replace("case-b", name) for name in names]
    fills = {"1": 0.90, "2": 0.92, "3": 0.94, "4": 0.96, "5": 0.97}
    book_ = split(book(*chapters), hints={k: (2, fill) for k, fill in fills.items()})
    assert book_.overflow == OVERFLOW_FILL
    assert book_._count(book_.body[3]) == 2  # 0.96: under the default threshold
    # chapters 3 and up needed three pages: their briefs' fills, not the default, foretold it
    for unit, pages in zip(book_.body[:3], (2, 2, 3), strict=True):
        book_._accept(unit, SimpleNamespace(pages=pages, first_strings=[]))
    assert book_.overflow == pytest.approx(0.92)
    assert book_._count(book_.body[3]) == 3 and book_._count(book_.body[4]) == 3


def test_the_next_units_wait_for_a_unit_whose_page_count_nothing_foretells():
    """A cold build's first part divider: no count of it, no brief, no part laid out yet.
    Guessed wrong (a part lists its chapters: one page or two), every chapter laid out
    beside it would start on the wrong page and be laid out again; so it is waited for."""
    book_ = split(book(PART, CHAPTER_A, CHAPTER_B, INDEX), hints={"a": (2, 0.5), "b": 3})
    part, a, b, index = book_.body
    assert book_._blind(part)
    assert not book_._blind(a) and not book_._blind(b)  # their briefs' counts
    assert not book_._blind(index)  # the last unit: nothing starts after it
    book_._accept(part, SimpleNamespace(pages=2, first_strings=[]))
    assert not book_._blind(part)
    again = split(book(PART, CHAPTER_A), previous={"part-1": {"pages": 2}})
    assert not again._blind(again.body[0])  # the last build's count
