"""Case files read and validated by an earlier build, remembered while they are unchanged.

A no-change build of 1,000 cases spent most of its time parsing and validating YAML that
had not changed. ``load_cases`` asks a ``CatalogueMemo`` first: for each file, what
``load_case`` made of it (the case, or None, and its problems), kept as JSON under the
output folder's ``.casepress-cache/catalogue.json`` (written by the build, through
``build.writing``; ``check`` only reads it).

An entry holds while the file is the same file with the same size, modification and change
times (``lstat``: a file replaced by a link is another file), and the memo itself while
everything else ``load_case`` reads is the same: casepress's and the YAML and country
libraries' versions, the project's settings, the working folder (messages show paths from
it) and the folders case files may be read from. A file changed within the last two seconds
of the memo's writing is read again (a change in the same clock tick would keep its times).
Only files under the project's own case folder are remembered, reached through real folders.
What cannot be stored exactly (the round trip is checked when an entry is made) is simply
read again; a memo that is damaged, partial or from other versions is ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from functools import cache
from pathlib import Path
from typing import Any

from .. import __version__, files
from ..errors import Problem
from .schema import Month

FORMAT = 1
MEMO_FILE = "catalogue.json"
"""In the output folder's cache folder (``build.cache.CACHE_DIR``)."""
DOUBT_NS = 2_000_000_000
"""A file modified this close to the memo's writing is read again."""
MEMO_BYTES = 256 * 1024 * 1024


@cache
def _versions() -> tuple[str, ...]:
    from importlib.metadata import PackageNotFoundError, version

    found = [__version__, str(FORMAT)]
    for name in ("pyyaml", "pycountry", "babel"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return tuple(found)


def _stamp(path: Path) -> list[int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode]


_CLASSES: dict[str, type] = {"Problem": Problem}


def register(*classes: type) -> None:
    """Dataclasses a remembered case is made of (``cases`` registers its own)."""
    _CLASSES.update((c.__name__, c) for c in classes)


def _classes() -> dict[str, type]:
    return _CLASSES


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Month):
        return {"@m": value.isoformat()}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"@d": value.isoformat()}
    if isinstance(value, Path):
        return {"@p": str(value)}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"@o": {k: _encode(v) for k, v in value.items()}}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _classes():
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"@c": type(value).__name__, "f": fields}
    raise TypeError(f"not remembered: {type(value).__name__}")


def _decode(value: Any, classes: dict[str, type]) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v, classes) for v in value)
    if not isinstance(value, dict):
        return value
    if "@m" in value:
        year, month = value["@m"].split("-")
        return Month(int(year), int(month), 1)
    if "@d" in value:
        return dt.date.fromisoformat(value["@d"])
    if "@p" in value:
        return Path(value["@p"])
    if "@o" in value:
        return {k: _decode(v, classes) for k, v in value["@o"].items()}
    made = classes[value["@c"]]
    return made(**{k: _decode(v, classes) for k, v in value["f"].items()})


def _same(a: Any, b: Any) -> bool:
    """Equal, fields that do not take part in ``==`` included, types too."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


class CatalogueMemo:
    """What ``load_case`` made of each case file, while it and its settings are unchanged."""

    def __init__(self, setting: str, entries: dict[str, Any] | None = None, written: int = 0):
        self.setting = setting
        self.keeps = True
        """False for a reader that never writes the memo back (``check``): files it parses
        are not encoded for keeping (a third of ``check``'s time at 1,000 cases)."""
        self.entries: dict[str, Any] = entries or {}
        self.written = written
        self.fresh: dict[str, Any] = {}
        """Entries of this load: only files still there are kept."""
        self.parsed = 0
        """Files read and validated (not remembered)."""
        self.changed = False

    @staticmethod
    def setting_of(project, roots) -> str:
        """Everything besides the file that shapes what ``load_case`` makes of it."""
        # what load_case reads of the project (cases.py: vocabularies, images, language)
        names = ("root", "cases_dir", "language", "regions", "topics", "trust_html")
        settings = [(name, repr(getattr(project, name))) for name in names]
        parts = [_versions(), settings, os.getcwd(), [str(r) for r in roots]]
        return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()

    @classmethod
    def read(cls, path: Path, project, roots) -> CatalogueMemo | None:
        """The memo kept at ``path`` for this project and these roots (empty when there is
        none, or it is damaged or for other settings); None when case files lie where a
        memo may not vouch for them (the case folder is not inside the project)."""
        cases_dir = Path(project.cases_dir)
        try:
            real = Path(os.path.realpath(cases_dir))
            if not real.is_relative_to(os.path.realpath(project.root)):
                return None
        except (OSError, ValueError):
            return None
        setting = cls.setting_of(project, roots)
        try:
            text = files.read_text(path, (Path(path).parent,), limit=MEMO_BYTES,
                                   what="case memo")  # fmt: skip
            data = json.loads(text)
        except (files.FileRefusedError, OSError, ValueError):
            return cls(setting)
        if (
            not isinstance(data, dict)
            or data.get("setting") != setting
            or not isinstance(data.get("files"), dict)
            or not isinstance(data.get("written"), int)
        ):
            return cls(setting)
        return cls(setting, data["files"], data["written"])

    def recall(self, path: Path) -> tuple[Any, list[Problem]] | None:
        """What ``load_case`` made of ``path`` when it was the file it is now, or None."""
        key = str(path)
        entry = self.entries.get(key)
        stamp = _stamp(path)
        if entry is None or stamp is None or not isinstance(entry, dict):
            return None
        if entry.get("stamp") != stamp or stamp[1] >= self.written - DOUBT_NS:
            return None
        try:
            classes = _classes()
            case = _decode(entry["case"], classes)
            problems = list(_decode(entry["problems"], classes))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if case is not None and type(case).__name__ != "Case":
            return None
        if not all(isinstance(p, Problem) for p in problems):
            return None
        self.fresh[key] = entry
        return case, problems

    def remember(self, path: Path, stamp: list[int] | None, case, problems: list[Problem]) -> None:
        """What ``load_case`` made of ``path``, whose times were ``stamp`` before it was read."""
        self.parsed += 1
        self.changed = True
        if not self.keeps or stamp is None or stamp != _stamp(path):  # changed while it was read
            return
        try:
            entry = {"stamp": stamp, "case": _encode(case), "problems": _encode(tuple(problems))}
            classes = _classes()
            back = _decode(json.loads(json.dumps(entry["case"])), classes)
            again = list(_decode(json.loads(json.dumps(entry["problems"])), classes))
        except (TypeError, ValueError, KeyError):
            return
        if _same(back, case) and _same(again, list(problems)):
            self.fresh[str(path)] = entry

    def dumps(self) -> str | None:
        """The memo to keep, or None when keeping the old one will do."""
        if not self.changed and self.fresh.keys() == self.entries.keys():
            return None
        data = {
            "setting": self.setting,
            "written": time.time_ns(),
            "files": self.fresh,
        }
        return json.dumps(data, ensure_ascii=False)


def stamp_of(path: Path) -> list[int] | None:
    """A file's identity and times, taken before it is read (``CatalogueMemo.remember``)."""
    return _stamp(path)
