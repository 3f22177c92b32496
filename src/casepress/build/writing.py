"""Files on disk as builds write them: atomic replacement, new files that never replace
another, published copies, and the lock a build holds on its output folder.

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. A build holds a lock on its output folder while it writes
(``flock`` on the folder itself, so no lock file is left among the outputs): a second build
of the same folder waits for the first, then runs, or gives up with a clear message.
``build.py`` decides what to write; these functions are how.

Every write and every deletion is confined to a root (the output folder, ``build/`` or
``--output``; the project for ``init``, ``new`` and ``import``): each folder between the root
and the file must be a real folder (``lstat``, never a symbolic link, made when missing), and
the file itself a regular file or absent. A symbolic link there was not made by casepress (a
repository can carry one): following it could overwrite or delete files anywhere, so the
write is refused with a message naming the link and saying to remove it. Only regular files
are removed; what a build may remove at all is the manifest's business (``cache.Manifest``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BuildLockedError, InputError, Problem, display_path, shown_text

LOGGER = logging.getLogger("casepress")
LOCK_TIMEOUT = 600.0
"""Seconds a build waits for another build of the same output folder to finish."""


def shown(path: Path) -> str:
    """A path as written, not resolved: a link is named as the link, not as its target."""
    parent = display_path(path.parent)
    return path.name if parent == "." else os.path.join(parent, path.name)


def _folder(root: Path) -> str:
    shown = display_path(root)
    return "this folder" if shown == "." else shown


def _refused(path: Path, message: str) -> InputError:
    return InputError([Problem.error(shown(path), message)])


def _link_target(path: Path) -> str:
    try:
        return shown_text(os.readlink(path))  # a link's target may hold terminal escapes
    except OSError:
        return "?"


def confined_root(home: Path | str, folder: Path | str) -> Path:
    """The root to confine writes into ``folder`` to: ``home`` (the project) when the folder
    lies inside it, so that a linked folder on the way is refused; else the folder itself
    (one the user named, wherever it is)."""
    if Path(os.path.abspath(folder)).is_relative_to(os.path.abspath(home)):
        return Path(home)
    return Path(folder)


def confine(root: Path | str, path: Path | str, *, create: bool = True) -> bool:
    """Check that ``path`` may be written or removed: inside ``root``, reached through real
    folders only (made when missing, with ``create``), and a regular file or absent.

    Raises ``InputError`` naming the offending link or file and what to do. Returns False
    when a folder on the way is missing and ``create`` is False (nothing there to remove).
    The root itself may be a link (a user's ``output:`` on another disk): the folders below
    it are casepress's.
    """
    root, path = Path(os.path.abspath(root)), Path(os.path.abspath(path))
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = ()
    if not parts:
        raise _refused(path, f"is not inside {_folder(root)}; casepress writes and "
                             "removes files only inside it")  # fmt: skip
    if create:
        root.mkdir(parents=True, exist_ok=True)
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            if not create:
                return False
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder)
            mode = os.lstat(folder).st_mode
        if stat.S_ISLNK(mode):
            raise _refused(folder, (
                f"is a symbolic link (to {_link_target(folder)}), which casepress does not "
                f"follow: writing or cleaning up through it could change files elsewhere; "
                f"remove the link (casepress makes the folder again) "
                f"and run casepress again"))  # fmt: skip
        if not stat.S_ISDIR(mode):
            raise _refused(folder, "is in the way of a folder casepress writes into; "
                                   "move it elsewhere and run casepress again")  # fmt: skip
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return True
    if stat.S_ISLNK(mode):
        raise _refused(path, (
            f"is a symbolic link (to {_link_target(path)}), not a file casepress wrote; "
            "casepress does not write through links: remove it and run casepress again"))  # fmt: skip
    if not stat.S_ISREG(mode):
        raise _refused(path, "is in the way of a file casepress writes (it is not a regular "
                             "file); move it elsewhere and run casepress again")  # fmt: skip
    return True


def confine_folder(root: Path | str, folder: Path | str) -> Path:
    """Make ``folder`` (the root, or a folder inside it) through real folders only, as
    ``confine`` checks them; the folder."""
    root, folder = Path(os.path.abspath(root)), Path(os.path.abspath(folder))
    if folder != root:
        confine(root, folder / ".casepress-probe")
    root.mkdir(parents=True, exist_ok=True)
    return folder


def remove_output(root: Path | str, path: Path | str) -> bool:
    """Remove a file casepress wrote: only a regular file, reached through real folders
    inside ``root``; True when it was removed. A link, a folder or anything else of that
    name is left alone (False); a linked folder on the way is refused as ``confine`` does."""
    path = Path(os.path.abspath(path))
    if not confine(root, path.parent / ".casepress-probe", create=False):
        return False
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def _temporary_copy(path: Path, payload: bytes) -> str:
    """``payload`` in a new temporary file beside ``path``, flushed to disk; its name.
    ``path``'s folder exists (``confine`` made it)."""
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


def write_atomic(path: Path, data: bytes | str, *, root: Path | None = None) -> None:
    """Write a file so that readers see the old or the new content, never a partial one.

    ``root``: the folder the write is confined to (default: the file's own folder)."""
    path = Path(path)
    confine(path.parent if root is None else root, path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _temporary_copy(path, payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str, *, root: Path | None = None) -> bool:
    """Write ``text`` unless the file already holds it (a no-change build writes nothing);
    True when it was written. ``root`` as ``write_atomic``'s."""
    path = Path(path)
    root = path.parent if root is None else root
    confine(root, path)
    try:
        if path.read_text("utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text, root=root)
    return True


def write_new(path: Path, data: bytes | str, *, root: Path | None = None) -> None:
    """Create a file that must not exist yet: all of it or nothing, never replacing another.

    The content goes to a temporary file first, which is then hard-linked into place: the
    link fails if the name was taken meanwhile (``FileExistsError``), so a file someone has
    just created is never overwritten. ``root`` as ``write_atomic``'s.
    """
    path = Path(path)
    confine(path.parent if root is None else root, path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _temporary_copy(path, payload)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create instead
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
    finally:
        Path(tmp).unlink(missing_ok=True)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def create_files(files: Mapping[Path, bytes | str], *, root: Path | None = None) -> list[Path]:
    """Create new files (``casepress init`` and ``new``); when any exists, none is written.
    ``root``: the folder they are confined to (the project), as ``write_atomic``'s: when a
    link is in the way of any, none is written either."""
    for path in files:
        confine(Path(path).parent if root is None else root, path, create=False)
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        raise InputError([_exists(path) for path in existing])
    created = []
    for path, data in files.items():
        try:
            write_new(path, data, root=root)
        except FileExistsError:
            raise InputError([_exists(path)]) from None
        created.append(path)
    return created


def _exists(path: Path) -> Problem:
    return Problem.error(display_path(path), "already exists; casepress does not overwrite it")


def copy_atomic(source: Path, target: Path, *, root: Path | None = None) -> None:
    """Publish a finished output under another name, atomically (a hard link when possible);
    ``root`` as ``write_atomic``'s."""
    target = Path(target)
    confine(target.parent if root is None else root, target)
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
    """Temporary files of a build that was killed mid-write (the lock says none is live):
    regular files only, never a link of that name."""
    for leftover in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(leftover).st_mode):
                leftover.unlink()


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
