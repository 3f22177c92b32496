"""The reference document a Word output takes its styles from, per theme.

A theme may ship its own ``reference.docx`` (made in Word: styles modified and saved); the
first one along the theme's chain is used. Without one, casepress starts from pandoc's
reference document and carries the theme's look into its styles: the body font into the
document defaults, the heading font and the primary colour into Title, Subtitle and the
headings, the link colour into Hyperlink. Either way the styles casepress's documents use
and pandoc's reference lacks are added when missing:

- ``Lesson`` (paragraph): a lesson's first paragraph, numbered by the style itself (Word's
  own way for "List Number"), so pressing Enter at the end of a lesson starts the next one;
- ``Lesson Continued`` (paragraph): the lesson's further paragraphs, indented, unnumbered;
- ``Lesson Title`` (character): the lead-in that names the lesson;
- ``Case Field`` (character): the field names in the "About this case" table.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from .. import files
from .pandoc import default_reference

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
REFERENCE_NAME = "reference.docx"
LESSON_NUMBERING = "9017"
"""The numbering definition (``w:abstractNumId`` and ``w:numId``) of the Lesson style:
far above the ids pandoc gives the lists it writes."""

_BUILTIN_FONTS = {"body": "Source Serif Pro", "heading": "Source Sans Pro"}
_BUILTIN_COLOURS = {"ink": "#1d2329", "primary": "#163a5f", "muted": "#5b6470", "link": "#1f5f99"}


def theme_reference(theme) -> tuple[Path | None, bytes | None]:
    """The first ``reference.docx`` along the theme's chain and its bytes, or (None, None)."""
    for config in theme.configs:
        path = Path(config.folder) / REFERENCE_NAME
        if path.is_file():
            return path, files.read_bytes(path, theme.roots, limit=files.RESOURCE_BYTES,
                                          what="reference document")  # fmt: skip
    return None, None


def look(theme) -> dict[str, str]:
    """The theme's fonts and colours: theme.yaml first, then the built-in stylesheet's."""
    found: dict[str, str] = {}
    for config in theme.configs:
        for font in config.fonts:
            found.setdefault(f"font-{font.role}", font.family)
        for name, value in config.colours.items():
            found.setdefault(f"colour-{name}", value)
    for folder in theme.style_dirs:
        sheet = Path(folder) / "base.css"
        if not sheet.is_file():
            continue
        try:
            css = files.read_text(sheet, theme.roots, what="stylesheet")
        except files.FileRefusedError:
            continue
        for name, value in re.findall(r"--((?:font|colour)-[\w-]+)\s*:\s*([^;]+);", css):
            if name.startswith("font-"):
                value = value.split(",")[0].strip().strip("\"'")
            found.setdefault(name, value.strip())
        break
    for role, family in _BUILTIN_FONTS.items():
        found.setdefault(f"font-{role}", family)
    for name, value in _BUILTIN_COLOURS.items():
        found.setdefault(f"colour-{name}", value)
    return found


PAGE_TOP = 1304
"""The top and bottom margins (2.3 cm), the footer with the page number inside the lower."""
PAGES = {"A4": (11906, 16838, 1247), "LETTER": (12240, 15840, 1260), "A5": (8391, 11906, 964)}
"""Page width, height and side margins (twentieths of a point) of the page sizes casepress
knows; a theme's own reference document keeps its page setup."""


def reference_bytes(theme, page_size: str | None = None) -> bytes:
    """The reference document for ``theme`` (its own, or made from its look and the page
    size: the project's, else the theme's, else A4), with the styles casepress uses."""
    _, own = theme_reference(theme)
    if own is not None:
        return with_casepress_styles(own, None)
    size = str(page_size or getattr(getattr(theme, "page", None), "size", None) or "A4")
    return with_casepress_styles(default_reference(), look(theme), size)


_written: dict[str, Path] = {}


def reference_file(data: bytes) -> Path:
    """A file holding ``data`` for pandoc's ``--reference-doc``, one per process and content."""
    key = hashlib.sha256(data).hexdigest()[:24]
    if key not in _written or not _written[key].is_file():
        folder = Path(tempfile.mkdtemp(prefix="casepress-docx-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "reference.docx"
        path.write_bytes(data)
        _written[key] = path
    return _written[key]


def with_casepress_styles(data: bytes, theme_look: dict[str, str] | None,
                          page_size: str = "A4") -> bytes:  # fmt: skip
    """``data`` (a .docx) with the theme's look in its styles, the page size and a footer
    with the page number (unless ``theme_look`` is None: a theme's own document) and the
    casepress styles added where missing; every other part is copied as it is."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    styles = etree.fromstring(parts["word/styles.xml"])
    width, height, margin = PAGES.get(page_size.upper().replace(" ", ""), PAGES["A4"])
    if theme_look is not None:
        _apply_look(styles, theme_look)
        accent = _hex(theme_look.get("colour-primary", "")) or "163A5F"
        muted = _hex(theme_look.get("colour-muted", "")) or "5B6470"
        _page_setup(parts, width, height, margin)
    else:
        accent = muted = None
    _add_styles(styles, accent, muted, width - 2 * margin, height - 2 * PAGE_TOP)
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8",
                                              standalone=True)  # fmt: skip
    had_numbering = "word/numbering.xml" in parts
    parts["word/numbering.xml"] = with_lesson_numbering(parts.get("word/numbering.xml"))
    if not had_numbering:
        _declare_numbering(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            copy.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(copy, parts.pop(info.filename))
        for name, content in sorted(parts.items()):
            copy = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            copy.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(copy, content)
    return out.getvalue()


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _hex(colour: str) -> str | None:
    match = re.fullmatch(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})", colour.strip())
    if not match:
        return None
    value = match.group(1)
    return (value if len(value) == 6 else "".join(c * 2 for c in value)).upper()


def _style(styles, style_id: str):
    found = styles.find(f"w:style[@w:styleId='{style_id}']", _NS)
    return found


def _child(parent, name: str, *, first: bool = False):
    found = parent.find(f"w:{name}", _NS)
    if found is None:
        found = etree.Element(_w(name))
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def _set_fonts(rpr, family: str) -> None:
    fonts = _child(rpr, "rFonts", first=True)
    for key in list(fonts.attrib):
        if key.endswith("Theme"):
            del fonts.attrib[key]
    for key in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(_w(key), family)


def _set_colour(rpr, colour: str) -> None:
    element = _child(rpr, "color")
    for key in list(element.attrib):
        del element.attrib[key]
    element.set(_w("val"), colour)


_RUN_ORDER = (
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
)
"""The order WordprocessingML requires of a run's properties (ECMA-376 Part 1, 17.3.2.28):
Word refuses a document whose elements are out of this order."""


def _in_schema_order(rpr, order: tuple[str, ...] = _RUN_ORDER) -> None:
    rank = {f"{{{W}}}{name}": index for index, name in enumerate(order)}
    children = sorted(rpr, key=lambda child: rank.get(child.tag, len(rank)))
    for child in children:
        rpr.append(child)  # moves it: appended in order


def _apply_look(styles, theme_look: dict[str, str]) -> None:
    body, heading = theme_look["font-body"], theme_look["font-heading"]
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", _NS)
    if defaults is not None:
        _set_fonts(defaults, body)
    ink = _hex(theme_look.get("colour-ink", ""))
    normal = _style(styles, "Normal")
    if normal is not None and ink:
        _set_colour(_child(normal, "rPr"), ink)
    primary = _hex(theme_look.get("colour-primary", ""))
    muted = _hex(theme_look.get("colour-muted", ""))
    for style_id in ("Title", "Subtitle", *(f"Heading{n}" for n in range(1, 10)), "TOCHeading"):
        style = _style(styles, style_id)
        if style is None:
            continue
        rpr = _child(style, "rPr")
        _set_fonts(rpr, heading)
        colour = muted if style_id == "Subtitle" else primary
        if colour:
            _set_colour(rpr, colour)
    link = _hex(theme_look.get("colour-link", ""))
    hyperlink = _style(styles, "Hyperlink")
    if hyperlink is not None and link:
        _set_colour(_child(hyperlink, "rPr"), link)
    for style_id in ("Caption", "ImageCaption", "TableCaption"):
        style = _style(styles, style_id)
        if style is not None:
            _set_fonts(_child(style, "rPr"), heading)
    _refine(styles, muted or "5B6470", primary or "163A5F")
    for rpr in styles.iter(f"{{{W}}}rPr"):
        _in_schema_order(rpr)
    for ppr in styles.iter(f"{{{W}}}pPr"):
        _in_schema_order(ppr, _PARAGRAPH_ORDER)


_PARAGRAPH_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
)  # fmt: skip
"""The order of a paragraph's properties (ECMA-376 Part 1, 17.3.1.26)."""

_SIZES = {"Title": (52, 0, 120), "Subtitle": (28, 0, 360), "Heading1": (32, 480, 120),
          "Heading2": (26, 360, 100), "Heading3": (22, 280, 80)}  # fmt: skip
"""Half-points of each title and heading, and twentieths of a point before and after: a
clear step from one level to the next (pandoc's own are 28, 20, 16 and 14 pt)."""


def _refine(styles, muted: str, primary: str) -> None:
    """Titles set flush left as the PDF brief sets them, a plain subtitle (no letter
    spacing), headings a step apart, level 3 bold; tables ruled lightly (``Table``)."""
    for style_id, (size, before, after) in _SIZES.items():
        style = _style(styles, style_id)
        if style is None:
            continue
        ppr, rpr = _child(style, "pPr"), _child(style, "rPr")
        for name in ("sz", "szCs"):
            _child(rpr, name).set(_w("val"), str(size))
        spacing = _child(ppr, "spacing")
        spacing.set(_w("before"), str(before))
        spacing.set(_w("after"), str(after))
        if style_id in ("Title", "Subtitle"):
            _child(ppr, "jc").set(_w("val"), "left")
            for letters in rpr.findall("w:spacing", _NS):
                rpr.remove(letters)
        if style_id == "Heading3":
            _child(rpr, "b")
    table = _style(styles, "Table")
    if table is not None:
        for old in table.findall("w:tblStylePr", _NS):
            table.remove(old)
        properties = _child(table, "tblPr")
        for old in properties.findall("w:tblBorders", _NS):
            properties.remove(old)
        borders = etree.fromstring(
            f'<w:tblBorders xmlns:w="{W}"><w:top w:val="single" w:sz="8" w:color="{primary}"/>'
            f'<w:bottom w:val="single" w:sz="8" w:color="{primary}"/>'
            '<w:insideH w:val="single" w:sz="4" w:color="D5D9DE"/></w:tblBorders>'
        )
        properties.insert(1 if properties.find("w:tblInd", _NS) is not None else 0, borders)
        margins = properties.find("w:tblCellMar", _NS)
        if margins is not None:
            for side in ("top", "bottom"):
                cell = margins.find(f"w:{side}", _NS)
                if cell is not None:
                    cell.set(_w("w"), "50")
        table.append(etree.fromstring(
            f'<w:tblStylePr xmlns:w="{W}" w:type="firstRow"><w:rPr><w:b/><w:bCs/>'
            f'<w:color w:val="{muted}"/><w:sz w:val="18"/></w:rPr><w:tcPr><w:tcBorders>'
            f'<w:bottom w:val="single" w:sz="6" w:color="{primary}"/></w:tcBorders>'
            '<w:vAlign w:val="bottom"/></w:tcPr></w:tblStylePr>'
        ))  # fmt: skip


_ADDED = {
    "Lesson": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="Lesson">
  <w:name w:val="Lesson"/><w:basedOn w:val="BodyText"/><w:next w:val="Lesson"/><w:qFormat/>
  <w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{LESSON_NUMBERING}"/></w:numPr>
  <w:spacing w:before="120" w:after="120"/><w:ind w:left="480" w:hanging="480"/></w:pPr></w:style>""",
    "LessonContinued": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="LessonContinued">
  <w:name w:val="Lesson Continued"/><w:basedOn w:val="BodyText"/><w:qFormat/>
  <w:pPr><w:ind w:left="480"/></w:pPr></w:style>""",
    "LessonTitle": f"""<w:style xmlns:w="{W}" w:type="character" w:customStyle="1" w:styleId="LessonTitle">
  <w:name w:val="Lesson Title"/><w:basedOn w:val="BodyTextChar"/><w:qFormat/>
  <w:rPr><w:b/><w:bCs/>{{colour}}</w:rPr></w:style>""",
    "CaseField": f"""<w:style xmlns:w="{W}" w:type="character" w:customStyle="1" w:styleId="CaseField">
  <w:name w:val="Case Field"/><w:basedOn w:val="BodyTextChar"/><w:qFormat/>
  <w:rPr><w:b/><w:bCs/>{{muted}}<w:sz w:val="18"/></w:rPr></w:style>""",
}


def _add_styles(styles, accent: str | None, muted: str | None, text_width: int,
                text_height: int) -> None:  # fmt: skip
    """The styles casepress uses that ``styles`` lacks; the title page's spaces are shares
    of the page's height, so that an A5 title page holds what an A4 one does."""
    values = {"{colour}": f'<w:color w:val="{accent}"/>' if accent else "",
              "{muted}": f'<w:color w:val="{muted}"/>' if muted else "",
              "{width}": str(text_width), "{title_space}": str(round(text_height * 0.16)),
              "{organisation_space}": str(round(text_height * 0.12))}  # fmt: skip
    for style_id, xml in {**_ADDED, **_BOOK}.items():
        if _style(styles, style_id) is not None:
            continue
        for key, value in values.items():
            xml = xml.replace(key, value)
        styles.append(etree.fromstring(xml))


_BOOK = {
    "CaseFieldKey": f"""<w:style xmlns:w="{W}" w:type="character" w:customStyle="1" w:styleId="CaseFieldKey">
  <w:name w:val="Case Field Key"/><w:basedOn w:val="DefaultParagraphFont"/><w:semiHidden/>
  <w:rPr><w:vanish/><w:color w:val="8A929B"/><w:sz w:val="14"/></w:rPr></w:style>""",
    "CaseFieldEmpty": f"""<w:style xmlns:w="{W}" w:type="character" w:customStyle="1" w:styleId="CaseFieldEmpty">
  <w:name w:val="Case Field Empty"/><w:basedOn w:val="DefaultParagraphFont"/>
  <w:rPr><w:color w:val="A7AEB6"/></w:rPr></w:style>""",
    "BookTitle": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="BookTitle">
  <w:name w:val="Book Title"/><w:basedOn w:val="Title"/><w:next w:val="Subtitle"/><w:qFormat/>
  <w:pPr><w:spacing w:before="{{title_space}}" w:after="240"/><w:jc w:val="left"/></w:pPr>
  <w:rPr><w:sz w:val="64"/><w:szCs w:val="64"/></w:rPr></w:style>""",
    "BookEdition": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="BookEdition">
  <w:name w:val="Book Edition"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="480" w:after="0"/></w:pPr>
  <w:rPr>{{muted}}<w:sz w:val="22"/></w:rPr></w:style>""",
    "BookOrganisation": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="BookOrganisation">
  <w:name w:val="Book Organisation"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="{{organisation_space}}" w:after="0"/></w:pPr>
  <w:rPr><w:b/><w:bCs/>{{colour}}<w:sz w:val="24"/></w:rPr></w:style>""",
    "Imprint": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="Imprint">
  <w:name w:val="Imprint"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="100" w:line="264" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr></w:style>""",
    "PartNumber": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="PartNumber">
  <w:name w:val="Part Number"/><w:basedOn w:val="Normal"/><w:next w:val="Heading1"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="2880" w:after="120"/></w:pPr>
  <w:rPr><w:caps/>{{colour}}<w:spacing w:val="20"/><w:sz w:val="22"/></w:rPr></w:style>""",
    "PartCase": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="PartCase">
  <w:name w:val="Part Case"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="80"/></w:pPr>
  <w:rPr>{{muted}}<w:sz w:val="22"/><w:szCs w:val="22"/></w:rPr></w:style>""",
    "CaseNumber": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="CaseNumber">
  <w:name w:val="Case Number"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="0" w:after="60"/></w:pPr>
  <w:rPr><w:caps/>{{muted}}<w:spacing w:val="20"/><w:sz w:val="18"/></w:rPr></w:style>""",
    "CaseSubtitle": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:customStyle="1" w:styleId="CaseSubtitle">
  <w:name w:val="Case Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="0" w:after="240"/></w:pPr>
  <w:rPr>{{muted}}<w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>""",
    "TOC1": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:styleId="TOC1">
  <w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>
  <w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{{width}}"/></w:tabs>
  <w:spacing w:before="160" w:after="40"/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr></w:style>""",
    "TOC2": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:styleId="TOC2">
  <w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>
  <w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{{width}}"/></w:tabs>
  <w:spacing w:before="0" w:after="40"/><w:ind w:left="360"/></w:pPr></w:style>""",
    "Footer": f"""<w:style xmlns:w="{W}" w:type="paragraph" w:styleId="Footer">
  <w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:jc w:val="center"/><w:spacing w:before="0" w:after="0"/></w:pPr>
  <w:rPr>{{muted}}<w:sz w:val="18"/></w:rPr></w:style>""",
}
"""Styles of the handbook's furniture and the facts table: the hidden key after a field's
label, the grey dash of an empty cell, the imprint, part and case numbers, a chapter's
subtitle, the contents (Word's own ``toc 1`` and ``toc 2``, dotted to the page number)
and the page number in the footer."""

_FOOTER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="{W}"><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>
<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
</w:p></w:ftr>"""
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _page_setup(parts: dict[str, bytes], width: int, height: int, margin: int) -> None:
    """The page size and margins, and a footer with the page number (none on the first
    page: a brief's title, a handbook's title page), in the reference's section."""
    document = etree.fromstring(parts["word/document.xml"])
    body = document.find("w:body", _NS)
    section = body.find("w:sectPr", _NS)
    if section is None:
        section = etree.SubElement(body, _w("sectPr"))
    for name in ("footerReference", "pgSz", "pgMar", "titlePg"):
        for old in section.findall(f"w:{name}", _NS):
            section.remove(old)
    footer = etree.Element(_w("footerReference"))
    footer.set(_w("type"), "default")
    footer.set(f"{{{_R}}}id", "rIdCasepressFooter")
    section.insert(0, footer)
    after = [c for c in section if c.tag in (_w("footerReference"), _w("headerReference"),
                                              _w("footnotePr"), _w("endnotePr"), _w("type"))]  # fmt: skip
    at = section.index(after[-1]) + 1
    size = etree.Element(_w("pgSz"))
    size.set(_w("w"), str(width))
    size.set(_w("h"), str(height))
    margins = etree.Element(_w("pgMar"))
    for key, value in (("top", PAGE_TOP), ("right", margin), ("bottom", PAGE_TOP), ("left", margin),
                       ("header", 567), ("footer", 567), ("gutter", 0)):  # fmt: skip
        margins.set(_w(key), str(value))
    section.insert(at, size)
    section.insert(at + 1, margins)
    title_page = etree.Element(_w("titlePg"))
    later = [c for c in section if c.tag in (_w("pgNumType"), _w("cols"), _w("formProt"),
                                              _w("vAlign"), _w("noEndnote"))]  # fmt: skip
    section.insert(section.index(later[-1]) + 1 if later else at + 2, title_page)
    parts["word/document.xml"] = etree.tostring(document, xml_declaration=True,
                                                encoding="UTF-8", standalone=True)  # fmt: skip
    parts["word/footer1.xml"] = _FOOTER.encode("utf-8")
    _register_part(
        parts, "footer1.xml", "footer", "rIdCasepressFooter", present="rIdCasepressFooter"
    )


_LESSON_ABSTRACT = f"""<w:abstractNum xmlns:w="{W}" w:abstractNumId="{LESSON_NUMBERING}">
<w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/>
<w:numFmt w:val="decimal"/><w:pStyle w:val="Lesson"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="480" w:hanging="480"/></w:pPr><w:rPr><w:b/></w:rPr></w:lvl></w:abstractNum>"""
_LESSON_NUM = f"""<w:num xmlns:w="{W}" w:numId="{LESSON_NUMBERING}">
<w:abstractNumId w:val="{LESSON_NUMBERING}"/></w:num>"""


def lesson_restart(chapter: int) -> str:
    """The numbering id of chapter ``chapter``'s lessons in a handbook (from 1 again)."""
    return str(int(LESSON_NUMBERING) + chapter)


def with_lesson_numbering(data: bytes | None, restarts: int = 0) -> bytes:
    """A numbering part with the Lesson numbering, and ``restarts`` more that count from 1
    again (one per case of a handbook: ``lesson_restart``)."""
    root = etree.fromstring(data) if data else etree.Element(_w("numbering"), nsmap={"w": W})
    if root.find(f"w:num[@w:numId='{LESSON_NUMBERING}']", _NS) is None:
        abstracts = root.findall("w:abstractNum", _NS)
        at = root.index(abstracts[-1]) + 1 if abstracts else 0
        root.insert(at, etree.fromstring(_LESSON_ABSTRACT))
        root.append(etree.fromstring(_LESSON_NUM))
        for chapter in range(1, restarts + 1):
            root.append(etree.fromstring(
                f'<w:num xmlns:w="{W}" w:numId="{lesson_restart(chapter)}">'
                f'<w:abstractNumId w:val="{LESSON_NUMBERING}"/><w:lvlOverride w:ilvl="0">'
                '<w:startOverride w:val="1"/></w:lvlOverride></w:num>'
            ))  # fmt: skip
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _declare_numbering(parts: dict[str, bytes]) -> None:
    """Register a numbering part a reference document lacked (content type, relationship)."""
    _register_part(parts, "numbering.xml", "numbering", "rIdCasepressNumbering",
                   present="numbering.xml")  # fmt: skip


def _register_part(parts: dict[str, bytes], name: str, kind: str, rel_id: str, *,
                   present: str) -> None:  # fmt: skip
    """Declare the part ``word/<name>`` of a ``kind`` (footer, numbering): its content type,
    unless declared, and a relationship from the document, unless ``present`` is in them."""
    types = parts["[Content_Types].xml"].decode("utf-8")
    if f"/word/{name}" not in types:
        override = (f'<Override PartName="/word/{name}" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/>')  # fmt: skip
        parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    if present not in rels:
        rel = f'<Relationship Id="{rel_id}" Type="{_R}/{kind}" Target="{name}"/>'
        parts["word/_rels/document.xml.rels"] = rels.replace(
            "</Relationships>", rel + "</Relationships>"
        ).encode()
