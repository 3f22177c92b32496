"""HTML string + stylesheets → WeasyPrint document → PDF bytes, through a sandboxed fetcher.

``PdfRenderer`` is made once per build and reused: one ``FontConfiguration`` and stylesheets
parsed once make a warm brief ~3x faster than building both per document. Every resource
WeasyPrint asks for goes through ``SandboxFetcher``, which serves ``data:`` URIs and files
inside the allowed folders only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import RenderError
from .themes import Sheet

LOGGER = logging.getLogger("casepress")
DEFAULT_VARIANT = "pdf/ua-1"
"""Used when no variant is asked for: tagged, identified as PDF/UA-1, title shown, language."""


class SandboxFetcher(URLFetcher):
    """Serves ``data:`` URIs and files under ``roots``; refuses (and records) everything else.

    Paths are resolved before the check, so ``..``, percent-encoded traversal and symbolic
    links pointing outside are refused like any other outside path.
    """

    def __init__(self, roots: Iterable[Path], *, allow_network: bool = False):
        super().__init__(timeout=10, allowed_protocols={"data", "file", "http", "https"})
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.allow_network = allow_network
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return URLFetcherResponse(url, body=path.read_bytes())
            return self._refuse(url, "outside the project" if path.exists() else "not found")
        if scheme in ("http", "https") and self.allow_network:
            return super().fetch(url, headers)
        return self._refuse(url, "network access is off (allow_network: false)")

    def _refuse(self, url: str, why: str) -> URLFetcherResponse:
        self.refused.append(f"{url} ({why})")
        raise ValueError(f"casepress refused {url}: {why}")


@dataclass
class PdfResult:
    """A written PDF and what happened on the way."""

    data: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


class PdfRenderer:
    """Lays out HTML with fixed stylesheets and writes PDF bytes."""

    def __init__(
        self,
        stylesheets: Iterable[Path | Sheet],
        roots: Iterable[Path],
        *,
        pdf_variant: str | None = None,
        tagged: bool = True,
        allow_network: bool = False,
        bleed_mm: float | None = None,
    ):
        self.roots = tuple(roots)
        self.allow_network = allow_network
        self.pdf_variant = pdf_variant or DEFAULT_VARIANT
        self.tagged = tagged
        self.bleed_mm = bleed_mm
        """Bleed the printer gets (PDF BleedBox around the TrimBox); the CSS bleed is wider,
        leaving room for the crop marks outside it."""
        self.font_config = FontConfiguration()
        fetcher = SandboxFetcher(self.roots, allow_network=allow_network)
        with _captured_warnings() as messages:
            self.stylesheets = [self._css(sheet, fetcher) for sheet in stylesheets]
        self.stylesheet_warnings = messages + [f"refused {r}" for r in fetcher.refused]
        self.cache: dict = {}

    def _css(self, sheet: Path | Sheet, fetcher: SandboxFetcher) -> CSS:
        if isinstance(sheet, Sheet):  # generated: its url()s are absolute file URLs
            return CSS(string=sheet.css, font_config=self.font_config, url_fetcher=fetcher)
        return CSS(filename=str(sheet), font_config=self.font_config, url_fetcher=fetcher)

    def render(self, html: str, base_url: Path) -> tuple[Document, list[str]]:
        """Lay out a document; returns it with the warnings WeasyPrint and the fetcher gave."""
        fetcher = SandboxFetcher(self.roots, allow_network=self.allow_network)
        with _captured_warnings() as messages:
            try:
                document = HTML(string=html, base_url=str(base_url), url_fetcher=fetcher).render(
                    font_config=self.font_config,
                    stylesheets=self.stylesheets,
                    pdf_tags=self.tagged,
                    pdf_variant=self.pdf_variant,
                    cache=self.cache,
                )
            except Exception as exc:  # WeasyPrint raises many types; the build reports one
                raise RenderError(f"layout failed: {type(exc).__name__}: {exc}") from exc
        refused = [f"refused {r}" for r in fetcher.refused]
        return document, refused + [m for m in messages if "casepress refused" not in m]

    def write(
        self, document: Document, attachments: Iterable[Path] = (), base_url: Path | None = None
    ) -> bytes:
        """PDF bytes; ``attachments`` are files casepress itself read (a case's YAML).

        Links to local files (a sibling brief in "See also") are made relative to
        ``base_url``, so they still work when the folder of PDFs is moved or published.
        """
        from . import tagging

        try:
            with tagging.completing_tags() as log:
                return document.write_pdf(
                    attachments=[source_attachment(path) for path in attachments] or None,
                    pdf_variant=self.pdf_variant,
                    pdf_tags=self.tagged,
                    pdf_identifier=None,
                    uncompressed_pdf=False,
                    finisher=self._finisher(log, base_url),
                )
        except Exception as exc:
            raise RenderError(f"writing the PDF failed: {type(exc).__name__}: {exc}") from exc

    def _finisher(self, log, base_url: Path | None = None):
        from . import tagging

        def finish(document, pdf) -> None:
            if base_url is not None:
                relative_file_links(pdf, base_url)
            if self.bleed_mm is not None:
                set_bleed_box(pdf, self.bleed_mm)
            if self.tagged:
                tagging.finish(document, pdf, log)
                if self.pdf_variant.startswith(("pdf/a-2", "pdf/a-3")):
                    declare_pdf_ua(pdf)
            if "AF" in pdf.catalog:  # WeasyPrint 70 lists each attachment twice in /AF
                pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))

        return finish

    def pdf(self, html: str, base_url: Path, attachments: Iterable[Path] = ()) -> PdfResult:
        document, warnings = self.render(html, base_url)
        attachments = tuple(attachments)
        if attachments and self.pdf_variant.startswith(("pdf/a-1", "pdf/a-2")):
            warnings.append(
                f"source files not embedded: {self.pdf_variant} forbids attachments that are "
                "not PDF; use pdf/a-3b (or pdf/a-3a, pdf/a-3u)"
            )
            attachments = ()
        data = self.write(document, attachments, base_url=base_url)
        return PdfResult(data, len(document.pages), warnings)


def relative_file_links(pdf, base_url: Path) -> None:
    """``file://`` link targets (WeasyPrint makes every href absolute) → relative ones: a PDF
    opens with a GoToR action, anything else with a relative URI. An absolute path of the
    build machine is useless to a reader."""
    base = Path(base_url).resolve()
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Subtype") != "/Link":
            continue
        action = obj.get("A")
        uri = getattr(action.get("URI"), "string", "") if isinstance(action, dict) else ""
        if not uri.startswith("file:"):
            continue
        parsed = urlsplit(uri)
        target = os.path.relpath(url2pathname(unquote(parsed.path)), base).replace(os.sep, "/")
        if target.lower().endswith(".pdf"):
            destination = pydyf.String(unquote(parsed.fragment)) if parsed.fragment else None
            obj["A"] = pydyf.Dictionary(
                {"Type": "/Action", "S": "/GoToR", "F": pydyf.String(target),
                 "D": destination or pydyf.Array([0, "/Fit"]), "NewWindow": "false"}
            )  # fmt: skip
        else:
            action["URI"] = pydyf.String(target)


def source_attachment(path: Path):
    """A case file as a PDF attachment, related to the PDF as its /Source (PDF/A-3 AF).

    casepress reads the file itself; nothing in a case can name a file to attach. Dates are
    the file's modification time (or SOURCE_DATE_EPOCH), so rebuilding gives the same bytes.
    """
    import datetime as dt
    import io
    import os

    from weasyprint import Attachment

    path = Path(path)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = int(epoch) if epoch and epoch.isdigit() else int(path.stat().st_mtime)
    when = dt.datetime.fromtimestamp(stamp, dt.UTC)
    return Attachment(
        file_obj=io.BytesIO(path.read_bytes()),
        name=path.name,
        description=f"casepress source of this document: {path.name}",
        relationship="Source",
        created=when,
        modified=when,
    )


def set_bleed_box(pdf, mm: float) -> None:
    """BleedBox = TrimBox grown by ``mm`` on every side (within the MediaBox).

    WeasyPrint sets the BleedBox up to 10 pt from the trim whatever the CSS bleed; the CSS
    bleed of the print profile is wider so that crop marks sit outside the real bleed.
    """
    grow = mm * 72 / 25.4
    for reference in pdf.page_references:
        page = pdf.objects[int(reference.split()[0])]
        if "TrimBox" not in page:
            continue
        left, bottom, right, top = (float(v) for v in page["TrimBox"])
        m_left, m_bottom, m_right, m_top = (float(v) for v in page["MediaBox"])
        page["BleedBox"] = pydyf.Array(
            [max(left - grow, m_left), max(bottom - grow, m_bottom),
             min(right + grow, m_right), min(top + grow, m_top)]
        )  # fmt: skip


_PDFUA_IN_PDFA = b"""<rdf:Description rdf:about=""
  xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
  xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
  xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
"""


def declare_pdf_ua(pdf) -> None:
    """Add PDF/UA-1 identification to a PDF/A-2 or -3 file's XMP metadata.

    WeasyPrint writes one identification schema per file. A tagged PDF/A-2/3 file can be
    PDF/UA-1 as well (both build on PDF 1.7); PDF/A wants the pdfuaid namespace declared
    by an extension schema, which is the first block above.
    """
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[int(reference.split()[0])]
    content = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in stream.stream)
    if b"pdfuaid:part" not in content and b"</rdf:RDF>" in content:
        stream.stream = [content.replace(b"</rdf:RDF>", _PDFUA_IN_PDFA + b"</rdf:RDF>", 1)]


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str]):
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings for the build report instead of letting them scroll by."""
    messages: list[str] = []
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler(messages)
    previous = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def harfbuzz_subset_available() -> bool:
    """True when WeasyPrint can subset fonts with HarfBuzz (10x faster than fontTools)."""
    from weasyprint.text.ffi import harfbuzz_subset

    return bool(harfbuzz_subset)
