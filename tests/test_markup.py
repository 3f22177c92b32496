"""Markdown → safe HTML: the extensions briefs need, nothing dangerous."""

from casepress.markup import case_link_ids, render_markdown


def test_typography_tables_footnotes_and_attribute_lists():
    html = render_markdown(
        '"Quoted" -- and...\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1] *x*{: lang=es }\n\n[^1]: Foot.',
        id_prefix="c-",
    )
    assert "“Quoted” – and…" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'id="c-fnref:1"' in html and 'href="#c-fn:1"' in html
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


def test_case_links_resolve_or_fall_back_to_text():
    text = "See [Peru](case:peru) and [gone](case:gone)."
    html = render_markdown(text, resolve=lambda i: (f"{i}.pdf", None) if i == "peru" else None)
    assert '<a class="case-ref" href="peru.pdf">Peru</a>' in html
    assert '<span class="case-ref">gone</span>' in html
    assert case_link_ids(text) == ["peru", "gone"]
