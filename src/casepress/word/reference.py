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


def reference_bytes(theme) -> bytes:
    """The reference document for ``theme`` (its own, or made from its look), with the
    styles casepress uses."""
    _, own = theme_reference(theme)
    return with_casepress_styles(own if own is not None else default_reference(),
                                 None if own is not None else look(theme))  # fmt: skip


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


def with_casepress_styles(data: bytes, theme_look: dict[str, str] | None) -> bytes:
    """``data`` (a .docx) with the theme's look in its styles (unless None) and the
    casepress styles added where missing; every other part is copied as it is."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    styles = etree.fromstring(parts["word/styles.xml"])
    if theme_look is not None:
        _apply_look(styles, theme_look)
        accent = _hex(theme_look.get("colour-primary", "")) or "163A5F"
    else:
        accent = None
    _add_styles(styles, accent)
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


def _in_schema_order(rpr) -> None:
    rank = {f"{{{W}}}{name}": index for index, name in enumerate(_RUN_ORDER)}
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
    for rpr in styles.iter(f"{{{W}}}rPr"):
        _in_schema_order(rpr)


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
  <w:rPr><w:b/><w:bCs/><w:sz w:val="20"/></w:rPr></w:style>""",
}


def _add_styles(styles, accent: str | None) -> None:
    for style_id, xml in _ADDED.items():
        if _style(styles, style_id) is not None:
            continue
        colour = f'<w:color w:val="{accent}"/>' if accent else ""
        styles.append(etree.fromstring(xml.replace("{colour}", colour)))


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
    types = parts["[Content_Types].xml"].decode("utf-8")
    if "/word/numbering.xml" not in types:
        override = ('<Override PartName="/word/numbering.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>')  # fmt: skip
        parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    if "numbering.xml" not in rels:
        rel = ('<Relationship Id="rIdCasepressNumbering" Type="http://schemas.openxmlformats.org/'
               'officeDocument/2006/relationships/numbering" Target="numbering.xml"/>')  # fmt: skip
        parts["word/_rels/document.xml.rels"] = rels.replace(
            "</Relationships>", rel + "</Relationships>"
        ).encode()
