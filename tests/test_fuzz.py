"""Generated YAML and Markdown: whatever comes in, only casepress's own errors come out.

The loader and the renderer are fed text that is random, YAML-shaped, or Markdown and
HTML assembled from hostile pieces. The property: no exception but ``CasepressError``
escapes, every problem is positioned in the file it names, and sanitised HTML never
carries a script, an event handler or a ``javascript:`` URL.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from casepress import CasepressError, load_case, load_project
from casepress.model.cases import Case, Lesson
from casepress.model.markup import render_markdown
from casepress.model.source import parse_yaml, read_yaml
from casepress.render.renderer import Renderer
from casepress.theme.chain import load_theme

FAST = settings(
    max_examples=150,
    deadline=None,  # the machine is shared; time limits are casepress's job, tested elsewhere
    suppress_health_check=[HealthCheck.too_slow],
)
WORK = Path(tempfile.mkdtemp(prefix="casepress-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
PROJECT = load_project(WORK)

# --- YAML -------------------------------------------------------------------------------

YAML_PIECES = [
    "title: ", "context: ", "lessons:\n", "  - text: ", "  - title: ", "id: ", "language: ",
    "published: ", "countries: [", "related: [", "]", "{", "}", ", ", "\n", "  ", "- ",
    "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ['true'] ", "!!str ", "!custom ",
    "'", '"', "|\n", ">-\n", "? ", ": ", "#", "---\n", "...\n", "%YAML 1.1\n", "NO", "on",
    "1.10", "01234", "2024-02-30", "0x1F", ".inf", "~", "null", "\t", "\r\n", "\u2028",
    "\x85", "\ufeff", "é", "中文", "\x00", "\x1b", "@", "`", "%",
]  # fmt: skip
CASE_KEYS = ["title", "context", "lessons", "text", "id", "language", "published", "source",
             "countries", "related", "outcome", "summary", "unknown", "<<"]  # fmt: skip

yaml_pieces = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=8), max_size=40).map("".join)
scalars = (
    st.text(max_size=20)
    | st.integers()
    | st.floats(allow_nan=True)
    | st.booleans()
    | st.none()
    | st.dates().map(str)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(CASE_KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
case_like = st.dictionaries(st.sampled_from(CASE_KEYS), values, max_size=8).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
)


def load_text(text: str):
    """parse_yaml, then the full case validation through a real file when it can be written."""
    document = parse_yaml(text, WORK / "fuzz.yaml")
    for problem in document.problems:
        assert problem.path.endswith("fuzz.yaml") and problem.line >= 0 and problem.column >= 0
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: parse_yaml has seen them, no file can hold them
        return
    return load_bytes(data)


def load_bytes(data: bytes):
    path = WORK / "fuzz.yaml"
    path.write_bytes(data)
    case, problems = load_case(path, PROJECT)
    assert (case is None) == any(p.severity == "error" for p in problems)
    for problem in problems:
        assert str(problem).startswith(problem.path)
    return case


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=200))
@example("title: \ud800")
@example("a: &a [*a]")
@example("title: !!python/object/apply:os.system ['true']\n")
def test_any_text_loads_or_is_reported(text):
    load_text(text)


@FAST
@given(yaml_pieces)
@example("lessons:\n  - text: &x y\n  - text: *x\n")
@example("title: NO\ncontext: ON\nlessons: [{text: 1.10}]\npublished: 2024-02-30\n")
def test_yaml_shaped_text_loads_or_is_reported(text):
    load_text(text)


@FAST
@given(case_like)
def test_case_shaped_documents_load_or_are_reported(text):
    load_text(text)


@FAST
@given(st.binary(max_size=300))
@example(b"title: caf\xe9\n")
@example(b"\xef\xbb\xbftitle: bom\n")
@example(b"title: \xed\xa0\x80\n")
def test_any_bytes_load_or_are_reported(data):
    load_bytes(data)


def test_read_yaml_reports_an_unreadable_file():
    missing = read_yaml(WORK / "missing.yaml", roots=None)
    assert missing.root is None and "cannot read file" in missing.problems[0].message


# --- Markdown and HTML --------------------------------------------------------------------

MARKUP_PIECES = [
    "*", "**", "_", "`", "```\n", "[", "]", "(", ")", "![", "<", ">", "> ", "# ", "\n", "\n\n",
    "- ", "1. ", "    ", "| a | b |\n|---|---|\n", "|", "[^1]", "[^1]: note\n", "*[A]: abbr\n",
    "{: rel=attachment }", "{: .x #y onclick=z }", "case:other", "(case:x)", "&amp;", "&#",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:x">',
    "<a href=' jav&#x09;ascript:x'>", "</a>", "<iframe src=//x>", "<object data=x>",
    "<svg><script>x</script></svg>", "<style>@import url(file:///etc/passwd)</style>",
    '<p style="background:url(file:///etc/passwd)">', "<link rel=attachment href=x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<!--", "-->",
    "<div>", "</div>", "<table><tr><td>", "<base href=file:///etc/>", "{{ 7*7 }}", "{%",
    "javascript:alert(1)", "data:text/html,x", "\u202e", "\u200b", "中文", "\x00", "\x0b",
]  # fmt: skip
markdown_text = st.lists(st.sampled_from(MARKUP_PIECES) | st.text(max_size=10), max_size=40).map(
    "".join
)
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "form", "style", "link", "base",
                  "meta", "svg", "math", "frame", "frameset", "applet", "noscript", "template"}  # fmt: skip
SAFE_SCHEMES = ("http", "https", "mailto")


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe(html: str) -> list[str]:
    """What a browser or WeasyPrint could act on: active tags, handlers, script URLs."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    bad = []
    for tag, attrs in parser.found:
        if tag in DANGEROUS_TAGS:
            bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "rel", "srcdoc", "formaction"):
                bad.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "data", "poster", "background") and value:
                url = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()  # as browsers read it
                scheme = re.match(r"([a-z][a-z0-9+.-]*):", url)
                if scheme and scheme[1] not in SAFE_SCHEMES:
                    bad.append(f"{tag} {name}={value!r}")
    return bad


def convert(text: str, **options) -> str | None:
    try:
        return str(render_markdown(text, seconds=2, **options))
    except CasepressError:
        return None


@FAST
@given(markdown_text)
@example("<scr<script>ipt>alert(1)</script>")
@example("[x](javascript:alert(1)){: rel=attachment onclick=alert(1) }")
@example("> " * 60 + "deep")
def test_markdown_converts_or_fails_cleanly_and_is_always_safe(text):
    html = convert(text, id_prefix="f-", resolve=lambda case_id: (f"{case_id}.pdf", None))
    if html is not None:
        assert unsafe(html) == [], html


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_any_text_as_markdown_converts_or_fails_cleanly(text):
    html = convert(text, check_image=lambda src: False)
    if html is not None:
        assert "<img" not in html  # every image was refused, so none is left


@FAST
@given(markdown_text)
def test_trusted_markdown_converts_or_fails_cleanly(text):
    convert(text, sanitise=False)


# --- Whole briefs ---------------------------------------------------------------------------

RENDERER = Renderer(PROJECT, load_theme(None), titles={"other": "Other case"})
texts = markdown_text | st.text(max_size=60)


@st.composite
def cases(draw):
    lessons = draw(st.lists(st.tuples(st.none() | texts, texts), min_size=1, max_size=3))
    return Case(
        id="fuzz",
        path=WORK / "cases" / "fuzz.yaml",
        title=draw(texts),
        subtitle=draw(st.none() | texts),
        context=draw(texts),
        outcome=draw(st.none() | texts),
        lessons=tuple(Lesson(title, text) for title, text in lessons),
        authors=tuple(draw(st.lists(texts, max_size=2))),
        related=("other",),
    )


@FAST
@given(cases(), st.sampled_from(["html", "pdf"]))
def test_any_case_renders_to_html_or_fails_cleanly(case, target):
    problems = []
    try:
        html = RENDERER.render_brief(case, target=target, problems=problems)
    except CasepressError:
        return
    head, body = html.split("<body", 1)
    assert unsafe("<body" + body) == [], body
    assert [tag for tag in unsafe(head) if tag not in ("<meta>", "<style>")] == []
    assert all(p.path.endswith("fuzz.yaml") for p in problems)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_a_few_cases_all_the_way_to_pdf(case):
    from casepress.pdf.writer import PdfRenderer
    from casepress.theme.chain import PDF_STYLESHEETS

    try:
        html = RENDERER.render_brief(case, target="pdf")
    except CasepressError:
        return
    assume("<img" not in html)
    theme = load_theme(None)
    renderer = PdfRenderer(theme.stylesheets(PDF_STYLESHEETS), roots=(WORK, *theme.roots))
    try:
        result = renderer.pdf(html, base_url=WORK)
    except CasepressError:
        return
    assert result.data.startswith(b"%PDF-") and result.pages >= 1
