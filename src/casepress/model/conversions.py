"""What case text turned into, remembered by content, so each field is converted once.

A build converts the same Markdown many times: the handbook's HTML and PDF renders, the
briefs, the site's pages and its search index each ask for every field. ``markup``'s factory
looks each conversion up here first (``TextCache.find``), keyed on everything that shapes
its result: the text, the id prefix, the heading offset, sanitising on or off, the quoting
style of the language, which of the case's notes the text calls, and where the case's
figure and table numbering stands (with the caption labels) when the text has figures or
tables. The versions of casepress, Python-Markdown and nh3 are the store's, checked when
it is read.

What a cached conversion keeps is the part that depends on nothing else: the sanitised HTML
with its images not yet checked and its note calls as slots. Replaying it runs the rest
live, as a conversion does: what the sanitiser removed is reported again, every image is
put to the caller's ``check_image`` (which reports a refused image at its own line), note
calls are made in the same order, and the figure numbering moves on as it did. The answers
``case:`` links got are kept with the result, and a result is used only while the same links
get the same answers. So a build served from the cache reports the same problems, at the
same positions, as one that converted everything.

The cache lives for one build (``caching``); a ``Store`` (``build.textcache``) keeps it on
disk between builds, one file per case (the ``owner`` of a conversion), read when that case
is first converted.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

FORMAT = 1
"""Of a stored entry: changes when what is kept changes."""
VARIANTS = 4
"""Results kept per key: the same text under different ``case:`` link answers (a brief's
links go to PDFs, a handbook's to chapters)."""


@dataclass(frozen=True)
class Conversion:
    """One conversion's result, before the parts that depend on the caller."""

    html: str
    """Sanitised; images unchecked; note calls as slots."""
    removed: tuple[str, ...] = ()
    """What the sanitiser took out (``on_removed``)."""
    links: tuple[tuple[str, str | None, str | None], ...] = ()
    """(case id, href, note) for each ``case:`` link resolved, in order."""
    notes: tuple[str, ...] = ()
    """The label of each note call made, in order."""
    counts: tuple[int, int, int] | None = None
    """Figures, tables and figures met in the case's numbering after the text; None when
    the text has neither figures nor tables."""

    def to_json(self) -> list[Any]:
        return [self.html, list(self.removed), [list(x) for x in self.links],
                list(self.notes), list(self.counts) if self.counts else None]  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> Conversion:
        """A stored entry; ``ValueError`` when it is not one (a damaged store)."""
        try:
            html, removed, links, notes, counts = data
            made = cls(
                html,
                tuple(removed),
                tuple((str(i), h, n) for i, h, n in links),
                tuple(notes),
                None if counts is None else (int(counts[0]), int(counts[1]), int(counts[2])),
            )
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"not a stored conversion: {exc}") from None
        strings = [made.html, *made.removed, *made.notes]
        strings += [x for link in made.links for x in link if x is not None]
        if not all(isinstance(s, str) for s in strings):
            raise ValueError("not a stored conversion")
        return made


def conversion_key(*parts: Any) -> str:
    """A digest of the text and every setting of one conversion."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = repr(part).encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data) + data)
    return h.hexdigest()


class Store(Protocol):
    """Where a build's conversions are kept between builds, by owner (a case id)."""

    def load(self, owner: str, version: str) -> dict[str, list[Conversion]]:
        """The owner's stored conversions when they were made from ``version`` of it, else
        (none, damaged, another version) nothing."""
        ...

    def save(self, owner: str, version: str, entries: dict[str, list[Conversion]]) -> None: ...


@dataclass
class _Owner:
    version: str
    stored: dict[str, list[Conversion]]
    used: dict[str, list[Conversion]] = field(default_factory=dict)


@dataclass
class TextCache:
    """The conversions of one build, shared by every document it renders."""

    store: Store | None = None
    entries: dict[str, list[Conversion]] = field(default_factory=dict)
    converted: int = 0
    """Conversions actually run (not served from here)."""
    converted_by: dict[str, int] = field(default_factory=dict)
    """The same, by owner (a case id; '' for text no case owns)."""
    owners: dict[str, _Owner] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enter(self, owner: str, version: str) -> None:
        """Conversions of ``owner`` (a case id) follow: its stored ones are read once."""
        with self._lock:
            known = self.owners.get(owner)
            if known is not None and known.version == version:
                return
            stored = self.store.load(owner, version) if self.store is not None else {}
            self.owners[owner] = _Owner(version, stored)
            for key, variants in stored.items():
                kept = self.entries.setdefault(key, [])
                kept.extend(v for v in variants if v not in kept)
                del kept[:-VARIANTS]

    def find(self, key: str, owner: str | None) -> list[Conversion]:
        return self.entries.get(key, [])

    def used(self, key: str, conversion: Conversion, owner: str | None) -> None:
        """``conversion`` was used under ``key`` (found here, or just made)."""
        if owner is None:
            return
        record = self.owners.get(owner)
        if record is None:
            return
        variants = record.used.setdefault(key, [])
        if conversion not in variants:
            variants.append(conversion)
            del variants[:-VARIANTS]

    def add(self, key: str, conversion: Conversion, owner: str | None) -> None:
        """A conversion just made."""
        self.converted += 1
        self.converted_by[owner or ""] = self.converted_by.get(owner or "", 0) + 1
        with self._lock:
            variants = self.entries.setdefault(key, [])
            variants.append(conversion)
            del variants[:-VARIANTS]
        self.used(key, conversion, owner)

    def save(self) -> None:
        """Store each owner whose conversions changed: those used now, and (same version)
        the stored ones this build did not ask for (another kind of output's)."""
        if self.store is None:
            return
        for owner, record in self.owners.items():
            if all(
                key in record.stored and all(v in record.stored[key] for v in variants)
                for key, variants in record.used.items()
            ):
                continue  # nothing new
            merged = {key: list(variants) for key, variants in record.stored.items()}
            for key, variants in record.used.items():
                kept = merged.setdefault(key, [])
                kept.extend(v for v in variants if v not in kept)
                del kept[:-VARIANTS]
            self.store.save(owner, record.version, merged)


_local = threading.local()


@contextmanager
def caching(cache: TextCache | None, owner: str | None = None, version: str = "") -> Iterator[None]:
    """Conversions inside are looked up in ``cache`` (None: none are), made for ``owner``
    (a case id, at ``version``: a digest of its text) when given."""
    outer = getattr(_local, "state", None)
    if cache is not None and owner is not None:
        cache.enter(owner, version)
    _local.state = (cache, owner) if cache is not None else None
    try:
        yield
    finally:
        _local.state = outer


def active() -> tuple[TextCache, str | None] | None:
    """The cache conversions use now, and their owner; None outside ``caching``."""
    return getattr(_local, "state", None)
