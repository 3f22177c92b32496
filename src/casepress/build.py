"""Orchestration: load, decide what is stale, render in workers, write. The only module
that writes under the output folder.

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. Outputs whose inputs have not changed since the last build
are left alone (see ``cache``); the rest are rendered by a pool of worker processes (see
``workers``), and written here as their results come back.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .cases import Case, Catalogue, load_cases
from .errors import InputError, Problem, display_path
from .handbook import HandbookPlan, plan_handbook
from .project import Edition, Project
from .themes import HANDBOOK_PDF_STYLESHEETS, PDF_STYLESHEETS, Theme, load_theme
from .workers import CaseResult, TaskFailure, WorkerPool, default_jobs, init_worker

FORMATS = ("pdf", "html")
Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, label)`` after each document is rendered."""
Shard = tuple[int, int]
"""``(index, count)``, 1-based: build only the outputs that ``cache.shard_of`` puts there."""


@dataclass
class BuildReport:
    """What a build did: files written, problems found (validation and rendering), timing."""

    outputs: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Validation errors and warnings, and warnings from rendering."""
    failures: list[Problem] = field(default_factory=list)
    """Outputs that could not be rendered."""
    rendered: list[Path] = field(default_factory=list)
    """Outputs rendered by this build (the others in ``outputs`` were up to date)."""
    seconds: float = 0.0

    @property
    def skipped(self) -> list[Path]:
        """Outputs left as they were because nothing they depend on changed."""
        rendered = set(self.rendered)
        return [p for p in self.outputs if p not in rendered]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """2 when input was invalid, 1 when a render failed, else 0."""
        if self.errors:
            return 2
        return 1 if self.failures else 0


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old or the new content, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_schema(output_dir: Path) -> Path:
    """Write the case JSON Schema where case files' editor hint points (build/case.schema.json)."""
    import json

    from .cases import case_schema

    target = Path(output_dir) / "case.schema.json"
    text = json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n"
    if not target.is_file() or target.read_text("utf-8") != text:
        write_atomic(target, text)
    return target


def _pool(project: Project, theme: Theme, catalogue: Catalogue, jobs: int | None) -> WorkerPool:
    """Workers for this build (started only when the first document is submitted)."""
    titles = {c.id: c.title for c in catalogue.cases}
    return WorkerPool(
        default_jobs() if jobs is None else max(1, jobs),
        init_worker,
        (project, theme, titles, cache.source_date()),
    )


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
    jobs: int | None = None,
    shard: Shard | None = None,
    force: bool = False,
    pool: WorkerPool | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. A case that fails
    to render is reported too, and the others carry on. Briefs whose inputs have not
    changed since the last build into the same folder are not rendered again (``force``
    renders everything). ``jobs`` worker processes render (default: one per CPU);
    ``shard=(i, n)`` builds only the i-th of n deterministic shares of the briefs.
    """
    started = time.perf_counter()
    formats = tuple(formats)
    catalogue = catalogue or load_cases(project, paths)
    report = BuildReport(problems=list(catalogue.problems))
    if not catalogue.cases:
        report.seconds = time.perf_counter() - started
        return report

    theme = theme or load_theme(project.root)
    out = Path(output_dir) if output_dir else project.briefs_dir
    manifest = cache.Manifest.load(out, _cache_dir(project, output_dir, cache_dir))
    environment = cache.environment_digest(project, theme, {"brief": PDF_STYLESHEETS})
    titles = {c.id: c.title for c in catalogue.cases}
    todo: list[tuple[Case, tuple[str, ...], dict[str, str]]] = []
    for case in catalogue.cases:
        if not _in_shard(f"brief:{case.id}", shard):
            continue
        own = cache.case_digest(case)
        keys = {fmt: cache.brief_key(environment, case, titles, fmt, own) for fmt in formats}
        stale = tuple(
            fmt
            for fmt in formats
            if force or not manifest.fresh(out / f"{case.id}.{fmt}", keys[fmt])
        )
        report.outputs += [out / f"{case.id}.{fmt}" for fmt in formats if fmt not in stale]
        if stale:
            todo.append((case, stale, keys))

    if todo:
        own_pool = pool is None
        if own_pool:
            pool = _pool(project, theme, catalogue, jobs if "pdf" in formats else 0)
        try:
            _render_briefs(todo, pool, out, manifest, report, progress)
        finally:
            if own_pool:
                pool.close()
            write_atomic(manifest.path, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


def _render_briefs(todo, pool: WorkerPool, out: Path, manifest, report, progress) -> None:
    from .workers import render_case

    by_id = {case.id: (case, stale, keys) for case, stale, keys in todo}
    items = ((case.id, (case, stale, PDF_STYLESHEETS)) for case, stale, _ in todo)
    sheet_warnings: set[str] = set()
    for done, (case_id, result) in enumerate(pool.map(render_case, items), 1):
        case, stale, keys = by_id[case_id]
        shown = display_path(case.path)
        if isinstance(result, TaskFailure):
            result = CaseResult(data={}, errors=dict.fromkeys(stale, result.message))
        for message in result.sheet_warnings:
            if message not in sheet_warnings:
                sheet_warnings.add(message)
                report.problems.append(Problem("stylesheets", 0, 0, "", message, "warning"))
        for message in result.warnings:
            report.problems.append(Problem(shown, 0, 0, "", message, severity="warning"))
        for fmt in stale:
            target = out / f"{case.id}.{fmt}"
            if fmt in result.data:
                write_atomic(target, result.data[fmt])
                facts = {"pages": result.pages} if fmt == "pdf" else {}
                manifest.record(target, keys[fmt], **facts)
                report.outputs.append(target)
                report.rendered.append(target)
            else:
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
) -> BuildReport:
    """Everything ``casepress build`` makes: every brief, every defined handbook, the schema.

    One pool of workers serves briefs and handbooks alike.
    """
    started = time.perf_counter()
    if output_dir:
        project = dataclasses.replace(project, output_dir=Path(output_dir).resolve())
    out = project.output_dir
    catalogue = load_cases(project)
    theme = theme or load_theme(project.root)
    options = {"progress": progress, "shard": shard, "force": force,
               "cache_dir": out / cache.CACHE_DIR}  # fmt: skip
    with _pool(project, theme, catalogue, jobs) as pool:
        report = build_briefs(
            project, output_dir=out / "briefs", theme=theme, catalogue=catalogue, pool=pool,
            **options,
        )  # fmt: skip
        if project.handbooks:
            handbooks = build_handbooks(
                project, output_dir=out / "handbooks", theme=theme, catalogue=catalogue,
                pool=pool, page_hints=_page_hints(out / "briefs", out / cache.CACHE_DIR),
                **options,
            )  # fmt: skip
            report.outputs += handbooks.outputs
            report.rendered += handbooks.rendered
            report.problems += handbooks.problems[len(catalogue.problems) :]
            report.failures += handbooks.failures
    report.outputs.append(write_schema(out))
    report.seconds = time.perf_counter() - started
    return report


def _page_hints(briefs_dir: Path, cache_dir: Path) -> dict[str, int]:
    """Page counts of briefs from the last build: a chapter usually has as many pages."""
    records = cache.Manifest.load(briefs_dir, cache_dir).records
    return {
        Path(name).stem: record["pages"]
        for name, record in records.items()
        if name.endswith(".pdf") and record.get("pages")
    }


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
    pool: WorkerPool | None = None,
    page_hints: dict[str, int] | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build handbooks: the project's (all, or those ``names``) plus ad hoc ``editions``.

    Each edition is planned (selection validated) before any is rendered; an invalid
    edition is reported and skipped, the others still build. A large handbook's PDF is
    rendered chapter by chapter in parallel and merged (``split``: None decides by size,
    True or False forces); an unchanged one is not rendered at all.
    """
    started = time.perf_counter()
    formats = tuple(formats)
    catalogue = catalogue or load_cases(project)
    report = BuildReport(problems=list(catalogue.problems))
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

    theme = theme or load_theme(project.root)
    out = Path(output_dir) if output_dir else project.handbooks_dir
    cache_dir = _cache_dir(project, output_dir, cache_dir)
    manifest = cache.Manifest.load(out, cache_dir)
    environment = cache.environment_digest(project, theme, {"handbook": HANDBOOK_PDF_STYLESHEETS})
    titles = {c.id: c.title for c in catalogue.cases}
    owns = {c.id: cache.case_digest(c) for plan in plans for c in plan.cases}
    todo = []
    for plan in plans:
        for fmt in formats:
            target = out / f"{plan.edition.name}.{fmt}"
            key = cache.handbook_key(environment, plan, titles, fmt, owns)
            if not force and manifest.fresh(target, key):
                report.outputs.append(target)
            else:
                todo.append((plan, fmt, target, key))
    if todo:
        if page_hints is None:
            page_hints = _page_hints(project.briefs_dir, project.output_dir / cache.CACHE_DIR)
        own_pool = pool is None
        if own_pool:
            pool = _pool(project, theme, catalogue, jobs)
        try:
            job = _HandbookJob(
                project, theme, catalogue, pool, out, manifest, report, progress, environment,
                cache_dir,
            )  # fmt: skip
            for plan, fmt, target, key in todo:
                job.build(plan, fmt, target, key, split=split, hints=page_hints, force=force)
            job.prune_units()
        finally:
            if own_pool:
                pool.close()
            write_atomic(manifest.path, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _HandbookJob:
    """Renders and writes handbooks, keeping the split path's chapter PDFs for next time."""

    project: Project
    theme: Theme
    catalogue: Catalogue
    pool: WorkerPool
    out: Path
    manifest: cache.Manifest
    report: BuildReport
    progress: Progress | None
    environment: str
    cache_dir: Path

    def __post_init__(self) -> None:
        from .render import Renderer

        titles = {c.id: c.title for c in self.catalogue.cases}
        self.renderer = Renderer(self.project, self.theme, titles=titles)

    def build(
        self, plan: HandbookPlan, fmt: str, target: Path, key: str, *, split, hints, force
    ) -> None:
        from .errors import CasepressError

        name = plan.edition.name
        facts: dict = {}
        try:
            html = self.renderer.render_handbook(plan, target=fmt)
            if fmt == "html":
                data: bytes | str = html
            else:
                data, warnings, facts = self._pdf(plan, html, split=split, hints=hints, force=force)
                for message in dict.fromkeys(warnings):
                    self.report.problems.append(
                        Problem(plan.edition.source, 0, 0, "", f"{name}: {message}", "warning")
                    )
            write_atomic(target, data)
            self.manifest.record(target, key, **facts)
            self.report.outputs.append(target)
            self.report.rendered.append(target)
        except CasepressError as exc:
            self.manifest.forget([target])
            self.report.failures.append(
                Problem(plan.edition.source, 0, 0, "", f"handbook {name} {fmt.upper()}: {exc}")
            )

    def _pdf(
        self, plan: HandbookPlan, html: str, *, split, hints, force
    ) -> tuple[bytes, list, dict]:
        from . import assemble
        from .errors import RenderError
        from .workers import render_document

        name = plan.edition.name
        reason = assemble.why_not_split(plan, html, self.theme)
        if split is None:
            split = reason is None and len(plan.cases) >= assemble.SPLIT_THRESHOLD
        if split and reason is None:
            previous = {} if force else self.manifest.get(self.out / f"{name}.pdf").get("units", {})
            sheets = self.theme.stylesheets(HANDBOOK_PDF_STYLESHEETS)
            book = assemble.SplitHandbook(
                plan, html, self.project.root, self.pool, self._load_unit, previous, hints,
                salt=self.environment, css_texts=[p.read_text("utf-8") for p in sheets],
                progress=self.progress,
            )  # fmt: skip
            data = book.build()
            for unit_key, unit in book.new_units.items():
                write_atomic(self._unit_path(unit_key), unit.data)
            return data, book.warnings, {"units": book.unit_facts()}
        self.pool.submit(name, render_document, html, self.project.root, HANDBOOK_PDF_STYLESHEETS)
        ((_, result),) = list(self.pool.results())
        if isinstance(result, TaskFailure):
            raise RenderError(result.message)
        if self.progress:
            self.progress(1, 1, f"{name}.pdf")
        return result.data, result.warnings, {"pages": result.pages}

    def _unit_path(self, key: str) -> Path:
        return self.cache_dir / cache.UNITS_DIR / f"{key}.pdf"

    def _load_unit(self, key: str) -> bytes | None:
        try:
            return self._unit_path(key).read_bytes()
        except OSError:
            return None

    def prune_units(self) -> None:
        """Drop chapter PDFs that no handbook in this folder uses any more."""
        folder = self.cache_dir / cache.UNITS_DIR
        if not folder.is_dir():
            return
        manifests = [self.manifest.records]
        for path in folder.parent.glob("*.json"):
            if path != self.manifest.path:
                try:
                    manifests.append(json.loads(path.read_text("utf-8")).get("outputs", {}))
                except (OSError, ValueError, AttributeError):
                    return  # an unreadable manifest: keep everything rather than guess
        used = {
            record["key"]
            for records in manifests
            for facts in records.values()
            for record in facts.get("units", {}).values()
        }
        for path in folder.glob("*.pdf"):
            if path.stem not in used:
                path.unlink(missing_ok=True)
