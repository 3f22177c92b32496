"""Shared fixtures: real miniature projects, built once per test session and read back.

The ``slow`` marker (registered in pyproject.toml) splits the suite in two:

- ``pytest -m "not slow"``: the quick loop, under a minute on 2 cores (validation, schema,
  YAML, Markdown, templates rendered to HTML, CLI messages, cache keys, split-handbook
  units...). Run it while working.
- ``pytest``: everything, about 5 minutes; run it before committing.

Mark ``slow`` every test that lays out or writes a PDF, starts a process (a worker pool, a
subprocess, ``pdftotext``), a server or a browser, or uses a fixture that does (the
session fixtures below render PDFs: ``sample_build``, ``minimal_build``), and the rare
test that takes seconds without doing either. A module where every test does carries
``pytestmark = pytest.mark.slow``; elsewhere the tests carry ``@pytest.mark.slow``.
"""

from __future__ import annotations

import functools
import http.server
import logging
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


@pytest.fixture(autouse=True)
def _library_log_levels():
    """``casepress -q`` silences how documents are laid out (the ``casepress.workers``
    logger) for the rest of its process: in a test session, only for the rest of its test."""
    yield
    logging.getLogger("casepress.workers").setLevel(logging.NOTSET)


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
    text = re.sub(r"\u00ad\s*", "", text)  # soft hyphen: a hyphen added at a line break
    text = re.sub(r"[\u2010-]\n(?=[a-z])", "", text)  # hyphen at a line break
    return re.sub(r"\s+", " ", text.replace("\u2010", "-")).strip()


def squash(text: str) -> str:
    """Text without spaces or hyphens: compares prose whatever the hyphenation did to it."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


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
def sample_project_build(tmp_path_factory):
    """The sample project built as `casepress build` does (briefs, the handbook, the site)."""
    from casepress import build_project

    out = tmp_path_factory.mktemp("sample-project")
    report = build_project(load_project(ROOT, output_dir=out))
    assert not report.failures and not report.errors, [str(p) for p in report.problems]
    return out


@pytest.fixture(scope="session")
def azimut_project_build(tmp_path_factory):
    """The sample project built whole in the example organisation theme (A5, its own fonts
    and palette), without a contrast warning."""
    from casepress import build_project

    out = tmp_path_factory.mktemp("azimut")
    report = build_project(load_project(ROOT, output_dir=out, theme="azimut"))
    assert not report.failures and not report.errors, [str(p) for p in report.problems]
    assert not [p for p in report.warnings if "contrast" in p.message]
    return out


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


def structure_problems(pdf) -> list[str]:
    """What breaks a tagged PDF's single structure tree (a pikepdf.Pdf), as readable lines:
    not one Document element; an element whose /P is not its parent; marked content in a
    page that no element owns, or that two own; a ParentTree entry that disagrees with the
    tree (or that no page or annotation uses); an annotation outside every element.
    An empty list is a consistent tree."""
    import pikepdf

    problems: list[str] = []
    root = pdf.Root.StructTreeRoot
    tops = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    if len(tops) != 1 or tops[0].get("/S") != "/Document":
        problems.append(f"the tree has {len(tops)} top elements, not one Document")
    pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    owner: dict[tuple, tuple] = {}  # (page, MCID) or annotation → element
    stack = [(element, root) for element in tops]
    seen = set()
    while stack:
        element, parent = stack.pop()
        if element.objgen in seen:
            problems.append(f"element {element.objgen} is in the tree twice")
            continue
        seen.add(element.objgen)
        if element.get("/P") is None or element.P.objgen != parent.objgen:
            problems.append(f"{element.S} {element.objgen}: /P is not its parent")
        kids = element.get("/K")
        for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                key = (pages.get(element.Pg.objgen), int(kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                page = kid.get("/Pg", element.get("/Pg"))
                key = (pages.get(page.objgen), int(kid.MCID))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                key = ("annotation", kid.Obj.objgen)
            elif isinstance(kid, pikepdf.Dictionary):
                stack.append((kid, element))
                continue
            else:
                continue
            if key in owner:
                problems.append(f"{key} is owned by two elements")
            owner[key] = element.objgen
    nums = list(root.ParentTree.Nums)
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    used = set()
    for number, page in enumerate(pdf.pages):
        marked = {
            int(operands[1].MCID)
            for operands, operator in pikepdf.parse_content_stream(page)
            if str(operator) == "BDC"
            and isinstance(operands[1], pikepdf.Dictionary)
            and "/MCID" in operands[1]
        }
        owned = {mcid for (where, mcid) in owner if where == number}
        if marked != owned:
            problems.append(f"page {number + 1}: marked {sorted(marked)} but owned {sorted(owned)}")
        if marked:
            key = int(page.obj.StructParents)
            used.add(key)
            entries = tree.get(key)
            for mcid in marked:
                entry = entries[mcid] if entries is not None and mcid < len(entries) else None
                if entry is None or owner.get((number, mcid)) != entry.objgen:
                    problems.append(f"page {number + 1}: ParentTree entry of MCID {mcid} is wrong")
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            key = int(annotation.StructParent)
            used.add(key)
            entry = tree.get(key)
            if entry is None or owner.get(("annotation", annotation.objgen)) != entry.objgen:
                problems.append(f"page {number + 1}: a link annotation is not in its element")
    if set(tree) - used:
        problems.append(f"ParentTree entries nothing uses: {sorted(set(tree) - used)}")
    return problems
