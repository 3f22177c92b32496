"""HTML string + stylesheets → WeasyPrint document → PDF bytes, through a sandboxed fetcher.

``PdfRenderer`` is made once per build and reused: one ``FontConfiguration`` and stylesheets
parsed once make a warm brief ~3x faster than building both per document. Every resource
WeasyPrint asks for goes through ``SandboxFetcher``, which serves ``data:`` URIs and files
inside the allowed folders only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import RenderError
from .themes import Sheet

LOGGER = logging.getLogger("casepress")


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
    ):
        self.roots = tuple(roots)
        self.allow_network = allow_network
        self.pdf_variant = pdf_variant
        self.tagged = tagged
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

    def write(self, document: Document) -> bytes:
        try:
            return document.write_pdf(
                pdf_variant=self.pdf_variant,
                pdf_tags=self.tagged,
                pdf_identifier=None,
                uncompressed_pdf=False,
            )
        except Exception as exc:
            raise RenderError(f"writing the PDF failed: {type(exc).__name__}: {exc}") from exc

    def pdf(self, html: str, base_url: Path) -> PdfResult:
        document, warnings = self.render(html, base_url)
        return PdfResult(self.write(document), len(document.pages), warnings)


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
