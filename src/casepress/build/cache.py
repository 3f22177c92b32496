"""Build cache: a digest of everything each output depends on, and the manifest recording them.

An output is rebuilt when its key changes or when the file on disk is missing or is not
the file casepress wrote (size or modification time differ). Keys are computed from
inputs, never from rendered HTML, so deciding that nothing needs rendering imports no
WeasyPrint and renders no template. Keys cover:

- the case file's bytes, local images it names, and the titles of the cases its
  "See also" list shows;
- for a handbook: its definition, introduction and logo, and every case it holds; for the
  site's index: every case, which have a PDF, and the handbooks it lists;
- every layer of the theme: the project's, each theme's and the built-in template and
  style folders, each theme's folder (theme.yaml, fonts, logos), built-in labels;
- every project setting (language, page size, PDF variant, profile, embedded sources, page
  budget, the resource policy and limits...), the format, ``SOURCE_DATE_EPOCH``, and the
  versions of casepress, WeasyPrint and the libraries that shape the HTML.

Resources fetched over the network (``allow_network``) are not part of any key: a remote
image that changes is noticed only by ``--force``.

Outputs are reproducible (the same inputs give the same bytes), which is what makes a
cache keyed on inputs safe. Manifests live in ``<output>/.casepress-cache/``, one per
output folder, with each output's quality entry for the report; deleting the folder (or
the output folder) forces a clean build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .. import __version__, files
from ..errors import display_path
from ..model.cases import case_images
from ..model.translations import Titles, key_facts
from ..render.resources import resolve_url

CACHE_DIR = ".casepress-cache"
"""Under the project's output folder: manifests, and chapter PDFs of split handbooks."""
UNITS_DIR = "units"
_FORMAT = 3
_LIBRARIES = ("weasyprint", "pydyf", "jinja2", "markdown", "nh3", "babel", "pikepdf",
              "pypandoc_binary")  # fmt: skip
# pypandoc_binary: the pandoc that writes Word documents comes with it


def source_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` as a W3C date-time for PDF metadata, or None when unset."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(*parts: Any) -> str:
    """A short stable digest of strings, bytes and nested lists/tuples of them."""
    h = hashlib.sha256()
    _feed(h, parts)
    return h.hexdigest()[:32]


def _feed(h, value: Any) -> None:
    if isinstance(value, bytes):
        h.update(b"b%d:" % len(value) + value)
    elif isinstance(value, (list, tuple)):
        h.update(b"l%d:" % len(value))
        for item in value:
            _feed(h, item)
    else:
        text = str(value).encode("utf-8")
        h.update(b"s%d:" % len(text) + text)


@cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in _LIBRARIES:
        try:
            found.append((name, version(name)))
        except PackageNotFoundError:
            found.append((name, "-"))
    return tuple(found)


def tree_digest(folder: Path, roots: Iterable[Path] | None = None) -> str:
    """Every file under a folder: relative names and bytes (hidden files skipped), each read
    through ``files`` from inside ``roots`` (default: the folder itself); a file it refuses
    is digested as its refusal, unread."""
    folder = Path(folder)
    if not folder.is_dir():
        return digest("missing", folder.name)
    roots = [folder] if roots is None else list(roots)
    parts: list[Any] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith(".") for p in rel.parts):
            parts += [rel.as_posix(), _file_bytes(path, roots)]
    return digest(parts)


def theme_digest(theme) -> str:
    """Every layer of a theme by content: its template and style folders, and for a theme
    its whole folder (theme.yaml, fonts, logos); then its name and label overrides."""
    parts: list[Any] = [theme.name, repr(sorted(theme.labels.items()))]
    roots = theme.roots
    for layer in theme.layers:
        parts.append([layer.label, layer.prefix or "",
                      tree_digest(layer.templates, roots), tree_digest(layer.styles, roots)])  # fmt: skip
        if layer.config is not None:
            parts.append(tree_digest(layer.config.folder, roots))
    return digest(parts)


NOT_SETTINGS = ("root", "config_path", "cases_dir", "output_dir", "handbooks", "labels",
                "theme_origin", "warnings", "positions", "accept_low_contrast",
                "layout_limits")  # fmt: skip
"""Project fields that do not shape outputs (where the project lies: outputs are the same
bytes wherever it is; handbooks have their own keys; ``labels`` are the theme's, digested
with it; ``positions`` are lines for messages; ``accept_low_contrast`` only silences a
check; ``layout_limits`` are measured against every build's figures, kept outputs' too).
Every other field does, including any added
later: ``regions`` and ``topics`` give a case's tags their listed spelling."""


def environment_digest(project, theme, options: dict[str, Any]) -> str:
    """What every output shares: versions, theme files, labels, settings and options."""
    from ..model.labels import LABELS_DIR

    settings = [
        (f.name, repr(getattr(project, f.name)))
        for f in dataclasses.fields(project)
        if f.name not in NOT_SETTINGS
    ]
    return digest(
        _FORMAT,
        __version__,
        _library_versions(),
        theme_digest(theme),
        tree_digest(LABELS_DIR),
        settings,
        sorted((k, repr(v)) for k, v in options.items()),
        source_date() or "",
    )


def _file_bytes(path: Path | None, roots: Iterable[Path] | None = None) -> bytes:
    """A file's bytes for a digest, read through ``files`` (inside ``roots``; None: wherever
    it is, still only a regular file within the resource limit). A file it refuses (outside,
    a FIFO, ``/dev/zero``, 3 GB) is not read: its refusal is digested instead."""
    if path is None:
        return b""
    try:
        return files.read_bytes(path, roots, limit=files.RESOURCE_BYTES)
    except files.FileRefusedError as refusal:
        return b"<missing>" if refusal.missing else f"<refused: {refusal.rule}>".encode()


_DIGESTS: dict[tuple, tuple[list, str]] = {}


def _stamp(path: Path) -> tuple[int, ...] | None:
    """A file's identity, size and times, and those of what a link names."""
    try:
        found = []
        for st in (os.lstat(path), os.stat(path)):
            found += [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode]
    except OSError:
        return None
    return tuple(found)


def _settled(stamps: list) -> bool:
    """Every file there, none modified in the last two seconds: a file written twice in
    one tick of the file system's clock, at the same size, would keep its stamp."""
    recent = time.time_ns() - 2_000_000_000
    return all(stamp is not None and max(stamp[1], stamp[7]) < recent for stamp in stamps)


def case_digest(case, *, attached: bool = False, roots: Iterable[Path] | None = None) -> str:
    """A case file and the local images it names (resolved beside the file); when the file
    is ``attached`` to its PDF, also its modification time, the attachment's date (unless
    ``SOURCE_DATE_EPOCH`` sets every date). Files are read as the renderer may read them,
    from inside ``roots`` (the project's and its theme's folders): an image the renderer
    refuses is not read here either, whatever it names (``/dev/zero``, a FIFO)."""
    stamp = ""
    if attached and not source_date():
        try:
            stamp = str(int(Path(case.path).stat().st_mtime))
        except OSError:
            stamp = "missing"
    paths = [Path(case.path)]
    for src, _alt in case_images(case):  # every image the renderer sees, however written
        url = resolve_url(src, case.path.parent)
        if url.startswith("file:"):
            paths.append(Path(url2pathname(urlsplit(url).path)))
    # a build asks three times (brief, handbook, site): the files are read once while
    # they stay the same files, with the same sizes and times
    roots = None if roots is None else tuple(roots)
    memo_key = (tuple(map(str, paths)), None if roots is None else tuple(map(str, roots)), stamp)
    stamps = [_stamp(path) for path in paths]
    known = _DIGESTS.get(memo_key)
    if known is not None and known[0] == stamps and _settled(stamps):
        return known[1]
    data = _file_bytes(case.path, None)
    images = [_file_bytes(path, roots) for path in paths[1:]]
    made = digest(data, images, stamp)
    _DIGESTS[memo_key] = (stamps, made)
    return made


def brief_key(environment: str, case, titles: dict[str, str], fmt: str, own: str) -> str:
    """Key of one brief output; ``own`` is ``case_digest(case)``."""
    related = [(other, titles.get(other, "")) for other in case.related]
    return digest(environment, "brief", fmt, own, related, *_translated(case, titles))


def handbook_key(environment: str, plan, titles: dict[str, str], fmt: str, owns: dict) -> str:
    """Key of one handbook output: its definition and every case in it, in order."""
    edition = plan.edition
    definition = [  # files by name: their bytes are digested below, wherever they lie
        (f.name, value.name if isinstance(value, Path) else repr(value))
        for f in dataclasses.fields(edition)
        if f.name not in ("positions", "source")
        for value in [getattr(edition, f.name)]
    ]
    held = {case.id for case in plan.cases}
    referenced = sorted({r for case in plan.cases for r in case.related} - held)
    return digest(
        environment,
        "handbook",
        fmt,
        definition,
        _file_bytes(edition.introduction),
        _file_bytes(edition.logo),
        [(part.title or "", [(c.id, owns[c.id]) for c in part.cases]) for part in plan.parts],
        [(other, titles.get(other, "")) for other in referenced],
        [(case.id, case.title or "") for case in plan.missing],  # the contents page names them
        *_translated_book(plan, titles),
    )


def site_keys(
    environment: str, cases, pdfs, handbooks, roots=None, owns: dict[str, str] | None = None
) -> dict[str, str]:
    """Key of each page of the site by its path there: a case's page is its brief in the
    site's template (with or without a PDF beside it); the index depends on every case,
    which ones have a PDF, and the handbooks listed (``None``: all, as the preview does)."""
    from ..render.site import INDEX_PAGE, case_page

    titles = Titles(cases)
    if owns is None:
        owns = {c.id: case_digest(c, roots=roots) for c in cases}
    keys = {
        case_page(c.id): brief_key(
            environment, c, titles, f"site:{pdfs is None or c.id in pdfs}", owns[c.id]
        )
        for c in cases
    }
    books = "all" if handbooks is None else sorted((n, sorted(f)) for n, f in handbooks.items())
    keys[INDEX_PAGE] = digest(
        environment, "index", sorted(owns.items()), "all" if pdfs is None else sorted(pdfs), books
    )
    return keys


def _translated(case, titles) -> list:
    """What a brief shows of its translations and of its related cases' versions (nothing
    to add when there is none: keys stay as they were)."""
    facts = key_facts(case, titles)
    return [facts] if facts else []


def _translated_book(plan, titles) -> list:
    """A handbook's: each chapter's (``_translated``), and the cases a language edition
    leaves out (its contents page names them)."""
    facts = [key_facts(case, titles) for case in plan.cases]
    skipped = [(case.id, case.title) for case in getattr(plan, "skipped", ())]
    return [facts, skipped] if any(facts) or skipped else []


def _place(root: Path, cache_dir: Path) -> str:
    """An output folder as seen from the folder holding the cache: relative when inside it,
    so a project moved or cloned elsewhere (another CI runner's checkout) keeps its cache."""
    root, home = Path(root).resolve(), Path(cache_dir).resolve().parent
    try:
        return root.relative_to(home).as_posix()
    except ValueError:
        return root.as_posix()


class Manifest:
    """What the last build wrote: output path (relative to the output folder) → record.

    A record holds the key, the file's size and modification time as written, and facts
    later builds use (a brief's page count, a split handbook's chapters).
    """

    def __init__(self, root: Path, path: Path, records: dict[str, dict] | None = None):
        self.root = Path(root)
        self.path = Path(path)
        self.records: dict[str, dict] = records or {}
        self._prefix = f"{self.root}{os.sep}" if os.sep == "/" else None
        """``root`` as the start of its outputs' paths (``_rel`` without pathlib)."""
        self._portable: dict[str, str] = {}
        self._home: Path | None = None
        self._folders: dict[str, str] = {}
        self._local: dict[str, str] = {}
        self.changed = False
        """Whether a record was added, altered or dropped since it was loaded (a no-change
        build of 1,000 cases need not encode its 14,000 lines to find it is the same)."""

    @classmethod
    def load(cls, root: Path, cache_dir: Path) -> Manifest:
        """The manifest of the output folder ``root``, kept in ``cache_dir``."""
        root = Path(root)
        path = Path(cache_dir) / f"{root.name}-{digest(_place(root, cache_dir))[:8]}.json"
        try:  # a link or an oversized file here was not written by casepress: not read
            text = files.read_text(path, (Path(cache_dir),), limit=files.RESOURCE_BYTES,
                                   what="build manifest")  # fmt: skip
            data = json.loads(text)
        except (files.FileRefusedError, OSError, ValueError):
            return cls(root, path)
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return cls(root, path)
        return cls(root, path, data.get("outputs") or {})

    @property
    def home(self) -> Path:
        """The folder holding the cache folder: the project's output folder."""
        return self.path.parent.parent

    def portable(self, shown: str) -> str:
        """A file's path as shown to the user (relative to the working directory, or
        absolute) as the manifest keeps it: relative to ``home``, starting with ./ or ../,
        so that a project moved elsewhere still names its own files. Names that are not
        files ("stylesheets", "command line") are kept as they are."""
        known = self._portable.get(shown)
        if known is not None:
            return known
        if not os.path.exists(shown):
            return shown
        if self._home is None:
            self._home = self.home.resolve()
        # resolved as Path.resolve() does, each folder once (a thousand cases share one)
        folder, name = os.path.split(os.path.abspath(shown))
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        target = os.path.join(real, name)
        if os.path.islink(target):
            target = os.path.realpath(target)
        rel = Path(os.path.relpath(target, self._home)).as_posix()
        made = self._portable[shown] = rel if rel.startswith("../") else f"./{rel}"
        return made

    def local(self, kept: str) -> str:
        """The inverse of ``portable``, shown as ``display_path`` shows paths (absolute
        paths, kept by earlier versions, are shown as they are)."""
        known = self._local.get(kept)
        if known is None:
            if kept.startswith(("./", "../")):
                known = display_path(os.path.normpath(self.home / kept))
            else:
                known = display_path(kept) if Path(kept).is_absolute() else kept
            self._local[kept] = known
        return known

    def _rel(self, target: Path) -> str:
        if self._prefix is not None and isinstance(target, PurePath):  # already normalised
            text = str(target)
            if text.startswith(self._prefix) and len(text) > len(self._prefix):
                return text[len(self._prefix) :]
        try:
            return Path(target).relative_to(self.root).as_posix()
        except ValueError:
            return Path(target).resolve().as_posix()

    def fresh(self, target: Path, key: str) -> bool:
        """True when ``target`` holds exactly what a build with ``key`` wrote."""
        record = self.records.get(self._rel(target))
        if not record or record.get("key") != key:
            return False
        try:
            stat = Path(target).stat()
        except OSError:
            return False
        return stat.st_size == record.get("size") and stat.st_mtime_ns == record.get("mtime_ns")

    def get(self, target: Path) -> dict:
        return self.records.get(self._rel(target), {})

    def record(self, target: Path, key: str, **facts: Any) -> None:
        """Note a file just written (call after writing it)."""
        stat = Path(target).stat()
        rel = self._rel(target)
        made = {"key": key, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **facts}
        if self.records.get(rel) != made:
            self.records[rel] = made
            self.changed = True

    def invalidate(self, target: Path) -> None:
        """A file that could not be written again: still the one a build wrote (a later
        clean-up may remove it), but no longer fresh."""
        record = self.records.get(self._rel(target))
        if record is not None and record.get("key") != "":
            record["key"] = ""
            self.changed = True

    def forget(self, targets: Iterable[Path]) -> None:
        for target in targets:
            if self.records.pop(self._rel(target), None) is not None:
                self.changed = True

    def dumps(self) -> str:
        """One output per line (``writing.json_lines``)."""
        from .writing import json_lines

        return json_lines({"format": _FORMAT}, "outputs", self.records)


def shard_of(output_id: str, count: int) -> int:
    """The shard (1..count) an output belongs to: a stable hash, the same on every machine
    and in every Python process (unlike ``hash()``), and unchanged when others are added."""
    value = int.from_bytes(hashlib.sha256(output_id.encode("utf-8")).digest()[:8], "big")
    return value % count + 1
