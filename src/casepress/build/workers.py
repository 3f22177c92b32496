"""Worker processes: a pool that renders documents, survives crashes and enforces timeouts.

Each worker process builds its ``Renderer`` and ``PdfRenderer`` once (one
``FontConfiguration``, stylesheets parsed once) and reuses them for every document it is
given; it is replaced after ``max_tasks`` documents, because WeasyPrint returns only part
of a document's memory when it is freed. Workers start from a ``forkserver`` that has
already imported WeasyPrint, so a replacement costs a fork and a font set-up, not a
second import; nothing is forked from a parent that has started threads.

A worker that dies (a crash in a native library, the OOM killer) breaks the whole
``ProcessPoolExecutor``: every document that was in flight is retried once, alone, in a
fresh pool, so the one that kills its worker is named in a clear error and the others
still build. A document that runs past its timeout is reported the same way.

A batch of fewer documents than it pays to start workers for (``in_process_suits``: one
brief, as ``casepress brief x.yaml`` or a build after one edit renders) is laid out in this
process instead, with the same timeout (an alarm), the same per-document errors, and at
most ``DEFAULT_MAX_TASKS`` documents over the life of the process (then workers take over,
memory stays bounded); only a crash in a native library cannot be survived there.

Workers and the forkserver end with the command that started them, however it ends
(``lifeline``): a build that is stopped or killed leaves no process behind. A pool that is
left because of an exception or an interruption kills its workers instead of waiting for
the documents they are rendering (``terminate``); ``stop_all`` does that to every pool of
this process and refuses new ones (a server that is stopping).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import CasepressError

_log = logging.getLogger("casepress.workers")
"""How the build renders (in this process or in workers): said unless ``--quiet``."""
DEFAULT_MAX_TASKS = 100
"""Documents a worker renders before it is replaced (keeps memory flat over long builds)."""
DEFAULT_TIMEOUT = 600.0
"""Seconds one document may take before its worker is stopped and the document reported."""
_PRELOAD = ["casepress.render.renderer", "casepress.pdf.writer", "casepress.pdf.tagging"]
_LIFELINE = "casepress.build.lifeline"
"""Imported first by a forkserver started from the main thread: it dies with this process."""
_LIVE: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
"""Pools with worker processes, for ``stop_all``."""
_LIVE_LOCK = threading.Lock()
_STOPPED = False
IN_PROCESS_MAX = 2
"""Largest batch laid out in this process rather than by workers. Starting workers costs
about a second of CPU (the forkserver imports WeasyPrint again, each worker sets up fonts
and stylesheets), twice a brief's layout and writing (0.4-0.5 s), so n briefs are faster
here while n layouts cost less than that start-up plus n/workers layouts: up to two on any
machine, three only on two idle cores. Measured on 2 shared cores (load 6-8; cold
``casepress brief``, median of 4 interleaved runs, in this process / through workers):
1 brief 3.0 / 3.7 s, 2 briefs 3.7 / 5.0 s, 3 briefs 4.9 / 5.6 s."""
_IN_PROCESS_DONE = 0
_PRELOADING: threading.Thread | None = None
"""The thread importing WeasyPrint in this process (``preload_here``), once started."""
"""Documents this process has laid out itself (``in_process_suits``: memory stays bounded)."""


def harfbuzz_subset_available() -> bool:
    """True when HarfBuzz's subsetter loads, checked the way WeasyPrint looks for it but
    without importing WeasyPrint (so a build with nothing to render starts fast)."""
    import ctypes

    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset-0", "harfbuzz-subset",
                 "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll"):  # fmt: skip
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def default_jobs() -> int:
    """The CPUs this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _context():
    context = multiprocessing.get_context("forkserver")
    # The kernel's parent-death signal fires when the *thread* that started the forkserver
    # ends: tie the forkserver to this process only when that thread is the main one (a
    # forkserver started elsewhere, by a preview server's request, ends once its workers
    # do; theirs are tied to this process by ``lifeline.watch_parent``).
    main = threading.current_thread() is threading.main_thread()
    context.set_forkserver_preload([_LIFELINE, *_PRELOAD] if main else _PRELOAD)
    return context


def preload_here() -> None:
    """Start importing WeasyPrint in a thread of this process, for a document this process
    will lay out itself (``in_process_suits``) while it is still reading the project and
    the cases. A third of a cold WeasyPrint import is spent waiting for the programs
    ``ctypes.util.find_library`` runs to find Pango and HarfBuzz (``ldconfig``, ``gcc``);
    the thread waits for them on the other core while this one works. Only WeasyPrint is
    imported there (it imports nothing of casepress, so the two threads cannot wait on each
    other's modules); a failure is left for the renderer's own import to report."""
    global _PRELOADING
    if "weasyprint" in sys.modules or _PRELOADING is not None:
        return

    def load() -> None:
        with contextlib.suppress(BaseException):
            import weasyprint  # noqa: F401

    _PRELOADING = threading.Thread(target=load, name="casepress-preload", daemon=True)
    _PRELOADING.start()


def start_server() -> None:
    """Start the process workers fork from now, so that it imports WeasyPrint while this
    process is still reading cases; a pool started later uses it (it is started once per
    process, and ends with it)."""
    from multiprocessing import forkserver

    _context()
    with _hangup_blocked():
        forkserver.ensure_running()


@contextmanager
def _hangup_blocked() -> Iterator[None]:
    """Processes started meanwhile (the forkserver, the resource tracker, and through the
    forkserver every worker) inherit SIGHUP blocked. A closed terminal hangs up the whole
    process group: the build stops and ends its helpers itself, whereas a tracker killed
    first would be started again and print tracebacks about the old one's records."""
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is None or not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {hangup})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def stop_all() -> None:
    """When pools of this process still have workers (a server that is stopping: its
    request threads are not waited for), end those workers now and start no new pool
    until ``allow_new``: a thread that would retry its document finds none."""
    global _STOPPED
    with _LIVE_LOCK:
        running = [pool._executor for pool in _LIVE if pool._executor is not None]
        if not running:
            return
        _STOPPED = True
    for executor in running:
        _kill_workers(executor)


def allow_new() -> None:
    """Undo ``stop_all``'s refusal (a new command in the same process)."""
    global _STOPPED
    with _LIVE_LOCK:
        _STOPPED = False


def in_process_suits(count: int, jobs: int | None = None) -> bool:
    """Whether ``count`` documents are laid out faster in this process than by starting
    workers: at most ``IN_PROCESS_MAX`` of them (``jobs``: the workers that would start;
    0 is the inline pool, which is always in this process), on the main thread (the
    timeout is an alarm signal), and while this process has laid out fewer than
    ``DEFAULT_MAX_TASKS`` documents (WeasyPrint keeps part of each one's memory)."""
    if jobs == 0:
        return True
    return (
        0 < count <= IN_PROCESS_MAX
        and _IN_PROCESS_DONE < DEFAULT_MAX_TASKS
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )


class _Overtime(BaseException):
    """Raised by the alarm in a document laid out in this process that ran out of time
    (a ``BaseException``: the renderer's own ``except Exception`` does not take it)."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise ``_Overtime`` in this (main) thread once ``seconds`` have passed, and every
    second after that (an alarm taken inside a native callback is lost, the next is not)."""

    def overtime(signum, frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class StoppedError(CasepressError):
    """A pool was asked for work after ``stop_all``."""


@dataclass
class TaskFailure:
    """Why a task produced no result: its worker died or it ran out of time."""

    message: str


class WorkerPool:
    """Runs ``fn(*args)`` in worker processes; results come back as tasks finish.

    ``initializer(*initargs)`` runs once in every new worker (and, with ``jobs=0``, once
    in this process, where tasks then run inline: no timeouts, no isolation; for tests
    and for work that needs no WeasyPrint). ``map`` given a small ``count`` runs its
    tasks in this process too, with their timeout (``in_process_suits``).
    ``started`` counts the pools of worker processes started, ``in_process`` the tasks
    run here (what a build did, for its log and its tests).
    """

    def __init__(
        self,
        jobs: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        *,
        max_tasks: int = DEFAULT_MAX_TASKS,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.jobs = jobs
        self.initializer = initializer
        self.initargs = initargs
        self.max_tasks = max_tasks
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None
        self._inline_ready = False
        self._running: dict[Future, tuple] = {}
        """future → (key, fn, args, timeout, started, suspect)"""
        self._waiting: list[tuple] = []
        self._suspects: list[tuple] = []
        self._done: list[tuple[Hashable, Any]] = []
        self.started = 0
        self.in_process = 0

    # -- life cycle ---------------------------------------------------------------------
    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.terminate()

    def close(self) -> None:
        """Wait for the workers to finish what they are doing, then end them."""
        self._release_here()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _release_here(self) -> None:
        """Forget what the initializer set up in this process (renderers, fonts): freed now,
        WeasyPrint's font folder is removed at once, not left for interpreter exit."""
        if self._inline_ready:
            _STATE.clear()
            self._inline_ready = False

    def terminate(self) -> None:
        """End every worker now; documents in flight or queued are dropped (the build was
        stopped, or failed: nobody waits for them)."""
        self._running.clear()
        self._waiting.clear()
        self._suspects.clear()
        self._release_here()
        self._discard_pool()

    @property
    def capacity(self) -> int:
        """Tasks worth keeping in flight: one per worker."""
        return max(1, self.jobs)

    @property
    def busy(self) -> int:
        return len(self._running) + len(self._waiting) + len(self._suspects) + len(self._done)

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        if self._executor is None:
            start_server()  # if it is not running yet (or died)
            with _LIVE_LOCK:
                if _STOPPED:
                    raise StoppedError("casepress is stopping: no document is rendered now")
                self._executor = ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=_context(),
                    initializer=self.initializer,
                    initargs=self.initargs,
                    max_tasks_per_child=self.max_tasks,
                )
                self.started += 1
                _LIVE.add(self)
        return self._executor

    def _discard_pool(self) -> None:
        """Stop every worker now (after a crash or a timeout) and forget the executor."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        _kill_workers(executor)
        executor.shutdown(wait=True, cancel_futures=True)

    # -- submitting and collecting --------------------------------------------------------
    def submit(self, key: Hashable, fn: Callable, *args: Any, timeout: float | None = None) -> None:
        """Queue ``fn(*args)``; its outcome comes back from ``results()`` under ``key``."""
        timeout = self.timeout if timeout is None else timeout
        if self.jobs == 0:
            self._done.append((key, self._here(fn, args)))
            return
        self._waiting.append((key, fn, args, timeout, False))
        self._dispatch()

    def _here(self, fn: Callable, args: tuple, timeout: float | None = None) -> Any:
        """``fn(*args)`` in this process (set up once by the initializer); with a
        ``timeout``, a ``TaskFailure`` when it runs past it. After a timeout this process
        lays out nothing more (the document was abandoned half-way): workers do."""
        global _IN_PROCESS_DONE
        if not self._inline_ready and self.initializer is not None:
            self.initializer(*self.initargs)
        self._inline_ready = True
        if timeout is None:
            return fn(*args)
        self.in_process += 1
        _IN_PROCESS_DONE += 1
        try:
            with _deadline(timeout):
                return fn(*args)
        except _Overtime:
            _IN_PROCESS_DONE = DEFAULT_MAX_TASKS
            return TaskFailure(f"rendering took longer than {timeout:g} s and was stopped")

    @property
    def has_workers(self) -> bool:
        """Whether worker processes are running (then a document costs them no start-up)."""
        return self._executor is not None

    def run_here(self, fn: Callable, *args: Any, label: str = "") -> Any:
        """``fn(*args)`` in this process, with the pool's timeout: a document the caller
        knows is one of too few to start workers for (``in_process_suits``); a
        ``TaskFailure`` when it runs past its time."""
        _log.info("%s: laid out in this process (starting worker processes would take "
                  "longer)", label or "1 document")  # fmt: skip
        return self._here(fn, args, self.timeout)

    def _dispatch(self) -> None:
        # Documents suspected of killing a worker run alone, one at a time.
        if self._suspects:
            if not self._running:
                key, fn, args, timeout = self._suspects.pop(0)
                self._start(key, fn, args, timeout, workers=1, suspect=True)
            return
        # One document queued behind each one being rendered, so that a worker goes on to
        # the next while this process writes and reads back the last (its timeout clock
        # then starts up to one document early).
        while self._waiting and len(self._running) < 2 * self.jobs:
            key, fn, args, timeout, _ = self._waiting.pop(0)
            self._start(key, fn, args, timeout, workers=self.jobs)

    def _start(self, key, fn, args, timeout, *, workers: int, suspect: bool = False) -> None:
        try:
            future = self._pool(workers).submit(fn, *args)
        except BrokenProcessPool:
            self._discard_pool()
            future = self._pool(workers).submit(fn, *args)
        self._running[future] = (key, fn, args, timeout, time.monotonic(), suspect)

    def results(self) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, result)`` as tasks finish (``TaskFailure`` for a lost task) until
        nothing is left; tasks submitted meanwhile are included."""
        while True:
            while self._done:
                yield self._done.pop(0)
            if not (self._running or self._waiting or self._suspects):
                return
            self._dispatch()
            yield from self._collect()

    def next_results(self) -> list[tuple[Hashable, Any]]:
        """Block until at least one task finishes; return everything finished by then."""
        if self._done:
            done, self._done = self._done, []
            return done
        self._dispatch()
        return list(self._collect())

    def _collect(self) -> Iterator[tuple[Hashable, Any]]:
        if not self._running:
            return
        now = time.monotonic()
        deadline = min(start + timeout for _, _, _, timeout, start, _ in self._running.values())
        finished, _ = wait(
            list(self._running), timeout=max(0.0, deadline - now), return_when=FIRST_COMPLETED
        )
        broken = False
        for future in finished:
            key, fn, args, timeout, _, suspect = self._running.pop(future)
            try:
                yield key, future.result()
            except BrokenProcessPool:
                broken = True
                if suspect:
                    yield (
                        key,
                        TaskFailure(
                            "a worker process died while rendering this (a crash in a native "
                            "library, or the system ran out of memory); the other outputs were built"
                        ),
                    )
                else:
                    self._suspects.append((key, fn, args, timeout))
        if broken:
            # Everything still in flight shared the broken pool: retry each alone.
            for key, fn, args, timeout, _, _ in self._running.values():
                self._suspects.append((key, fn, args, timeout))
            self._running.clear()
            self._discard_pool()
            return
        now = time.monotonic()
        late = [f for f, (_, _, _, t, start, _) in self._running.items() if now - start >= t]
        if late:
            for future in late:
                key, _, _, timeout, _, _ = self._running.pop(future)
                yield key, TaskFailure(f"rendering took longer than {timeout:g} s and was stopped")
            for key, fn, args, timeout, _, suspect in self._running.values():
                self._waiting.insert(0, (key, fn, args, timeout, suspect))
            self._running.clear()
            self._discard_pool()

    def map(
        self, fn: Callable, items: Iterable[tuple[Hashable, tuple]], count: int | None = None
    ) -> Iterator:
        """Submit ``fn(*args)`` for every ``(key, args)`` and yield outcomes as they finish,
        keeping only a few tasks queued so a huge library does not sit in memory twice.
        ``count``: how many items there are; a batch too small to start workers for
        (``in_process_suits``) runs in this process, one task after the other."""
        if (self.jobs and count is not None and self._executor is None
                and in_process_suits(count, self.jobs)):  # fmt: skip
            _log.info(
                "%d document%s to render: laid out in this process (starting worker "
                "processes would take longer)", count, "" if count == 1 else "s",
            )  # fmt: skip
            for key, args in items:
                yield key, self._here(fn, args, self.timeout)
            return
        if count and self._executor is None:
            _log.info(
                "%d document%s to render: laid out by up to %d worker process%s", count,
                "" if count == 1 else "s", self.jobs, "" if self.jobs == 1 else "es",
            )  # fmt: skip
        items = iter(items)
        exhausted = False
        while True:
            while not exhausted and self.busy < 2 * self.capacity:
                try:
                    key, args = next(items)
                except StopIteration:
                    exhausted = True
                    break
                self.submit(key, fn, *args)
            if not self.busy:
                return
            yield from self.next_results()


# -- what a worker does -------------------------------------------------------------------
# Module state of one worker process, set up once by ``init_worker``.
_STATE: dict[str, Any] = {}
PRINT_BLEED_MM = 3.0
"""The bleed a printer gets with the print profile (styles/print-production.css)."""


def init_worker(
    project, theme, titles: dict[str, str], source_epoch: str | None, cwd: str | None = None
) -> None:
    """Runs once in each worker: keeps the project, theme and renderers for every task.

    Workers fork from a server started earlier, whose environment and working folder may
    be older than the build's: ``source_epoch`` is the build's ``SOURCE_DATE_EPOCH`` (None:
    unset) and ``cwd`` its working folder (messages show paths relative to it).
    """
    from ..errors import show_paths_from
    from ..render.renderer import Renderer
    from .cache import source_date

    if multiprocessing.parent_process() is not None:  # not the inline pool (jobs=0)
        _tie_to_build()
        show_paths_from(cwd)
    if source_epoch is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = source_epoch
    _STATE.clear()
    _STATE.update(
        project=project,
        theme=theme,
        source_date=source_date(),
        renderer=Renderer(project, theme, titles=titles),
        pdf={},
        explained=set(),
    )


def _tie_to_build() -> None:
    """A worker ends when the build does, however it ends: with its parent (Linux), and as
    soon as the ``casepress`` process is gone (everywhere). Ctrl-C in a terminal reaches
    every process of the group: the build decides what happens to its workers, so they
    ignore it rather than print a traceback of their own."""
    from .lifeline import die_with_parent, watch_parent

    die_with_parent()
    watch_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pdf_renderer(
    project,
    theme,
    document: str = "brief",
    *,
    policy=None,
    max_elements: int | None = None,
    source_date: str | None = None,
):
    """The PdfRenderer of a kind of document ("brief" or "handbook"): the theme's sheets for
    the page size and profile, the resource policy of the project and its theme (default:
    ``render.resource_policy``), the element limit, the PDF variant and the print bleed."""
    from ..pdf.writer import PdfRenderer  # WeasyPrint is imported only when a PDF is wanted
    from ..render.renderer import resource_policy

    return PdfRenderer(
        theme.stylesheets(
            "pdf", page_size=project.page_size, document=document, profile=project.profile
        ),
        policy=policy or resource_policy(project, theme),
        pdf_variant=project.pdf_variant,
        max_elements=max_elements or project.max_elements,
        bleed_mm=PRINT_BLEED_MM if project.profile == "print" else None,
        source_date=source_date,
    )


def _pdf_renderer(document: str, max_elements: int | None = None):
    """This worker's PdfRenderer for a kind of document, made on first use and kept."""
    if (document, max_elements) not in _STATE["pdf"]:
        _STATE["pdf"][document, max_elements] = pdf_renderer(
            _STATE["project"], _STATE["theme"], document, policy=_STATE["renderer"].policy,
            max_elements=max_elements, source_date=_STATE["source_date"],
        )  # fmt: skip
    return _STATE["pdf"][document, max_elements]


def _new_lookups() -> list:
    """Template lookups this worker has not reported yet (``--explain-templates``)."""
    found = [lookup for lookup in _STATE["renderer"].lookups
             if lookup.name not in _STATE["explained"]]  # fmt: skip
    _STATE["explained"].update(lookup.name for lookup in found)
    return found


@dataclass
class CaseResult:
    """A case's outputs by format, or why they could not be made."""

    data: dict[str, bytes]
    pages: int | None = None
    fill: float | None = None
    """The PDF's last-page fill (``PdfResult.fill``)."""
    layout: dict | None = None
    """The PDF's page layout figures (``PdfResult.layout``)."""
    problems: dict[str, list] = field(default_factory=dict)
    """Format → what rendering it found, positioned in the case file (``Problem``)."""
    messages: dict[str, list[str]] = field(default_factory=dict)
    """Format → the renderer's own warnings, for the quality report."""
    errors: dict[str, str] = field(default_factory=dict)
    invalid: bool = False
    """The case's text has an error (among ``problems``): no format is written."""
    sheet_warnings: tuple[str, ...] = ()
    """Problems with the stylesheets themselves (the same for every document)."""
    lookups: tuple = ()
    """Templates this worker looked up for the first time (``render.Lookup``)."""


def _word_brief(case):
    """A Word brief (``word.writer``), styled by the theme's reference document (made once
    per worker)."""
    from ..word.reference import reference_bytes
    from ..word.writer import write_brief

    theme = _STATE["theme"]
    if "word_reference" not in _STATE:
        _STATE["word_reference"] = reference_bytes(theme, _STATE["renderer"].page_size)
    labels = theme.label_set(case.language.split("-")[0])
    return write_brief(case, labels, _STATE["word_reference"], _STATE["renderer"].policy)


def render_case(case, formats: tuple[str, ...]) -> CaseResult:
    """A brief in each format: HTML from the templates, PDF through WeasyPrint (with the
    case file attached when the project embeds sources). Problems in the case's text are
    found here, at their field; an error among them stops every format of the case."""
    from ..errors import CasepressError, InputError, internal_error
    from ..pdf.problems import pdf_problems

    renderer, project = _STATE["renderer"], _STATE["project"]
    result = CaseResult(data={})
    for fmt in formats:
        found = result.problems.setdefault(fmt, [])
        try:
            if fmt == "docx":
                word = _word_brief(case)
                result.data[fmt], result.messages[fmt] = word.data, word.messages
                continue
            html = renderer.render_brief(case, target=fmt, problems=found)
            if fmt == "pdf":
                pdf_renderer = _pdf_renderer("brief")
                sources = [case.path] if project.embed_source else []
                pdf = pdf_renderer.pdf(html, base_url=case.path.parent, attachments=sources)
                found.extend(pdf_problems(case, pdf))
                result.data[fmt], result.pages, result.fill = pdf.data, pdf.pages, pdf.fill
                result.layout = pdf.layout
                result.messages[fmt] = pdf.warnings
                result.sheet_warnings = tuple(pdf_renderer.stylesheet_warnings)
            else:
                result.data[fmt] = html.encode("utf-8")
        except InputError as exc:  # in the case's text: it would fail in every format
            found.extend(exc.problems)
            result.invalid = True
            break
        except CasepressError as exc:
            result.errors[fmt] = str(exc)
        except (Exception, RecursionError) as exc:  # a bug: this output fails, not the build
            result.errors[fmt] = internal_error(f"rendering the {fmt.upper()}", exc)
    result.lookups = tuple(_new_lookups())
    return result


@dataclass(frozen=True)
class DocumentTask:
    """A document for a worker to lay out (a whole handbook, or one unit of a split one).

    ``stubs`` names anchors that live in other units of a split handbook: links to them are
    kept (as named destinations the merge resolves) instead of being dropped.
    ``skip_pages`` leading pages are laid out but not written (a unit's carrier page);
    ``max_elements`` bounds the document (a handbook holds many cases).
    """

    html: str
    base_url: Any
    document: str = "handbook"
    stubs: tuple[str, ...] = ()
    attachments: tuple = ()
    skip_pages: int = 0
    max_elements: int | None = None


def render_document(task: DocumentTask):
    """A document → ``PdfResult`` with details, the stylesheets' own warnings in
    ``sheet_warnings``; ``TaskFailure`` when it cannot be laid out."""
    from ..errors import CasepressError, internal_error

    try:
        renderer = _pdf_renderer(task.document, task.max_elements)
        result = renderer.pdf(
            task.html, base_url=task.base_url, attachments=task.attachments, stubs=task.stubs,
            details=True, skip_pages=task.skip_pages,
        )  # fmt: skip
        result.sheet_warnings = list(renderer.stylesheet_warnings)
        return result
    except CasepressError as exc:
        return TaskFailure(str(exc))
    except (Exception, RecursionError) as exc:  # a bug: this document fails, not the build
        return TaskFailure(internal_error("laying out the PDF", exc))
