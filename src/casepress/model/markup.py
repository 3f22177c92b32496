"""The one Markdown → safe HTML factory: extensions are configured here and nowhere else.

Case text is written by many contributors, so what Python-Markdown produces is sanitised
with nh3 (a maintained, Rust-backed sanitiser) against an allow-list of what briefs need:
footnotes, tables, images with alt text, abbreviations, sub/superscript, ``lang`` on any
element. Scripts, event handlers, ``javascript:`` URLs, iframes, objects, forms and
``rel`` tricks (``{: rel=attachment}``) never survive. A project whose authors are trusted
can turn sanitising off (``trust_html: true``); the fetcher still guards resources.

Python-Markdown is quadratic on some input (10 KB of ``[`` takes 14 s; upstream issue
#798; 60 KB of ``<a `` 21 s in its HTML preprocessor), and html5ever on deep nesting. So
what makes it slow is counted before anything is converted (``INPUT_LIMITS``, checked by
validation and again here): a count does not depend on the machine's load, so the same text
is accepted or refused everywhere. A time budget remains as a last resort, one for all the
text of a case (``markdown_budget``), checked between processor steps; and HTML nested
deeper than briefs ever need is refused before it reaches the sanitiser.
"""

from __future__ import annotations

import html as htmllib
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from ..errors import MarkupError, internal_error
from ..text import SLUG, html_tags
from . import figures
from .conversions import Conversion, active, conversion_key
from .notes import REFERENCE, NoteCalls, split_notes

EXTENSIONS = ["tables", "smarty", "attr_list", "sane_lists", "abbr", "def_list"]
EXTENSION_CONFIGS = {
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
    # Russian and Ukrainian: « » without spaces („ “ inside them). Portuguese: « » as in
    # Portugal, Lusophone Africa and Timor-Leste; Brazil's “ ” for pt-BR.
    "ru": {"left-double-quote": "&laquo;", "right-double-quote": "&raquo;"},
    "uk": {"left-double-quote": "&laquo;", "right-double-quote": "&raquo;"},
    "pt": {"left-double-quote": "&laquo;", "right-double-quote": "&raquo;"},
    "pt-br": {},
}
"""Smart-quote substitutions by language tag (lowercase) or primary language; others get
English curly quotes. Single quotes are left alone everywhere: the right single quote is
also the apostrophe."""

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
    "span": {"data-note"},  # a note's number, for ::footnote-call (notes.NoteCalls)
}
URL_SCHEMES = {"http", "https", "mailto"}
CASE_LINK = re.compile(rf"^case:({SLUG})$")

MARKDOWN_SECONDS = 30.0
"""Time all the Markdown of one case (``markdown_budget``), or one text converted on its
own, may take to convert. A last resort: ordinary text takes milliseconds, and the input
limits below keep the slowest valid case to a few seconds."""


@dataclass(frozen=True)
class InputLimit:
    """A count that Python-Markdown's time grows with faster than linearly, and its bounds.

    Measured with Python-Markdown 3.11 on this project's machine: 4,000 ``[`` in one field
    take 1.6 s and 20,000 take 56 s (a scan to the matching ``]`` per ``[``; upstream
    #798); 4,000 raw HTML tag openers (``<a ``) take 0.84 s and 20,000 take 21 s (its HTML
    preprocessor rescans the rest of the text per unclosed tag); table rows, links,
    emphasis, code spans, quotes and nesting are linear. Counting is linear and does not
    depend on the machine's load, so the same text is accepted or refused on every machine.
    """

    name: str
    """What is counted, as the message names it."""
    pattern: re.Pattern[str]
    per_field: int
    per_case: int
    advice: str

    def count(self, text: str) -> int:
        if self.pattern.pattern == r"\[":  # the commonest, counted without the regex engine
            return text.count("[")
        return len(self.pattern.findall(text))


INPUT_LIMITS = (
    InputLimit(
        "'[' characters",
        re.compile(r"\["),
        per_field=1_000,
        per_case=5_000,
        advice="links, images and footnotes use one or two each; write a bracket that is "
        "none of these as &#91;, or split the text",
    ),
    InputLimit(
        "HTML tags",
        re.compile(r"<[A-Za-z/!?]"),
        per_field=2_000,
        per_case=10_000,
        advice="write a '<' that starts no tag as &lt;, or split the text",
    ),
    InputLimit(
        "lines",
        re.compile(r"^.", re.MULTILINE),  # blank lines cost nothing
        per_field=5_000,
        per_case=20_000,
        advice="split the text: a table of thousands of rows belongs in an annex, not a brief",
    ),
)
"""Counts over which a Markdown field (and a whole case) is refused before it is converted:
each makes a conversion take at most a few hundred milliseconds. Real cases come nowhere
near (the largest field of the sample and test cases has 3 brackets, no tag and 90 lines)."""


MAX_LINE_NESTING = 100
"""Widest run of indentation and quote marks (``>``) that may start a line: 25 levels of
lists indented by four spaces, 50 of quotes. Python-Markdown parses a block again for each
level (time grows with size × depth), and HTML deeper than ``MAX_TEXT_DEPTH`` is refused
after conversion anyway."""
_LINE_NESTING = re.compile(rf"^[ \t>]{{{MAX_LINE_NESTING + 1},}}", re.MULTILINE)


def markdown_limit_problem(text: str | None) -> str | None:
    """Why one Markdown field is refused before conversion, or None: the first limit over."""
    if not text:
        return None
    nested = _LINE_NESTING.search(text)
    if nested:
        line = text.count("\n", 0, nested.start()) + 1
        return (
            f"line {line} of the text starts with more than {MAX_LINE_NESTING} spaces, tabs "
            "and '>' marks: lists or quotes nested that deeply cannot be converted in "
            "reasonable time; nest less deeply"
        )
    for limit in INPUT_LIMITS:
        found = limit.count(text)
        if found > limit.per_field:
            return (
                f"the text has {found:,} {limit.name}; at most {limit.per_field:,} are allowed in one "
                f"field (more would make it too slow to convert): {limit.advice}"
            )
    return None


def markdown_case_problem(texts: Iterable[tuple[str, str | None]]) -> tuple[str, str] | None:
    """(field, message) when a case's Markdown fields together pass a per-case limit: the
    field at which the total passes it."""
    texts = [(where, text) for where, text in texts if text]
    for limit in INPUT_LIMITS:
        total = 0
        for where, text in texts:
            total += limit.count(text)
            if total > limit.per_case:
                every = sum(limit.count(t) for _, t in texts)
                return where, (
                    f"the case's Markdown fields have {every:,} {limit.name} in all; at most "
                    f"{limit.per_case:,} are allowed in one case (more would make it too slow "
                    f"to convert), and the total passes that here: {limit.advice}"
                )
    return None


MAX_TEXT_DEPTH = 50
"""Deepest nesting of HTML elements in one field (25 levels of nested lists)."""

LinkResolver = Callable[[str], "tuple[str | None, str | None] | None"]
"""Given a case id, returns (href, note) for a ``case:`` link; a None href leaves plain text."""


class _ShapeTree(Treeprocessor):
    """Shifts headings under the section heading and resolves ``case:`` links."""

    heading_offset = 2
    resolve: LinkResolver | None = None
    id_prefix = ""

    def run(self, root: Element) -> None:
        links: list[tuple[Element, Element]] = []
        for parent in root.iter():
            for element in parent:
                tag = element.tag
                if not isinstance(tag, str):  # comments and processing instructions
                    continue
                if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
                    element.tag = f"h{min(6, int(tag[1]) + self.heading_offset)}"
                href = element.get("href", "")
                if tag == "a" and href.startswith("case:"):
                    links.append((parent, element))
                if self.id_prefix:
                    if element.get("id"):
                        element.set("id", f"{self.id_prefix}{element.get('id')}")
                    if tag == "a" and href.startswith("#"):
                        element.set("href", f"#{self.id_prefix}{href[1:]}")
        for parent, link in links:
            self._resolve_case_link(parent, link)

    def _resolve_case_link(self, parent: Element, link: Element) -> None:
        """``[text](case:id)`` → a link to that case, or plain text (and a note) without one."""
        found = CASE_LINK.match(link.get("href", ""))
        target = self.resolve(found[1]) if found and self.resolve else None
        href, note = target or (None, None)
        if href is None:
            link.tag = "span"
            link.attrib.clear()
        else:
            link.set("href", href)
        link.set("class", "case-ref")
        if note:
            span = Element("span", {"class": "case-ref-note"})
            span.text = note
            span.tail, link.tail = link.tail, " "
            parent.insert(list(parent).index(link) + 1, span)


_NOTE_SLOT = re.compile("\ue000(\\d+)\ue001")
"""Where a note call goes: a reference becomes this token during conversion, and the call's
HTML (built by ``notes.NoteCalls``, already sanitised) replaces it after sanitising, so it is
neither sanitised nor image-checked twice."""


class _NoteReferences(InlineProcessor):
    """``[^label]`` → a slot for the call ``notes`` makes; left as written when ``notes``
    does not know the label (``check`` reports it). Python-Markdown's own footnotes
    extension is not used: its definitions and numbers end at the field."""

    notes: NoteCalls | None = None
    made: list[str]
    labels: list[str]

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        call = self.notes.call(m[1]) if self.notes is not None else None
        if call is None:
            return None, None, None
        self.made.append(call)
        self.labels.append(m[1])
        return f"\ue000{len(self.made) - 1}\ue001", m.start(0), m.end(0)


class _OverBudgetError(Exception):
    """The conversion ran past its deadline."""


class MarkdownBudgetError(MarkupError):
    """The time budget ran out: for a case, every conversion in it would fail the same way, so
    the case is reported once, not field by field."""

    def __init__(self, seconds: float, shared: bool):
        self.seconds = seconds
        what = "the case's Markdown, all fields together," if shared else "the Markdown"
        super().__init__(
            f"{what} took more than {seconds:g} s to convert and was abandoned; very long "
            "tables or paragraphs crowded with links or markup are the usual causes: split "
            "the text"
        )


@contextmanager
def markdown_budget(seconds: float | None = None) -> Iterator[None]:
    """Every conversion inside shares one deadline, ``seconds`` (default
    ``MARKDOWN_SECONDS``) from now: the budget of a whole case, not of each field. Nested
    budgets keep the outer deadline."""
    if getattr(_local, "deadline", None) is not None:
        yield
        return
    budget = MARKDOWN_SECONDS if seconds is None else seconds
    _local.deadline, _local.budget = time.monotonic() + budget, budget
    try:
        yield
    finally:
        _local.deadline = _local.budget = None


def _budgeted(method: Callable, md: markdown.Markdown) -> Callable:
    """``method``, refusing to start once the conversion's deadline has passed."""

    def call(*args, **kwargs):
        if time.monotonic() > md.casepress_deadline:  # type: ignore[attr-defined]
            raise _OverBudgetError
        return method(*args, **kwargs)

    return call


def _create(language: str = "en") -> markdown.Markdown:
    configs = {**EXTENSION_CONFIGS}
    quotes = QUOTES.get(language)
    if quotes:
        configs["smarty"] = {**configs["smarty"], "substitutions": quotes}
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs)
    # Before links (160), after code spans (190): as the footnotes extension placed it.
    md.inlinePatterns.register(_NoteReferences(REFERENCE.pattern, md), "casepress-notes", 175)
    # After footnotes (priority 50) have been placed, so their ids are prefixed too.
    md.treeprocessors.register(_ShapeTree(md), "casepress-shape", 1)
    figures.register(md)  # lone images → figures, table captions (before shaping)
    # The super-linear work happens in inline patterns (a bracket scan per '[', a regex
    # search per pattern per text node: 3 million for a 20,000-row table) and in block
    # processors (a call per nesting level): check the deadline before each such call.
    md.casepress_deadline = math.inf  # type: ignore[attr-defined]
    registries = [md.inlinePatterns]  # smarty runs its patterns in a tree processor of its own
    registries += [t.inlinePatterns for t in md.treeprocessors if hasattr(t, "inlinePatterns")]
    for pattern in {id(p): p for registry in registries for p in registry}.values():
        pattern.getCompiledRegExp = _budgeted(pattern.getCompiledRegExp, md)
        pattern.handleMatch = _budgeted(pattern.handleMatch, md)
    for processor in md.parser.blockprocessors:
        processor.test = _budgeted(processor.test, md)
        processor.run = _budgeted(processor.run, md)
    return md


_local = threading.local()


def _quoting(language: str) -> str:
    tag = language.lower()
    primary = tag.split("-")[0]
    return tag if tag in QUOTES else primary if primary in QUOTES else "en"


def _instance(language: str) -> markdown.Markdown:
    """One Markdown per thread and quoting style (they are not thread-safe, and costly to make)."""
    key = _quoting(language)
    instances = getattr(_local, "instances", None)
    if instances is None:
        instances = _local.instances = {}
    md = instances.get(key)
    if md is None:
        md = instances[key] = _create(key)
    return md


def _discard(language: str) -> None:
    """Forget a Markdown stopped half-way, so that the next conversion starts afresh."""
    getattr(_local, "instances", {}).pop(_quoting(language), None)


def render_markdown(
    text: str | None,
    *,
    id_prefix: str = "",
    heading_offset: int = 2,
    resolve: LinkResolver | None = None,
    sanitise: bool = True,
    check_image: Callable[[str], bool | str | None] | None = None,
    on_removed: Callable[[list[str]], None] | None = None,
    seconds: float | None = None,
    language: str = "en",
    notes: NoteCalls | None = None,
) -> Markup:
    """Markdown source → HTML that is safe to place in a template.

    ``notes``: how references ``[^label]`` are written, for a text whose notes are
    gathered with others (a case's: ``notes.collect_notes``; its definitions already taken
    out). Without it the text's own definitions are its notes, listed after it.

    ``id_prefix`` keeps footnote ids unique when several fields (or cases) share a page;
    ``heading_offset`` puts a ``#`` heading below the section heading (h1 → h3);
    ``language`` chooses the quotation marks ("x" becomes « x » in French).
    ``check_image(src)`` is asked about every image left after sanitising: an address to
    use instead, True to keep it, or False/None to refuse it (the image is then replaced
    by its alt text). ``on_removed`` is told what the sanitiser took
    out (``['<script>', 'onerror=']``), when it took anything. Raises ``MarkupError`` when the text cannot be
    converted within ``seconds`` (default ``MARKDOWN_SECONDS``) or is nested too deeply.
    """
    if not text:
        return Markup("")
    if notes is None and "[^" in text:
        return _with_own_notes(
            text, id_prefix=id_prefix, heading_offset=heading_offset, resolve=resolve,
            sanitise=sanitise, check_image=check_image, on_removed=on_removed,
            seconds=seconds, language=language,
        )  # fmt: skip
    if _SURROGATE.search(text):
        raise MarkupError("the text contains lone surrogate code points (not valid Unicode)")
    refused = markdown_limit_problem(text)  # validation says so first; other texts land here
    if refused:
        raise MarkupError(refused)
    cache = active()
    key = None
    if cache is not None:
        key = _key(text, id_prefix, heading_offset, sanitise, language, notes)
        for found in cache[0].find(key, cache[1]):
            if _same_links(found, resolve):
                cache[0].used(key, found, cache[1])
                return _finish(found, check_image, on_removed, notes)
    shared = getattr(_local, "deadline", None)
    budget = MARKDOWN_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + budget
    if shared is not None and seconds is None:
        deadline, budget = shared, _local.budget
    md = _instance(language)
    md.reset()
    shaper: _ShapeTree = md.treeprocessors["casepress-shape"]  # type: ignore[assignment]
    shaper.id_prefix = id_prefix
    shaper.heading_offset = heading_offset
    links: list[tuple[str, str | None, str | None]] = []
    shaper.resolve = _recording(resolve, links)
    references: _NoteReferences = md.inlinePatterns["casepress-notes"]  # type: ignore[assignment]
    references.notes, references.made, references.labels = notes, [], []
    md.casepress_deadline = deadline  # type: ignore[attr-defined]
    try:
        html = md.convert(text)
    except _OverBudgetError:
        _discard(language)  # stopped half-way: start the next conversion afresh
        raise MarkdownBudgetError(budget, shared is not None and seconds is None) from None
    except RecursionError:
        _discard(language)
        raise MarkupError(
            "the Markdown is nested too deeply (lists or quotes within each other)"
        ) from None
    except Exception as exc:  # a bug in Python-Markdown on odd input must not stop the build
        _discard(language)
        raise MarkupError(internal_error("converting this Markdown", exc)) from None
    finally:
        md.casepress_deadline = math.inf  # type: ignore[attr-defined]
        references.notes, made, references.made = None, references.made, []
        labels, references.labels = references.labels, []
        shaper.resolve = None
    _elements, depth = measure_html(html, stop_at_depth=MAX_TEXT_DEPTH)
    if depth > MAX_TEXT_DEPTH:
        raise MarkupError(
            f"the text's HTML is nested more than {MAX_TEXT_DEPTH} levels deep "
            "(or leaves tags unclosed)"
        )
    removed: list[str] = []
    if sanitise:
        cleaned = clean_html(html)
        if on_removed is not None or cache is not None:
            removed = removed_markup(html, cleaned)
        html = cleaned
    state = figures.current()
    counts = (state.figures, state.tables, state.seen) if state and _numbered(text) else None
    converted = Conversion(html, tuple(removed), tuple(links), tuple(labels), counts)
    if cache is not None and key is not None:
        cache[0].add(key, converted, cache[1])
    return _finish(converted, check_image, on_removed, notes, made)


def _numbered(text: str) -> bool:
    """Whether a text may hold figures or tables (``figures``: lone images, tables), whose
    numbers depend on the case's numbering so far."""
    return "![" in text or "|" in text


def _key(
    text: str, id_prefix: str, heading_offset: int, sanitise: bool, language: str,
    notes: NoteCalls | None,
) -> str:  # fmt: skip
    """What shapes a conversion's ``Conversion`` (``conversions``): the text and options,
    the notes the text can call, and the numbering and caption labels when it has figures
    or tables. The versions of the libraries are the store's."""
    called = None
    if notes is not None and "[^" in text:
        called = sorted(label for label in notes.numbers if f"[^{label}]" in text)
    numbering = None
    if _numbered(text):
        state = figures.current()
        if state is not None:
            labels = state.labels
            numbering = (state.figures, state.tables, state.seen,
                         *(labels.get(k) for k in ("figure", "table", "figure_source", "source")))  # fmt: skip
        else:
            numbering = "own"
    return conversion_key(
        text, id_prefix, heading_offset, sanitise, _quoting(language), notes is not None,
        called, numbering,
    )  # fmt: skip


def _recording(resolve: LinkResolver | None, links: list) -> LinkResolver:
    """``resolve``, noting each answer (a cached conversion holds only while the same
    links get the same answers)."""

    def answer(case_id: str) -> tuple[str | None, str | None]:
        found = resolve(case_id) if resolve is not None else None
        href, note = found or (None, None)
        links.append((case_id, href, note))
        return href, note

    return answer


def _same_links(conversion: Conversion, resolve: LinkResolver | None) -> bool:
    for case_id, href, note in conversion.links:
        found = resolve(case_id) if resolve is not None else None
        if tuple(found or (None, None)) != (href, note):
            return False
    return True


def _finish(
    converted: Conversion,
    check_image: Callable[[str], bool | str | None] | None,
    on_removed: Callable[[list[str]], None] | None,
    notes: NoteCalls | None,
    made: list[str] | None = None,
) -> Markup:
    """The rest of a conversion, made or found: what the sanitiser removed is reported,
    images are checked, note calls made (``made``: already, by the conversion) and the
    case's figure numbering moves on, as the conversion moved it."""
    if converted.removed and on_removed is not None:
        on_removed(list(converted.removed))
    html = converted.html
    if check_image:
        html = _check_images(html, check_image)
    if made is None:
        made = [notes.call(label) or "" for label in converted.notes] if notes else []
        if converted.counts is not None:
            figures.advance(converted.counts)
    if made:
        html = _NOTE_SLOT.sub(lambda m: made[int(m[1])] if int(m[1]) < len(made) else "", html)
    return Markup(html)


def _with_own_notes(text: str, *, id_prefix: str, language: str, **options: Any) -> Markup:
    """A text converted alone (an introduction, a disclaimer) with its own notes, numbered
    in order of reference and listed after it with back-links, as Python-Markdown's
    footnotes extension did."""
    own = split_notes(text)
    defined = {d.label: d for d in reversed(own.definitions)}  # the first one, if twice
    numbers: dict[str, int] = {}
    for reference in own.references:
        if reference.label in defined:
            numbers.setdefault(reference.label, len(numbers) + 1)
    calls = NoteCalls(numbers, id_prefix)
    body = render_markdown(
        own.text or " ", id_prefix=id_prefix, language=language, notes=calls, **options
    )
    if not numbers:
        return body
    items = []
    for label, number in numbers.items():
        note = render_markdown(
            defined[label].text or " ", id_prefix=f"{id_prefix}fn{number}-",
            language=language, notes=NoteCalls({}, id_prefix), **options,
        )  # fmt: skip
        back = "".join(
            f' <a class="footnote-backref" href="#{escape(ref)}" title="Back to the text of '
            f'note {number}">&#8617;&#xFE0E;</a>'
            for ref in calls.calls.get(number, [])
        )
        items.append(f'<li id="{escape(id_prefix)}fn-{number}">{_append(note, back)}</li>')
    return Markup(f'{body}\n<div class="footnote">\n<hr>\n<ol>\n{"".join(items)}\n</ol>\n</div>')


def _append(html: str, tail: str) -> str:
    """``tail`` inside the last paragraph of ``html`` (or after it)."""
    html = html.rstrip()
    if html.endswith("</p>"):
        return f"{html[:-4]}{tail}</p>"
    return f"{html}{tail}"


_SURROGATE = re.compile("[\ud800-\udfff]")


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


_IMG = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+)""", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""")


def measure_html(html: str, *, stop_at_depth: int | None = None) -> tuple[int, int]:
    """(elements, deepest nesting) of an HTML string, without building a tree.

    An end tag closes up to its matching open element; unclosed elements count as nested,
    so sloppy raw HTML over-estimates depth rather than hiding it. With ``stop_at_depth``
    the scan ends as soon as the nesting passes it.
    """
    elements = deepest = 0
    stack: list[str] = []
    for tag in html_tags(html):  # linear even on hostile text
        if not tag.name:  # a comment
            continue
        if tag.closing:
            if tag.name in stack:
                while stack.pop() != tag.name:
                    pass
            continue
        elements += 1
        if tag.empty:
            continue
        stack.append(tag.name)
        if len(stack) > deepest:
            deepest = len(stack)
            if stop_at_depth is not None and deepest > stop_at_depth:
                break
    return elements, deepest


def removed_markup(before: str, after: str) -> list[str]:
    """Elements and attributes in ``before`` that ``after`` lacks: what a sanitiser took.

    Python-Markdown only emits what the allow-list keeps, so anything missing came from
    raw HTML (or attribute lists) in the author's text.
    """
    wanted, kept = _inventory(before), _inventory(after)
    return [item for item in wanted if wanted[item] > kept.get(item, 0)]


def _inventory(html: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tag in html_tags(html):
        if tag.closing or not tag.name:
            continue
        items = [f"<{tag.name}>"]
        items += [f"{name.lower()}=" for name, *_ in _ATTRIBUTE.findall(tag.attributes)]
        for item in items:
            counts[item] = counts.get(item, 0) + 1
    return counts


def _image_attributes(tag: str) -> dict[str, str]:
    """The attributes of one ``<img ...>`` tag, names lowercased, entities decoded."""
    return {
        name.lower(): htmllib.unescape("".join(values))  # one of the three is set
        for name, *values in _ATTRIBUTE.findall(tag)
    }


def _check_images(html: str, allow: Callable[[str], bool | str | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        attributes = _image_attributes(match[0])
        verdict = allow(attributes.get("src", ""))
        if isinstance(verdict, str):
            src = f' src="{escape(verdict)}"'
            return _SRC.sub(lambda _: src, match[0], count=1)
        if verdict:
            return match[0]
        alt = attributes.get("alt", "")
        return f'<span class="image-refused">{escape(alt)}</span>' if alt else ""

    return _IMG.sub(replace, html)


def removed_message(items: list[str]) -> str:
    """What the sanitiser took out of a field, in the words ``check`` and ``build`` print."""
    return (
        f"HTML removed by the sanitiser: {', '.join(items)} (casepress keeps the markup "
        "briefs need; set trust_html: true only if every author is trusted)"
    )


def images_in(text: str | None, *, trusted: bool = False) -> list[tuple[str, str | None]]:
    """(src, alt) of every image a Markdown field shows, in order: the one image finder.

    The text is converted and sanitised as the renderer converts it, and the images are read
    from the ``<img>`` tags that come out, the tags ``render_markdown(check_image=...)`` is
    asked about: so inline ``![x](a.png)``, reference-style ``![x][ref]`` with
    ``[ref]: a.png``, and raw ``<img src="a.png" alt="x">`` are all found, and an image in a
    code span is not. Validation (alt text), the build cache (an image's bytes are part of
    its case's key) and the renderer agree on what a case shows. Remembered per text: a
    build asks for the same fields more than once. ``trusted``: as a project with
    ``trust_html: true`` converts it (not sanitised).
    """
    if not text or ("![" not in text and "<img" not in text.lower()):
        return []
    return list(_images_in(text, trusted))


@lru_cache(maxsize=4096)
def _images_in(text: str, trusted: bool = False) -> tuple[tuple[str, str | None], ...]:
    found = []
    # notes given: definitions stay where they are written, so the images of every note
    # are found, in the order of the text, whichever field refers to the note
    shown = render_markdown(text, sanitise=not trusted, notes=NoteCalls({}, ""))
    for match in _IMG.finditer(shown):
        attributes = _image_attributes(match[0])
        found.append((attributes.get("src", ""), attributes.get("alt")))
    return tuple(found)


def case_link_ids(text: str | None) -> list[str]:
    """Ids named by ``case:`` links in Markdown source, for validation."""
    if not text:
        return []
    return re.findall(r"\]\(\s*case:([^)\s]*)\s*\)", text)
