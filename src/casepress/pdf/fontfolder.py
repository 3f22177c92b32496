"""WeasyPrint's font configuration, with its temporary folder removed when a process ends.

WeasyPrint 70 copies every ``@font-face`` file a document uses into a ``weasyprint-*``
folder under the system's temporary directory, and only ``FontConfiguration.__del__``
removes it. That does not run in a worker process (multiprocessing ends workers with
``os._exit``) and fails at interpreter exit ("Exception ignored in ... __del__"), so every
build left about 2.6 MB of font copies per process behind: a machine that built many times
had tens of gigabytes of them.

``font_configuration()`` gives the folder a name that carries the process id, removes it
when the configuration is freed or the process ends normally (a worker's end included:
multiprocessing runs its ``Finalize`` callbacks there), and on the way removes the folders of
processes that no longer exist (a worker killed by a timeout or an interrupted build). If
WeasyPrint's configuration has no ``_folder`` (another version), it is returned as it is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from multiprocessing.util import Finalize
from pathlib import Path

from weasyprint.text.fonts import FontConfiguration

PREFIX = "casepress-fonts-"
"""Folder names: ``casepress-fonts-<pid>-<random>``."""


class _Fonts(FontConfiguration):
    """The folder is removed by the ``Finalize`` set up with it, not at ``__del__`` (which
    fails at exit once ``shutil`` is torn down)."""

    def __del__(self) -> None:
        pass


def font_configuration() -> FontConfiguration:
    """A FontConfiguration whose temporary font folder does not outlive its process."""
    if "_folder" not in vars(FontConfiguration):
        return FontConfiguration()
    config = _Fonts()
    sweep()
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
    config._folder = Path(folder)
    Finalize(config, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=0)
    return config


def sweep(directory: str | None = None) -> int:
    """Remove the font folders of processes that have ended; the number removed."""
    removed = 0
    try:
        names = os.listdir(directory or tempfile.gettempdir())
    except OSError:
        return 0
    for name in names:
        pid = _owner(name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(Path(directory or tempfile.gettempdir()) / name, ignore_errors=True)
        removed += 1
    return removed


def _owner(name: str) -> int | None:
    if not name.startswith(PREFIX):
        return None
    pid, _, _ = name[len(PREFIX) :].partition("-")
    return int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True
