"""Orchestration: load, render, write. The only module that writes under the output folder.

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. A build holds a lock on its output folder while it writes
(``flock`` on the folder itself, so no lock file is left among the outputs): a second build
of the same folder waits for the first, then runs, or gives up with a clear message.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .cases import Case, Catalogue, load_cases
from .errors import BuildLockedError, CasepressError, InputError, Problem, display_path
from .handbook import plan_handbook
from .project import Edition, Project
from .quality import OutputQuality
from .render import Lookup, Renderer
from .resources import ResourcePolicy, shorten
from .themes import BASE, THEMES_DIR, Theme, find_theme, theme_for, theme_search_places

if TYPE_CHECKING:
    from .pdf import PdfRenderer, PdfResult

LOGGER = logging.getLogger("casepress")
LOCK_TIMEOUT = 600.0
"""Seconds a build waits for another build of the same output folder to finish."""

FORMATS = ("pdf", "html")
PRINT_BLEED_MM = 3.0
"""The bleed a printer gets with the print profile (styles/print-production.css)."""
Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, label)`` after each output is written."""


@dataclass
class BuildReport:
    """What a build did: files written, problems found (validation and rendering), timing."""

    outputs: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Validation errors and warnings, and warnings from rendering."""
    failures: list[Problem] = field(default_factory=list)
    """Outputs that could not be rendered."""
    quality: list[OutputQuality] = field(default_factory=list)
    """What each written output holds (quality.py); ``build_project`` writes report.json."""
    seconds: float = 0.0
    templates: list[Lookup] = field(default_factory=list)
    """Every template used, and every place it was looked for (``--explain-templates``)."""

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


def write_new(path: Path, data: bytes | str) -> None:
    """Create a file that must not exist yet: all of it or nothing, never replacing another.

    The content goes to a temporary file first, which is then hard-linked into place: the
    link fails if the name was taken meanwhile (``FileExistsError``), so a file someone has
    just created is never overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create instead
            with open(path, "xb") as handle:
                handle.write(payload)
    finally:
        Path(tmp).unlink(missing_ok=True)


def create_files(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Create new files (``casepress init`` and ``new``); when any exists, none is written."""
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        raise InputError([_exists(path) for path in existing])
    created = []
    for path, data in files.items():
        try:
            write_new(path, data)
        except FileExistsError:
            raise InputError([_exists(path)]) from None
        created.append(path)
    return created


def _exists(path: Path) -> Problem:
    return Problem(display_path(path), 0, 0, "", "already exists; casepress does not overwrite it")


def copy_atomic(source: Path, target: Path) -> None:
    """Publish a finished output under another name, atomically (a hard link when possible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or no hard links: copy the bytes
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_schema(output_dir: Path) -> Path:
    """Write the JSON Schemas editors use where the files' hints point: build/case.schema.json
    (case files) and build/theme.schema.json (theme.yaml)."""
    import json

    from .cases import case_schema
    from .themes import theme_schema

    target = Path(output_dir) / "case.schema.json"
    write_atomic(target, json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n")
    theme_target = Path(output_dir) / "theme.schema.json"
    write_atomic(theme_target, json.dumps(theme_schema(), indent=2, ensure_ascii=False) + "\n")
    return target


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
) -> BuildReport:
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. A case that fails
    to render is reported too, and the others carry on; its previous outputs are kept. The
    theme is the project's (``project.theme``) unless one is given; an invalid theme raises
    ``InputError``.
    ``only`` limits the briefs to those ids of the catalogue (titles and links still
    come from all of it).
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
    all_titles = {c.id: c.title for c in catalogue.cases}
    renderer = Renderer(project, theme, titles=all_titles)
    pdf_renderer = (
        _pdf_renderer(project, theme, report, renderer.policy) if "pdf" in formats else None
    )

    chosen = [case for case in catalogue.cases if only is None or case.id in only]
    total = len(chosen) * len(formats)
    done = 0
    invalid: set[str] = set()
    with output_lock(out, timeout=lock_timeout):
        for case in chosen:
            for fmt in formats:
                target = out / f"{case.id}.{fmt}"
                if case.id in invalid:  # its text failed for one format: it would for all
                    done += 1
                    continue
                found: list[Problem] = []
                messages: list[str] = []
                try:
                    html = renderer.render_brief(case, target=fmt, problems=found)
                    if fmt == "html":
                        write_atomic(target, html)
                    else:
                        assert pdf_renderer is not None
                        sources = [case.path] if project.embed_source else []
                        result = pdf_renderer.pdf(
                            html, base_url=case.path.parent, attachments=sources
                        )
                        found.extend(_pdf_problems(case, result))
                        messages = result.warnings
                        write_atomic(target, result.data)
                    report.outputs.append(target)
                    _assess(
                        report, project, target, fmt, kind="brief", source=display_path(case.path),
                        warnings=messages, page_budget=project.brief_max_pages,
                    )  # fmt: skip
                except InputError as exc:  # in case text: reported at its field, like validation
                    found.extend(exc.problems)
                    invalid.add(case.id)
                except CasepressError as exc:
                    shown = display_path(case.path)
                    message = f"{fmt.upper()} not written: {exc}"
                    report.failures.append(Problem(shown, 0, 0, "", message))
                report.problems.extend(found)
                done += 1
                if progress:
                    progress(done, total, f"{case.id}.{fmt}")
    report.templates = renderer.lookups
    # The PDF and the HTML of a case find the same problems in its text: say each once,
    # in the order of the files and of the lines in them.
    report.problems = sorted(set(report.problems))
    report.seconds = time.perf_counter() - started
    return report


def build_project(
    project: Project,
    *,
    output_dir: Path | None = None,
    theme: Theme | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Everything ``casepress build`` makes: briefs, defined handbooks, the site, the schemas."""
    started = time.perf_counter()
    out = Path(output_dir) if output_dir else project.output_dir
    theme = theme or theme_for(project)
    catalogue = load_cases(with_theme_defaults(project, theme))
    report = build_briefs(
        project, output_dir=out / "briefs", theme=theme, catalogue=catalogue, progress=progress
    )
    pdfs = {p.stem: p for p in report.outputs if p.suffix == ".pdf"}
    books: dict[str, dict[str, Path]] = {}
    if project.handbooks:
        handbooks = build_handbooks(
            project, output_dir=out / "handbooks", theme=theme, catalogue=catalogue,
            progress=progress,
        )  # fmt: skip
        known = set(report.problems)
        report.outputs += handbooks.outputs
        report.problems += [p for p in handbooks.problems if p not in known]
        report.failures += handbooks.failures
        report.templates += [t for t in handbooks.templates if t.name not in
                             {k.name for k in report.templates}]  # fmt: skip
        report.quality += handbooks.quality
        for path in handbooks.outputs:
            books.setdefault(path.stem, {})[path.suffix[1:]] = path
    site = build_site(
        project, output_dir=out / "site", theme=theme, catalogue=catalogue, pdfs=pdfs,
        handbooks=books, progress=progress,
    )  # fmt: skip
    report.outputs += site.outputs
    report.problems = sorted(set(report.problems) | set(site.problems))
    report.failures += site.failures
    report.outputs.append(write_schema(out))
    contrast = check_contrast(theme)
    for pair in contrast:
        if not pair.passed:
            message = (
                f"contrast {pair.ratio:.2f}:1 of {pair.foreground} on {pair.background} "
                f"({pair.used_for}) is under {pair.minimum:g}:1 (WCAG 2.1 AA)"
            )
            report.problems.append(Problem("stylesheets", 0, 0, "", message, "warning"))
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
    of the same sources give the same report.
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

    document = {
        "generator": f"casepress {__version__}",
        "profile": project.profile,
        "pdf_variant": project.pdf_variant or "pdf/ua-1",
        "summary": quality.summary(report.quality),
        "contrast": [c.as_dict() for c in contrast],
        "outputs": [relative(q.as_dict()) for q in report.quality],
    }
    target = output_dir / "report.json"
    write_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
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
) -> BuildReport:
    """Build handbooks: the project's (all, or those ``names``) plus ad hoc ``editions``.

    Each edition is planned (selection validated) before any is rendered; an invalid
    edition is reported and skipped, the others still build.
    """
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
            plans.append(plan_handbook(edition, catalogue, project))
        except InputError as exc:
            report.problems.extend(exc.problems)
    if not plans:
        report.seconds = time.perf_counter() - started
        return report

    renderer = Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})
    pdf_renderer = (
        # the element limit bounds one case; a handbook holds many
        _pdf_renderer(
            project,
            theme,
            report,
            renderer.policy,
            document="handbook",
            max_elements=project.max_elements * max(len(plan.cases) for plan in plans),
        )  # fmt: skip
        if "pdf" in formats
        else None
    )
    out = Path(output_dir) if output_dir else project.handbooks_dir
    total, done = len(plans) * len(formats), 0
    with output_lock(out):
        for plan in plans:
            name = plan.edition.name
            for fmt in formats:
                target = out / f"{name}.{fmt}"
                messages = []
                try:
                    found: list[Problem] = []
                    html = renderer.render_handbook(plan, target=fmt, problems=found)
                    report.problems.extend(p for p in found if p not in report.problems)
                    if fmt == "html":
                        write_atomic(target, html)
                    else:
                        sources = (
                            [c.path for part in plan.parts for c in part.cases]
                            if project.embed_source
                            else []
                        )
                        result = pdf_renderer.pdf(html, base_url=project.root, attachments=sources)
                        messages = result.warnings
                        for message in dict.fromkeys(result.warnings):
                            report.problems.append(
                                Problem(
                                    plan.edition.source, 0, 0, "", f"{name}: {message}", "warning"
                                )
                            )
                        write_atomic(target, result.data)
                    report.outputs.append(target)
                    _assess(
                        report, project, target, fmt, kind="handbook", source=plan.edition.source,
                        warnings=messages, page_budget=plan.edition.max_pages,
                    )  # fmt: skip
                except CasepressError as exc:
                    report.failures.append(
                        Problem(
                            plan.edition.source, 0, 0, "", f"handbook {name} {fmt.upper()}: {exc}"
                        )
                    )
                done += 1
                if progress:
                    progress(done, total, f"{name}.{fmt}")
    report.templates = renderer.lookups
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
) -> BuildReport:
    """The browsable library (``build/site/``): index, a page per case, PDFs and handbooks.

    ``pdfs`` (case id → brief PDF) and ``handbooks`` (name → {"html": path, "pdf": path})
    are finished outputs, copied in so that the site folder can be uploaded on its own;
    ``None`` links every case's PDF and every defined handbook as if present (the preview
    server makes them when asked). ``only`` renders just those cases' pages and the index.
    Files of cases that are gone, and files no longer published, are removed.
    """
    from .site import plan_site

    started = time.perf_counter()
    catalogue = catalogue or load_cases(project)
    theme = theme or theme_for(project)
    project = with_theme_defaults(project, theme)
    out = Path(output_dir) if output_dir else project.output_dir / "site"
    renderer = Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})
    plan = plan_site(renderer, catalogue.cases, pdfs=pdfs, handbooks=handbooks, only=only)
    report = BuildReport()
    total = len(plan.pages) + len(plan.copies)
    for done, page in enumerate(plan.pages, 1):
        try:
            write_atomic(out / page.path, page.render())
            report.outputs.append(out / page.path)
        except InputError as exc:  # the case's own text: reported at its field, like its brief
            report.problems.extend(exc.problems)
        except CasepressError as exc:
            report.failures.append(Problem(page.source, 0, 0, "", f"site page not written: {exc}"))
        if progress:
            progress(done, total, f"site/{page.path}")
    for done, (path, source) in enumerate(plan.copies.items(), len(plan.pages) + 1):
        copy_atomic(source, out / path)
        report.outputs.append(out / path)
        if progress:
            progress(done, total, f"site/{path}")
    for stale in plan.stale(out):
        stale.unlink()
    report.seconds = time.perf_counter() - started
    return report


def with_theme_defaults(project: Project, theme: Theme) -> Project:
    """The project with the theme's default language where casepress.yaml names none."""
    if project.language is None and theme.language:
        return dataclasses.replace(project, language=theme.language)
    return project


@contextmanager
def output_lock(folder: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on an output folder, waiting up to ``timeout`` seconds for it.

    The lock is taken on the folder itself and released when the build ends, however it
    ends (even killed: the kernel drops it). Where locks are unsupported (Windows, some
    network file systems), builds go unlocked: atomic writes still keep every file whole.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno in (errno.EBADF, errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP):
                    break  # this file system cannot lock: go on unlocked
                raise
            if time.monotonic() >= deadline:
                raise BuildLockedError(
                    f"another casepress build has been writing to {display_path(folder)} for "
                    f"more than {timeout:g} s; try again when it has finished"
                )
            if not waiting:
                waiting = True
                LOGGER.warning(
                    "another casepress build is writing to %s; waiting for it to finish",
                    display_path(folder),
                )
            time.sleep(0.1)
        _remove_leftovers(folder)
        yield
    finally:
        os.close(handle)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of a build that was killed mid-write (the lock says none is live)."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _pdf_renderer(
    project: Project,
    theme: Theme,
    report: BuildReport,
    policy: ResourcePolicy,
    document: str = "brief",
    max_elements: int | None = None,
) -> PdfRenderer:
    from .pdf import PdfRenderer  # WeasyPrint is imported only when a PDF is wanted

    renderer = PdfRenderer(
        theme.stylesheets(
            "pdf", page_size=project.page_size, document=document, profile=project.profile
        ),
        policy=policy,
        pdf_variant=project.pdf_variant,
        max_elements=max_elements or project.max_elements,
        bleed_mm=PRINT_BLEED_MM if project.profile == "print" else None,
    )
    for message in renderer.stylesheet_warnings:
        report.problems.append(Problem("stylesheets", 0, 0, "", message, severity="warning"))
    return renderer


def _assess(
    report: BuildReport, project: Project, target: Path, fmt: str, *, kind: str, source: str,
    warnings: list[str], page_budget: int | None,
) -> None:  # fmt: skip
    """Read the written output back for the quality report; warn about what it finds."""
    from . import quality

    try:
        result = quality.assess(
            target, fmt, kind=kind, source=source, profile=project.profile,
            warnings=warnings, page_budget=page_budget,
        )  # fmt: skip
    except Exception as exc:  # a report must never cost the output it describes
        report.problems.append(
            Problem(source, 0, 0, "", f"{target.name}: not inspected: {exc}", "warning")
        )
        return
    report.quality.append(result)
    for message in quality.findings(result):
        report.problems.append(Problem(source, 0, 0, "", message, severity="warning"))


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
    written = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or source.name.startswith(".") or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(SCAFFOLD)
        text = source.read_text("utf-8").replace("@NAME@", name).replace("@EXTENDS@", extends)
        write_atomic(target, text)
        written.append(target)
    return written
