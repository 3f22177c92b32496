"""Orchestration: load, render, write. The only module that writes under the output folder.

Every output is written atomically (a unique temporary file in the same folder, then
``os.replace``): an interrupted or failed build never leaves a truncated file and never
destroys the previous good one. A build holds a lock on its output folder while it writes
(``flock`` on the folder itself, so no lock file is left among the outputs): a second build
of the same folder waits for the first, then runs, or gives up with a clear message.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .cases import Case, Catalogue, load_cases
from .errors import BuildLockedError, CasepressError, InputError, Problem, display_path
from .project import Project
from .render import Renderer
from .resources import ResourcePolicy, shorten
from .themes import PDF_STYLESHEETS, Theme, load_theme

if TYPE_CHECKING:
    from .pdf import PdfRenderer, PdfResult

LOGGER = logging.getLogger("casepress")
LOCK_TIMEOUT = 600.0
"""Seconds a build waits for another build of the same output folder to finish."""

FORMATS = ("pdf", "html")
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
    seconds: float = 0.0

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
    write_atomic(target, json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n")
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
) -> BuildReport:
    """Validate cases, then render a PDF and/or HTML brief for each valid one.

    Invalid cases are reported and skipped; the valid ones still build. A case that fails
    to render is reported too, and the others carry on; its previous outputs are kept.
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
    all_titles = {c.id: c.title for c in catalogue.cases}
    renderer = Renderer(project, theme, titles=all_titles)
    pdf_renderer = (
        _pdf_renderer(project, theme, report, renderer.policy) if "pdf" in formats else None
    )

    total = len(catalogue.cases) * len(formats)
    done = 0
    invalid: set[str] = set()
    with output_lock(out, timeout=lock_timeout):
        for case in catalogue.cases:
            for fmt in formats:
                target = out / f"{case.id}.{fmt}"
                if case.id in invalid:  # its text failed for one format: it would for all
                    done += 1
                    continue
                found: list[Problem] = []
                try:
                    html = renderer.render_brief(case, target=fmt, problems=found)
                    if fmt == "html":
                        write_atomic(target, html)
                    else:
                        assert pdf_renderer is not None
                        result = pdf_renderer.pdf(html, base_url=case.path.parent)
                        found.extend(_pdf_problems(case, result))
                        write_atomic(target, result.data)
                    report.outputs.append(target)
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
    # The PDF and the HTML of a case find the same problems in its text: say each once,
    # in the order of the files and of the lines in them.
    report.problems = sorted(set(report.problems))
    report.seconds = time.perf_counter() - started
    return report


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
    project: Project, theme: Theme, report: BuildReport, policy: ResourcePolicy
) -> PdfRenderer:
    from .pdf import PdfRenderer  # WeasyPrint is imported only when a PDF is wanted

    renderer = PdfRenderer(
        theme.stylesheets(PDF_STYLESHEETS),
        policy=policy,
        pdf_variant=project.pdf_variant,
        max_elements=project.max_elements,
    )
    for message in renderer.stylesheet_warnings:
        report.problems.append(Problem("stylesheets", 0, 0, "", message, severity="warning"))
    return renderer


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
