"""Processes that end with the command that started them, however it ends.

A build's helpers are the forkserver (started by the ``casepress`` process), the workers
(forked by the forkserver, so the forkserver is their parent, not ``casepress``) and
Python's resource tracker. Left to themselves they outlive a ``casepress`` killed with
SIGKILL: every worker holds the forkserver's "alive" pipe and the tracker's pipe open, so
neither notices, and a worker goes on rendering its document for as long as it takes.

Two ties, either of which is enough:

- On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the process when its
  parent ends. The forkserver sets it when it is imported as a preload module (only when it
  was started from the main thread: the signal fires when the *thread* that forked it ends);
  each worker sets it in its initializer, so a worker ends with the forkserver.
- Everywhere, ``watch_parent``: a daemon thread in each worker waits on the pipe from the
  ``casepress`` process (``multiprocessing.parent_process().sentinel``, closed by the kernel
  when that process ends) and ends the worker at once.

Once the workers are gone the forkserver sees its "alive" pipe close and exits, and so does
the resource tracker (it exits when the last holder of its pipe does).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>."""
EXIT_ORPHANED = 70
"""What a helper exits with when the process it served is gone (nobody reads it)."""


def die_with_parent() -> bool:
    """Linux: have the kernel send SIGKILL to this process when its parent ends; then, in
    case the parent ended before that took effect, end now. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):  # no libc symbol (musl without prctl, ...)
        return False
    if os.getppid() != parent or parent == 1:  # orphaned already: the tie came too late
        os._exit(EXIT_ORPHANED)
    return True


def watch_parent() -> bool:
    """In a ``multiprocessing`` child: end this process as soon as the process that started
    it ends (a daemon thread waits on the pipe the kernel closes then). False elsewhere."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return False
    sentinel = parent.sentinel

    def _watch() -> None:
        with contextlib.suppress(OSError, ValueError):  # the pipe is gone: so is the parent
            wait([sentinel])
        os._exit(EXIT_ORPHANED)

    if not parent.is_alive():
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=_watch, name="casepress-lifeline", daemon=True).start()
    return True


def _imported_by_forkserver() -> bool:
    """Whether this module is being imported as a preload by ``multiprocessing.forkserver``
    (its ``main`` is on the stack), not by anything else."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(
            os.path.join("multiprocessing", "forkserver.py")
        ):
            return True
        frame = frame.f_back
    return False


if _imported_by_forkserver():  # pragma: no cover - runs in the forkserver process
    die_with_parent()
