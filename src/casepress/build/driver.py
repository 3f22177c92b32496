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
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model.cases import Catalogue
from ..model.project import Edition, Project
from ..theme.chain import Theme
from . import cache
from .briefs import build_briefs_in
from .context import FORMATS, BuildContext, BuildOptions, Progress, Shard, with_theme_defaults
from .outputs import BuildReport, OutputKind
from .writing import confine, write_atomic

# Handbooks, the site, shards and the report are imported by the functions that make them:
# ``casepress brief`` of one case starts without them (README "Parallel").

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
    "merge_shards",
    "with_theme_defaults",
    "write_atomic",
]


def build_project(project: Project, *, theme: Theme | None = None, **options: Any) -> BuildReport:
    """Everything ``casepress build`` makes: briefs, defined handbooks, the site, the
    schemas and the quality report (build/report.json). ``options``: ``BuildOptions``.

    One pool of workers serves briefs and handbooks alike. With ``shard=(I, N)`` only the
    I-th of N shares of the briefs and handbooks is built, and nothing that spans every case
    (the site, report.json): a record of the share is written instead (``shards``), for
    ``merge_shards`` to assemble the whole from every shard's output folder.
    """
    from . import shards
    from .handbooks import build_handbooks_in

    project, settings = _in_output_folder(project, BuildOptions(**options))
    with BuildContext.open(project, settings, theme=theme) as context:
        _check_folders(context)
        build_briefs_in(context, prune=True)  # outputs of deleted cases and editions go
        build_handbooks_in(context, prune=True)
        if settings.shard is None:
            _build_site(context)
        else:
            shards.record_shard(context)
    return _conclude(context, report=settings.shard is None)


def merge_shards(
    project: Project, folders: Sequence[Path], *, theme: Theme | None = None, **options: Any
) -> BuildReport:
    """The final step of a sharded build (``casepress build --merge``): every output the
    shards built, from their output ``folders`` (as a CI matrix or a Slurm array leaves
    them; the output folder itself when shards shared it), copied into the output folder,
    then the site, the schemas and report.json, as ``build_project`` makes them: the same
    files, byte for byte, and nothing rendered. Raises ``InputError`` when a shard is missing,
    stale or built from other sources (see ``shards``). ``options``: ``BuildOptions``
    (``shard`` and ``force`` do not apply)."""
    from . import shards

    settings = dataclasses.replace(BuildOptions(**options), shard=None, force=False)
    project, settings = _in_output_folder(project, settings)
    with BuildContext.open(project, settings, theme=theme, workers=False) as context:
        _check_folders(context)
        shards.merge_shards(context, [Path(f) for f in folders] or [project.output_dir])
        _build_site(context)
    return _conclude(context, report=True)


def _in_output_folder(project: Project, settings: BuildOptions) -> tuple[Project, BuildOptions]:
    """A whole build writes each kind into its folder inside ``output_dir``."""
    if settings.output_dir is not None:
        project = dataclasses.replace(project, output_dir=settings.output_dir.resolve())
        settings = dataclasses.replace(settings, output_dir=None)
    return project, settings


def _build_site(context: BuildContext) -> None:
    """The site, publishing the briefs' PDFs and the handbooks this build holds."""
    from .site import build_site_in

    report = context.report
    pdfs = {o.name: o.path for o in report.of(OutputKind.BRIEF, "pdf")}
    books: dict[str, dict[str, Path]] = {}
    from ..render.site import FORMATS as SITE_FORMATS  # the site links PDF and HTML only

    for output in report.of(OutputKind.HANDBOOK):
        if output.format in SITE_FORMATS:
            books.setdefault(output.name, {})[output.format] = output.path
    for name, files in report.held_handbooks.items():  # not built: the last good ones
        books.setdefault(name, {f: p for f, p in files.items() if f in SITE_FORMATS})
    build_site_in(context, pdfs=pdfs, handbooks=books)


def _conclude(context: BuildContext, *, report: bool) -> BuildReport:
    """The schemas, each problem once, and (``report``) build/report.json."""
    from .reporting import check_layout, check_palette, write_report, write_schema

    out, found = context.project.output_dir, context.report
    write_schema(out, found, root=context.root)
    contrast = check_palette(context.theme, found)
    check_layout(found, context.project)
    found.problems = sorted(set(found.problems))
    if report:
        write_report(out, found, context.project, contrast, root=context.root)
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
    from .handbooks import build_handbooks_in

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
    from .site import build_site_in

    settings = BuildOptions(**options)
    with BuildContext.open(
        project, settings, theme=theme, catalogue=catalogue, workers=False
    ) as context:
        build_site_in(context, pdfs, handbooks, only)
    return context.finish()
