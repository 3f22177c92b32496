"""The text cache on disk: what each case's Markdown turned into (``model.conversions``).

One file per case under ``<output>/.casepress-cache/text/<case id>.json``, holding the
versions it was made with (casepress, Python-Markdown, nh3, the entry format), the digest of
the case's text it was made from, and its conversions by key. A build reads a case's file
when it first converts that case's text, and writes the files of cases whose conversions
changed, through ``writing`` (atomic, confined); files of cases that no longer exist are
removed. A file that is damaged, partial, from other versions or for another text of the
case is ignored, and the case's text converted again.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from pathlib import Path

from .. import __version__, files
from ..errors import InputError
from ..model.cases import Catalogue, case_roots, load_cases
from ..model.catalogue import MEMO_FILE, CatalogueMemo
from ..model.conversions import FORMAT, Conversion, TextCache
from .writing import confine_folder, remove_output, write_atomic

TEXT_DIR = "text"
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@cache
def versions() -> list[str]:
    """What a stored conversion was made with, besides the text and its settings."""
    from importlib.metadata import PackageNotFoundError, version

    found = [f"casepress {__version__}", f"format {FORMAT}"]
    for name in ("markdown", "nh3"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return found


class TextStore:
    """The ``conversions.Store`` of one output folder's cache folder."""

    def __init__(self, cache_dir: Path, root: Path):
        self.folder = Path(cache_dir) / TEXT_DIR
        self.root = root
        self.written: list[str] = []
        """Owners whose file this build wrote (for tests and the curious)."""

    def _path(self, owner: str) -> Path | None:
        return self.folder / f"{owner}.json" if _NAME.match(owner) else None

    def load(self, owner: str, version: str) -> dict[str, list[Conversion]]:
        path = self._path(owner)
        if path is None:
            return {}
        try:  # a link or an oversized file here was not written by casepress: not read
            text = files.read_text(path, (self.folder,), limit=files.RESOURCE_BYTES,
                                   what="text cache")  # fmt: skip
            data = json.loads(text)
            if (
                not isinstance(data, dict)
                or data.get("versions") != versions()
                or data.get("version") != version
                or not isinstance(data.get("entries"), dict)
            ):
                return {}
            return {
                str(key): [Conversion.from_json(v) for v in variants]
                for key, variants in data["entries"].items()
            }
        except (files.FileRefusedError, OSError, ValueError, TypeError, AttributeError):
            return {}

    def save(self, owner: str, version: str, entries: dict[str, list[Conversion]]) -> None:
        path = self._path(owner)
        if path is None:
            return
        data = {
            "versions": versions(),
            "version": version,
            "entries": {k: [v.to_json() for v in vs] for k, vs in sorted(entries.items())},
        }
        try:
            confine_folder(self.root, self.folder)
            write_atomic(path, json.dumps(data, ensure_ascii=False), root=self.root)
        except (OSError, InputError):
            return  # a cache that cannot be written costs the next build time, nothing else
        self.written.append(owner)

    def prune(self, owners: set[str]) -> None:
        """Remove the files of cases not in ``owners`` (deleted or renamed cases)."""
        try:
            present = list(self.folder.glob("*.json"))
        except OSError:
            return
        for path in present:
            if path.stem not in owners:
                with contextlib.suppress(OSError, InputError):
                    remove_output(self.root, path)


def text_cache(cache_dir: Path, root: Path) -> TextCache:
    """A build's text cache, kept in ``cache_dir`` (writes confined to ``root``)."""
    return TextCache(store=TextStore(cache_dir, root))


def save_text_cache(texts: TextCache | None, owners: set[str] | None) -> None:
    """Write what changed, and remove the files of cases not in ``owners`` (None: keep
    them); only when this build converted case text (one that rendered none leaves the
    store as it is)."""
    if texts is None or not texts.owners:
        return
    texts.save()
    if owners is not None and isinstance(texts.store, TextStore):
        texts.store.prune(owners)


def remembered_catalogue(
    project, labels, cache_dir: Path
) -> tuple[Catalogue, CatalogueMemo | None]:
    """Every case of the project (``load_cases``), the files unchanged since the last build
    taken from its memo (``model.catalogue``); and the memo, to keep (``keep_catalogue``)
    once the build has done its work."""
    memo = CatalogueMemo.read(Path(cache_dir) / MEMO_FILE, project, case_roots(project))
    return load_cases(project, labels=labels, memo=memo), memo


def keep_catalogue(memo: CatalogueMemo | None, cache_dir: Path, root: Path) -> None:
    """Write the memo when it changed (a build that fails or is refused writes nothing)."""
    text = memo.dumps() if memo is not None else None
    if text is None:
        return
    cache_dir = Path(cache_dir)
    try:
        confine_folder(root, cache_dir)
        write_atomic(cache_dir / MEMO_FILE, text, root=root)
    except (OSError, InputError):
        pass  # the next build reads the files again, nothing worse
