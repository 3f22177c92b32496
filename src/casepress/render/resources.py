"""What a brief may load: project and theme files, ``data:`` URIs, http(s) only when allowed.

One policy, used twice: ``pdf.py``'s fetcher enforces it for everything WeasyPrint asks
for (images, stylesheets, ``@import``, ``@font-face``, attachments), and ``render.py``
checks the images of case text with it while it still knows the case and the field, so a
refusal can be reported where the author wrote it. Nothing here imports WeasyPrint.

Local paths are resolved before they are compared with the allowed folders, so ``..``,
percent-encoded traversal and symbolic links pointing outside are all refused; hidden
files and folders (``.git``, ``.env``) are never served. Raster images are measured from
their header before anything decodes them, and refused above a pixel limit.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from .. import files
from ..model.project import DEFAULT_MAX_IMAGE_PIXELS
from .svgcheck import MAX_SVG_DRAWN, MAX_SVG_ELEMENTS, SvgShape, SvgSize, looks_like_xml, parse_svg

MAX_RESOURCE_BYTES = files.RESOURCE_BYTES
"""Largest single resource (image, font, stylesheet) a brief may load."""

NETWORK_SCHEMES = ("http", "https")


class RefusedError(Exception):
    """The policy does not allow a resource; ``reason`` says why in words for the author."""

    def __init__(self, url: str, reason: str, *, fatal: bool = False):
        self.url = url
        self.reason = reason
        self.fatal = fatal  # too big to skip quietly: the document must not be laid out
        super().__init__(f"{shorten(url)}: {reason}")

    def __reduce__(self):  # crosses from worker processes to the build (pickled)
        return (type(self), (self.url, self.reason), {"fatal": self.fatal})


@dataclass(frozen=True)
class ResourcePolicy:
    """Where resources may come from and how large images may be."""

    roots: tuple[Path, ...]
    allow_network: bool = False
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    max_bytes: int = MAX_RESOURCE_BYTES
    _resolved: tuple[Path, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        resolved = tuple(dict.fromkeys(Path(r).resolve() for r in self.roots))
        object.__setattr__(self, "_resolved", resolved)

    @classmethod
    def of(cls, roots: Iterable[Path], **options) -> ResourcePolicy:
        return cls(tuple(roots), **options)

    def check(self, url: str) -> Path | None:
        """Raise ``RefusedError`` unless the URL may be loaded; a ``file:`` URL gives its path."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return None
        if scheme == "file":
            return self.local_file(url)
        if scheme in NETWORK_SCHEMES:
            if not self.allow_network:
                raise RefusedError(
                    url, "network access is off (set allow_network: true to allow it)"
                )
            return None
        raise RefusedError(url, f"the {scheme or 'empty'} scheme is not allowed")

    def local_file(self, url: str) -> Path:
        """The file a ``file:`` URL names, when ``files`` may read it: a regular file inside
        an allowed folder (not through a symbolic link leading out), within the size limit."""
        try:
            # url2pathname percent-decodes once, as WeasyPrint encoded once
            path = Path(url2pathname(urlsplit(url).path))
            if "\x00" in str(path):
                raise ValueError("NUL in path")
        except (ValueError, OSError):
            raise RefusedError(url, "not a valid file path") from None
        try:
            return files.confine(path, self._resolved, limit=self.max_bytes, what="resource")
        except files.FileRefusedError as refusal:
            raise RefusedError(url, refusal.rule) from None

    def read(self, path: Path, url: str) -> bytes:
        """The bytes of a file ``local_file`` allowed, read through ``files`` (bounded)."""
        try:
            return files.read_bytes(path, self._resolved, limit=self.max_bytes, what="resource")
        except files.FileRefusedError as refusal:
            raise RefusedError(url, refusal.rule) from None

    def image_type(self, path: Path, url: str) -> str:
        """The media type of a local image shown with ``<img>``, by its content; a file that
        is no image (a README named ``x.jpg``) is refused, so it is never inlined as one."""
        kind = image_media_type(path)
        if kind is None:
            raise RefusedError(url, "not an image (PNG, JPEG, GIF, WebP or SVG)")
        return kind

    def check_image(self, source: bytes | BinaryIO | Path, url: str) -> None:
        """Raise ``RefusedError`` (fatal) when a raster image has more pixels than allowed,
        or an SVG more elements than can be drawn in bounded time and memory (``svgcheck``).

        Only a raster image's header is read; an SVG is read through once, without building
        a tree. Other data (fonts, stylesheets) passes, since nothing would draw it.
        """
        measured = image_pixels(source)
        if measured is None:
            size = self.svg_size(source, url)
            refusal = size.refusal() if size else None
            if refusal:
                raise RefusedError(url, refusal, fatal=True)
            return
        pixels, shown = measured
        if pixels > self.max_image_pixels:
            raise RefusedError(
                url,
                f"image is {shown} ({pixels / 1e6:,.1f} megapixels), more than the limit of "
                f"{self.max_image_pixels / 1e6:,.1f} megapixels (max_image_pixels in casepress.yaml)",
                fatal=True,
            )

    def svg_size(
        self,
        source: bytes | BinaryIO | Path,
        url: str,
        *,
        seen: frozenset[str] = frozenset(),
        weighed: dict[str, int] | None = None,
    ) -> SvgSize | None:
        """What drawing an SVG asks for (``svgcheck``), None for data that is not XML; each
        ``<image>`` in it weighs what the file it names draws (an SVG inside an SVG is
        drawn again each time the element is), if this policy would serve that file."""
        if isinstance(source, Path):
            shape = _shape_of(source)
        else:
            if not isinstance(source, bytes | bytearray):
                source.seek(0)
            shape = _parse(source)
        if shape is None:
            return None
        weighed = {} if weighed is None else weighed  # each file weighed once per measure

        def weigh(href: str) -> int:
            target = urljoin(url, href)
            if target in seen or len(seen) > 8:  # drawn inside itself, or nested too deep
                return MAX_SVG_DRAWN + 1
            if target not in weighed:
                weighed[target] = self.weigh_image(target, seen | {target}, weighed)
            return weighed[target]

        return shape.size(weigh)

    def weigh_image(self, target: str, seen: frozenset[str], weighed: dict[str, int]) -> int:
        """Elements drawn by an ``<image>`` of ``target``: 0 for a raster image or a file
        this policy refuses (nothing is drawn)."""
        try:
            path = self.check(target)
        except RefusedError:
            return 0
        if path is not None:
            nested = self.svg_size(path, target, seen=seen, weighed=weighed)
        elif target.startswith("data:"):
            data = _data_bytes(target)
            nested = self.svg_size(data, target, seen=seen, weighed=weighed)
        else:  # http(s), allowed but not fetched here: assume the largest SVG
            return MAX_SVG_ELEMENTS
        return nested.drawn if nested else 0


_SHAPES: dict[tuple[str, int, int], SvgShape | None] = {}


def _shape_of(path: Path) -> SvgShape | None:
    """A file's SVG shape, read once per version (path, size and time); None if not XML."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHAPES:
        with path.open("rb") as stream:
            _SHAPES[key] = _parse(stream)
        while len(_SHAPES) > 64:
            del _SHAPES[next(iter(_SHAPES))]
    return _SHAPES[key]


def _parse(source: bytes | BinaryIO) -> SvgShape | None:
    if isinstance(source, bytes | bytearray):
        return parse_svg(bytes(source)) if looks_like_xml(bytes(source[:1024])) else None
    head = source.read(1024)
    source.seek(0)
    return parse_svg(source) if looks_like_xml(head) else None


_SVG = re.compile(rb"<svg[\s>]")


def image_media_type(path: Path) -> str | None:
    """'image/png', 'image/svg+xml'...: what the file's first bytes say it is; None when it
    is no image a browser or WeasyPrint shows."""
    from PIL import Image

    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _SVG.search(head.lstrip(b"\xef\xbb\xbf")):
        return "image/svg+xml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                return Image.MIME.get(image.format or "")
        except Exception:  # whatever Pillow cannot identify is no image
            return None


def image_pixels(source: bytes | BinaryIO | Path) -> tuple[int, str] | None:
    """Pixel count of a raster image and how to show it, from its header; None if not one."""
    from PIL import Image, UnidentifiedImageError

    stream = BytesIO(source) if isinstance(source, bytes | bytearray) else source
    with warnings.catch_warnings():
        # Pillow warns about, then refuses, images above its own limit while opening them;
        # here we only want their size, to give a clearer refusal of our own.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                width, height = image.size
                return width * height, f"{width:,} × {height:,} pixels"
        except Image.DecompressionBombError as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(found[1]) if found else 2**31
            return pixels, f"{pixels:,} pixels"
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            return None


def resolve_url(src: str, base_dir: Path) -> str:
    """An attribute value as WeasyPrint resolves it against a document in ``base_dir``."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9.+-]*:", src):
        return src
    return urljoin(base_dir.resolve().as_uri() + "/", src)


def shorten(url: str, limit: int = 80) -> str:
    """A URL short enough for a message (``data:`` URIs can be megabytes long).

    The end of a long path is kept, since the file name is what the author recognises.
    """
    if len(url) <= limit:
        return url
    if url.startswith("data:"):
        return url[: limit - 3] + "..."
    return url[: limit // 3] + "..." + url[-(limit - limit // 3 - 3) :]


def _data_bytes(url: str) -> bytes:
    """The bytes of a ``data:`` URL (base64 or percent-encoded); empty when malformed."""
    import base64
    from urllib.parse import unquote_to_bytes

    header, _, body = url.partition(",")
    try:
        if header.endswith(";base64"):
            return base64.b64decode(body)
        return unquote_to_bytes(body)
    except ValueError:
        return b""
