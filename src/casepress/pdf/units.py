"""A handbook's HTML cut into units, and what its CSS asks of a split (``assemble``).

The units are the front matter (cover, imprint, contents, introduction) and every child of
``.body-matter`` (part dividers, chapters, indexes), each of which starts a new page. The
CSS is read with tinycss2 (WeasyPrint's parser) for three things: what a split cannot do
(page totals, facing pages), the rules that print ``target-counter(attr(href), page)``,
which get twins reading the number from an attribute, and which elements are running
elements (``position: running()``), which every unit must carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import css_string as css_string  # build/split.py writes named strings with it
from ..text import html_tags

_ID = re.compile(r"""\sid=["']([^"']+)["']""")
_CLASS = re.compile(r"""\sclass=["']([^"']*)["']""")
LINK = re.compile(r"""<a\b((?:[^>"']|"[^"]*"|'[^']*')*?)\shref=(["'])#([^"']+)\2""")
_TARGET_COUNTER = re.compile(
    r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*(?:,\s*([a-z-]+)\s*)?\)", re.I
)
_UNSUPPORTED = re.compile(
    r"counter\(\s*pages\b|target-counters?\((?!\s*attr\(\s*href\s*\)\s*,\s*page\b)|target-text",
    re.I,
)
_FACING = re.compile(r":(?:left|right|recto|verso)\b", re.I)
_RUNNING = re.compile(r"^\s*running\(", re.I)
_PSEUDO = re.compile(r"::?[\w-]+(\([^)]*\))?|\[[^\]]*\]")
"""What ``matches`` leaves out of a compound selector: pseudo-classes and attributes."""


@dataclass
class Unit:
    """One separately laid-out document: the front matter, or one child of the body."""

    name: str
    fragment: str
    front: bool = False
    ids: set[str] = field(default_factory=set)
    targets: list[str] = field(default_factory=list)


@dataclass
class Cut:
    """A handbook's HTML cut into units."""

    head: str
    """The document up to and including ``<body ...>``."""
    wrappers: list[tuple[str, str]]
    """(name, opening tag) from ``<body>``'s child down to ``.body-matter`` itself."""
    front: Unit
    body: list[Unit]
    top: list[str]
    """The front matter's top-level elements (candidates for running elements)."""

    def open_wrappers(self) -> str:
        return "".join(tag for _, tag in self.wrappers)

    def close_wrappers(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.wrappers))

    def close_ancestors(self) -> str:
        """What closes the front matter: the wrappers around ``.body-matter``."""
        return "".join(f"</{name}>" for name, _ in reversed(self.wrappers[:-1]))


def why_not_split(
    plan, html: str, css_texts: list[str], *, facts: CssFacts | None = None,
    units: Cut | None = None,
) -> str | None:  # fmt: skip
    """Why this handbook must be laid out in one pass, or None when it can be split.

    ``facts``: what its stylesheets ask (``css_facts`` of ``css_texts`` plus the
    ``<style>`` elements of its head: ``handbook_css``), when already known (a build keeps
    them by the texts' digest, so unchanged styles are not parsed again); ``units``: the
    HTML's ``cut``, when already made.
    """
    body = re.search(r"<body\b[^>]*>", html)
    if plan.edition.duplex or (body and "duplex" in _classes(body.group(0))):
        return (
            "it is printed on both sides (duplex, or the print profile): blank pages "
            "depend on the whole book's page parity"
        )
    if units is None:
        try:
            units = cut(html)
        except ValueError as exc:
            return str(exc)
    if facts is None:
        facts = css_facts(handbook_css(html, css_texts))
    found = facts.unsupported(_html_names(html))
    if found:
        return f"its styles use {found}, which one document per chapter cannot resolve"
    for selector in facts.running:
        # a selector naming a class or id that no part or chapter mentions matches none of
        # their elements: only the others are tried on every element
        names = re.findall(r"[.#]([\w-]+)", _PSEUDO.sub("", selector))
        if names and not all(any(n in u.fragment for u in units.body) for n in names):
            continue
        if any(matches(selector, tag) for u in units.body for tag in opening_tags(u.fragment)):
            return "a part or chapter holds a running element (position: running)"
    return None


def handbook_css(html: str, css_texts: list[str]) -> list[str]:
    """The style sheets' texts and the ``<style>`` elements of the handbook's head: every
    CSS text a split reads."""
    return [*css_texts, *re.findall(r"<style>(.*?)</style>", _head(html), re.S)]


@dataclass
class CssFacts:
    """What a handbook's CSS asks of a split, read once (``css_facts``) and kept as JSON.

    ``findings``: in order, every rule a split cannot give — ``["page", reason]`` for an
    ``@page`` rule, ``["rule", [selectors], what]`` for a rule that applies when its
    selectors' classes and ids are used; ``running``: ``running_selectors``; ``twins`` and
    ``styles``: ``cross_unit_css``.
    """

    findings: list
    running: list[str]
    twins: str
    styles: list[str]

    def unsupported(self, names: set[str]) -> str | None:
        """What the styles ask for that a split cannot give, in rules that can apply to a
        document using these class and id names: page totals, other counters of other
        elements, facing pages."""
        for finding in self.findings:
            if finding[0] == "page":
                return finding[1]
            if any(_can_apply(s, names) for s in finding[1]):
                return finding[2]
        return None

    def to_json(self) -> dict:
        return {"findings": self.findings, "running": self.running, "twins": self.twins,
                "styles": self.styles}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> CssFacts:
        """Raise ValueError (or TypeError) when ``data`` is not what ``to_json`` made."""
        facts = cls(list(data["findings"]), list(data["running"]), str(data["twins"]),
                    list(data["styles"]))  # fmt: skip
        for finding in facts.findings:
            if not (
                (len(finding) == 2 and finding[0] == "page" and isinstance(finding[1], str))
                or (len(finding) == 3 and finding[0] == "rule" and isinstance(finding[2], str)
                    and all(isinstance(s, str) for s in finding[1]))
            ):  # fmt: skip
                raise ValueError("not a finding")
        if not all(isinstance(s, str) for s in (*facts.running, *facts.styles)):
            raise ValueError("not a selector")
        return facts


def css_facts(texts: list[str]) -> CssFacts:
    """Parse the CSS texts (tinycss2) for what a split needs of them."""
    findings: list = []
    for prelude, content in _rules(texts):
        if prelude.startswith("@page"):
            if _FACING.search(prelude):
                findings.append(["page", "left and right pages"])
            elif _UNSUPPORTED.search(content):
                findings.append(["page", "page totals or cross-document counters"])
            continue
        found = _UNSUPPORTED.search(content)
        if found:
            findings.append(["rule", prelude.split(","), found.group(0).rstrip("(").strip()])
    twins, styles = cross_unit_css(texts)
    return CssFacts(findings, running_selectors(texts), twins, sorted(styles))


def _head(html: str) -> str:
    end = html.find("<body")
    return html[:end] if end >= 0 else html


def _classes(tag: str) -> set[str]:
    match = _CLASS.search(tag)
    return set(match.group(1).split()) if match else set()


def _html_names(html: str) -> set[str]:
    """Every class (``.name``) and id (``#name``) the document uses."""
    names = {f".{c}" for match in _CLASS.finditer(html) for c in match.group(1).split()}
    return names | {f"#{i}" for i in _ID.findall(html)}


def opening_tags(fragment: str) -> list[str]:
    return [tag.text for tag in html_tags(fragment) if tag.name and not tag.closing]


def _children(html: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Top-level elements in ``html[start:end]``: (start, end, opening tag)."""
    found, depth, open_at, open_tag = [], 0, 0, ""
    for tag in html_tags(html, start, end):
        if tag.empty:
            if depth == 0 and tag.name:
                found.append((tag.start, tag.end, tag.text))
            continue
        if tag.closing:
            depth -= 1
            if depth == 0:
                found.append((open_at, tag.end, open_tag))
        else:
            if depth == 0:
                open_at, open_tag = tag.start, tag.text
            depth += 1
    return found


def cut(html: str) -> Cut:
    """Cut the handbook at ``.body-matter``'s children; raise ValueError if it cannot be."""
    body = re.search(r"<body\b[^>]*>", html)
    body_end = html.rfind("</body>")
    if not body or body_end < 0:
        raise ValueError("the handbook HTML has no body")
    stack: list[tuple[str, str]] = []
    wrappers: list[tuple[str, str]] = []
    start = end = -1
    for tag in html_tags(html, body.end(), body_end):
        if tag.empty:
            continue
        if tag.closing:
            if not stack or stack[-1][0] != tag.name:
                raise ValueError(f"the handbook HTML does not nest: </{tag.name}>")
            stack.pop()
            if wrappers and end < 0 and len(stack) == len(wrappers) - 1:
                end = tag.end
        else:
            stack.append((tag.name, tag.text))
            if "body-matter" in _classes(tag.text):
                if wrappers:
                    raise ValueError("the handbook template has more than one .body-matter")
                wrappers, start = list(stack), tag.start
    if not wrappers or end < 0:
        raise ValueError("the handbook template has no .body-matter element")
    after = re.sub(r"<!--.*?-->|\s", "", html[end:body_end], flags=re.S)
    if after.lower() != "".join(f"</{name}>" for name, _ in reversed(wrappers[:-1])):
        raise ValueError("something follows .body-matter in the handbook template")
    front = Unit("front", html[body.end() : start], front=True)
    inner_start = start + len(wrappers[-1][1])
    inner_end = html.rfind(f"</{wrappers[-1][0]}>", start, end)
    units = []
    for child_start, child_end, tag in _children(html, inner_start, inner_end):
        if not _classes(tag) & {"part", "chapter", "index"}:
            raise ValueError(f"an element that does not start a page sits in the body: {tag}")
        fragment = html[child_start:child_end]
        ids = _ID.findall(fragment)
        units.append(Unit(ids[0] if ids else f"unit-{len(units) + 1}", fragment))
    for unit in (front, *units):
        unit.ids = set(_ID.findall(unit.fragment))
        unit.targets = list(dict.fromkeys(m.group(3) for m in LINK.finditer(unit.fragment)))
    top = [html[a:b] for a, b, _ in _children(html, body.end(), start)]
    return Cut(html[: body.end()], wrappers, front, units, top)


# -- what CSS asks of a split ------------------------------------------------------------
def _rules(texts: list[str]):
    """(prelude, declarations) of every rule that applies to print, @page rules included."""
    import tinycss2

    def walk(nodes):
        for rule in nodes:
            if rule.type == "at-rule" and rule.content is not None:
                keyword = rule.lower_at_keyword
                prelude = tinycss2.serialize(rule.prelude).strip()
                if keyword == "media":
                    if re.search(r"\bprint\b|\ball\b", prelude) or not prelude:
                        yield from walk(tinycss2.parse_rule_list(rule.content, True, True))
                elif keyword == "page":
                    yield f"@page {prelude}", tinycss2.serialize(rule.content)
            elif rule.type == "qualified-rule":
                yield tinycss2.serialize(rule.prelude), tinycss2.serialize(rule.content)

    for text in texts:
        yield from walk(tinycss2.parse_stylesheet(text, True, True))


def _can_apply(selector: str, names: set[str]) -> bool:
    """False when the selector needs a class or id the document does not use."""
    return all(name in names for name in re.findall(r"[.#][\w-]+", selector))


def running_selectors(texts: list[str]) -> list[str]:
    """The last compound of every selector whose rule makes a running element."""
    import tinycss2

    found = []
    for prelude, content in _rules(texts):
        if prelude.startswith("@page"):
            continue
        for item in tinycss2.parse_blocks_contents(content, True, True):
            if (
                item.type == "declaration"
                and item.lower_name == "position"
                and _RUNNING.match(tinycss2.serialize(item.value))
            ):
                for selector in prelude.split(","):
                    found.append(re.split(r"[\s>+~]+", selector.strip())[-1])
    return found


def matches(compound: str, tag: str) -> bool:
    """Could this opening tag match a compound selector (type, classes, id; pseudo-classes
    ignored, so a doubtful element is taken for running: a carrier page is never shown)."""
    compound = _PSEUDO.sub("", compound)
    name = re.match(r"[a-zA-Z][\w-]*", compound)
    element = re.match(r"<([a-zA-Z][\w-]*)", tag)
    if name and element and name.group(0).lower() != element.group(1).lower():
        return False
    classes = set(re.findall(r"\.([\w-]+)", compound))
    ids = re.findall(r"#([\w-]+)", compound)
    own_id = _ID.search(tag)
    if ids and (own_id is None or own_id.group(1) != ids[0]):
        return False
    return bool(classes or ids or name) and classes <= _classes(tag)


def cross_unit_css(css_texts: list[str]) -> tuple[str, set[str]]:
    """Twins of the rules that print ``target-counter(attr(href), page)``, for links that
    carry their number in ``data-cp-<style>``; and the counter styles they use."""
    import tinycss2

    styles: set[str] = set()

    def rules(nodes) -> list[str]:
        out = []
        for rule in nodes:
            if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
                inner = rules(tinycss2.parse_rule_list(rule.content, True, True))
                if inner:
                    prelude = tinycss2.serialize(rule.prelude).strip()
                    out.append(f"@media {prelude} {{\n{''.join(inner)}}}\n")
            elif rule.type == "qualified-rule":
                declarations = []
                for item in tinycss2.parse_blocks_contents(rule.content, True, True):
                    if item.type != "declaration":
                        continue
                    value = tinycss2.serialize(item.value)
                    if not _TARGET_COUNTER.search(value):
                        continue

                    def replace(match: re.Match[str]) -> str:
                        style = (match.group(1) or "decimal").lower()
                        styles.add(style)
                        return f"attr(data-cp-{style})"

                    value = _TARGET_COUNTER.sub(replace, value)
                    important = " !important" if item.important else ""
                    declarations.append(f"{item.name}: {value}{important};")
                if declarations:
                    selectors = [
                        _with_marker(s.strip()) for s in tinycss2.serialize(rule.prelude).split(",")
                    ]
                    out.append(f"{', '.join(selectors)} {{ {' '.join(declarations)} }}\n")
        return out

    found = []
    for text in css_texts:
        found += rules(tinycss2.parse_stylesheet(text, True, True))
    return "".join(found), styles


def _with_marker(selector: str) -> str:
    match = re.search(r"(::?(?:before|after|marker|first-line|first-letter))$", selector)
    if match:
        return f"{selector[: match.start()]}[data-cp]{match.group(1)}"
    return f"{selector}[data-cp]"


def format_counter(value: int, style: str) -> str:
    """A page number in a CSS counter style (the ones page numbers use)."""
    if style in ("lower-roman", "upper-roman") and 0 < value < 4000:
        numerals = (
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        )  # fmt: skip
        text = ""
        for number, letters in numerals:
            while value >= number:
                text, value = text + letters, value - number
        return text.upper() if style == "upper-roman" else text
    if style == "decimal-leading-zero":
        return f"{value:02d}"
    return str(value)


# -- named strings read from the HTML ----------------------------------------------------
_COMBINATOR = re.compile(r"\s*>\s*|\s+")


def predict_strings(fragment: str, css_texts: list[str]) -> dict[str, str] | None:
    """The named strings a unit leaves set (name → last value), read from its HTML and the
    ``string-set`` rules without laying it out; None when a rule asks for more than
    ``content()``/``content(text)`` of the element or a string literal (counters,
    attributes...).

    A prediction: it lets a split start its chapters before the front matter is laid out,
    and the front matter's real strings correct it (pseudo-classes are not checked).
    """
    import tinycss2

    rules = []
    for prelude, content in _rules(css_texts):
        if prelude.startswith("@page"):
            continue
        for item in tinycss2.parse_blocks_contents(content, True, True):
            if item.type != "declaration" or item.lower_name != "string-set":
                continue
            names: list = []
            for part in _split_commas(item.value):
                tokens = [t for t in part if t.type not in ("whitespace", "comment")]
                if (
                    len(tokens) == 1
                    and tokens[0].type == "ident"
                    and tokens[0].lower_value == "none"
                ):
                    continue
                if len(tokens) == 2 and tokens[0].type == "ident" and tokens[1].type == "string":
                    names.append((tokens[0].value, tokens[1].value))  # a literal: book-title "…"
                    continue
                if not (len(tokens) == 2 and tokens[0].type == "ident"
                        and tokens[1].type == "function" and tokens[1].lower_name == "content"
                        and tinycss2.serialize(tokens[1].arguments).strip().lower() in ("", "text")):  # fmt: skip
                    return None
                names.append(tokens[0].value)
            for selector in prelude.split(","):
                rules.append((_COMBINATOR.split(selector.strip()), selector, names))
    strings: dict[str, str] = {}
    for tag, ancestors, text in _elements(fragment):
        for compounds, selector, names in rules:
            if ">" in selector:  # a child combinator: too precise to guess, be safe
                return None
            if matches(compounds[-1], tag) and _descends(compounds[:-1], ancestors):
                for name in names:
                    if isinstance(name, tuple):
                        strings[name[0]] = name[1]
                    else:
                        strings[name] = text
    return strings


def _split_commas(tokens) -> list[list]:
    parts: list[list] = [[]]
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _descends(compounds: list[str], ancestors: list[str]) -> bool:
    """Whether the ancestors (outermost first) hold, in order, elements matching each
    compound of a descendant selector."""
    at = len(ancestors)
    for compound in reversed(compounds):
        while at > 0 and not matches(compound, ancestors[at - 1]):
            at -= 1
        if at == 0:
            return False
        at -= 1
    return True


def _elements(fragment: str) -> list[tuple[str, list[str], str]]:
    """Every element in document order: (opening tag, ancestors' opening tags, its text
    with white space collapsed, as ``content(text)`` gives it)."""
    import html as htmllib

    found: list[list] = []
    stack: list[tuple[str, str, int]] = []  # (name, opening tag, index in found)

    def add_text(text: str) -> None:
        for _, _, index in stack:
            found[index][2].append(htmllib.unescape(text))

    at = 0
    for tag in html_tags(fragment):
        add_text(fragment[at : tag.start])
        at = tag.end
        if not tag.name:  # a comment
            continue
        if tag.closing:  # close up to the element it names
            while stack:
                if stack.pop()[0] == tag.name:
                    break
            continue
        found.append([tag.text, [opening for _, opening, _ in stack], []])
        if not tag.empty:
            stack.append((tag.name, tag.text, len(found) - 1))
    add_text(fragment[at:])
    return [(tag, ancestors, " ".join("".join(text).split())) for tag, ancestors, text in found]
