"""The quality report: what each finished output holds, read back from the written file.

``inspect_pdf`` opens a PDF with pikepdf — the file as a reader gets it, not WeasyPrint's
idea of it — and measures page count, page boxes, fonts, images and their effective
resolution, attachments, and runs the machine-checkable PDF/UA-1 (ISO 14289-1) checks of
``pdfua.py``. ``inspect_html`` does the same for an HTML
output's images and language. ``build.py`` gathers the results into ``report.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..pdf.fontmerge import embedded_programs
from ..render.resources import shorten
from .layout import report as layout_report
from .layout import totals as layout_totals
from .pdfua import Check, check_pdf

PRINT_MIN_DPI = 150
"""Below this effective resolution an image is too coarse for print."""

MM_PER_PT = 25.4 / 72


@dataclass
class OutputQuality:
    """What one written output holds; ``as_dict`` is its entry in report.json."""

    path: str
    format: str
    kind: str = "brief"
    source: str = ""
    bytes: int = 0
    pages: int | None = None
    page_budget: int | None = None
    profile: str = "screen"
    variant: str | None = None
    title: str | None = None
    language: str | None = None
    page_boxes: dict[str, list[float]] = field(default_factory=dict)
    fonts: list[dict[str, Any]] = field(default_factory=list)
    font_programs: dict[str, Any] = field(default_factory=dict)
    images: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    missing_alt: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    layout: dict[str, Any] | None = None
    """A PDF's page layout figures (``checks.layout.report``); None when not measured."""

    @property
    def over_budget(self) -> bool:
        return bool(self.page_budget and self.pages and self.pages > self.page_budget)

    @property
    def low_resolution(self) -> list[dict[str, Any]]:
        return [i for i in self.images if i.get("dpi") and i["dpi"] < PRINT_MIN_DPI]

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutputQuality:
        """The inverse of ``as_dict`` (a cached output keeps the entry it was written with)."""
        names = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["checks"] = [Check(**check) for check in data.get("checks", [])]
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """Its entry in report.json. Shallow: it shares this object's lists, being only read
        and encoded (``dataclasses.asdict`` deep-copies them, which a no-change build of a
        large library paid for every output)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["checks"] = [dict(vars(check)) for check in self.checks]
        data["over_budget"] = self.over_budget
        if self.format == "html":
            for key in ("pages", "page_budget", "page_boxes", "fonts", "font_programs",
                        "attachments", "variant", "layout"):  # fmt: skip
                data.pop(key)
        return data


# PDF ---------------------------------------------------------------------------------


def inspect_pdf(path: Path, *, profile: str = "screen", marks: list | None = None) -> OutputQuality:
    """Measure a written PDF and run the PDF/UA machine checks on it. ``marks``: what each
    page draws (``pdfua.page_marks``), when the build knows it already (a split handbook's
    units were read when they were laid out): the same checks, without parsing every page
    again."""
    import pikepdf

    path = Path(path)
    result = OutputQuality(path=str(path), format="pdf", bytes=path.stat().st_size)
    result.profile = profile
    with pikepdf.open(path) as pdf:
        result.pages = len(pdf.pages)
        first = pdf.pages[0] if pdf.pages else None
        if first is not None:
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                if box in first.obj:
                    result.page_boxes[box[1:]] = [round(float(v), 2) for v in first.obj[box]]
        xmp = _xmp(pdf)
        result.variant = _variant(xmp)
        info = pdf.docinfo
        result.title = str(info["/Title"]) if "/Title" in info else None
        result.language = str(pdf.Root["/Lang"]) if "/Lang" in pdf.Root else None
        result.fonts = _fonts(pdf)
        result.font_programs = embedded_programs(pdf)
        result.images = _images(pdf)
        result.attachments = _attachments(pdf)
        result.checks = check_pdf(pdf, xmp=xmp, fonts=result.fonts, marks=marks)
        result.missing_alt = [
            c.detail for c in result.checks if c.id == "figures-alt" and not c.passed
        ]
    return result


def _xmp(pdf) -> str:
    if "/Metadata" not in pdf.Root:
        return ""
    return pdf.Root.Metadata.read_bytes().decode("utf-8", "replace")


def _variant(xmp: str) -> str | None:
    """'pdf/a-3b', 'pdf/ua-1', ... as the XMP identification schemas declare."""
    found = []
    part = re.search(r'pdfaid:part(?:="|>)(\d)', xmp)
    if part:
        level = re.search(r'pdfaid:conformance(?:="|>)([ABUEF])', xmp)
        found.append(f"pdf/a-{part.group(1)}{level.group(1).lower() if level else ''}")
    part = re.search(r'pdfuaid:part(?:="|>)(\d)', xmp)
    if part:
        found.append(f"pdf/ua-{part.group(1)}")
    return " + ".join(found) or None


def _fonts(pdf) -> list[dict[str, Any]]:
    fonts: dict[str, dict[str, Any]] = {}
    for page in pdf.pages:
        for resources in _all_resources(page.obj.get("/Resources")):
            for font in (resources.get("/Font") or {}).values():
                name = str(font.get("/BaseFont", "?"))[1:]
                if name in fonts:
                    continue
                descriptor = font.get("/FontDescriptor")
                if "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                fonts[name] = {
                    "name": name.split("+", 1)[-1],
                    "embedded": embedded,
                    "subset": bool(re.match(r"[A-Z]{6}\+", name)),
                    "to_unicode": "/ToUnicode" in font,
                }
    return sorted(fonts.values(), key=lambda f: f["name"])


def _all_resources(resources, seen=None):
    """A resource dictionary and those of the form XObjects it uses, once each."""
    if resources is None:
        return
    seen = set() if seen is None else seen
    key = resources.objgen if resources.is_indirect else id(resources)
    if key in seen:
        return
    seen.add(key)
    yield resources
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form":
            yield from _all_resources(xobject.get("/Resources"), seen)


def _images(pdf) -> list[dict[str, Any]]:
    """Each image drawn: pixel size, size on the page and the effective resolution."""
    import pikepdf

    images = []
    for number, page in enumerate(pdf.pages, 1):
        for name, image, width_pt, height_pt in _placed_images(page.obj, pikepdf):
            pixels = (int(image.get("/Width", 0)), int(image.get("/Height", 0)))
            dpi = None
            if width_pt > 0 and height_pt > 0:
                dpi = round(min(pixels[0] / (width_pt / 72), pixels[1] / (height_pt / 72)), 1)
            images.append(
                {
                    "page": number,
                    "name": name,
                    "pixels": list(pixels),
                    "placed_mm": [round(width_pt * MM_PER_PT, 1), round(height_pt * MM_PER_PT, 1)],
                    "dpi": dpi,
                }
            )
    return images


def _placed_images(container, pikepdf, matrix=(1, 0, 0, 1, 0, 0), depth=0):
    """(name, image, width, height in points) for every image a content stream draws."""
    resources = container.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    if not xobjects or depth > 8:
        return
    stack, ctm = [], matrix
    for operands, operator in pikepdf.parse_content_stream(container, "q Q cm Do"):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply([float(v) for v in operands], ctm)
        elif op == "Do":
            name = str(operands[0])
            xobject = xobjects.get(name)
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image":
                a, b, c, d = ctm[:4]
                yield name[1:], xobject, (a * a + b * b) ** 0.5, (c * c + d * d) ** 0.5
            elif xobject.get("/Subtype") == "/Form":
                form = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                yield from _placed_images(xobject, pikepdf, _multiply(form, ctm), depth + 1)


def _multiply(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def _attachments(pdf) -> list[dict[str, Any]]:
    found = []
    for name, spec in pdf.attachments.items():
        obj = spec.obj
        found.append(
            {
                "name": name,
                "bytes": len(spec.get_file().read_bytes()),
                "relationship": str(obj.get("/AFRelationship", ""))[1:] or None,
                "description": str(obj.get("/Desc", "")) or None,
            }
        )
    return found


# HTML ----------------------------------------------------------------------------------


class _HtmlFacts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, Any]] = []
        self.language: str | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.language = values.get("lang")
        elif tag == "img":
            # an image the page carries itself (data:) is named by its start, not megabytes
            self.images.append({"src": shorten(values.get("src") or ""), "alt": values.get("alt")})
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def inspect_html(path: Path) -> OutputQuality:
    """Size, language, title and images (with their alt text) of a written HTML file."""
    path = Path(path)
    facts = _HtmlFacts()
    facts.feed(path.read_text("utf-8"))
    return OutputQuality(
        path=str(path),
        format="html",
        bytes=path.stat().st_size,
        title=" ".join(facts.title.split()) or None,
        language=facts.language,
        images=facts.images,
        missing_alt=[i["src"] for i in facts.images if not (i["alt"] or "").strip()],
    )


# Assessment ----------------------------------------------------------------------------


def assess(
    path: Path,
    fmt: str,
    *,
    kind: str,
    source: str = "",
    profile: str = "screen",
    warnings: list[str] | None = None,
    page_budget: int | None = None,
    layout: dict[str, Any] | None = None,
    marks: list | None = None,
) -> OutputQuality:
    """Inspect a written output and attach what the build knows about it (``layout``: the
    page layout figures measured while the PDF was laid out, ``pdf.layout``; ``marks``:
    what its pages draw, ``pdfua.page_marks``)."""
    pdf = fmt == "pdf"
    if fmt == "docx":
        from .word import inspect_docx

        result = OutputQuality(path=str(path), format="docx", bytes=Path(path).stat().st_size)
        inspect_docx(path, result)
    else:
        result = inspect_pdf(path, profile=profile, marks=marks) if pdf else inspect_html(path)
    result.kind, result.source, result.profile = kind, source, profile
    for message in dict.fromkeys(warnings or []):
        (result.refused if message.startswith("refused ") else result.warnings).append(
            message.removeprefix("refused ")
        )
    if fmt == "pdf":
        result.page_budget = page_budget
        result.layout = layout_report(layout)
    return result


def findings(result: OutputQuality) -> list[str]:
    """What in an output deserves a warning: over budget, coarse images for print,
    images without alt text, failed PDF/UA checks."""
    name = Path(result.path).name
    found = []
    if result.over_budget:
        found.append(
            f"{name}: {result.pages} pages, over the page budget of {result.page_budget} "
            "(max_pages in casepress.yaml)"
        )
    if result.profile == "print":
        for image in result.low_resolution:
            found.append(
                f"{name}: image {image['name']} on page {image['page']} is {image['dpi']:g} dpi "
                f"where it is placed, under {PRINT_MIN_DPI} dpi for print"
            )
    found += _font_findings(name, result.font_programs)
    if result.format == "html":
        found += [f"{name}: image {src!r} has no alt text" for src in result.missing_alt]
    for check in result.failed_checks:
        detail = f": {check.detail}" if check.detail else ""
        found.append(f"{name}: PDF/UA check failed: {check.title} ({check.clause}){detail}")
    return found


_AGAIN = "build it again with --force, and report it to casepress if it stays"


def _font_findings(name: str, programs: dict[str, Any]) -> list[str]:
    """A face embedded more than once (the file is larger than it needs to be), different
    subsets under one tag (ISO 32000-2 §9.9.2: a reader may take one for the other)."""
    found = [
        f"{name}: font {face} is embedded {count} times where one program would do, so the "
        f"file is larger than it needs to be; {_AGAIN}"
        for face, count in programs.get("repeated_faces", {}).items()
    ]
    found += [
        f"{name}: {count} different subsets of font {tag.split('+', 1)[1]} share the subset "
        f"tag {tag.split('+', 1)[0]}, which PDF readers may confuse; {_AGAIN}"
        for tag, count in programs.get("shared_tags", {}).items()
    ]
    return found


def font_line(result: OutputQuality) -> str:
    """What a PDF embeds, as the build summary says it: "4 faces, 4 programs"."""
    programs = result.font_programs
    missing = sum(not f["embedded"] for f in result.fonts)
    if not programs:  # an entry written before this count was kept
        return f"{len(result.fonts) - missing}/{len(result.fonts)} fonts embedded"
    faces, count = programs["faces"], programs["programs"]
    line = f"fonts: {faces} face{'s' * (faces != 1)}, {count} program{'s' * (count != 1)}"
    return line + (f" ({missing} not embedded)" if missing else "")


_REFUSAL = re.compile(r"^(?:[^\s:]+: )?refused |^image .* refused: ", re.DOTALL)
_NOT_FOUND = ("image not found: ", "file not found: ")
_NO_ALT = re.compile(r"has no alt text|PDF/UA check failed: Every Figure has alternative text")


def is_refusal(problem: Problem) -> bool:
    """A resource refused by the rules of what a document may load (outside the project,
    hidden, the network when it is off, over a limit): the only messages saying "refused"."""
    return bool(_REFUSAL.search(problem.message))


def problem_totals(problems: Iterable[Problem]) -> dict[str, int]:
    """Counts of the problems a build printed (each once): refused and missing resources,
    images without alt text, errors and warnings. The summary's counts are these, so that
    they agree with the lines above them."""
    problems = list(dict.fromkeys(problems))
    return {
        "refused": sum(is_refusal(p) for p in problems),
        "missing": sum(p.message.startswith(_NOT_FOUND) for p in problems),
        "missing_alt": sum(bool(_NO_ALT.search(p.message)) for p in problems),
        "errors": sum(p.severity == "error" for p in problems),
        "warnings": sum(p.severity == "warning" for p in problems),
    }


def summary(
    results: list[OutputQuality], problems: Iterable[Problem] | None = None
) -> dict[str, Any]:
    """Totals over every output, for the head of report.json and the printed summary; with
    the ``problems`` the build printed, the counts of refused and missing resources, missing
    alt text, errors and warnings are theirs (``problem_totals``)."""
    pdfs = [r for r in results if r.format == "pdf"]
    totals = problem_totals(problems) if problems is not None else None
    found = {
        "missing_alt": sum(len(r.missing_alt) for r in results),
        "refused": sum(len(r.refused) for r in results),
        "warnings": sum(len(r.warnings) for r in results),
    }
    if totals is not None:
        found = {
            "missing_alt": totals["missing_alt"],
            "refused": totals["refused"],
            "missing": totals["missing"],
            "warnings": totals["warnings"],
            "errors": totals["errors"],
        }
    return {
        "outputs": len(results),
        "pdf": len(pdfs),
        "html": sum(1 for r in results if r.format == "html"),
        "docx": sum(1 for r in results if r.format == "docx"),
        "pages": sum(r.pages or 0 for r in pdfs),
        "bytes": sum(r.bytes for r in results),
        "fonts_not_embedded": sorted(
            {f["name"] for r in pdfs for f in r.fonts if not f["embedded"]}
        ),
        "font_programs": sum(r.font_programs.get("programs", 0) for r in pdfs),
        "fonts_repeated": [
            Path(r.path).name
            for r in pdfs
            if r.font_programs.get("repeated_faces") or r.font_programs.get("shared_tags")
        ],  # fmt: skip
        "images": sum(len(r.images) for r in results),
        "low_resolution_images": sum(len(r.low_resolution) for r in pdfs),
        **found,
        "over_budget": [Path(r.path).name for r in pdfs if r.over_budget],
        "checks_failed": sum(len(r.failed_checks) for r in pdfs),
        "checks_passed": sum(len(r.checks) - len(r.failed_checks) for r in pdfs),
        "layout": layout_totals(pdfs),
    }
