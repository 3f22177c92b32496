"""What a handbook's CSS asks of a split (``pdf.units.css_facts``), kept between builds.

Reading the style sheets with tinycss2 costs most of a second on the built-in theme and
gives the same answer until a style sheet changes, so the answer is kept in
``<output>/.casepress-cache/split-css.json``, by the digest of every CSS text it was read
from, with the versions of casepress and tinycss2 it was read with. A build reads the file
once, and writes it when it read a CSS text it did not hold (keeping only the entries this
build used). A damaged, partial or foreign file is ignored and the CSS parsed again.
"""

from __future__ import annotations

import contextlib
import json
from functools import cache
from pathlib import Path

from .. import __version__, files
from ..errors import InputError
from ..pdf.units import CssFacts, css_facts
from . import cache as keys
from .writing import write_atomic

FILE = "split-css.json"
FORMAT = 1


@cache
def versions() -> list[str]:
    """What the facts were read with, besides the CSS texts."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tinycss2 = version("tinycss2")
    except PackageNotFoundError:
        tinycss2 = "-"
    return [f"casepress {__version__}", f"format {FORMAT}", f"tinycss2 {tinycss2}"]


class CssFactsStore:
    """The facts of one output folder's cache folder."""

    def __init__(self, cache_dir: Path, root: Path) -> None:
        self.path, self.root = Path(cache_dir) / FILE, root
        self.known = self._read()
        self.used: dict[str, dict] = {}
        self.parsed = 0
        """How many CSS readings this build made (0 when every one was kept)."""

    def _read(self) -> dict[str, dict]:
        try:  # a link or an oversized file here was not written by casepress: not read
            data = json.loads(files.read_text(self.path, (self.path.parent,),
                                              limit=files.RESOURCE_BYTES, what="CSS facts"))  # fmt: skip
            if not isinstance(data, dict) or data.get("versions") != versions():
                return {}
            entries = data.get("entries")
            return dict(entries) if isinstance(entries, dict) else {}
        except (files.FileRefusedError, OSError, ValueError, TypeError):
            return {}

    def facts(self, texts: list[str]) -> CssFacts:
        """The facts of these CSS texts: kept ones, else read now."""
        key = keys.digest(texts)
        known = self.known.get(key)
        if isinstance(known, dict):
            with contextlib.suppress(KeyError, ValueError, TypeError):
                facts = CssFacts.from_json(known)
                self.used[key] = known
                return facts
        facts = css_facts(texts)
        self.parsed += 1
        self.used[key] = facts.to_json()
        return facts

    def save(self) -> None:
        """Keep the entries this build used, when it read a CSS text anew."""
        if not self.parsed:
            return
        data = {"versions": versions(), "entries": self.used}
        try:
            write_atomic(self.path, json.dumps(data, ensure_ascii=False), root=self.root)
        except (OSError, InputError):
            return  # a cache that cannot be written costs the next build time, nothing else
