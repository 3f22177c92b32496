"""Shared fixtures: real miniature projects, built once per test session and read back."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from casepress import build_briefs, load_project

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).resolve().parent / "projects"
SEED = Path(__file__).resolve().parent / "data" / "seed-truth-seeking-and-ssr-in-peru.txt"


def copy_project(name: str, dest: Path) -> Path:
    """A writable copy of a fixture project (tests never touch the originals)."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target)
    return target


def pdf_text(path: Path) -> str:
    """Text a reader sees, one string: lines joined, hyphenation at line ends undone."""
    reader = PdfReader(path)
    return normalise("\n".join(page.extract_text() for page in reader.pages))


def page_texts(path: Path) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(path).pages]


def normalise(text: str) -> str:
    text = re.sub(r"[\u2010-]\n(?=[a-z])", "", text)  # hyphen at a line break
    return re.sub(r"\s+", " ", text.replace("\u2010", "-")).strip()


def squash(text: str) -> str:
    """Text without spaces or hyphens: compares prose whatever the hyphenation did to it."""
    return re.sub(r"[\s\u2010-]+", "", text)


def outline(path: Path) -> list[tuple[int, str, int]]:
    """The PDF bookmarks as (depth, title, 1-based page)."""
    reader = PdfReader(path)
    result: list[tuple[int, str, int]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                result.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return result


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The repository's sample project (cases/), built once into a temporary folder."""
    out = tmp_path_factory.mktemp("sample")
    project = load_project(ROOT, output_dir=out)
    report = build_briefs(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return out / "briefs"


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("minimal")
    project = load_project(PROJECTS / "minimal", output_dir=out)
    report = build_briefs(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return out / "briefs"


@dataclass
class PdfInventory:
    """Everything a PDF carries that a hostile input could have smuggled in."""

    images: int  # image XObjects
    attachments: int  # embedded files, file specifications, FileAttachment annotations
    uris: list[str]  # link targets
    content: bytes  # every object, streams decompressed, concatenated


def pdf_inventory(path: Path) -> PdfInventory:
    reader = PdfReader(path)
    images = attachments = 0
    uris: list[str] = []
    chunks: list[bytes] = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # free or compressed-away entries
            continue
        if obj is None:
            continue
        chunks.append(repr(obj).encode("utf-8", "replace"))
        if isinstance(obj, StreamObject):
            chunks.append(obj.get_data())
        if not isinstance(obj, DictionaryObject):
            continue
        if obj.get("/Subtype") == "/Image":
            images += 1
        if obj.get("/Type") in ("/EmbeddedFile", "/Filespec") or obj.get("/Subtype") in (
            "/FileAttachment",
            "/EmbeddedFile",
        ):
            attachments += 1
        action = obj.get("/A")
        if action is not None and "/URI" in action.get_object():
            uris.append(str(action.get_object()["/URI"]))
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        attachments += 1
    return PdfInventory(images, attachments, uris, b"\n".join(chunks))


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a small PNG and remembers the path it was asked for."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.requests.append(self.path)
        body = _tiny_png()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


def _tiny_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def loopback():
    """A web server on 127.0.0.1 that records requests: SSRF attempts must leave it idle."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_png(path: Path, width: int, height: int, mode: str = "1") -> Path:
    """A PNG of any size; one-bit black ones are decompression bombs (20000² ≈ 50 KB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "1" and width * height > 10_000_000:
        path.write_bytes(bomb_png(width, height))
        return path
    from PIL import Image

    Image.new(mode, (width, height)).save(path, "PNG")
    return path


@functools.cache
def bomb_png(width: int, height: int) -> bytes:
    """A valid one-bit black PNG, compressed row by row (Pillow takes ~1.5 s for 20000²)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
