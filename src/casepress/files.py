"""The one guarded way casepress reads a file: inside an allowed folder, regular, bounded.

Every reader goes through here: case files, ``casepress.yaml``, ``theme.yaml``, templates,
stylesheets, handbook introductions and logos, images and fonts, the build cache's digests
and the importer's inputs. A file is read only when

- its resolved path lies inside one of the allowed folders (``roots``): the project, a
  theme's own folder, the built-in templates and styles. A path that goes through a
  symbolic link leading outside them resolves outside them, so it is refused too;
- no folder or file between the allowed folder and the file is hidden (``.git``, ``.env``);
- it is a regular file: not a folder, a FIFO (which would block for ever), a device such as
  ``/dev/zero`` (which never ends) or a socket;
- its size, taken with ``stat`` before a byte is read, is within the limit for its kind.

The read itself is bounded too (at most ``limit + 1`` bytes), so a file that grows between
the ``stat`` and the read is still refused, never read whole. A refusal is a
``FileRefusedError`` carrying the path and the rule in words; callers turn it into a
positioned ``Problem``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import CasepressError, Problem, display_path

CASE_FILE_BYTES = 1_000_000
"""Largest YAML file (case file, casepress.yaml, theme.yaml): a long case is ~20 KB."""
TEXT_BYTES = 5_000_000
"""Largest template, stylesheet or handbook introduction."""
RESOURCE_BYTES = 50_000_000
"""Largest image, font or other resource a document may load."""


class FileRefusedError(CasepressError):
    """A file casepress will not read; ``rule`` says why, ``advice`` what to do instead."""

    exit_code = 2

    def __init__(self, path: Path | str, rule: str, advice: str = "", *, missing: bool = False):
        self.path = Path(path)
        self.rule = rule
        self.advice = advice
        self.missing = missing
        super().__init__(f"{display_path(self.path)}: {self.message}")

    @property
    def message(self) -> str:
        """The rule and the advice, for a Problem at the file (or at the line naming it)."""
        return f"{self.rule}; {self.advice}" if self.advice else self.rule

    def problem(
        self, where: str | Path | None = None, *, line: int = 0, column: int = 0, field: str = ""
    ) -> Problem:
        """The refusal as an error at the file itself, or at the place that named it
        (``where``: casepress.yaml's line for a handbook's introduction)."""
        if where is None:
            return Problem.error(self.path, self.message)
        return Problem.error(
            where, f"{display_path(self.path)}: {self.message}", line=line, column=column,
            field=field,
        )  # fmt: skip

    def __reduce__(self):  # crosses from worker processes to the build (pickled)
        return (type(self), (self.path, self.rule, self.advice), {"missing": self.missing})


Roots = Iterable[Path | str] | None
"""Allowed folders; None means the caller named the file itself (the importer's inputs):
it must still be a regular file within the limit, wherever it lies."""


def _resolved_roots(roots: Roots) -> list[Path] | None:
    if roots is None:
        return None
    return list(dict.fromkeys(Path(os.path.realpath(r)) for r in roots))


def _outside_rule(path: Path, roots: Iterable[Path | str]) -> str:
    """Why a path resolving outside every root is refused: a path written inside a root
    that leads out goes through a symbolic link (the file itself, or a folder above it)."""
    written = Path(os.path.abspath(path))
    folders = [Path(os.path.abspath(r)) for r in roots]
    folders += [Path(os.path.realpath(r)) for r in roots]
    if not any(written.is_relative_to(folder) for folder in folders):
        return OUTSIDE
    if written.is_symlink():
        return f"a symbolic link to a file {OUTSIDE}"
    return f"in a folder that is a symbolic link to a place {OUTSIDE}"


OUTSIDE = "outside the project and its theme folders"


def confine(path: Path | str, roots: Roots, *, limit: int, what: str = "file") -> Path:
    """The resolved path of a file that may be read, or ``FileRefusedError`` saying which
    rule it breaks. ``what`` names the file in the advice ('case file', 'stylesheet')."""
    path = Path(path)
    roots = None if roots is None else list(roots)  # read twice below
    try:
        resolved = Path(os.path.realpath(path))
    except (OSError, ValueError):
        raise FileRefusedError(path, "not a valid file path", f"check the {what}'s name") from None
    allowed = _resolved_roots(roots)
    if allowed is not None:
        root = next((r for r in allowed if resolved.is_relative_to(r)), None)
        if root is None:
            rule = _outside_rule(path, roots or [])
            raise FileRefusedError(path, rule, f"copy the {what} into the project instead")
        if any(part.startswith(".") for part in resolved.relative_to(root).parts):
            raise FileRefusedError(
                path,
                "hidden files and folders are never read",
                f"move the {what} out of the hidden folder, or rename it",
            )
    try:
        status = os.stat(resolved)
    except OSError as exc:
        raise _unreadable(path, exc, what) from None
    _check_status(path, status, limit, what)
    return resolved


def _unreadable(path: Path | str, exc: OSError, what: str) -> FileRefusedError:
    """The refusal for a file the system would not give us (gone, or not allowed)."""
    if isinstance(exc, FileNotFoundError):
        return FileRefusedError(path, "no such file", f"check the {what}'s name", missing=True)
    return FileRefusedError(path, f"cannot read the file: {exc.strerror or exc}")


def _check_status(path: Path, status: os.stat_result, limit: int, what: str) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise FileRefusedError(path, "not a regular file", f"name a {what}, not a folder")
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode)
            else "something else"
        )  # fmt: skip
        raise FileRefusedError(
            path, f"not a regular file but {kind}", f"make the {what} an ordinary file"
        )
    if status.st_size > limit:
        raise FileRefusedError(
            path, f"{status.st_size:,} bytes, more than the limit of {limit:,}", _smaller(what)
        )


def _smaller(what: str) -> str:
    if what == "case file":
        return "split the text or move long material to a linked resource"
    return f"make the {what} smaller, or split it"


def _open(path: Path | str, roots: Roots, limit: int, what: str):
    """An unbuffered handle on a file that passes ``confine``, checked again once open."""
    resolved = confine(path, roots, limit=limit, what=what)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        # O_NONBLOCK: a FIFO swapped in after the check does not block the open;
        # O_NOFOLLOW: nor does a symbolic link swapped in for the (resolved) file
        fd = os.open(resolved, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _unreadable(path, exc, what) from None
    handle = os.fdopen(fd, "rb", buffering=0)
    try:
        _check_status(Path(path), os.fstat(fd), limit, what)
        os.set_blocking(fd, True)
    except BaseException:
        handle.close()
        raise
    return handle


def _chunks(handle, left: int) -> Iterator[bytes]:
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            return
        yield chunk
        left -= len(chunk)


def read_bytes(
    path: Path | str, roots: Roots, *, limit: int, what: str = "file", head: int | None = None
) -> bytes:
    """The bytes of a file that passes ``confine``, read at most ``limit + 1`` bytes long
    (with ``head``, only its first ``head`` bytes: enough to tell what kind of file it is)."""
    with _open(path, roots, limit, what) as handle:
        data = b"".join(_chunks(handle, limit + 1 if head is None else min(head, limit + 1)))
    if head is None and len(data) > limit:
        raise _grew(path, limit, what)
    return data


def sha256(path: Path | str, roots: Roots, *, limit: int, what: str = "file") -> str:
    """The SHA-256 of a file that passes ``confine`` (hex), read a chunk at a time: a large
    output is checked without holding it in memory."""
    digest, size = hashlib.sha256(), 0
    with _open(path, roots, limit, what) as handle:
        for chunk in _chunks(handle, limit + 1):
            digest.update(chunk)
            size += len(chunk)
    if size > limit:
        raise _grew(path, limit, what)
    return digest.hexdigest()


def _grew(path: Path | str, limit: int, what: str) -> FileRefusedError:
    return FileRefusedError(
        path, f"grew past the limit of {limit:,} bytes while being read", _smaller(what)
    )


def read_text(
    path: Path | str, roots: Roots, *, limit: int = TEXT_BYTES, what: str = "file"
) -> str:
    """A UTF-8 text file (a BOM is dropped) that passes ``confine``; invalid UTF-8 is refused."""
    data = read_bytes(path, roots, limit=limit, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefusedError(
            path, f"not valid UTF-8 (at byte {exc.start:,})", f"save the {what} as UTF-8"
        ) from None
