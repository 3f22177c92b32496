"""The browsable library (``build/site/``): pages as HTML strings, no file is written here.

The site is static and self-contained: ``index.html`` lists every case with its summary and
tags, and filters them by region, country and theme and by words in their text with a few
lines of inline JavaScript reading data embedded in the page, so it works from ``file://``
and from any static host. Without JavaScript the full list is shown. Each case has a page
(the HTML brief with a way back to the index) beside its PDF::

    site/index.html
    site/cases/<id>.html, <id>.pdf, <id>.bib, <id>.csl.json (its citation)
    site/catalogue.json (build/export.py: every case's metadata)
    site/handbooks/<name>.html, <name>.pdf

Templates (``site-index.html.j2``, ``site-case.html.j2``) and ``styles/site.css`` are found
through the same chain as the briefs', so a project or theme can replace or extend them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..errors import MarkupError, display_path
from ..model.cases import Case
from ..model.citation import bibtex_entry, csl_item
from ..model.markup import render_markdown
from .renderer import Renderer
from .sitelanguages import SiteEntry, entry_data, entry_view, language_facet, site_entries

DOCUMENT = "site"
"""The kind of document whose stylesheets the pages inline: the HTML ones, and ``site.css``."""
INDEX_TEMPLATE = "site-index.html.j2"
CASE_TEMPLATE = "site-case.html.j2"
INDEX_PAGE = "index.html"
CASES_FOLDER = "cases"
HANDBOOKS_FOLDER = "handbooks"
FORMATS = ("html", "pdf")
FACETS = ("regions", "countries", "themes")
"""The tag fields the index filters on, in the order the filters appear."""


@dataclass(frozen=True)
class HandbookEntry:
    """A handbook as the index lists it; hrefs are relative to the site folder (None: absent)."""

    name: str
    title: str
    subtitle: str | None = None
    html: str | None = None
    pdf: str | None = None


@dataclass(frozen=True)
class Page:
    """A page to write: where in the site, how to render it, and what to blame if that fails."""

    path: str
    render: Callable[[], str]
    source: str


@dataclass
class SitePlan:
    """Everything one site build writes, copies and keeps; paths relative to the site folder."""

    pages: list[Page] = field(default_factory=list)
    copies: dict[str, Path] = field(default_factory=dict)
    """Finished outputs (PDFs, handbooks) published in the site, by their path there."""
    keep: set[str] = field(default_factory=set)
    """What belongs in cases/ and handbooks/: anything else a build wrote there is stale and
    removed (``build.site``), unless its case or handbook failed this time."""


def plan_site(
    renderer: Renderer,
    cases: Iterable[Case],
    *,
    pdfs: Mapping[str, Path] | None = None,
    handbooks: Mapping[str, Mapping[str, Path]] | None = None,
    only: Collection[str] | None = None,
) -> SitePlan:
    """The pages, copies and files to keep for a site of ``cases`` (see ``build.build_site``)."""
    cases = list(cases)
    ids = {case.id for case in cases}
    plan = SitePlan()
    if pdfs is not None:
        pdfs = {i: path for i, path in pdfs.items() if i in ids}
        plan.copies.update({f"{CASES_FOLDER}/{i}.pdf": path for i, path in pdfs.items()})
    entries = []
    for name, edition in renderer.project.handbooks.items():
        files = handbooks.get(name, {}) if handbooks is not None else dict.fromkeys(FORMATS)
        hrefs = {fmt: f"{HANDBOOKS_FOLDER}/{name}.{fmt}" for fmt in files}
        if handbooks is not None:
            plan.copies.update({hrefs[fmt]: path for fmt, path in files.items()})
        plan.keep |= set(hrefs.values())
        if hrefs:
            entries.append(HandbookEntry(name, edition.title, edition.subtitle, **hrefs))

    def index() -> str:
        return render_index(renderer, cases, pdfs=pdfs, handbooks=entries)

    plan.pages.append(Page(INDEX_PAGE, index, INDEX_PAGE))
    publisher = renderer.project.organisation or renderer.theme.organisation
    for case in cases:
        has_pdf = pdfs is None or case.id in pdfs
        plan.keep.add(case_page(case.id))
        for path, render in citation_files(case, publisher).items():  # "Download citation"
            plan.keep.add(path)
            if only is None or case.id in only:
                plan.pages.append(Page(path, render, display_path(case.path)))
        if has_pdf:
            plan.keep.add(f"{CASES_FOLDER}/{case.id}.pdf")
        if only is None or case.id in only:
            render = partial(render_case_page, renderer, case, pdf=has_pdf)
            plan.pages.append(Page(case_page(case.id), render, display_path(case.path)))
    plan.keep |= set(plan.copies)
    return plan


def case_page(case_id: str) -> str:
    """Path of a case's page inside the site folder."""
    return f"{CASES_FOLDER}/{case_id}.html"


CITATION_SUFFIXES = {"bibtex": ".bib", "csl_json": ".csl.json"}
"""The files beside a case's page that its "Download citation" links name."""


def citation_files(case: Case, publisher: str | None) -> dict[str, Callable[[], str]]:
    """The case's BibTeX and CSL-JSON files, by their path in the site, and how to make them."""
    bib = f"{CASES_FOLDER}/{case.id}{CITATION_SUFFIXES['bibtex']}"
    csl = f"{CASES_FOLDER}/{case.id}{CITATION_SUFFIXES['csl_json']}"

    def csl_json() -> str:  # a list of one item: what Zotero and Pandoc import
        item = csl_item(case, publisher=publisher)
        return json.dumps([item], ensure_ascii=False, indent=2) + "\n"

    return {bib: lambda: bibtex_entry(case, publisher=publisher), csl: csl_json}


def render_case_page(renderer: Renderer, case: Case, *, pdf: bool) -> str:
    """A case's page: its HTML brief, with navigation back to the index and its PDF if any."""
    return renderer.render_brief(
        case,
        target="html",
        template=CASE_TEMPLATE,
        document=DOCUMENT,
        extra={
            "pdf_href": f"{case.id}.pdf" if pdf else None,
            "site": _site_view(renderer, root="../"),
            "citation_files": {
                kind: f"{case.id}{suffix}" for kind, suffix in CITATION_SUFFIXES.items()
            },
        },
    )


def render_index(
    renderer: Renderer,
    cases: Iterable[Case],
    *,
    pdfs: Collection[str] | None = None,
    handbooks: Iterable[HandbookEntry] = (),
) -> str:
    """The index of every case, with filters and search; ``pdfs``: ids that have a PDF."""
    context = renderer.document_context(renderer.language, "html", document=DOCUMENT)
    labels = context["labels"]
    # one entry per case and its translations, shown in the site's language when it has
    # a version in it, else in the original (render/sitelanguages.py)
    entries = site_entries(cases, renderer.language)

    def country(name: str) -> str:  # a filter's choice, in the site's language
        return renderer.country(name, renderer.language)

    def listing(case: Case) -> dict[str, Any]:  # a version's tags, in its own language
        def named(name: str) -> str:
            return renderer.country(name, case.language)

        return _listing(case, pdf=pdfs is None or case.id in pdfs, country=named)

    context |= {
        "site": _site_view(renderer, root=""),
        "cases": [entry_view(entry, listing, renderer.language) for entry in entries],
        "facets": [
            {
                "name": name,
                "label": labels[name],
                "any": labels[f"any_{name}"],
                "options": _options(entries, name, country if name == "countries" else str),
            }
            for name in FACETS
        ]
        + language_facet(entries, labels, renderer.language),
        "search_data": [
            entry_data([_search_data(renderer, case) for case in entry.cases], entry)
            for entry in entries
        ],
        "handbooks": [vars(entry) for entry in handbooks],
    }
    return renderer.render_template(INDEX_TEMPLATE, context)


def tag_key(tag: str) -> str:
    """How the filters compare tags: without regard to case or spacing."""
    return " ".join(tag.split()).casefold()


def fold(text: str) -> str:
    """Text as the search compares it: lower case, accents dropped (the page's script agrees)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()


def _site_view(renderer: Renderer, *, root: str) -> dict[str, Any]:
    project = renderer.project
    labels = renderer.theme.label_set(renderer.language)
    return {
        "title": project.title or labels["library"],
        "organisation": project.organisation or renderer.theme.organisation,
        "index_href": f"{root}{INDEX_PAGE}",
    }


def _listing(case: Case, *, pdf: bool, country: Callable[[str], str] = str) -> dict[str, Any]:
    return {
        "id": case.id,
        "title": case.title,
        "subtitle": case.subtitle,
        "summary": case.summary,
        "period": case.period,
        "language": case.language,
        "regions": list(case.regions),
        "countries": [country(name) for name in case.countries],
        "themes": list(case.themes),
        "href": case_page(case.id),
        "pdf_href": f"{CASES_FOLDER}/{case.id}.pdf" if pdf else None,
        "draft": case.draft,  # marked in the listing (labels.draft)
    }


def _options(
    entries: list[SiteEntry], name: str, shown_as: Callable[[str], str] = str
) -> list[dict[str, Any]]:
    """The choices of one filter: every tag of that field, with how many entries carry it
    (a case and its translations count once); ``shown_as`` gives the label (a country's
    name in the site's language)."""
    shown: dict[str, str] = {}
    counts: dict[str, int] = {}
    for entry in entries:
        tags = [tag for case in entry.cases for tag in getattr(case, name)]
        for key in dict.fromkeys(tag_key(tag) for tag in tags):
            shown.setdefault(key, shown_as(next(t for t in tags if tag_key(t) == key)))
            counts[key] = counts.get(key, 0) + 1
    return [
        {"value": key, "label": shown[key], "count": counts[key]}
        for key in sorted(shown, key=lambda k: fold(shown[k]))
    ]


def _search_data(renderer: Renderer, case: Case) -> dict[str, Any]:
    """``_search_entry``, its text converted through the build's ``TextCache``."""
    with renderer.texts_of(case):
        return _search_entry(case)


@lru_cache(maxsize=4096)
def _search_entry(case: Case) -> dict[str, Any]:
    """What the page's script filters on: tag keys per field, and the case's text, folded.

    Kept per case (a ``Case`` is immutable), so that a preview re-rendering the index after
    one case was saved renders the Markdown of that case only.
    """
    parts = [
        case.title,
        case.subtitle,
        case.summary,
        case.period,
        *case.tags,
        *map(str, case.authors),
    ]
    parts += [lesson.title for lesson in case.lessons]
    for text in (case.context, case.entry_point, *(x.text for x in case.lessons), case.outcome):
        parts.append(_plain(text))
    return {
        "id": case.id,
        **{name: [tag_key(tag) for tag in getattr(case, name)] for name in FACETS},
        "text": fold(" ".join(p for p in parts if p)),
    }


def _plain(markdown_text: str | None) -> str:
    """Searchable text of a field; the raw source when it cannot be converted (the case's
    brief reports why), so one broken case never costs the whole index."""
    if not markdown_text:
        return ""
    try:
        return Markup(render_markdown(markdown_text)).striptags()
    except MarkupError:
        return markdown_text
