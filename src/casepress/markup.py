"""The one Markdown → safe HTML factory: extensions are configured here and nowhere else.

Case text is written by many contributors, so what Python-Markdown produces is sanitised
with nh3 (a maintained, Rust-backed sanitiser) against an allow-list of what briefs need:
footnotes, tables, images with alt text, abbreviations, sub/superscript, ``lang`` on any
element. Scripts, event handlers, ``javascript:`` URLs, iframes, objects, forms and
``rel`` tricks (``{: rel=attachment}``) never survive.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

EXTENSIONS = ["footnotes", "tables", "smarty", "attr_list", "sane_lists", "abbr", "def_list"]
EXTENSION_CONFIGS = {
    "footnotes": {"BACKLINK_TITLE": "Back to the text of note %d"},
    "smarty": {"smart_angled_quotes": True},
}
QUOTES = {
    # French: guillemets with a no-break space inside. U+00A0 rather than the narrow U+202F,
    # which most text faces (Source Serif, Caladea, Cabin) lack: a fallback font would be
    # embedded for one invisible character.
    "fr": {
        "left-double-quote": "&laquo;&#160;",
        "right-double-quote": "&#160;&raquo;",
        "left-angle-quote": "&laquo;&#160;",
        "right-angle-quote": "&#160;&raquo;",
    },
    # Spanish (RAE): angular quotes first, without spaces; “ ” and ‘ ’ inside them.
    "es": {"left-double-quote": "&laquo;", "right-double-quote": "&raquo;"},
}
"""Smart-quote substitutions by primary language; others get English curly quotes. Single
quotes are left alone everywhere: the right single quote is also the apostrophe."""

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "title", "id", "class"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "ol": {"start", "type"},
    "li": {"value"},
}
URL_SCHEMES = {"http", "https", "mailto", "case"}
CASE_LINK = re.compile(r"^case:([a-z0-9]+(?:-[a-z0-9]+)*)$")

LinkResolver = Callable[[str], "tuple[str | None, str | None] | None"]
"""Given a case id, returns (href, note) for a ``case:`` link; a None href leaves plain text."""


class _ShapeTree(Treeprocessor):
    """Shifts headings under the section heading and resolves ``case:`` links."""

    heading_offset = 2
    resolve: LinkResolver | None = None
    id_prefix = ""

    def run(self, root: Element) -> None:
        for element in root.iter():
            tag = element.tag
            if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
                element.tag = f"h{min(6, int(tag[1]) + self.heading_offset)}"
            if self.id_prefix:
                if element.get("id"):
                    element.set("id", f"{self.id_prefix}{element.get('id')}")
                href = element.get("href", "")
                if tag == "a" and href.startswith("#"):
                    element.set("href", f"#{self.id_prefix}{href[1:]}")


def _create(language: str = "en") -> markdown.Markdown:
    configs = {**EXTENSION_CONFIGS}
    quotes = QUOTES.get(language)
    if quotes:
        configs["smarty"] = {**configs["smarty"], "substitutions": quotes}
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs)
    # After footnotes (priority 50) have been placed, so their ids are prefixed too.
    md.treeprocessors.register(_ShapeTree(md), "casepress-shape", 1)
    return md


_local = threading.local()


def _instance(language: str) -> markdown.Markdown:
    """One Markdown per thread and quoting style (they are not thread-safe, and costly to make)."""
    primary = language.split("-")[0].lower()
    key = primary if primary in QUOTES else "en"
    instances = getattr(_local, "instances", None)
    if instances is None:
        instances = _local.instances = {}
    md = instances.get(key)
    if md is None:
        md = instances[key] = _create(key)
    return md


def render_markdown(
    text: str | None,
    *,
    id_prefix: str = "",
    heading_offset: int = 2,
    resolve: LinkResolver | None = None,
    sanitise: bool = True,
    language: str = "en",
) -> Markup:
    """Markdown source → HTML that is safe to place in a template.

    ``id_prefix`` keeps footnote ids unique when several fields (or cases) share a page;
    ``heading_offset`` puts a ``#`` heading below the section heading (h1 → h3);
    ``language`` chooses the quotation marks ("x" becomes « x » in French).
    """
    if not text:
        return Markup("")
    md = _instance(language)
    md.reset()
    shaper: _ShapeTree = md.treeprocessors["casepress-shape"]  # type: ignore[assignment]
    shaper.id_prefix = id_prefix
    shaper.heading_offset = heading_offset
    html = md.convert(text)
    html = _resolve_case_links(html, resolve)
    if sanitise:
        html = clean_html(html)
    return Markup(html)


def clean_html(html: str) -> str:
    """Remove everything not on the allow-list (content of script/style goes entirely)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "form", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        filter_style_properties={"text-align"},
    )


_HREF = re.compile(r'<a href="case:([^"]*)"([^>]*)>(.*?)</a>', re.S)


def _resolve_case_links(html: str, resolve: LinkResolver | None) -> str:
    """``[text](case:id)`` → a link to that case, or plain text (and a note) without a target."""

    def replace(match: re.Match[str]) -> str:
        case_id, attrs, label = match.groups()
        href, note = (resolve(case_id) if resolve else None) or (None, None)
        note_html = f' <span class="case-ref-note">{escape(note)}</span>' if note else ""
        if href is None:
            return f'<span class="case-ref">{label}</span>{note_html}'
        return f'<a class="case-ref" href="{escape(href)}"{attrs}>{label}</a>{note_html}'

    return _HREF.sub(replace, html)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            values = dict(attrs)
            self.found.append((values.get("src") or "", values.get("alt")))


def images_in(text: str | None) -> list[tuple[str, str | None]]:
    """(src, alt) of every image a Markdown field shows, Markdown or HTML, in order."""
    if not text or ("![" not in text and "<img" not in text.lower()):
        return []
    parser = _Images()
    parser.feed(render_markdown(text))
    return parser.found


def case_link_ids(text: str | None) -> list[str]:
    """Ids named by ``case:`` links in Markdown source, for validation."""
    if not text:
        return []
    return re.findall(r"\]\(\s*case:([^)\s]*)\s*\)", text)
