"""A handbook as one Word document: title page, imprint, contents, introduction, parts, cases.

The same plan drives it as the PDF handbook (``model.editions.HandbookPlan``): the title
page shows the edition's title, subtitle, edition and date (its month, in the handbook's
language) and organisation; the imprint page its publisher, copyright, licence, ISBN,
suggested citation, disclaimer and colophon (``render.bookparts.furniture`` works them out
for every format); then the contents, a real Word table of contents (a ``TOC`` field Word
fills in with page numbers when the document is opened, its entries already written so
that it reads before then too); the introduction; and the cases, each on a new page, under
a Heading 1 per part when the edition is grouped (``group_by``), with "Part I" above it
and its cases listed below, the case titles one level down. Case numbers, when the edition
has them, stand above each case's title. The indexes by country and theme are not made: Word has no list of cases
with their pages but through fields a reader must update, so the build says they are left
out (``index_note``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from ..model.editions import HandbookPlan
from .blocks import div, header, meta_text, para, words
from .pandoc import ast_to_docx
from .reference import reference_file
from .writer import (
    PAGE_BREAK,
    CaseDocument,
    Markdowns,
    WordResult,
    api_version,
    core_properties,
    embed_images,
    finish,
)  # fmt: skip

BOOK_TITLE, BOOK_EDITION, BOOK_ORGANISATION = "Book Title", "Book Edition", "Book Organisation"
IMPRINT, PART_NUMBER, PART_CASE, CASE_NUMBER, CASE_SUBTITLE = (
    "Imprint", "Part Number", "Part Case", "Case Number", "Case Subtitle")  # fmt: skip
INTRODUCTION_ID = "introduction"


@dataclass
class BookFacts:
    """What the title page and the imprint show, worked out as for the PDF handbook."""

    title: str
    subtitle: str | None = None
    edition: str | None = None
    date: str | None = None
    """The month, in the handbook's language ('novembre 2026')."""
    organisation: str | None = None
    publisher: str | None = None
    copyright: str | None = None
    licence: Any = None
    isbn: str | None = None
    citation: str | None = None
    disclaimer: str | None = None
    """Markdown."""
    colophon: str | None = None
    cover_credit: str | None = None
    logo: tuple[Path, str] | None = None
    """The logo on the title page and its alternative text (the edition's, or the theme's)."""
    produced_with: bool = True
    part_titles: list[str] | None = None
    """Each part's title as the reader sees it (a country in the handbook's language,
    'Other cases')."""
    part_numbers: bool = False
    case_numbers: dict[str, str] | None = None
    missing: list[str] | None = None
    """Titles of selected cases left out because their files have errors."""


def index_note(plan: HandbookPlan, labels: dict[str, str]) -> str | None:
    """What the log says about the indexes a Word handbook leaves out, if it has any."""
    names = [labels.get(key, default) for key, default, entries in (
        ("index_countries", "Cases by country", plan.country_index),
        ("index_themes", "Cases by theme", plan.theme_index)) if entries]  # fmt: skip
    if not names:
        return None
    return (f"the Word handbook has no indexes ({', '.join(names)}): Word can only list cases "
            "with their pages through fields a reader must update; the PDF and HTML "
            "handbooks have them")  # fmt: skip


def cover_note(edition) -> str | None:
    """What the log says about a cover image the Word title page leaves out."""
    if edition.cover_image is None:
        return None
    return ("the cover image is not on the Word title page (a photograph the page's width "
            "would push the title page onto two); add it in Word if you need it")  # fmt: skip


def write_book(plan: HandbookPlan, facts: BookFacts, labels: dict[str, str], labels_of,
               reference: bytes, policy, language: str, root: Path, *,
               own_reference: bool = False) -> WordResult:  # fmt: skip
    """The handbook ``plan`` as one Word document, styled by ``reference``: ``labels`` are
    the handbook's (its language), ``labels_of(case)`` each case's; images of the
    introduction are found from ``root`` (the project folder) as in the PDF.
    ``own_reference``: the theme made its reference document, whose headings are kept."""
    markdowns = Markdowns()
    front = CaseDocument(None, labels, markdowns, prefix="intro-")
    imprint = CaseDocument(None, labels, markdowns, prefix="imprint-")
    _title_page(front, facts)
    _imprint(imprint, facts, labels)
    grouped = plan.grouped
    level = 2 if grouped else 1
    entries: list[tuple[int, str, str]] = []
    introduction = None
    if plan.introduction:
        introduction = CaseDocument(None, labels, markdowns, prefix="intro-")
        introduction._add(_break(), header(1, labels.get("introduction", "Introduction"),
                                            INTRODUCTION_ID))  # fmt: skip
        introduction._markdown(plan.introduction)
        entries.append((1, labels.get("introduction", "Introduction"), INTRODUCTION_ID))
    chapters: list[CaseDocument] = []
    number = 0
    for index, part in enumerate(plan.parts, 1):
        part_title = (facts.part_titles or [])[index - 1] if grouped else None
        for position, case in enumerate(part.cases):
            number += 1
            doc = CaseDocument(case, labels_of(case), markdowns, prefix=f"c{number}-")
            if position == 0 and grouped:
                anchor = f"part_{index}"
                doc._add(_break())
                if facts.part_numbers:
                    doc._add(
                        _styled(PART_NUMBER, f"{labels.get('part', 'Part')}\u00a0{_roman(index)}")
                    )
                doc._add(header(1, part_title or "", anchor))
                entries.append((1, part_title or "", anchor))
                for case_in_part in part.cases:  # the part's cases, as on the PDF's divider
                    shown = (facts.case_numbers or {}).get(case_in_part.id)
                    title = f"{shown}\u2003{case_in_part.title}" if shown else case_in_part.title
                    doc._add(_styled(PART_CASE, title))
            anchor = f"case_{number}"
            doc._add(_break())
            case_number = (facts.case_numbers or {}).get(case.id)
            if case_number:
                doc._add(_styled(CASE_NUMBER, f"{labels.get('case_number', 'Case')} {case_number}"))
            doc._add(header(level, case.title, anchor))
            entries.append((level, case.title, anchor))
            if case.subtitle:
                doc._add(_styled(CASE_SUBTITLE, case.subtitle))
            doc.blocks(level + 1)
            chapters.append(doc)
    converted = markdowns.convert()
    messages: list[str] = []
    blocks = embed_images(front.assemble(converted), root, policy, messages)
    blocks.append(div(IMPRINT, imprint.assemble(converted)))
    blocks += _contents(entries, labels, facts, grouped)
    if introduction is not None:
        blocks += embed_images(introduction.assemble(converted), root, policy, messages)
    for doc in chapters:
        blocks += embed_images(doc.assemble(converted), doc.case.path.parent, policy, messages)
    meta = {"lang": meta_text(language)}
    document = {"pandoc-api-version": api_version(), "meta": meta, "blocks": blocks}
    data = ast_to_docx(document, reference_file(reference))
    properties = {**core_properties(plan.cases, facts.title), "title": facts.title}
    if facts.subtitle:
        properties["subject"] = facts.subtitle
    properties["language"] = language
    chapter_style = "Heading2" if grouped else "Heading1"
    data = finish(data, properties, chapters=chapter_style, fields=True,
                  restyle=None if own_reference else lambda styles: book_styles(styles, grouped))  # fmt: skip
    return WordResult(data, messages)


BOOK_SIZES = {True: {"Heading1": (48, 0, 240), "Heading2": (36, 0, 240), "Heading3": (24, 360, 100)},
              False: {"Heading1": (36, 0, 240), "Heading2": (24, 360, 100)}}  # fmt: skip
"""Half-points, and twentieths of a point before and after, of a handbook's headings: a
part's title (grouped), a case's title and its sections step down as the PDF's do; the
brief's own sizes (``reference``) suit a document whose top level is a section."""


def book_styles(styles, grouped: bool) -> None:
    """A handbook's heading sizes (``BOOK_SIZES``), in its own copy of the styles."""
    from .reference import _NS, _child, _style, _w

    for style_id, (size, before, after) in BOOK_SIZES[grouped].items():
        style = _style(styles, style_id)
        if style is None:
            continue
        rpr = style.find("w:rPr", _NS)
        ppr = style.find("w:pPr", _NS)
        if rpr is None or ppr is None:
            continue
        for name in ("sz", "szCs"):
            found = rpr.find(f"w:{name}", _NS)
            if found is not None:
                found.set(_w("val"), str(size))
        spacing = _child(ppr, "spacing")
        spacing.set(_w("before"), str(before))
        spacing.set(_w("after"), str(after))
        if size <= 24 and rpr.find("w:b", _NS) is None:
            bold = etree.Element(_w("b"))
            fonts = rpr.find("w:rFonts", _NS)
            (fonts.addnext(bold) if fonts is not None else rpr.insert(0, bold))


def _break() -> dict:
    return {"t": "RawBlock", "c": ["openxml", PAGE_BREAK]}


def _styled(style: str, text: str) -> dict:
    return div(style, [para(words(text))])


def _roman(number: int) -> str:
    from ..render.bookparts import roman

    return roman(number)


def _title_page(doc: CaseDocument, facts: BookFacts) -> None:
    doc._add(_styled(BOOK_TITLE, facts.title))
    if facts.subtitle:
        doc._add(_styled("Subtitle", facts.subtitle))
    edition = " · ".join(t for t in (facts.edition, facts.date) if t)
    if edition:
        doc._add(_styled(BOOK_EDITION, edition))
    logo = []
    if facts.logo is not None:  # the organisation's logo above its name, as on the cover
        path, alt = facts.logo
        logo = [{"t": "Image", "c": [["", [], [["height", "1.6cm"]]], words(alt), [str(path), ""]]}]
    if facts.organisation or logo:
        line = [{"t": "LineBreak"}] if logo and facts.organisation else []
        organisation = [*logo, *line, *words(facts.organisation or "")]
        doc._add(div(BOOK_ORGANISATION, [para(organisation)]))


def _imprint(doc: CaseDocument, facts: BookFacts, labels: dict[str, str]) -> None:
    """The imprint page's facts, each a paragraph in the Imprint style (as the PDF's)."""
    doc._add(_break())
    title = f"{facts.title}. {facts.subtitle}" if facts.subtitle else facts.title
    doc._add(para([{"t": "Strong", "c": words(title)}]))
    lines = [", ".join(t for t in (facts.edition, facts.date) if t)]
    if facts.publisher:
        lines.append(f"{labels.get('publisher', 'Publisher')}: {facts.publisher}")
    lines.append(facts.copyright or "")
    licence = facts.licence
    if licence is not None:
        text = f"{labels.get('licence', 'Licence')}: {licence.short}"
        if licence.name:
            text += f" ({licence.name})"
        if licence.url:
            text += f", {licence.url}"
        lines.append(text)
    if facts.isbn:
        lines.append(f"{labels.get('isbn', 'ISBN')} {facts.isbn}")
    if facts.citation:
        lines.append(f"{labels.get('suggested_citation', 'Suggested citation')}: {facts.citation}")
    if facts.cover_credit:
        lines.append(f"{labels.get('cover_image_credit', 'Cover image')}: {facts.cover_credit}")
    for line in lines:
        if line:
            doc._add(para(words(line)))
    if facts.disclaimer:
        doc._markdown(facts.disclaimer)
    if facts.colophon:
        doc._add(para(words(facts.colophon)))
    if facts.produced_with and labels.get("produced_with"):
        doc._add(para(words(labels["produced_with"])))


def _contents(entries: list[tuple[int, str, str]], labels: dict[str, str], facts: BookFacts,
              grouped: bool) -> list[dict]:  # fmt: skip
    """The contents page: a Word table of contents (a TOC field over the part and case
    headings), its entries written in already, without page numbers until Word updates it."""
    levels = "1-2" if grouped else "1-1"
    heading = escape(labels.get("contents", "Contents"))
    paragraphs = []
    for index, (level, text, anchor) in enumerate(entries):
        start = ""
        if index == 0:
            start = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                     f'<w:r><w:instrText xml:space="preserve"> TOC \\o "{levels}" \\h \\z \\u '
                     '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>')  # fmt: skip
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if index == len(entries) - 1 else ""
        paragraphs.append(
            f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{start}'
            f'<w:hyperlink w:anchor="{anchor}" w:history="1"><w:r><w:t xml:space="preserve">'
            f"{escape(text)}</w:t></w:r></w:hyperlink>{end}</w:p>"
        )
    xml = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>"
        '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/><w:pageBreakBefore/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{heading}</w:t></w:r></w:p>'
        + "".join(paragraphs) + "</w:sdtContent></w:sdt>"
    )  # fmt: skip
    blocks: list[dict] = [{"t": "RawBlock", "c": ["openxml", xml]}]
    if facts.missing:
        said = f"{labels.get('missing_cases', 'Not in this edition:')} {', '.join(facts.missing)}"
        blocks.append(div(IMPRINT, [para(words(said))]))
    return blocks
