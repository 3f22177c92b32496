"""The build context: what every kind of output needs, set up once for a build.

A build gathers first (the project with its theme's defaults, the theme chain, every case
validated), then each kind of output (``briefs``, ``handbooks``, ``site``) runs against the
same context: the options, one pool of workers, the cache folder, one report. The driver
(``driver.py``) opens a context, runs the kinds asked for and closes it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..checks.inputs import check_images
from ..errors import InputError, Interrupted, Problem, display_path
from ..model.cases import Catalogue, load_cases
from ..model.catalogue import CatalogueMemo
from ..model.project import Project
from ..model.translations import Titles
from ..render.resources import resource_policy
from ..theme.chain import Theme, theme_for
from . import cache
from .outputs import BuildReport
from .textcache import keep_catalogue, remembered_catalogue, save_text_cache, text_cache
from .workers import WorkerPool, default_jobs, init_worker
from .writing import LOCK_TIMEOUT, confine_folder, confined_root, output_lock, write_if_changed

if TYPE_CHECKING:
    from ..render.renderer import Renderer

Format = Literal["pdf", "html", "docx"]
FORMATS: tuple[Format, ...] = ("pdf", "html")
"""What a build writes when not told (``--format`` chooses among ``ALL_FORMATS``)."""
ALL_FORMATS: tuple[Format, ...] = ("pdf", "html", "docx")
Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, label)`` after each document is rendered."""
Shard = tuple[int, int]
"""``(index, count)``, 1-based: build only the outputs that ``cache.shard_of`` puts there."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build, whatever is built; ``None`` means "not given" (the project decides)."""

    formats: tuple[Format, ...] = FORMATS
    output_dir: Path | None = None
    """The folder this build writes into (default: the project's output folder, or the
    kind's folder in it when one kind is built)."""
    jobs: int | None = None
    """Worker processes that render (default: one per CPU; 0: in this process)."""
    shard: Shard | None = None
    force: bool = False
    """Render everything, even outputs whose inputs have not changed."""
    allow_partial: bool = False
    """Publish handbooks without the cases they select that have errors (as if every
    edition said ``allow_partial: true``)."""
    explain_templates: bool = False
    """Fill ``report.templates`` even when nothing is rendered."""
    progress: Progress | None = None
    lock_timeout: float = LOCK_TIMEOUT
    cache_dir: Path | None = None
    """Where the record of builds is kept (default: ``.casepress-cache`` in the output)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", tuple(self.formats))
        if self.output_dir is not None:
            object.__setattr__(self, "output_dir", Path(self.output_dir))


def with_theme_defaults(project: Project, theme: Theme) -> Project:
    """The project with the theme's default language where casepress.yaml names none.

    Settings are taken from the command line, then casepress.yaml, then the theme, then the
    built-in defaults. A casepress.yaml setting that overrides a different value of the
    theme is said once (``setting_overrides``): a theme's page size or organisation that
    never shows is otherwise hard to explain.
    """
    for line in setting_overrides(project, theme):
        key = (str(project.config_path), line)
        if key not in _ANNOUNCED:
            _ANNOUNCED.add(key)
            _log.info("%s", line)
    if project.language is None and theme.language:
        return dataclasses.replace(project, language=theme.language)
    return project


_log = logging.getLogger("casepress")
_ANNOUNCED: set[tuple[str, str]] = set()
"""Override lines this process has said already (a preview server rebuilds many times)."""

THEME_SETTINGS = (
    # (casepress.yaml key, theme.yaml field path, ThemeConfig value)
    ("page_size", "page.size", lambda config: config.page.size),
    ("organisation", "organisation", lambda config: config.organisation),
    ("language", "language", lambda config: config.language),
)
"""Settings both casepress.yaml and a theme's theme.yaml may set (the project's win)."""


def setting_overrides(project: Project, theme: Theme) -> list[str]:
    """A line for each casepress.yaml setting that hides another value set by the theme
    (or a theme it extends): ``casepress.yaml:5:12: page_size: 'A4' overrides 'Letter' from the
    theme 'letterhead' (themes/letterhead/theme.yaml:9:9); remove the line to use the
    theme's``. Settings given on the command line are not read from the file: none."""
    lines = []
    for key, where, value_of in THEME_SETTINGS:
        mine = getattr(project, key)
        if mine is None or key not in project.positions or project.config_path is None:
            continue
        config = next((c for c in theme.configs if value_of(c) is not None), None)
        if config is None or value_of(config) == mine:
            continue
        line, column = project.positions[key]
        theirs_at = display_path(config.path)
        if where in config.positions:
            theirs_at += ":{}:{}".format(*config.positions[where])
        message = (
            f"{mine!r} overrides {value_of(config)!r} from the theme {config.name!r} ({theirs_at}); "
            "remove the line to use the theme's"
        )
        shown = display_path(project.config_path)
        lines.append(str(Problem.error(shown, message, line=line, column=column, field=key)))
    return lines


class BuildContext:
    """One build: project, theme, cases, options, the worker pool, the cache and the report.

    Open it with ``BuildContext.open``; use it as a context manager so that a pool it
    started is closed. Kinds of output take it and add what they write to ``report``.
    """

    def __init__(
        self, project: Project, theme: Theme, catalogue: Catalogue, options: BuildOptions,
        pool: WorkerPool | None = None,
    ) -> None:  # fmt: skip
        self.project = project
        self.theme = theme
        self.catalogue = catalogue
        self.options = options
        self.started = time.perf_counter()
        self.report = BuildReport(problems=[*project.warnings, *catalogue.problems])
        self.titles = Titles(catalogue.cases)  # titles, with each case's language and original
        self._pool = pool
        self._own_pool = pool is None
        self._renderer: Renderer | None = None
        self._memo: CatalogueMemo | None = None
        self.whole = False
        """Whether ``catalogue`` holds every case of the project (not those of paths named)."""
        self.planned = 0
        """Outputs this build found it has to make (kinds add theirs as they decide)."""

    @classmethod
    def open(
        cls, project: Project, options: BuildOptions, *, theme: Theme | None = None,
        catalogue: Catalogue | None = None, paths: Iterable[Path] | None = None,
        workers: bool = True,
    ) -> BuildContext:  # fmt: skip
        """Gather everything a build needs: the theme (the project's unless given), the
        project with the theme's defaults, and every case validated (unless given).
        ``workers``: whether this build may render PDFs in worker processes."""
        paths = None if paths is None else list(paths)
        if catalogue is None and workers:
            _start_early(options, cls.cache_folder(project, options), paths)
        theme = theme or theme_for(project)
        from ..render.styles import own_sheets, unsafe_font_faces

        # a file refused (outside the project, a link, too big), then a font a PDF cannot name
        refused = theme.refused_files() or unsafe_font_faces(own_sheets(theme), theme.roots)
        if refused:
            raise InputError(refused)
        from ..checks.theme import check_contrast

        # the palette, as `theme check` judges it: a colour under WCAG 2.1 AA stops the build
        low_contrast = check_contrast(theme, project)
        if low_contrast:
            raise InputError(low_contrast)
        project = with_theme_defaults(project, theme)
        memo = None
        if catalogue is None and paths is None:  # unchanged files as the last build read them
            cache_dir = cls.cache_folder(project, options)
            catalogue, memo = remembered_catalogue(project, theme.labels, cache_dir)
        catalogue = catalogue or load_cases(project, paths, labels=theme.labels)
        # the images the cases show, as ``check`` checks them: a case with a missing image
        # is invalid, and said so in the words ``check`` uses, at the image's own line
        catalogue = check_images(catalogue, resource_policy(project, theme.roots))
        context = cls(project, theme, catalogue, options)
        context.whole, context._memo = paths is None, memo
        return context

    @staticmethod
    def cache_folder(project: Project, options: BuildOptions) -> Path:
        """Where the record of a build is kept: inside the folder the caller asked for."""
        if options.cache_dir is not None:
            return Path(options.cache_dir)
        return (options.output_dir or project.output_dir) / cache.CACHE_DIR

    @property
    def read_roots(self) -> tuple[Path, ...]:
        """The folders this build may read files from (``files``): the project's, each
        theme's own, casepress's templates and styles."""
        return (self.project.root, *self.theme.roots)

    @property
    def cache_dir(self) -> Path:
        return self.cache_folder(self.project, self.options)

    @property
    def root(self) -> Path:
        """The folder every write and clean-up of this build is confined to: the project
        when the output folder lies inside it (so that ``build`` itself, which a repository
        could carry as a link, is checked too), else the output folder."""
        out = Path(self.options.output_dir or self.project.output_dir)
        return confined_root(self.project.root, out)

    def root_of(self, path: Path) -> Path:
        """The folder a write to ``path`` is confined to (``writing.confine``): the output
        folder, or the cache folder when it was put elsewhere."""
        for root in (self.root, self.cache_dir):
            if Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root)):
                return root
        return Path(path).parent

    def folder(self, default: Path) -> Path:
        """The folder one kind of output is written to: the one asked for, else its own."""
        return self.options.output_dir or default

    def in_shard(self, output_id: str) -> bool:
        shard = self.options.shard
        return shard is None or cache.shard_of(output_id, shard[1]) == shard[0]

    @property
    def pool(self) -> WorkerPool:
        """Workers for this build, made on first use (they start with the first document)."""
        if self._pool is None:
            jobs = self.options.jobs if "pdf" in self.options.formats else 0
            self._pool = WorkerPool(
                default_jobs() if jobs is None else max(0, jobs),
                init_worker,
                (self.project, self.theme, self.titles, os.environ.get("SOURCE_DATE_EPOCH"),
                 os.getcwd()),
            )  # fmt: skip
        return self._pool

    def renderer(self) -> Renderer:
        """This process's renderer (Jinja is imported only when something is rendered)."""
        if self._renderer is None:
            from ..render.renderer import Renderer

            self._renderer = Renderer(self.project, self.theme, titles=self.titles)
            # case text converted once per build, and kept for the next (build/textcache)
            self._renderer.use_texts(text_cache(self.cache_dir, self.root_of(self.cache_dir)))
        return self._renderer

    @contextmanager
    def manifest(self, folder: Path) -> Iterator[cache.Manifest]:
        """The record of what ``folder`` holds, with the folder locked while it is decided
        and written; saved when the block ends, even when it fails part-way. The folder and
        the cache folder are made through real folders only (``writing.confine``)."""
        confine_folder(self.root_of(folder), folder)
        confine_folder(self.root_of(self.cache_dir), self.cache_dir)
        with output_lock(folder, timeout=self.options.lock_timeout):
            manifest = cache.Manifest.load(folder, self.cache_dir)
            try:
                yield manifest
            finally:
                if manifest.changed or not manifest.path.exists():
                    root = self.root_of(manifest.path)
                    write_if_changed(manifest.path, manifest.dumps(), root=root)

    def progress(self, done: int, total: int, label: str) -> None:
        if self.options.progress:
            self.options.progress(done, total, label)

    def finish(self) -> BuildReport:
        """The report, with the time the build took."""
        self.report.seconds = time.perf_counter() - self.started
        return self.report

    def close(self) -> None:
        keep_catalogue(self._memo, self.cache_dir, self.root_of(self.cache_dir))
        self._memo = None
        if self._renderer is not None:  # every case known: the files of others go
            owners = {c.id for c in self.catalogue.cases} if self.whole else None
            save_text_cache(self._renderer.texts, owners)
        if self._own_pool and self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> BuildContext:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
            return
        # Failed or stopped: end the workers now rather than wait for the documents they
        # are rendering (what was written stays; manifests record only that).
        if self._own_pool and self._pool is not None:
            self._pool.terminate()
            self._pool = None
        if isinstance(exc, Interrupted):
            exc.written += len(self.report.rendered)
            exc.planned += self.planned
            exc.counted = True


def _start_early(options: BuildOptions, cache_dir: Path, paths: Iterable[Path] | None) -> None:
    """When a cold build (``force``, or no record of a previous one in ``cache_dir``) will
    render PDFs in worker processes, start the server they fork from before the cases are
    read: its WeasyPrint import then overlaps the reading. A warm build starts it only if it
    finds something to render. A build of a few named case files (``casepress brief
    x.yaml``) renders them in this process (``workers.in_process_suits``): it starts no
    server, it starts importing WeasyPrint in a thread (``workers.preload_here``)."""
    cold = options.force or not cache_dir.exists()
    if cold and "pdf" in options.formats and (options.jobs is None or options.jobs > 0):
        from .workers import in_process_suits, preload_here, start_server

        if paths is not None and in_process_suits(_case_files(paths), options.jobs):
            preload_here()  # WeasyPrint is imported by this process, meanwhile
            return
        start_server()


def _case_files(paths: Iterable[Path]) -> int:
    """How many case files the paths name (a folder: those in it), counted without
    reading them; 0 when a path is neither (its error comes when the cases are read)."""
    from ..model.cases import find_case_files

    count = 0
    for path in map(Path, paths):
        if path.is_dir():
            count += len(find_case_files(path))
        elif path.is_file():
            count += 1
    return count
