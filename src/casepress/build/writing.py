"""Files on disk as builds write them: atomic replacement, new files that never replace
another, published copies, and the lock a build holds on its output folder.

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. A build holds a lock on its output folder while it writes
(``flock`` on the folder itself, so no lock file is left among the outputs): a second build
of the same folder waits for the first, then runs, or gives up with a clear message.
``build.py`` decides what to write; these functions are how.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BuildLockedError, InputError, Problem, display_path

LOGGER = logging.getLogger("casepress")
LOCK_TIMEOUT = 600.0
"""Seconds a build waits for another build of the same output folder to finish."""


def _temporary_copy(path: Path, payload: bytes) -> str:
    """``payload`` in a new temporary file beside ``path``, flushed to disk; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk names no file:
            exc.filename = str(path)  # the message names the output being written
        raise
    return tmp


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old or the new content, never a partial one."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _temporary_copy(path, payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (a no-change build writes nothing);
    True when it was written."""
    try:
        if path.read_text("utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return True


def write_new(path: Path, data: bytes | str) -> None:
    """Create a file that must not exist yet: all of it or nothing, never replacing another.

    The content goes to a temporary file first, which is then hard-linked into place: the
    link fails if the name was taken meanwhile (``FileExistsError``), so a file someone has
    just created is never overwritten.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _temporary_copy(path, payload)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create instead
            with open(path, "xb") as handle:
                handle.write(payload)
    finally:
        Path(tmp).unlink(missing_ok=True)


def create_files(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Create new files (``casepress init`` and ``new``); when any exists, none is written."""
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        raise InputError([_exists(path) for path in existing])
    created = []
    for path, data in files.items():
        try:
            write_new(path, data)
        except FileExistsError:
            raise InputError([_exists(path)]) from None
        created.append(path)
    return created


def _exists(path: Path) -> Problem:
    return Problem.error(display_path(path), "already exists; casepress does not overwrite it")


def copy_atomic(source: Path, target: Path) -> None:
    """Publish a finished output under another name, atomically (a hard link when possible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or no hard links: copy the bytes
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def output_lock(folder: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on an output folder, waiting up to ``timeout`` seconds for it.

    The lock is taken on the folder itself and released when the build ends, however it
    ends (even killed: the kernel drops it). Where locks are unsupported (Windows, some
    network file systems), builds go unlocked: atomic writes still keep every file whole.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno in (errno.EBADF, errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP):
                    break  # this file system cannot lock: go on unlocked
                raise
            if time.monotonic() >= deadline:
                raise BuildLockedError(
                    f"another casepress build has been writing to {display_path(folder)} for "
                    f"more than {timeout:g} s; try again when it has finished"
                )
            if not waiting:
                waiting = True
                LOGGER.warning(
                    "another casepress build is writing to %s; waiting for it to finish",
                    display_path(folder),
                )
            time.sleep(0.1)
        _remove_leftovers(folder)
        yield
    finally:
        os.close(handle)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of a build that was killed mid-write (the lock says none is live)."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def json_lines(head: dict[str, Any], key: str, entries: list | dict) -> str:
    """A JSON document for people and for diffs: ``head`` indented, then ``key`` holding one
    entry per line (a list's items, or a mapping's items in key order).

    Each line is C-encoded (``indent=`` would use the pure-Python encoder, 0.3 s for a
    thousand outputs) and an output that changed is a line that changed.
    """
    text = json.dumps({**head, key: None}, indent=2, ensure_ascii=False)
    text = text[: text.rindex("null")]
    if isinstance(entries, dict):
        items = [f"    {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                 for k, v in sorted(entries.items())]  # fmt: skip
        opening, closing = "{", "}"
    else:
        items = [f"    {json.dumps(e, ensure_ascii=False)}" for e in entries]
        opening, closing = "[", "]"
    body = f"{opening}\n" + ",\n".join(items) + f"\n  {closing}" if items else opening + closing
    return f"{text}{body}\n}}\n"
