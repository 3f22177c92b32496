"""Orchestration: load, decide what is stale, render in workers, write, assess. The only
module that writes under the output folder (through ``writing``; ``bookwriter.py`` writes
handbooks for it).

Outputs whose inputs have not changed since the last build are left alone (see ``cache``);
the rest are rendered by a pool of worker processes (see ``workers``), written here as their
results come back, and read back for the quality report (``quality``). An output left alone
keeps the quality entry and the warnings it was written with, so ``report.json`` and
``--strict`` see every output whatever was rendered. A build holds a lock on each output
folder while it decides and writes (``writing.output_lock``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import CasepressError, InputError, Problem, display_path
from ..model.cases import Case, Catalogue, load_cases
from ..model.project import Edition, Project
from ..render.resources import shorten
from ..theme.chain import Theme, theme_for
from . import cache
from .outputs import BuildReport, reuse, written
from .workers import CaseResult, TaskFailure, WorkerPool, default_jobs, init_worker
from .writing import (  # noqa: F401 - re-exported: build.py was their home
    LOCK_TIMEOUT,
    copy_atomic,
    create_files,
    output_lock,
    write_atomic,
    write_if_changed,
    write_new,
)

if TYPE_CHECKING:
    from ..pdf.writer import PdfResult

FORMATS = ("pdf", "html")
Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, label)`` after each document is rendered."""
Shard = tuple[int, int]
"""``(index, count)``, 1-based: build only the outputs that ``cache.shard_of`` puts there."""


def write_schema(output_dir: Path, changed: list[Path] | None = None) -> Path:
    """Write the JSON Schemas editors use where the files' hints point: build/case.schema.json
    (case files) and build/theme.schema.json (theme.yaml). Files whose text changed are
    added to ``changed``."""
    import json

    from ..model.cases import case_schema
    from ..theme.chain import theme_schema

    target = Path(output_dir) / "case.schema.json"
    theme_target = Path(output_dir) / "theme.schema.json"
    for path, schema in ((target, case_schema()), (theme_target, theme_schema())):
        if write_if_changed(path, json.dumps(schema, indent=2, ensure_ascii=False) + "\n"):
            (changed if changed is not None else []).append(path)
    return target


def _pool(project: Project, theme: Theme, catalogue: Catalogue, jobs: int | None) -> WorkerPool:
    """Workers for this build (started only when the first document is submitted)."""
    titles = {c.id: c.title for c in catalogue.cases}
    return WorkerPool(
        default_jobs() if jobs is None else max(0, jobs),
        init_worker,
        (project, theme, titles, os.environ.get("SOURCE_DATE_EPOCH"), os.getcwd()),
    )


def _start_early(
    formats: Iterable[str], jobs: int | None, pool: WorkerPool | None, force: bool, cache: Path
) -> None:
    """When a cold build (``force``, or no record of a previous one in ``cache``) will render
    PDFs in worker processes, start the server they fork from before the cases are read: its
    WeasyPrint import then overlaps the reading. A warm build starts it only if it finds
    something to render."""
    cold = force or not cache.exists()
    if cold and pool is None and "pdf" in formats and (jobs is None or jobs > 0):
        from .workers import start_server

        start_server()


def _cache_dir(project: Project, output_dir: Path | None, given: Path | None) -> Path:
    """Where the record of a build is kept: inside the folder the caller asked for."""
    if given is not None:
        return Path(given)
    return (Path(output_dir) if output_dir else project.output_dir) / cache.CACHE_DIR


def _in_shard(output_id: str, shard: Shard | None) -> bool:
    return shard is None or cache.shard_of(output_id, shard[1]) == shard[0]


def build_briefs(
    project: Project,
    *,
    paths: Iterable[Path] | None = None,
    formats: Iterable[str] = FORMATS,
    output_dir: Path | None = None,
    theme: Theme | None = None,
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    only: Collection[str] | None = None,
    jobs: int | None = None,
    shard: Shard | None = None,
    force: bool = False,
    explain_templates: bool = False,
    pool: WorkerPool | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. A case that fails
    to render is reported too, and the others carry on; its previous outputs are kept. The
    theme is the project's (``project.theme``) unless one is given; an invalid theme raises
    ``InputError``. ``only`` limits the briefs to those ids of the catalogue (titles and
    links still come from all of it).

    Briefs whose inputs have not changed since the last build into the same folder are not
    rendered again (``force`` renders everything). ``jobs`` worker processes render
    (default: one per CPU; 0: in this process); ``shard=(i, n)`` builds only the i-th of n
    deterministic shares of the briefs. ``report.templates`` lists the templates the
    workers looked up; with ``explain_templates`` it is filled even when nothing renders.
    """
    started = time.perf_counter()
    formats = tuple(formats)
    if catalogue is None:
        _start_early(formats, jobs, pool, force, _cache_dir(project, output_dir, cache_dir))
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    catalogue = catalogue or load_cases(project, paths)
    report = BuildReport(problems=[*project.warnings, *catalogue.problems])
    if not catalogue.cases:
        report.seconds = time.perf_counter() - started
        return report

    out = Path(output_dir) if output_dir else project.briefs_dir
    environment = cache.environment_digest(project, theme, {"document": "brief"})
    titles = {c.id: c.title for c in catalogue.cases}
    with output_lock(out, timeout=lock_timeout):
        manifest = cache.Manifest.load(out, _cache_dir(project, output_dir, cache_dir))
        todo: list[tuple[Case, tuple[str, ...], dict[str, str]]] = []
        for case in catalogue.cases:
            if (only is not None and case.id not in only) or not _in_shard(
                f"brief:{case.id}", shard
            ):
                continue
            own = cache.case_digest(case, attached=project.embed_source)
            keys = {fmt: cache.brief_key(environment, case, titles, fmt, own) for fmt in formats}
            stale = tuple(
                fmt
                for fmt in formats
                if force or not manifest.fresh(out / f"{case.id}.{fmt}", keys[fmt])
            )
            for fmt in formats:
                if fmt not in stale:
                    reuse(report, manifest, out / f"{case.id}.{fmt}")
            if stale:
                todo.append((case, stale, keys))
        if todo:
            own_pool = pool is None
            if own_pool:
                pool = _pool(project, theme, catalogue, jobs if "pdf" in formats else 0)
            try:
                _render_briefs(project, todo, pool, out, manifest, report, progress)
            finally:
                if own_pool:
                    pool.close()
                write_atomic(manifest.path, manifest.dumps())
    if explain_templates and not report.templates:  # nothing rendered: look the templates up
        renderer = _renderer(project, theme, catalogue)
        with contextlib.suppress(CasepressError):  # a broken template was reported already
            for fmt in formats:
                renderer.render_brief(catalogue.cases[0], target=fmt)
        report.add_templates(renderer.lookups)
    # The PDF and the HTML of a case find the same problems in its text: say each once,
    # in the order of the files and of the lines in them.
    report.problems = sorted(set(report.problems))
    report.seconds = time.perf_counter() - started
    return report


def _renderer(project: Project, theme: Theme, catalogue: Catalogue):
    from ..render.renderer import Renderer  # Jinja is imported only when something is rendered

    return Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})


def _render_briefs(project, todo, pool: WorkerPool, out: Path, manifest, report, progress) -> None:
    from .workers import render_case

    by_id = {case.id: (case, stale, keys) for case, stale, keys in todo}
    items = ((case.id, (case, stale)) for case, stale, _ in todo)
    for done, (case_id, result) in enumerate(pool.map(render_case, items), 1):
        case, stale, keys = by_id[case_id]
        shown = display_path(case.path)
        if isinstance(result, TaskFailure):
            result = CaseResult(data={}, errors=dict.fromkeys(stale, result.message))
        report.add_templates(result.lookups)
        for fmt in stale:
            target = out / f"{case.id}.{fmt}"
            found = result.problems.get(fmt, [])
            if fmt in result.data:
                write_atomic(target, result.data[fmt])
                if fmt == "pdf":
                    found = [*found, *(Problem("stylesheets", 0, 0, "", m, "warning")
                                       for m in result.sheet_warnings)]  # fmt: skip
                facts = {"pages": result.pages, "fill": result.fill} if fmt == "pdf" else {}
                written(
                    report, manifest, target, keys[fmt], fmt, kind="brief", source=shown,
                    messages=result.messages.get(fmt, []), said=found,
                    page_budget=project.brief_max_pages, profile=project.profile, **facts,
                )  # fmt: skip
                continue
            report.problems.extend(found)  # an error in the case's text is one of them
            if not result.invalid:
                manifest.forget([target])
                message = f"{fmt.upper()} not written: {result.errors.get(fmt, 'unknown error')}"
                report.failures.append(Problem(shown, 0, 0, "", message))
        if progress:
            progress(done, len(todo), case.id)


def build_project(
    project: Project,
    *,
    output_dir: Path | None = None,
    theme: Theme | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    shard: Shard | None = None,
    force: bool = False,
    explain_templates: bool = False,
) -> BuildReport:
    """Everything ``casepress build`` makes: briefs, defined handbooks, the site, the
    schemas and the quality report (build/report.json).

    One pool of workers serves briefs and handbooks alike.
    """
    started = time.perf_counter()
    if output_dir:
        project = dataclasses.replace(project, output_dir=Path(output_dir).resolve())
    out = project.output_dir
    _start_early(FORMATS, jobs, None, force, out / cache.CACHE_DIR)
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    catalogue = load_cases(project)
    options = {"progress": progress, "shard": shard, "force": force,
               "explain_templates": explain_templates, "cache_dir": out / cache.CACHE_DIR}  # fmt: skip
    with _pool(project, theme, catalogue, jobs) as pool:
        report = build_briefs(
            project, output_dir=out / "briefs", theme=theme, catalogue=catalogue, pool=pool,
            **options,
        )  # fmt: skip
        if project.handbooks:
            from .handbooks import page_hints

            handbooks = build_handbooks(
                project, output_dir=out / "handbooks", theme=theme, catalogue=catalogue,
                pool=pool, page_hints=page_hints(out / "briefs", out / cache.CACHE_DIR),
                **options,
            )  # fmt: skip
            known = set(report.problems)
            report.outputs += handbooks.outputs
            report.rendered += handbooks.rendered
            report.problems += [p for p in handbooks.problems if p not in known]
            report.failures += handbooks.failures
            report.add_templates(handbooks.templates)
            report.quality += handbooks.quality
    pdfs = {p.stem: p for p in report.outputs if p.suffix == ".pdf" and p.parent.name == "briefs"}
    books: dict[str, dict[str, Path]] = {}
    for path in report.outputs:
        if path.parent.name == "handbooks":
            books.setdefault(path.stem, {})[path.suffix[1:]] = path
    site = build_site(
        project, output_dir=out / "site", theme=theme, catalogue=catalogue, pdfs=pdfs,
        handbooks=books, progress=progress, force=force, cache_dir=out / cache.CACHE_DIR,
    )  # fmt: skip
    report.outputs += site.outputs
    report.rendered += site.rendered
    report.copied += site.copied
    report.problems = sorted(set(report.problems) | set(site.problems))
    report.failures += site.failures
    changed: list[Path] = []
    report.outputs.append(write_schema(out, changed))
    from ..checks.theme import palette_contrast

    contrast = palette_contrast(theme)
    for pair in contrast:
        if not pair.passed:
            message = (
                f"contrast {pair.ratio:.2f}:1 of {pair.foreground} on {pair.background} "
                f"({pair.used_for}) is under {pair.minimum:g}:1 (WCAG 2.1 AA)"
            )
            report.warn("stylesheets", message)
    report.outputs.append(write_report(out, report, project, contrast, changed))
    report.rendered += changed
    report.seconds = time.perf_counter() - started
    return report


def write_report(
    output_dir: Path,
    report: BuildReport,
    project: Project,
    contrast: list = (),
    changed: list[Path] | None = None,
) -> Path:
    """build/report.json: per output what it holds, the checks made, the palette's contrast.

    Outputs are named relative to the output folder, sources relative to the project, and
    nothing depends on the clock, so two builds of the same sources give the same report
    (from any working directory, wherever the project lies); outputs are listed in path
    order, whichever order the workers finished them in.
    """
    import json

    from .. import __version__
    from ..checks import quality

    output_dir = Path(output_dir)
    root = project.root.resolve()

    def relative(entry: dict) -> dict:
        path = Path(entry["path"])
        entry["path"] = (
            str(path.relative_to(output_dir)) if path.is_relative_to(output_dir) else str(path)
        )
        source = Path(entry["source"] or "/").resolve()  # shown relative to the working folder
        if source.is_relative_to(root) and source.is_file():
            entry["source"] = source.relative_to(root).as_posix()
        return entry

    entries = sorted((relative(q.as_dict()) for q in report.quality), key=lambda e: e["path"])
    head = {
        "generator": f"casepress {__version__}",
        "profile": project.profile,
        "pdf_variant": project.pdf_variant or "pdf/ua-1",
        "summary": quality.summary(report.quality),
        "contrast": [c.as_dict() for c in contrast],
    }
    # indented, but one output per line: C-encoded (indent= would use the pure-Python
    # encoder, 0.3 s for 1,000 cases) and an output that changed is a line that changed
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    lines = ",\n".join(f"    {json.dumps(e, ensure_ascii=False)}" for e in entries)
    text += f',\n  "outputs": [\n{lines}\n  ]\n}}\n' if entries else ',\n  "outputs": []\n}\n'
    target = output_dir / "report.json"
    if write_if_changed(target, text):
        (changed if changed is not None else []).append(target)
    return target


def build_handbooks(
    project: Project,
    *,
    names: Iterable[str] | None = None,
    editions: Iterable[Edition] = (),
    formats: Iterable[str] = FORMATS,
    output_dir: Path | None = None,
    theme: Theme | None = None,
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    shard: Shard | None = None,
    force: bool = False,
    split: bool | None = None,
    explain_templates: bool = False,
    lock_timeout: float = LOCK_TIMEOUT,
    pool: WorkerPool | None = None,
    page_hints: dict[str, tuple[int, float | None]] | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build handbooks: the project's (all, or those ``names``) plus ad hoc ``editions``.

    Each edition is planned (selection validated) before any is rendered; an invalid
    edition is reported and skipped, the others still build. A large handbook's PDF is
    rendered chapter by chapter in parallel and merged (``split``: None decides by size,
    True or False forces; one that cannot be split is laid out in one pass, and says why
    when split was asked for); an unchanged one is not rendered at all.
    """
    from ..model.editions import plan_handbook
    from . import handbooks as job

    started = time.perf_counter()
    formats = tuple(formats)
    if catalogue is None:
        _start_early(formats, jobs, pool, force, _cache_dir(project, output_dir, cache_dir))
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    catalogue = catalogue or load_cases(project)
    report = BuildReport(problems=[*project.warnings, *catalogue.problems])
    wanted = list(project.handbooks) if names is None else list(names)
    chosen: list[Edition] = []
    for name in wanted:
        if name in project.handbooks:
            chosen.append(project.handbooks[name])
        else:
            where = display_path(project.config_path) if project.config_path else "casepress.yaml"
            known = ", ".join(sorted(project.handbooks)) or "none are defined"
            report.problems.append(
                Problem(where, 0, 0, "handbooks", f"no handbook named {name!r} (defined: {known})")
            )
    chosen.extend(editions)

    plans = []
    for edition in chosen:
        try:
            plan = plan_handbook(edition, catalogue, project)
        except InputError as exc:
            report.problems.extend(exc.problems)
            continue
        if _in_shard(f"handbook:{edition.name}", shard):
            plans.append(plan)
    if not plans:
        report.seconds = time.perf_counter() - started
        return report

    out = Path(output_dir) if output_dir else project.handbooks_dir
    cache_dir = _cache_dir(project, output_dir, cache_dir)
    environment = cache.environment_digest(project, theme, {"document": "handbook"})
    titles = {c.id: c.title for c in catalogue.cases}
    owns = {
        c.id: cache.case_digest(c, attached=project.embed_source)
        for plan in plans
        for c in plan.cases
    }
    with output_lock(out, timeout=lock_timeout):
        manifest = cache.Manifest.load(out, cache_dir)
        todo = []
        for plan in plans:
            for fmt in formats:
                target = out / f"{plan.edition.name}.{fmt}"
                key = cache.handbook_key(environment, plan, titles, fmt, owns)
                if not force and manifest.fresh(target, key):
                    reuse(report, manifest, target)
                else:
                    todo.append((plan, fmt, target, key))
        if todo:
            if page_hints is None:
                page_hints = job.page_hints(
                    project.briefs_dir, project.output_dir / cache.CACHE_DIR
                )
            own_pool = pool is None
            if own_pool:
                pool = _pool(project, theme, catalogue, jobs if "pdf" in formats else 0)
            try:
                book = job.HandbookJob(
                    project, theme, catalogue, pool, out, manifest, report, progress,
                    environment, cache_dir,
                    # the element limit bounds one case; a handbook holds many
                    max_elements=project.max_elements * max(len(p.cases) for p in plans),
                )  # fmt: skip
                book.build(todo, split=split, hints=page_hints, force=force)
                book.prune_units()
                report.add_templates(book.renderer.lookups)
            finally:
                if own_pool:
                    pool.close()
                write_atomic(manifest.path, manifest.dumps())
    if explain_templates and not report.templates:  # nothing rendered: look the templates up
        renderer = _renderer(project, theme, catalogue)
        with contextlib.suppress(CasepressError):
            for fmt in formats:
                renderer.render_handbook(plans[0], target=fmt)
        report.add_templates(renderer.lookups)
    report.seconds = time.perf_counter() - started
    return report


def build_site(
    project: Project,
    *,
    output_dir: Path | None = None,
    theme: Theme | None = None,
    catalogue: Catalogue | None = None,
    pdfs: Mapping[str, Path] | None = None,
    handbooks: Mapping[str, Mapping[str, Path]] | None = None,
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    force: bool = False,
    lock_timeout: float = LOCK_TIMEOUT,
    cache_dir: Path | None = None,
) -> BuildReport:
    """The browsable library (``build/site/``): index, a page per case, PDFs and handbooks.

    ``pdfs`` (case id → brief PDF) and ``handbooks`` (name → {"html": path, "pdf": path})
    are finished outputs, copied in so that the site folder can be uploaded on its own;
    ``None`` links every case's PDF and every defined handbook as if present (the preview
    server makes them when asked). ``only`` renders just those cases' pages and the index.
    Files of cases that are gone, and files no longer published, are removed. Pages whose
    inputs have not changed since the last build are left alone, as briefs are.
    """
    from ..render.renderer import Renderer
    from ..render.site import INDEX_PAGE, plan_site

    started = time.perf_counter()
    catalogue = catalogue or load_cases(project)
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    out = Path(output_dir) if output_dir else project.output_dir / "site"
    renderer = Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})
    plan = plan_site(renderer, catalogue.cases, pdfs=pdfs, handbooks=handbooks, only=only)
    report = BuildReport()
    environment = cache.environment_digest(project, theme, {"document": "site"})
    keys = cache.site_keys(environment, catalogue.cases, pdfs, handbooks)
    keys = {page.path: keys.get(page.path, cache.digest(page.path)) for page in plan.pages}
    with output_lock(out, timeout=lock_timeout):
        manifest = cache.Manifest.load(out, _cache_dir(project, output_dir, cache_dir))
        stale = [p for p in plan.pages if force or not manifest.fresh(out / p.path, keys[p.path])]
        report.outputs += [out / p.path for p in plan.pages if p not in stale]
        for done, page in enumerate(stale, 1):
            target = out / page.path
            try:
                write_atomic(target, page.render())
                manifest.record(target, keys[page.path])
                report.outputs.append(target)
                report.rendered.append(target)
            except InputError as exc:  # the case's own text: reported at its field, like its brief
                manifest.forget([target])
                report.problems.extend(exc.problems)
            except CasepressError as exc:
                manifest.forget([target])
                message = f"site page not written: {exc}"
                report.failures.append(Problem(page.source, 0, 0, "", message))
            if progress:
                progress(done, len(stale), f"site/{page.path}")
        for path, source in plan.copies.items():
            target = out / path
            if not (target.exists() and os.path.samefile(source, target)):
                copy_atomic(source, target)  # published again only when it is another file
            report.outputs.append(target)
            report.copied.append(target)
        for gone in plan.stale(out):
            gone.unlink()
        manifest.forget([out / path for path in list(manifest.records)
                         if path != INDEX_PAGE and path not in plan.keep])  # fmt: skip
        write_if_changed(manifest.path, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


def _pdf_problems(case: Case, result: PdfResult) -> list[Problem]:
    """What the PDF of a case could not show, as warnings at the field that asked for it."""
    shown = display_path(case.path)
    texts = list(case.texts())
    problems: list[Problem] = []

    def warn(field: str, message: str) -> None:
        line, column = case.where(field) if field else (0, 0)
        problems.append(Problem(shown, line, column, field, message, severity="warning"))

    for refusal in result.refusals:
        warn(_field_naming(refusal.url, texts), f"refused {shorten(refusal.url)}: {refusal.reason}")
    for message in result.warnings:
        if not message.startswith("refused "):
            warn("", message)
    by_field: dict[str, list[str]] = {}
    for char in result.missing_glyphs:
        field = next((name for name, text in texts if char in text), "")
        by_field.setdefault(field, []).append(char)
    for field, chars in by_field.items():
        families = dict.fromkeys(f for c in chars for f in result.missing_glyphs[c])
        fonts = f"font(s) {', '.join(families)}" if families else "the theme's fonts"
        listed = ", ".join(f"U+{ord(c):04X} {c!r}" for c in chars[:12])
        if len(chars) > 12:
            listed += f" and {len(chars) - 12} more"
        warn(
            field,
            f"characters {listed} cannot be drawn by {fonts} or any installed fallback; "
            "they print as empty boxes (use a theme with a font that covers them)",
        )
    return problems


def _field_naming(url: str, texts: list[tuple[str, str]]) -> str:
    """The first field whose text mentions the URL, or its file name as an address would;
    '' when none does (a theme's stylesheet, say)."""
    if url.startswith("data:"):
        needles = [re.escape(url[:60])]
    else:
        file = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
        needles = [re.escape(url), re.escape(unquote(url))]
        if file:  # 'secret.txt' in '../../secret.txt', not in 'the secret.txt policy'
            needles.append(r"(?:^|[/\\(\"'=])" + re.escape(file) + r"(?:$|[\s)\"'?#>])")
    found = re.compile("|".join(needles))
    for name, text in texts:
        if found.search(text) or found.search(unquote(text)):
            return name
    return ""


def with_theme_defaults(project: Project, theme: Theme) -> Project:
    """The project with the theme's default language where casepress.yaml names none."""
    if project.language is None and theme.language:
        return dataclasses.replace(project, language=theme.language)
    return project
