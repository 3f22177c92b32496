"""Case text → safe HTML: what survives the sanitiser, and limits on hostile Markdown."""

import re
import time

import pytest

from casepress.errors import MarkupError
from casepress.model.markup import (
    MarkdownBudgetError,
    case_link_ids,
    markdown_budget,
    markdown_case_problem,
    markdown_limit_problem,
    measure_html,
    render_markdown,
)


def html(text: str, **options) -> str:
    return str(render_markdown(text, **options))


@pytest.mark.parametrize(
    ("source", "gone"),
    [
        ("<script>alert(1)</script>", ["<script", "alert"]),
        ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
        ('<p onclick="alert(1)" onmouseover="x()">hi</p>', ["onclick", "onmouseover"]),
        ("[link](javascript:alert(1))", ["javascript", "href"]),
        ('<a href="jAvAsCrIpT:alert(1)">x</a>', ["javascript", "href"]),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", ["data:", "href"]),
        ('<iframe src="https://example.org"></iframe>', ["<iframe", "example.org"]),
        ('<object data="file:///etc/passwd"></object>', ["<object", "passwd"]),
        ('<embed src="file:///etc/passwd">', ["<embed", "passwd"]),
        ('<form action="https://x"><input name="q"></form>', ["<form", "<input"]),
        ("<style>@import url(file:///etc/passwd);</style>", ["<style", "@import", "passwd"]),
        ('<p style="background:url(file:///etc/passwd)">x</p>', ["style", "passwd"]),
        ('<link rel="attachment" href="file:///etc/passwd">', ["<link", "passwd"]),
        ('<a rel="attachment" href="file:///etc/passwd">x</a>', ["rel=", "passwd"]),
        ("[x](file:///etc/passwd){: rel=attachment}", ["rel=", "passwd"]),
        ("[x](x.txt){: rel=attachment }", ["rel="]),
        ('<base href="file:///etc/">', ["<base"]),
        ('<meta http-equiv="refresh" content="0;url=https://x">', ["<meta", "refresh"]),
        ("<svg><script>alert(1)</script></svg>", ["<svg", "<script"]),
        ('<math><mtext><img src=x onerror="alert(1)"></mtext></math>', ["onerror", "<math"]),
    ],
)
def test_dangerous_markup_is_removed(source, gone):
    result = html(source)
    for needle in gone:
        assert needle not in result, result


def test_what_briefs_need_survives():
    source = (
        "Text with a note.[^1] *em*, **strong**, `code`.\n\n"
        "| A | B |\n|:--|--:|\n| 1 | 2 |\n\n"
        "![A map of the region](map.png)\n\n"
        "*[SSR]: Security sector reform\n\nSSR matters. <sub>low</sub> <sup>high</sup>\n\n"
        '<span lang="es">hola</span>\n\n[^1]: The note.\n'
    )
    result = html(source, id_prefix="c-")
    assert 'id="c-fn-1"' in result and 'href="#c-fnref-1"' in result
    assert "<table>" in result and '<td style="text-align:right">2</td>' in result
    assert '<img alt="A map of the region" src="map.png">' in result
    assert '<abbr title="Security sector reform">SSR</abbr>' in result
    assert "<sub>low</sub>" in result and "<sup>high</sup>" in result
    assert '<span lang="es">hola</span>' in result


def test_trusted_html_is_kept_as_written():
    assert "<script>alert(1)</script>" in html("<script>alert(1)</script>", sanitise=False)


def test_template_syntax_in_case_text_is_just_text():
    result = html("`{{ ''.__class__.__mro__ }}` and {% raw %} {{ 7*7 }}")
    assert "{{ ''.__class__.__mro__ }}" in result
    assert "{% raw %}" in result and "{{ 7*7 }}" in result


def test_case_links_resolve_or_fall_back_to_text():
    def resolve(case_id):
        return (f"{case_id}.pdf", "p. 3") if case_id == "known" else None

    result = html("[a](case:known), [b](case:unknown), [c](case:../../etc)", resolve=resolve)
    assert (
        '<a class="case-ref" href="known.pdf">a</a> <span class="case-ref-note">p. 3</span>,'
        in result
    )
    assert '<span class="case-ref">b</span>' in result
    assert '<span class="case-ref">c</span>' in result
    assert "case:" not in result


def test_raw_case_links_are_not_left_behind():
    assert "case:" not in html('<a href="case:other">x</a>')


def test_refused_images_are_replaced_by_their_alt_text():
    seen = []

    def allow(src):
        seen.append(src)
        return src == "ok.png"

    result = html('![Fine](ok.png) ![Secret](/etc/passwd) <img src="../x.png">', check_image=allow)
    assert seen == ["ok.png", "/etc/passwd", "../x.png"]
    assert '<img alt="Fine" src="ok.png">' in result
    assert '<span class="image-refused">Secret</span>' in result
    assert "passwd" not in result and "x.png" not in result


@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ("[" * 20_000, "the text has 20,000 '[' characters; at most 1,000"),  # ~56 s unguarded
        ("![" * 20_000, "the text has 20,000 '[' characters; at most 1,000"),
        ("<a " * 20_000, "the text has 20,000 HTML tags; at most 2,000"),  # 21 s unguarded
        ("\\<a " * 20_000, "the text has 20,000 HTML tags"),  # escaped: 27 s unguarded
        ("<http://a" * 20_000, "the text has 20,000 HTML tags"),  # an autolink opener too
        (
            "".join("  " * i + "- x\n" for i in range(2_000)),  # 160 s, then RecursionError
            "line 52 of the text starts with more than 100 spaces, tabs and '>' marks",
        ),
        ("| a | b |\n|--|--|\n" + "| 1 | x |\n" * 20_000, "the text has 20,002 lines"),
    ],
)
def test_markdown_that_would_be_slow_is_refused_by_counting_before_conversion(source, refusal):
    started = time.process_time()
    with pytest.raises(MarkupError, match=re.escape(refusal)):
        render_markdown(source)
    assert time.process_time() - started < 2  # counted, never converted
    assert markdown_limit_problem(source).startswith(refusal.split(";")[0])


@pytest.mark.slow  # converts the largest allowed text of each kind
def test_text_just_under_the_limits_converts_in_well_under_a_second_each():
    for source in (
        "[" * 1_000,
        "[a](b " * 1_000,
        "<a " * 2_000,
        "| a | b |\n|--|--|\n" + "| 1 | x |\n" * 4_998,
        "".join("> " * min(i, 50) + "x\n" for i in range(500)),
    ):
        assert markdown_limit_problem(source) is None
        started = time.process_time()
        try:
            render_markdown(source)
        except MarkupError as exc:  # nested beyond MAX_TEXT_DEPTH: refused, quickly
            assert "nested more than 50 levels" in str(exc)
        assert time.process_time() - started < 5, source[:20]


def test_the_limits_count_a_whole_case_too():
    texts = [(f"lessons[{i}].text", "[" * 900) for i in range(12)]
    where, message = markdown_case_problem(texts)
    assert where == "lessons[5].text"
    assert "have 10,800 '[' characters in all; at most 5,000 are allowed in one case" in message
    assert markdown_case_problem(texts[:5]) is None


def test_one_time_budget_covers_every_conversion_inside_it():
    table = "| Year | Event |\n|--|--|\n" + "| 1990 | an event |\n" * 2_000
    with markdown_budget(0.2):
        render_markdown("fine")  # within the budget
        time.sleep(0.25)
        with pytest.raises(
            MarkdownBudgetError, match=r"all fields together, took more than 0\.2 s"
        ):
            render_markdown(table)
        with pytest.raises(MarkdownBudgetError):  # spent for the rest of the case
            render_markdown("*short*")
    assert html("still *works*") == "<p>still <em>works</em></p>"  # a fresh converter


def test_html_nested_too_deeply_is_refused_before_the_sanitiser():
    started = time.process_time()
    with pytest.raises(MarkupError, match="nested more than 50 levels deep"):
        render_markdown("<div>" * 1_500)  # 100,000: html5ever ~20 s; now over the tag limit
    with pytest.raises(MarkupError, match="nested more than 50 levels deep"):
        render_markdown(">" * 60 + " quote")
    assert time.process_time() - started < 10  # unguarded: about a minute
    assert "<blockquote>" in html("> " * 20 + "quote")


def test_lone_surrogates_are_a_markup_error():
    with pytest.raises(MarkupError, match="lone surrogate"):
        render_markdown("a\ud800b")


def test_measure_html():
    assert measure_html("<div><p>a<br><img src=x/></p><ul><li>x</ul></div>") == (6, 3)
    assert measure_html("<p>" * 10) == (10, 10)  # unclosed: counted as nested
    assert measure_html("<div>" * 1000, stop_at_depth=20) == (21, 21)
    assert measure_html("text < 3 and a<b> c") == (1, 1)
    # linear even on hostile input
    started = time.process_time()
    measure_html("<a" * 300_000 + "<a '" * 100_000)
    assert time.process_time() - started < 5


def test_what_the_sanitiser_removes_is_reported():
    reports = []
    html(
        '<script>x</script> <img src="a.png" onerror="x()"> [js](javascript:x)',
        on_removed=reports.append,
    )
    assert reports == [["<script>", "onerror=", "href="]]


def test_ordinary_markdown_reports_nothing_removed():
    reports = []
    source = (
        "Text[^1] with *SSR*, a [link](https://example.org 'title') and `code`. {: .lead }\n\n"
        "| A | B |\n|:--|--:|\n| 1 | 2 |\n\n![map](map.png)\n\nTerm\n: Definition\n\n"
        "*[SSR]: Security sector reform\n\n[^1]: A note.\n"
    )
    html(source, on_removed=reports.append)
    assert reports == []


def test_a_long_table_runs_out_of_time_instead_of_minutes():
    table = "| Year | Event |\n|--|--|\n" + "| 1990 | an event |\n" * 4_000
    started = time.process_time()
    with pytest.raises(MarkupError, match="took more than 0.01 s to convert and was abandoned"):
        render_markdown(table, seconds=0.01)
    assert time.process_time() - started < 2


def test_typography_tables_footnotes_and_attribute_lists():
    html = render_markdown(
        '"Quoted" -- and...\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1] *x*{: lang=es }\n\n[^1]: Foot.',
        id_prefix="c-",
    )
    assert "“Quoted” – and…" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'id="c-fnref-1"' in html and 'href="#c-fn-1"' in html
    assert '<em lang="es">x</em>' in html


def test_headings_sit_below_the_section_heading():
    assert render_markdown("# Top\n\n## Next").startswith("<h3>Top</h3>\n<h4>Next</h4>")


def test_dangerous_html_is_removed():
    html = render_markdown(
        '<script>alert(1)</script><img src=x onerror="alert(1)" alt="a">'
        '[x](javascript:alert(1)) <iframe src="https://e.org"></iframe>'
        "[y](https://e.org){: rel=attachment onclick=bad}"
    )
    for bad in ("script", "onerror", "javascript:", "iframe", "attachment", "onclick", "alert"):
        assert bad not in html, bad
    assert '<img src="x" alt="a">' in html


def test_case_links_resolve_to_a_brief_or_to_plain_text():
    text = "See [Peru](case:peru) and [gone](case:gone)."
    html = render_markdown(text, resolve=lambda i: (f"{i}.pdf", None) if i == "peru" else None)
    assert '<a class="case-ref" href="peru.pdf">Peru</a>' in html
    assert '<span class="case-ref">gone</span>' in html
    assert case_link_ids(text) == ["peru", "gone"]
