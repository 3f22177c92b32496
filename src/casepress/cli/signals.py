"""How a command stops when it is asked to: Ctrl-C (SIGINT), SIGTERM (a CI cancel, ``kill``),
SIGHUP (the terminal closed).

While a command runs, each of these raises ``Interrupted`` in the main thread, wherever it
is: a build then ends its workers at once (``BuildContext``), keeps the outputs it finished
(each was written whole, atomically), records only those, removes the temporary file of the
one it was writing, and the command exits with 128 + the signal's number (130, 143, 129)
and one line saying what to do next. A second signal while that happens ends the process
at once (the workers end with it: ``build.lifeline``). Whatever pool is still running when
the command ends (a preview server's requests) is stopped too.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import Interrupted

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn the stop signals into ``Interrupted`` while the block runs (main thread only;
    elsewhere the block runs as it is)."""
    workers = sys.modules.get("casepress.build.workers")
    if workers is not None:  # an earlier command in this process stopped its pools
        workers.allow_new()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: object) -> None:
        nonlocal raised
        if raised:  # asked twice: stop now, without the clean-up
            os._exit(128 + signum)
        raised = True
        raise Interrupted(signum)

    previous = {}
    for signum in STOP_SIGNALS:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError):  # pragma: no cover - a signal this platform refuses
            continue
    try:
        yield
    finally:
        try:
            workers = sys.modules.get("casepress.build.workers")
            if workers is not None:  # workers still running: a server's requests
                workers.stop_all()
        finally:
            for signum, action in previous.items():
                signal.signal(signum, action)


def interrupted_message(exc: KeyboardInterrupt, building: bool) -> str:
    """The one line a stopped command prints (no traceback)."""
    if not building:
        return "casepress: interrupted; finished outputs were kept"
    if isinstance(exc, Interrupted) and exc.counted and exc.planned:
        done = f"{exc.written} of {exc.planned} output(s) written"
    elif isinstance(exc, Interrupted) and exc.counted:
        done = "no output written"
    else:
        done = "the outputs finished so far were kept"
    return f"casepress: build interrupted: {done}; run the same command again to finish"


def interrupted_exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number (130 for Ctrl-C)."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT
