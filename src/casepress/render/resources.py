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

import os
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
from ..errors import display_path
from ..model.project import DEFAULT_MAX_IMAGE_PIXELS, Project
from .svgcheck import (
    MAX_DOCUMENT_SVG_DRAWN,
    MAX_SVG_DRAWN,
    MAX_SVG_ELEMENTS,
    SvgShape,
    SvgSize,
    looks_like_xml,
    parse_svg,
)

MAX_RESOURCE_BYTES = files.RESOURCE_BYTES
"""Largest single resource (image, font, stylesheet) a brief may load."""

NETWORK_SCHEMES = ("http", "https")


class RefusedError(Exception):
    """The policy does not allow a resource; ``reason`` says why in words for the author."""

    def __init__(self, url: str, reason: str, *, fatal: bool = False, missing: bool = False):
        self.url = url
        self.reason = reason
        self.fatal = fatal  # too big to skip quietly: the document must not be laid out
        self.missing = missing  # inside the allowed folders, but no such file: not a refusal
        super().__init__(f"{shorten(url)}: {reason}")

    def __reduce__(self):  # crosses from worker processes to the build (pickled)
        return (type(self), (self.url, self.reason), {"fatal": self.fatal, "missing": self.missing})


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
            raise RefusedError(url, refusal.rule, missing=refusal.missing) from None

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


def resource_policy(project: Project, roots: Iterable[Path]) -> ResourcePolicy:
    """The project's resource rules: its own folder and the theme's (``roots``: the theme's
    folders), and its settings."""
    return ResourcePolicy.of(
        (project.root, *roots),
        allow_network=project.allow_network,
        max_image_pixels=project.max_image_pixels,
    )


IMAGE_KINDS = "PNG, JPEG, GIF, WebP or SVG"


class ImageError(Exception):
    """What is wrong with an image a document shows, in the words ``check`` and ``build``
    both print (``DocumentImages``); ``severity`` is "error" or "warning"."""

    def __init__(self, message: str, severity: str = "error"):
        self.message = message
        self.severity = severity
        super().__init__(message)


class DocumentImages:
    """The images one document shows (a case's, a handbook introduction's), checked as the
    build shows them: the one place that says what is wrong with an image, asked by
    ``casepress check`` without rendering and by the renderer while it renders.

    - a file that is not there is an error naming the file looked for (relative to the
      working folder) and, when the same path exists from a folder further up (a path
      written relative to the project instead of the case file), "did you mean";
    - a file that is no image by its content is an error (it would print as its alt text);
    - an image over the pixel limit, or SVGs drawing more than the limits, are refused
      (errors: the document is not laid out);
    - what the policy refuses for safety (outside the project, hidden, a link leading out,
      the network when it is off) is a warning: the image is left out.
    """

    def __init__(
        self, policy: ResourcePolicy, base_dir: Path, relative_to: str = "the case file",
        what: str = "case",
    ) -> None:  # fmt: skip
        self.policy = policy
        self.what = what
        self.base_dir = Path(base_dir)
        self.relative_to = relative_to
        """What paths are written relative to, in words (``base_dir``)."""
        self.drawn = 0
        """Elements the document's SVG images draw so far, each time one is shown."""

    def look(self, src: str) -> tuple[Path | None, str | None]:
        """The local file ``src`` shows and its media type by content; (None, None) for a
        ``data:`` URL or an http(s) one the project allows; ``ImageError`` otherwise."""
        url = resolve_url(src, self.base_dir)
        try:
            path = self.policy.check(url)
        except RefusedError as refusal:
            if refusal.missing:
                raise ImageError(self.not_found(src, url)) from None
            raise _refused(src, refusal) from None
        if path is None:
            return None, None
        media = image_media_type(path)
        if media is None:
            raise ImageError(
                f"image {src!r} is not an image: {display_path(_url_path(url))} holds no "
                f"{IMAGE_KINDS} data; save the picture again in one of these formats"
            )
        try:
            self.policy.check_image(path, url)
            size = self.policy.svg_size(path, url) if media == "image/svg+xml" else None
        except RefusedError as refusal:
            raise _refused(src, refusal) from None
        drawn = size.drawn if size else 0
        if drawn and self.drawn + drawn > MAX_DOCUMENT_SVG_DRAWN:
            raise ImageError(
                f"image {src!r} refused: with it, the SVG images of this {self.what} would draw "
                f"{self.drawn + drawn:,} elements in all (each time an image is shown it is "
                f"drawn again), more than the limit of {MAX_DOCUMENT_SVG_DRAWN:,}; show fewer "
                "or simpler SVGs, or PNGs of them"
            )
        self.drawn += drawn
        return path, media

    def not_found(self, src: str, url: str) -> str:
        path = _url_path(url)
        near = self.near(path)
        hint = f"did you mean {near}?" if near else f"paths are relative to {self.relative_to}"
        return f"image not found: {src} (looked for {display_path(path)}; {hint})"

    def near(self, path: Path) -> str | None:
        """A file that exists where the author probably meant, written as the author would
        (relative to the document's folder): the same path from a folder further up (up to
        the project), or the name in another case or with another extension."""
        base = Path(os.path.abspath(self.base_dir))
        roots = [Path(os.path.abspath(r)) for r in self.policy.roots]
        root = next((r for r in roots if base.is_relative_to(r)), None)
        if root is None:
            return None
        wanted = Path(os.path.abspath(path))
        try:
            tail = wanted.relative_to(base)
        except ValueError:
            tail = None
        candidates: list[Path] = []
        if tail is not None and ".." not in tail.parts:
            folder = base
            while folder != root and folder.parent.is_relative_to(root):
                folder = folder.parent
                candidates.append(folder / tail)
        folder = wanted.parent
        if folder.is_dir() and folder.is_relative_to(root):
            try:
                names = sorted(os.listdir(folder))[:10_000]
            except OSError:
                names = []
            candidates += [folder / n for n in names if n.casefold() == wanted.name.casefold()]
            candidates += [folder / n for n in names if Path(n).stem == wanted.stem]
        for candidate in candidates:
            if candidate == wanted or not candidate.is_file():
                continue
            try:
                self.policy.local_file(candidate.as_uri())
            except RefusedError:
                continue
            return Path(os.path.relpath(candidate, base)).as_posix()
        return None


def _refused(src: str, refusal: RefusedError) -> ImageError:
    severity = "error" if refusal.fatal else "warning"
    return ImageError(f"image {src!r} refused: {refusal.reason}", severity)


def _url_path(url: str) -> Path:
    """The local path a ``file:`` URL names (as written: no link followed)."""
    return Path(url2pathname(urlsplit(url).path))


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
