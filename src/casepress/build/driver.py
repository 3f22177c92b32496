"""The build driver: open a build context, run the kinds of output asked for, close it.

The public ``build_*`` functions are the library's entry points (``casepress.build_project``
and friends); each is a few lines over ``BuildContext`` and the output kinds (``briefs``,
``handbooks``, ``site``), and takes the ``BuildOptions`` fields as keywords. Outputs whose
inputs have not changed since the last build are left alone (``cache``); the rest are
rendered by a pool of worker processes (``workers``), written as their results come back and
read back for the quality report. A build holds a lock on each output folder while it
decides and writes (``writing.output_lock``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..model.cases import Catalogue
from ..model.project import Edition, Project
from ..theme.chain import Theme
from . import cache
from .briefs import build_briefs_in
from .context import FORMATS, BuildContext, BuildOptions, Progress, Shard, with_theme_defaults
from .handbooks import build_handbooks_in
from .outputs import BuildReport, OutputKind
from .reporting import check_palette, write_report, write_schema
from .site import build_site_in
from .writing import confine, write_atomic

CASES_FOLDER, HANDBOOKS_FOLDER = "cases", "handbooks"
"""The site's folders (``render.site``, which is imported only when the site is rendered)."""

__all__ = [
    "FORMATS",
    "BuildOptions",
    "BuildReport",
    "Progress",
    "Shard",
    "build_briefs",
    "build_handbooks",
    "build_project",
    "build_site",
    "with_theme_defaults",
    "write_atomic",
]


def build_project(project: Project, *, theme: Theme | None = None, **options: Any) -> BuildReport:
    """Everything ``casepress build`` makes: briefs, defined handbooks, the site, the
    schemas and the quality report (build/report.json). ``options``: ``BuildOptions``.

    One pool of workers serves briefs and handbooks alike.
    """
    settings = BuildOptions(**options)
    if settings.output_dir is not None:  # the kinds write into their folders inside it
        project = dataclasses.replace(project, output_dir=settings.output_dir.resolve())
        settings = dataclasses.replace(settings, output_dir=None)
    with BuildContext.open(project, settings, theme=theme) as context:
        _check_folders(context)
        build_briefs_in(context, prune=True)  # outputs of deleted cases and editions go
        build_handbooks_in(context, prune=True)
        report = context.report
        pdfs = {o.name: o.path for o in report.of(OutputKind.BRIEF, "pdf")}
        books: dict[str, dict[str, Path]] = {}
        for output in report.of(OutputKind.HANDBOOK):
            books.setdefault(output.name, {})[output.format] = output.path
        for name, files in report.held_handbooks.items():  # not built: the last good ones
            books.setdefault(name, dict(files))
        build_site_in(context, pdfs=pdfs, handbooks=books)
    out = context.project.output_dir
    write_schema(out, report, root=context.root)
    contrast = check_palette(context.theme, report)
    report.problems = sorted(set(report.problems))
    write_report(out, report, context.project, contrast, root=context.root)
    return context.finish()


def _check_folders(context: BuildContext) -> None:
    """Refuse a build whose output folders hold a symbolic link before anything is rendered
    (each write checks again: ``writing.confine``)."""
    project = context.project
    site = project.output_dir / "site"
    for folder in (project.output_dir, project.briefs_dir, project.handbooks_dir, site / CASES_FOLDER,
                   site / HANDBOOKS_FOLDER, context.cache_dir / cache.UNITS_DIR):  # fmt: skip
        confine(context.root_of(folder), folder / ".casepress-probe", create=False)


def build_briefs(
    project: Project, *, theme: Theme | None = None, catalogue: Catalogue | None = None,
    paths: Iterable[Path] | None = None, only: Collection[str] | None = None, **options: Any,
) -> BuildReport:  # fmt: skip
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. The theme is the
    project's (``project.theme``) unless one is given; an invalid theme raises
    ``InputError``. ``only`` limits the briefs to those ids of the catalogue (titles and
    links still come from all of it). ``options`` are ``BuildOptions``: ``formats``,
    ``output_dir`` (default: build/briefs), ``jobs``, ``shard``, ``force``, ...
    """
    with BuildContext.open(
        project, BuildOptions(**options), theme=theme, catalogue=catalogue, paths=paths
    ) as context:
        build_briefs_in(context, only)
    # The PDF and the HTML of a case find the same problems in its text: say each once,
    # in the order of the files and of the lines in them.
    context.report.problems = sorted(set(context.report.problems))
    return context.finish()


def build_handbooks(
    project: Project, *, theme: Theme | None = None, catalogue: Catalogue | None = None,
    names: Iterable[str] | None = None, editions: Iterable[Edition] = (),
    split: bool | None = None, **options: Any,
) -> BuildReport:  # fmt: skip
    """Build handbooks: the project's (all, or those ``names``) plus ad hoc ``editions``,
    into build/handbooks (or ``output_dir``). ``split`` forces (True) or stops (False) the
    chapter-by-chapter layout of large handbooks; ``options`` are ``BuildOptions``."""
    with BuildContext.open(
        project, BuildOptions(**options), theme=theme, catalogue=catalogue
    ) as context:
        build_handbooks_in(context, names, editions, split)
    return context.finish()


def build_site(
    project: Project, *, theme: Theme | None = None, catalogue: Catalogue | None = None,
    pdfs: Mapping[str, Path] | None = None,
    handbooks: Mapping[str, Mapping[str, Path]] | None = None,
    only: Collection[str] | None = None, **options: Any,
) -> BuildReport:  # fmt: skip
    """The browsable library (``build/site/``): index, a page per case, PDFs and handbooks
    (see ``site.build_site_in``); ``options`` are ``BuildOptions``."""
    settings = BuildOptions(**options)
    with BuildContext.open(
        project, settings, theme=theme, catalogue=catalogue, workers=False
    ) as context:
        build_site_in(context, pdfs, handbooks, only)
    return context.finish()
