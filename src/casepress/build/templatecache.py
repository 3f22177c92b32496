"""Compiled templates kept between builds: Jinja's bytecode cache, made safe to read back.

Compiling the templates (parsing them, generating Python, compiling that) costs a cold
``casepress brief`` about as much as laying out a page. The compiled code of each template
is kept in ``<output>/.casepress-cache/templates/`` and loaded by the next process instead.

Loading compiled code runs it, and an output folder can come from anywhere (a project sent
as an archive with its ``build/`` folder): a file there must not be able to run code the
sandbox would refuse. So each file is signed with a key only this user's casepress knows
(HMAC-SHA256, the key in ``$XDG_CACHE_HOME/casepress/``, made on first use, readable by the
user alone); a file whose signature does not match (written elsewhere, damaged, partial) is
ignored and the template compiled again. Without a key (no writable home), nothing is kept.

A file is named by what the code depends on: the template's name, file and text (Jinja's
key and checksum), the environment's settings, filters and tests, the code of its classes
(``render.sandbox`` generates the code), and the versions of casepress, Jinja and Python: a
changed template, setting, casepress or Jinja gives another file. Files are written through
``writing`` (atomic, confined).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import stat
import sys
from functools import cache
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from .. import __version__, files
from ..errors import InputError
from .writing import confine_folder, write_atomic

TEMPLATES_DIR = "templates"
KEY_BYTES = 32
_SIGNATURE = 32  # bytes of an HMAC-SHA256, at the head of each file
_log = logging.getLogger(__name__)


def key_folder() -> Path | None:
    """Where the signing key lives: the user's cache folder (``XDG_CACHE_HOME``, else
    ``~/.cache``), never the project's."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        try:
            base = os.path.join(Path.home(), ".cache")
        except (RuntimeError, KeyError):  # no home folder
            return None
    return Path(base) / "casepress"


@cache
def _secret(folder: Path | None) -> bytes | None:
    """This user's signing key, made on first use; None when it cannot be read or made
    safely (then nothing is cached)."""
    if folder is None:
        return None
    path = folder / "template-cache.key"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = folder / f".template-cache.key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(descriptor, os.urandom(KEY_BYTES))
        finally:
            os.close(descriptor)
        with contextlib.suppress(FileExistsError):  # another process made one first: theirs
            os.link(draft, path)
        os.unlink(draft)
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    """The key, if the file is this user's alone (a key others can read or change signs
    nothing: None)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        info = os.fstat(descriptor)
        if (not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077
                or (hasattr(os, "getuid") and info.st_uid != os.getuid())):  # fmt: skip
            return None
        key = os.read(descriptor, KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    return key if len(key) == KEY_BYTES else None


@cache
def _module_digest(module: str) -> str:
    """The code of a module (its source file's bytes), or its name when it has no file."""
    path = getattr(sys.modules.get(module), "__file__", None)
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else module
    except OSError:
        return module


def code_key(environment: jinja2.Environment) -> str:
    """What the code compiled in ``environment`` depends on besides the template itself."""
    generator = environment.code_generator_class
    classes = {type(environment).__module__, generator.__module__}
    parts = [
        f"casepress {__version__}", f"jinja2 {jinja2.__version__}", sys.implementation.cache_tag,
        f"{type(environment).__module__}.{type(environment).__qualname__}",
        f"{generator.__module__}.{generator.__qualname__}",
        *(f"{module} {_module_digest(module)}" for module in sorted(classes)),
        repr([environment.block_start_string, environment.block_end_string,
              environment.variable_start_string, environment.variable_end_string,
              environment.comment_start_string, environment.comment_end_string,
              environment.line_statement_prefix, environment.line_comment_prefix,
              environment.trim_blocks, environment.lstrip_blocks,
              environment.newline_sequence, environment.keep_trailing_newline,
              environment.optimized, environment.is_async, sorted(environment.extensions),
              getattr(environment.finalize, "__qualname__", repr(environment.finalize)),
              bool(environment.autoescape) if not callable(environment.autoescape) else
              getattr(environment.autoescape, "__qualname__", "callable")]),
        repr(sorted(environment.filters)), repr(sorted(environment.tests)),
    ]  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache in one output folder's cache folder, each file signed."""

    def __init__(self, cache_dir: Path, root: Path, *, key_from: Path | None = None):
        self.folder = Path(cache_dir) / TEMPLATES_DIR
        self.root = root
        self.secret = _secret(key_from)
        self.loaded: list[str] = []
        """Templates this process took from the cache (for tests and the curious)."""
        self.stored: list[str] = []
        """Templates this process compiled and kept."""

    def _path(self, bucket: Bucket) -> Path:
        name = hashlib.sha256(f"{code_key(bucket.environment)}|{bucket.key}".encode())
        return self.folder / f"{name.hexdigest()[:40]}.jinja"

    def _signature(self, path: Path, payload: bytes) -> bytes:
        assert self.secret is not None
        return hmac.new(self.secret, path.name.encode() + b"\0" + payload, "sha256").digest()

    def load_bytecode(self, bucket: Bucket) -> None:
        if self.secret is None:
            return
        path = self._path(bucket)
        try:  # a link or an oversized file here was not written by casepress: not read
            data = files.read_bytes(path, (self.folder,), limit=files.RESOURCE_BYTES,
                                    what="template cache")  # fmt: skip
        except (files.FileRefusedError, OSError):
            return
        signature, payload = data[:_SIGNATURE], data[_SIGNATURE:]
        if not hmac.compare_digest(signature, self._signature(path, payload)):
            _log.debug("template cache file %s not signed by this user: ignored", path.name)
            return
        try:
            bucket.bytecode_from_string(payload)  # Jinja checks its magic and the checksum
        except Exception:  # noqa: BLE001 - signed by us, yet not readable: compile again
            bucket.reset()
        if bucket.code is not None:
            self.loaded.append(bucket.key)

    def dump_bytecode(self, bucket: Bucket) -> None:
        if self.secret is None:
            return
        path = self._path(bucket)
        payload = bucket.bytecode_to_string()
        try:
            confine_folder(self.root, self.folder)
            write_atomic(path, self._signature(path, payload) + payload, root=self.root)
        except (OSError, InputError):
            return  # a cache that cannot be written costs the next build time, nothing else
        self.stored.append(bucket.key)

    def clear(self) -> None:  # Jinja's API; a build never clears the cache itself
        return None


def template_cache(cache_dir: Path, root: Path) -> TemplateCache | None:
    """The template cache of a build's cache folder (writes confined to ``root``), or None
    when there is no key to sign it with."""
    found = TemplateCache(cache_dir, root, key_from=key_folder())
    return found if found.secret is not None else None
