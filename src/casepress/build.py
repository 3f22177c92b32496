"""Orchestration: load, decide what is stale, render in workers, write, assess. The only
module that writes under the output folder (``bookwriter.py`` writes handbooks for it).

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. Outputs whose inputs have not changed since the last build
are left alone (see ``cache``); the rest are rendered by a pool of worker processes (see
``workers``), written here as their results come back, and read back for the quality
report (``quality``). An output left alone keeps the quality entry and the warnings it was
written with, so ``report.json`` and ``--strict`` see every output whatever was rendered.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .cases import Case, Catalogue, load_cases
from .errors import CasepressError, InputError, Problem, display_path
from .project import Edition, Project
from .quality import OutputQuality
from .themes import BASE, THEMES_DIR, Theme, find_theme, theme_for, theme_search_places
from .workers import CaseResult, TaskFailure, WorkerPool, default_jobs, init_worker

if TYPE_CHECKING:
    from .render import Lookup

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
    quality: list[OutputQuality] = field(default_factory=list)
    """What each output holds (quality.py); ``build_project`` writes report.json."""
    seconds: float = 0.0
    templates: list[Lookup] = field(default_factory=list)
    """Every template used, and every place it was looked for (``--explain-templates``)."""

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

    def warn(self, source: str, message: str) -> None:
        """Add a warning once (the same stylesheet problem comes from every worker)."""
        problem = Problem(source, 0, 0, "", message, "warning")
        if problem not in self.problems:
            self.problems.append(problem)

    def add_templates(self, lookups: Iterable[Lookup]) -> None:
        known = {lookup.name for lookup in self.templates}
        self.templates += [lookup for lookup in lookups if lookup.name not in known]


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


def _write_if_changed(path: Path, text: str) -> Path:
    """Leave a file that already holds ``text`` untouched (a no-change build writes nothing)."""
    try:
        if path.read_text("utf-8") == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return path


def write_schema(output_dir: Path) -> Path:
    """Write the JSON Schemas editors use where the files' hints point: build/case.schema.json
    (case files) and build/theme.schema.json (theme.yaml)."""
    import json

    from .cases import case_schema
    from .themes import theme_schema

    target = Path(output_dir) / "case.schema.json"
    _write_if_changed(target, json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n")
    theme_target = Path(output_dir) / "theme.schema.json"
    _write_if_changed(theme_target, json.dumps(theme_schema(), indent=2, ensure_ascii=False) + "\n")
    return target


def _pool(project: Project, theme: Theme, catalogue: Catalogue, jobs: int | None) -> WorkerPool:
    """Workers for this build (started only when the first document is submitted)."""
    titles = {c.id: c.title for c in catalogue.cases}
    return WorkerPool(
        default_jobs() if jobs is None else max(1, jobs),
        init_worker,
        (project, theme, titles, os.environ.get("SOURCE_DATE_EPOCH")),
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
    explain_templates: bool = False,
    pool: WorkerPool | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. A case that fails
    to render is reported too, and the others carry on. The theme is the project's
    (``project.theme``) unless one is given; an invalid theme raises ``InputError``.
    Briefs whose inputs have not changed since the last build into the same folder are not
    rendered again (``force`` renders everything). ``jobs`` worker processes render
    (default: one per CPU); ``shard=(i, n)`` builds only the i-th of n deterministic shares
    of the briefs. ``report.templates`` lists the templates the workers looked up; with
    ``explain_templates`` it is filled even when nothing needed rendering.
    """
    started = time.perf_counter()
    formats = tuple(formats)
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    catalogue = catalogue or load_cases(project, paths)
    report = BuildReport(problems=[*project.warnings, *catalogue.problems])
    if not catalogue.cases:
        report.seconds = time.perf_counter() - started
        return report

    out = Path(output_dir) if output_dir else project.briefs_dir
    manifest = cache.Manifest.load(out, _cache_dir(project, output_dir, cache_dir))
    environment = cache.environment_digest(project, theme, {"document": "brief"})
    titles = {c.id: c.title for c in catalogue.cases}
    todo: list[tuple[Case, tuple[str, ...], dict[str, str]]] = []
    for case in catalogue.cases:
        if not _in_shard(f"brief:{case.id}", shard):
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
    report.seconds = time.perf_counter() - started
    return report


def _renderer(project: Project, theme: Theme, catalogue: Catalogue):
    from .render import Renderer  # Jinja is imported only when something is rendered

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
            if fmt in result.data:
                write_atomic(target, result.data[fmt])
                messages = list(result.warnings) if fmt == "pdf" else []
                said = [("stylesheets", m) for m in result.sheet_warnings] if fmt == "pdf" else []
                said += [(shown, m) for m in messages]
                facts = {"pages": result.pages} if fmt == "pdf" else {}
                written(
                    report, manifest, target, keys[fmt], fmt, kind="brief", source=shown,
                    messages=messages, said=said, page_budget=project.brief_max_pages,
                    profile=project.profile, **facts,
                )  # fmt: skip
            else:
                manifest.forget([target])
                message = f"{fmt.upper()} not written: {result.errors.get(fmt, 'unknown error')}"
                report.failures.append(Problem(shown, 0, 0, "", message))
        if progress:
            progress(done, len(todo), case.id)


def written(
    report: BuildReport, manifest: cache.Manifest, target: Path, key: str, fmt: str, *,
    kind: str, source: str, messages: list[str], said: list[tuple[str, str]],
    page_budget: int | None, profile: str, **facts: Any,
) -> None:  # fmt: skip
    """After writing ``target``: read it back for the report, warn about what was said
    while rendering it (``said``: source, message) and what the reading finds, and record
    it all in the manifest for the builds that will leave it alone."""
    quality, findings = _assess(
        target, fmt, kind=kind, source=source, profile=profile, warnings=messages,
        page_budget=page_budget,
    )  # fmt: skip
    said = [*said, *((source, message) for message in findings)]
    for where, message in said:
        report.warn(where, message)
    if quality is not None:
        report.quality.append(quality)
        facts["quality"] = quality.as_dict()
    manifest.record(target, key, **facts, said=said)
    report.outputs.append(target)
    report.rendered.append(target)


def reuse(report: BuildReport, manifest: cache.Manifest, target: Path) -> None:
    """An output left as it was: listed with the quality entry and the warnings it had."""
    record = manifest.get(target)
    report.outputs.append(target)
    for where, message in record.get("said", []):
        report.warn(where, message)
    if "quality" in record:
        quality = OutputQuality.from_dict(record["quality"])
        quality.path = str(target)
        report.quality.append(quality)


def _assess(
    target: Path, fmt: str, *, kind: str, source: str, profile: str, warnings: list[str],
    page_budget: int | None,
) -> tuple[OutputQuality | None, list[str]]:  # fmt: skip
    """Read a written output back for the quality report; what it finds is worth a warning."""
    from . import quality

    try:
        result = quality.assess(
            target, fmt, kind=kind, source=source, profile=profile,
            warnings=warnings, page_budget=page_budget,
        )  # fmt: skip
    except Exception as exc:  # a report must never cost the output it describes
        return None, [f"{target.name}: not inspected: {exc}"]
    return result, quality.findings(result)


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
    """Everything ``casepress build`` makes: every brief, every defined handbook, the
    schemas and the quality report (build/report.json).

    One pool of workers serves briefs and handbooks alike.
    """
    started = time.perf_counter()
    if output_dir:
        project = dataclasses.replace(project, output_dir=Path(output_dir).resolve())
    out = project.output_dir
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
            from .bookwriter import page_hints

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
    report.outputs.append(write_schema(out))
    contrast = check_contrast(theme)
    for pair in contrast:
        if not pair.passed:
            message = (
                f"contrast {pair.ratio:.2f}:1 of {pair.foreground} on {pair.background} "
                f"({pair.used_for}) is under {pair.minimum:g}:1 (WCAG 2.1 AA)"
            )
            report.warn("stylesheets", message)
    report.outputs.append(write_report(out, report, project, contrast))
    report.seconds = time.perf_counter() - started
    return report


def check_contrast(theme: Theme) -> list:
    """The palette pairs (colours.PAIRS) of the colours the theme's style sheets declare."""
    from . import colours

    return colours.check_stylesheets(theme.stylesheets("html", document="handbook"))


def write_report(
    output_dir: Path, report: BuildReport, project: Project, contrast: list = ()
) -> Path:
    """build/report.json: per output what it holds, the checks made, the palette's contrast.

    Paths are relative to the output folder and nothing depends on the clock, so two builds
    of the same sources give the same report; outputs are listed in path order, whichever
    order the workers finished them in.
    """
    import json

    from . import __version__, quality

    output_dir = Path(output_dir)

    def relative(entry: dict) -> dict:
        path = Path(entry["path"])
        entry["path"] = (
            str(path.relative_to(output_dir)) if path.is_relative_to(output_dir) else str(path)
        )
        return entry

    entries = sorted((relative(q.as_dict()) for q in report.quality), key=lambda e: e["path"])
    document = {
        "generator": f"casepress {__version__}",
        "profile": project.profile,
        "pdf_variant": project.pdf_variant or "pdf/ua-1",
        "summary": quality.summary(report.quality),
        "contrast": [c.as_dict() for c in contrast],
        "outputs": entries,
    }
    target = output_dir / "report.json"
    return _write_if_changed(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


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
    pool: WorkerPool | None = None,
    page_hints: dict[str, int] | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build handbooks: the project's (all, or those ``names``) plus ad hoc ``editions``.

    Each edition is planned (selection validated) before any is rendered; an invalid
    edition is reported and skipped, the others still build. A large handbook's PDF is
    rendered chapter by chapter in parallel and merged (``split``: None decides by size,
    True or False forces; one that cannot be split is laid out in one pass, and says why
    when split was asked for); an unchanged one is not rendered at all.
    """
    from . import bookwriter as job
    from .handbook import plan_handbook

    started = time.perf_counter()
    formats = tuple(formats)
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
    manifest = cache.Manifest.load(out, cache_dir)
    environment = cache.environment_digest(project, theme, {"document": "handbook"})
    titles = {c.id: c.title for c in catalogue.cases}
    owns = {
        c.id: cache.case_digest(c, attached=project.embed_source)
        for plan in plans
        for c in plan.cases
    }
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
            page_hints = job.page_hints(project.briefs_dir, project.output_dir / cache.CACHE_DIR)
        own_pool = pool is None
        if own_pool:
            pool = _pool(project, theme, catalogue, jobs if "pdf" in formats else 0)
        try:
            book = job.HandbookJob(
                project, theme, catalogue, pool, out, manifest, report, progress, environment,
                cache_dir,
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


def with_theme_defaults(project: Project, theme: Theme) -> Project:
    """The project with the theme's default language where casepress.yaml names none."""
    if project.language is None and theme.language:
        return dataclasses.replace(project, language=theme.language)
    return project


SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
"""Files ``casepress theme new`` copies; ``@NAME@`` and ``@EXTENDS@`` are filled in."""


def write_theme_scaffold(project_root: Path, name: str, extends: str = BASE) -> list[Path]:
    """Create ``themes/<name>/``: a commented theme.yaml, a logo, one block override, one
    stylesheet. Refuses to touch an existing folder."""
    folder = Path(project_root) / THEMES_DIR / name
    shown = display_path(folder)

    def refuse(message: str) -> InputError:
        return InputError([Problem(shown, 0, 0, "", message)])

    if name == BASE:
        raise refuse("'base' is the built-in theme; choose another name")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name):
        raise refuse(f"{name!r} cannot name a theme: use lowercase letters, digits and hyphens")
    if folder.exists():
        raise refuse("already exists; choose another name")
    if find_theme(extends, project_root) is None:
        where = theme_search_places(project_root, extends)
        raise refuse(f"cannot extend unknown theme {extends!r}; looked in {where}")
    written_files = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or source.name.startswith(".") or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(SCAFFOLD)
        text = source.read_text("utf-8").replace("@NAME@", name).replace("@EXTENDS@", extends)
        write_atomic(target, text)
        written_files.append(target)
    return written_files
