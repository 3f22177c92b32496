"""Reading a written Word document back for the quality report: is it a sound package
(every XML part well-formed, python-docx opens it), its title, language and pictures."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

_PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def package_problems(path: Path) -> list[str]:
    """What is wrong with a .docx as a package: members that are not well-formed XML, or
    python-docx failing to open it. Empty when Word can be expected to open it."""
    found = []
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad:
                found.append(f"the member {bad} is damaged")
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    try:
                        etree.fromstring(
                            archive.read(name), etree.XMLParser(resolve_entities=False)
                        )
                    except etree.XMLSyntaxError as exc:
                        found.append(f"{name} is not well-formed XML ({exc})")
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"not a zip package ({exc})"]
    try:
        import docx

        docx.Document(str(path))
    except Exception as exc:  # python-docx says why in its own exception types
        found.append(f"python-docx cannot open it ({type(exc).__name__}: {exc})")
    return found


def inspect_docx(path: Path, result) -> None:
    """Title, language, pictures (with their alternative text) of a .docx into ``result``
    (``quality.OutputQuality``), and what would keep Word from opening it."""
    path = Path(path)
    problems = package_problems(path)
    result.warnings.extend(f"the Word document may not open: {p}" for p in problems)
    if problems:
        return
    with zipfile.ZipFile(path) as archive:
        core = etree.fromstring(archive.read("docProps/core.xml"))
        title = core.find("{http://purl.org/dc/elements/1.1/}title")
        language = core.find("{http://purl.org/dc/elements/1.1/}language")
        result.title = " ".join((title.text or "").split()) or None if title is not None else None
        result.language = language.text if language is not None else None
        body = etree.fromstring(archive.read("word/document.xml"))
    for picture in body.iter(_PICTURE):
        name, alt = picture.get("name", ""), picture.get("descr", "")
        result.images.append({"src": name, "alt": alt})
        if not alt.strip():
            result.missing_alt.append(name)
