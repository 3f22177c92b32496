"""HTML string + stylesheets → WeasyPrint document → PDF bytes, through a sandboxed fetcher.

``PdfRenderer`` is made once per build and reused: one ``FontConfiguration`` and stylesheets
parsed once make a warm brief ~3x faster than building both per document. Every resource
WeasyPrint asks for goes through ``SandboxFetcher``, which applies the ``ResourcePolicy``
(project and theme files, ``data:`` URIs, http(s) only when allowed, images within the
pixel limit) and records what it refused. Before layout, a document is measured: more
elements or deeper nesting than layout can bear is refused rather than attempted.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import pydyf
from weasyprint import CSS, HTML, Document
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .. import files
from ..errors import Problem, RenderError, display_path, internal_error
from ..model.markup import measure_html
from ..model.project import DEFAULT_MAX_ELEMENTS
from ..render.resources import RefusedError, ResourcePolicy, shorten
from ..render.styles import css_references
from ..render.svgcheck import measure_inline_svgs
from ..theme.chain import Sheet
from . import floats, footnotes, hyphenation, hyphenlines, hyphens, marks, pageturn
from .fitting import FIGURE_MARK, fit_figures
from .fontfolder import font_configuration
from .layout import measure as measure_layout

LOGGER = logging.getLogger("casepress")

DEFAULT_VARIANT = "pdf/ua-1"
"""Used when no variant is asked for: tagged, identified as PDF/UA-1, title shown, language."""

MAX_DEPTH = 100
"""Deepest element nesting laid out; WeasyPrint 70 exhausts Python's stack at ~150."""

_NOTDEF = re.compile(
    r"^\.notdef glyph rendered for Unicode string unsupported by fonts: .*\(U\+([0-9A-F]+)\)$"
)


class _TooLargeError(FatalURLFetchingError):
    """Stops the layout: an image too large to decode must not be attempted."""


class SandboxFetcher(URLFetcher):
    """Serves what ``policy`` allows; refuses (and records) everything else.

    A refusal is a ``ValueError``, which WeasyPrint logs before it skips the resource; an
    image over the pixel limit stops the render instead (``FatalURLFetchingError``).
    """

    def __init__(self, policy: ResourcePolicy | Iterable[Path], *, allow_network: bool = False):
        super().__init__(timeout=10, allowed_protocols={"data", "file", "http", "https"})
        if not isinstance(policy, ResourcePolicy):
            policy = ResourcePolicy.of(policy, allow_network=allow_network)
        self.policy = policy
        self.refusals: list[RefusedError] = []

    @property
    def refused(self) -> list[str]:
        """Each refusal as ``url (reason)``."""
        return [f"{shorten(r.url)} ({r.reason})" for r in self.refusals]

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            path = self.policy.check(url)
            if path is not None:
                data = self.policy.read(path, url)
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                response = URLFetcherResponse(url, body=data, headers={"Content-Type": kind})
            else:
                fetched = super().fetch(url, headers)
                try:
                    data = fetched.read(self.policy.max_bytes + 1)
                finally:
                    fetched.close()
                if len(data) > self.policy.max_bytes:
                    raise RefusedError(
                        url, f"more than the limit of {self.policy.max_bytes:,} bytes"
                    )
                response = URLFetcherResponse(
                    fetched.url, body=data, headers=fetched.headers, status=fetched.status
                )
            self.policy.check_image(data, url)
            return response
        except RefusedError as refusal:
            self.refusals.append(refusal)
            if refusal.fatal:
                raise _TooLargeError(str(refusal)) from None
            raise ValueError(f"casepress refused {refusal}") from None


@dataclass
class PdfResult:
    """A written PDF and what happened on the way."""

    data: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)
    refusals: list[RefusedError] = field(default_factory=list)
    """Resources the fetcher refused (their content is not in the PDF)."""
    missing_glyphs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Characters printed as empty boxes, with the font families asked to draw them."""
    anchors: dict[str, int] = field(default_factory=dict)
    """With ``details``: every anchor (element id) and the 0-based page it is on."""
    bookmarks: list[tuple] = field(default_factory=list)
    """With ``details``: ``(level, label, page, x, y, state)``, positions in PDF points."""
    strings: dict[str, str] = field(default_factory=dict)
    """With ``details``: each named string (``string-set``) the written pages set, with the
    last value they give it."""
    first_strings: list[str] = field(default_factory=list)
    """With ``details``: the named strings the first page sets itself."""
    sheet_warnings: list[str] = field(default_factory=list)
    """Problems of the stylesheets themselves (the same for every document)."""
    sheet_problems: list[Problem] = field(default_factory=list)
    """What the stylesheets asked for and were refused while laying this document out
    (a background, a font), at the sheet's line."""
    fill: float | None = None
    """How much of the last page's content area a handbook chapter of the same text would
    use (``pdf/pagefill.py``): above 1, the chapter needs one page more."""
    layout: dict | None = None
    """The page layout figures of the written pages (``pdf.layout.measure``)."""


class PdfRenderer:
    """Lays out HTML with fixed stylesheets and writes PDF bytes."""

    def __init__(
        self,
        stylesheets: Iterable[Path | Sheet],
        roots: Iterable[Path] = (),
        *,
        pdf_variant: str | None = None,
        tagged: bool = True,
        allow_network: bool = False,
        policy: ResourcePolicy | None = None,
        max_elements: int = DEFAULT_MAX_ELEMENTS,
        bleed_mm: float | None = None,
        source_date: str | None = None,
    ):
        self.policy = policy or ResourcePolicy.of(roots, allow_network=allow_network)
        self.source_date = source_date
        """W3C date-time written as the PDF's dates (from ``SOURCE_DATE_EPOCH``), or None."""
        self.roots = self.policy.roots
        self.pdf_variant = pdf_variant or DEFAULT_VARIANT
        self.tagged = tagged
        self.max_elements = max_elements
        self.bleed_mm = bleed_mm
        """Bleed the printer gets (PDF BleedBox around the TrimBox); the CSS bleed is wider,
        leaving room for the crop marks outside it."""
        self.font_config = font_configuration()  # its temporary font copies go with the process
        hyphens.install()  # line-break hyphens extract as U+00AD (pdf/hyphens.py)
        marks.install()  # Arabic marks extract with their letter (pdf/marks.py)
        footnotes.install()  # notes stay on the page of their call (pdf/footnotes.py)
        floats.install()  # no float-avoidance measure for lines below every float (pdf/floats.py)
        hyphenlines.install()  # hyphen runs and page-turn splits avoided in layout (pdf/hyphenlines.py)
        pageturn.install()  # a word split by a page turn mended on its page (pdf/pageturn.py)
        stylesheets = list(stylesheets)
        fetcher = SandboxFetcher(self.policy)
        with _captured_warnings() as messages:
            try:
                self.stylesheets = [self._css(sheet, fetcher) for sheet in stylesheets]
            except FatalURLFetchingError as exc:
                raise RenderError(f"stylesheet refused: {exc}") from None
        self.sheets: tuple[Path | Sheet, ...] = tuple(stylesheets)
        """The stylesheets given, in cascade order (each document is laid out with them)."""
        self._sheet_urls: dict[str, tuple[str, int, int]] | None = None
        self.sheet_problems = self._sheet_problems(fetcher.refusals)
        """Refusals while the stylesheets were loaded (``@font-face``, ``@import``), at the
        sheet's line; every document's ``PdfResult.sheet_problems`` starts with them."""
        unplaced = [r for r in fetcher.refusals if r.url not in self.sheet_urls]
        self.stylesheet_warnings = [f"refused {shorten(r.url)} ({r.reason})" for r in unplaced]
        self.stylesheet_warnings += [m for m in messages if "casepress refused" not in m]
        self.cache: dict = {}

    @property
    def sheet_urls(self) -> dict[str, tuple[str, int, int]]:
        """Each address the stylesheets load → (sheet, line, column), to name the sheet
        when that address is refused (``sheet_problems``): the sheets are read again for
        it only when something was refused (a cold ``casepress brief`` saves the parse)."""
        if self._sheet_urls is None:
            self._sheet_urls = _sheet_urls(self.sheets)
        return self._sheet_urls

    def _sheet_problems(self, refusals: Iterable[RefusedError]) -> list[Problem]:
        """The refusals of addresses a stylesheet asked for, as warnings at its line."""
        return list(dict.fromkeys(
            Problem.warning(sheet, f"refused {shorten(r.url)}: {r.reason}", line=line,
                            column=column)
            for r in refusals if r.url in self.sheet_urls
            for sheet, line, column in [self.sheet_urls[r.url]]
        ))  # fmt: skip

    def _css(self, sheet: Path | Sheet, fetcher: SandboxFetcher) -> CSS:
        if isinstance(sheet, Sheet):  # generated: its url()s are absolute file URLs
            return CSS(string=sheet.css, font_config=self.font_config, url_fetcher=fetcher)
        try:  # read through ``files``, as WeasyPrint would read the file itself
            text = files.read_text(sheet, self.roots, limit=files.TEXT_BYTES, what="stylesheet")
        except files.FileRefusedError as refusal:
            raise RenderError(f"stylesheet refused: {refusal}") from None
        return CSS(
            string=text, base_url=str(sheet), font_config=self.font_config, url_fetcher=fetcher
        )

    def check_size(self, html: str, base_url: Path | None = None) -> None:
        """Refuse a document larger or deeper than layout can bear in bounded time and memory."""
        elements, depth = measure_html(html, stop_at_depth=MAX_DEPTH)
        if elements > self.max_elements:
            raise RenderError(
                f"the brief would have {elements:,} HTML elements (paragraphs, list items, "
                f"table cells...), more than the limit of {self.max_elements:,}; split the case, "
                "or raise max_elements in casepress.yaml if the machine has the memory"
            )
        if depth > MAX_DEPTH:
            raise RenderError(
                f"HTML elements are nested more than {MAX_DEPTH} levels deep (or left unclosed); "
                "WeasyPrint cannot lay that out"
            )
        weigh = None
        if base_url is not None:  # an <image> in it draws the file it names each time
            base = base_url.resolve().as_uri() + "/"
            weighed: dict[str, int] = {}

            def weigh(href: str) -> int:
                target = urljoin(base, href)
                if target not in weighed:
                    weighed[target] = self.policy.weigh_image(target, frozenset({target}), weighed)
                return weighed[target]

        inline = measure_inline_svgs(html, weigh)
        refusal = inline.refusal() if inline else None
        if refusal:
            raise RenderError(f"an <svg> written in the page's HTML is refused: {refusal}")

    def render(self, html: str, base_url: Path) -> tuple[Document, list[str]]:
        """Lay out a document; returns it with the warnings WeasyPrint and the fetcher gave."""
        document, fetcher, messages = self._layout(html, base_url)
        return document, [f"refused {r}" for r in fetcher.refused] + messages

    def _layout(self, html: str, base_url: Path) -> tuple[Document, SandboxFetcher, list[str]]:
        self.check_size(html, base_url)
        fetcher = SandboxFetcher(self.policy)
        with _captured_warnings() as messages:
            try:
                first: list[int] = []  # refusals and warnings of the first pass

                def lay_out(source: str, *extra: CSS) -> Document:
                    if first:  # a later pass reports nothing new: forget its repeats
                        del fetcher.refusals[first[0] :], messages[first[1] :]
                    document = HTML(
                        string=source, base_url=str(base_url), url_fetcher=fetcher
                    ).render(
                        font_config=self.font_config,
                        stylesheets=[*self.stylesheets, *extra],
                        pdf_tags=self.tagged,
                        pdf_variant=self.pdf_variant,
                        cache=self.cache,
                    )
                    first[:] = first or [len(fetcher.refusals), len(messages)]
                    return document

                def fitted(source: str) -> Document:
                    """A pushed figure shrinks into the hole it left (pdf/fitting.py)."""
                    return fit_figures(
                        lay_out(source),
                        lambda *extra: lay_out(source, *extra),
                        has_figures=FIGURE_MARK in source,
                    )

                # Hyphenation under casepress's rules (pdf/hyphenation.py, kept while lines
                # are broken by pdf/hyphenlines.py): rarely lays out again.
                document = hyphenation.limit_runs(hyphenation.prehyphenate(html), fitted)
                if first:
                    del fetcher.refusals[first[0] :], messages[first[1] :]
            except FatalURLFetchingError as exc:
                raise RenderError(f"refused {exc}") from None
            except RecursionError:
                raise RenderError("layout failed: the document is nested too deeply") from None
            except Exception as exc:  # WeasyPrint raises many types; the build reports one
                raise RenderError(internal_error("laying out the PDF", exc)) from exc
            finally:
                self._forget_failures()
        _raise_fatal(fetcher)
        if self.source_date:
            document.metadata.modified = self.source_date
            document.metadata.created = document.metadata.created or self.source_date
        return document, fetcher, [m for m in messages if "casepress refused" not in m]

    def _forget_failures(self) -> None:
        """WeasyPrint caches a failed image as None: drop those, so that a refused image is
        refused (and reported) for every case that uses it, not only the first."""
        for url in [url for url, image in self.cache.items() if image is None]:
            del self.cache[url]

    def write(
        self, document: Document, attachments: Iterable[Path] = (), base_url: Path | None = None
    ) -> bytes:
        """PDF bytes; ``attachments`` are files casepress itself read (a case's YAML).

        Links to local files (a sibling brief in "See also") are made relative to
        ``base_url``, so they still work when the folder of PDFs is moved or published.
        """
        from . import tagging

        try:
            with tagging.completing_tags(self.tagged) as log:
                return document.write_pdf(
                    attachments=[source_attachment(path) for path in attachments] or None,
                    pdf_variant=self.pdf_variant,
                    pdf_tags=self.tagged,
                    pdf_identifier=None,
                    uncompressed_pdf=False,
                    finisher=self._finisher(log, base_url),
                )
        except FatalURLFetchingError as exc:
            raise RenderError(f"refused {exc}") from None
        except RenderError:
            raise  # said already what to do (tagging and this WeasyPrint do not match)
        except Exception as exc:
            raise RenderError(internal_error("writing the PDF", exc)) from exc

    def _finisher(self, log, base_url: Path | None = None):
        from . import finishing, tagging

        def finish(document, pdf) -> None:
            finishing.finish(document, pdf)
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

    def pdf(
        self,
        html: str,
        base_url: Path,
        attachments: Iterable[Path] = (),
        *,
        stubs: Iterable[str] = (),
        details: bool = False,
        skip_pages: int = 0,
    ) -> PdfResult:
        """Lay out and write. ``attachments`` are files casepress itself read (a case's YAML);
        ``stubs`` are anchors of other documents that links may name (they point at the
        first page until a merge resolves them); ``details`` fills in anchors, bookmarks and
        named strings; the first ``skip_pages`` pages are laid out but not written."""
        document, fetcher, warnings = self._layout(html, base_url)
        if skip_pages:
            document = document.copy(document.pages[skip_pages:])
        attachments = tuple(attachments)
        if attachments and self.pdf_variant.startswith(("pdf/a-1", "pdf/a-2")):
            warnings.append(
                f"source files not embedded: {self.pdf_variant} forbids attachments that are "
                "not PDF; use pdf/a-3b (or pdf/a-3a, pdf/a-3u)"
            )
            attachments = ()
        result = PdfResult(b"", len(document.pages))
        result.fill = last_page_fill(document)
        try:  # a report must never cost the output it describes
            result.layout = measure_layout(document)
        except Exception:  # noqa: BLE001 - the PDF is written without its layout figures
            LOGGER.debug("page layout not measured", exc_info=True)
        if details:
            for index, page in enumerate(document.pages):  # a box split over pages: its first
                for name in page.anchors:
                    result.anchors.setdefault(name, index)
            result.bookmarks = _bookmarks(document)
            if document.pages:
                result.first_strings = sorted(_named_strings(document.pages[:1]))
            result.strings = _named_strings(document.pages)
        if stubs and document.pages:
            first = document.pages[0].anchors
            for name in stubs:
                first.setdefault(name, (0, 0, 0, 0))
        with _captured_warnings() as messages:
            try:  # SVG images fetch theirs while they are drawn
                result.data = self.write(document, attachments, base_url=base_url)
            finally:
                self._forget_failures()
        _raise_fatal(fetcher)
        missing: dict[str, tuple[str, ...]] = {}
        for message in messages:
            found = _NOTDEF.match(message)
            if found:
                missing.setdefault(chr(int(found[1], 16)), ())
            elif "casepress refused" not in message:
                warnings.append(message)
        if missing:
            missing = _font_families(document, missing)
        ours = [r for r in fetcher.refusals if r.url not in self.sheet_urls]
        result.sheet_problems = self.sheet_problems + self._sheet_problems(fetcher.refusals)
        result.warnings = [f"refused {shorten(r.url)} ({r.reason})" for r in ours] + warnings
        result.refusals = ours
        result.missing_glyphs = missing
        return result


def last_page_fill(document: Document) -> float | None:
    """The share of the last page's content area a handbook chapter of the same text would
    use; above 1 when it needs one page more (``pdf/pagefill.py``)."""
    from .pagefill import last_page_fill as fill

    return fill(document)


def _bookmarks(document: Document) -> list[tuple]:
    """Bookmarks in reading order with their position as the PDF will store it."""
    found = []
    for index, page in enumerate(document.pages):
        for level, label, (x, y), state in page.bookmarks:
            found.append((level, label, index, x * 0.75, (page.height - y) * 0.75, state))
    return found


def _named_strings(pages) -> dict[str, str]:
    """The value of each named string after these pages, collected as WeasyPrint's layout
    collects them (every box on the page that sets one, in tree order)."""
    found: dict[str, str] = {}
    for page in pages:
        for box in page._page_box.descendants():  # noqa: SLF001 - no public box API
            string_set = getattr(box, "string_set", None)
            if string_set and string_set != "none":
                for name, text in string_set:
                    found[name] = text
    return found


def _raise_fatal(fetcher: SandboxFetcher) -> None:
    """WeasyPrint swallows some fatal fetch errors (SVG drawing); casepress does not."""
    for refusal in fetcher.refusals:
        if refusal.fatal:
            raise RenderError(f"refused {refusal}")


def _font_families(
    document: Document, missing: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """For each missing character, the font families of the text that contains it."""
    families: dict[str, dict[str, None]] = {char: {} for char in missing}
    for page in document.pages:
        for box in page._page_box.descendants():  # noqa: SLF001 - no public box API
            text = getattr(box, "text", None)
            if not text:
                continue
            for char in families:
                if char in text:
                    families[char].update(dict.fromkeys(box.style["font_family"]))
    return {char: tuple(names) for char, names in families.items()}


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
        file_obj=io.BytesIO(files.read_bytes(path, None, limit=files.CASE_FILE_BYTES)),
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


def _sheet_urls(sheets: Iterable[Path | Sheet]) -> dict[str, tuple[str, int, int]]:
    """Where in the stylesheets each address they load is written (the first place)."""
    found: dict[str, tuple[str, int, int]] = {}
    for sheet in sheets:
        if isinstance(sheet, Sheet):
            css, base, shown = sheet.css, None, sheet.origin
        else:
            try:
                css = Path(sheet).read_text("utf-8", errors="replace")
            except OSError:
                continue  # reading it is WeasyPrint's to report
            base, shown = Path(sheet).parent, display_path(sheet)
        for url, line, column in css_references(css, base):
            found.setdefault(url, (shown, line, column))
    return found


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str]):
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and any(
            isinstance(arg, BaseException) for arg in record.args
        ):  # "Failed to load image at …: %s" with an exception that says nothing itself
            record.args = tuple(
                _reason(arg) if isinstance(arg, BaseException) else arg for arg in record.args
            )
        self.messages.append(record.getMessage())


def _reason(exc: BaseException) -> str:
    """What an exception says; when it says nothing (WeasyPrint's ImageLoadingError wraps
    the real error), what its cause says, else its type."""
    if str(exc):
        return str(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    return type(exc).__name__


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
