"""Installing a change to WeasyPrint's private functions once per process.

Each module that changes WeasyPrint 70 (``footnotes``, ``floats``, ``hyphens``,
``hyphenlines``) says why it cannot in this WeasyPrint (``hooks_problem()``) and how to make
the change; ``once`` turns the latter into its ``install()``: made at most once per process,
under a lock, and not at all when the problem function names a reason (the PDF is then
written as before). ``install()`` answers whether the change is in place.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable


def once(problem: Callable[[], str | None]) -> Callable[[Callable[[], None]], Callable[[], bool]]:
    """Decorate the function that makes a change: it runs once, when ``problem()`` is None."""

    def decorate(apply: Callable[[], None]) -> Callable[[], bool]:
        lock, done = threading.Lock(), [False]

        @functools.wraps(apply)
        def install() -> bool:
            with lock:
                if done[0]:
                    return True
                if problem() is not None:
                    return False
                apply()
                done[0] = True
                return True

        return install

    return decorate
