"""Writing handbooks, delegated by ``build.build_handbooks``: one pass or split, then recorded.

The HTML is rendered here; the PDF is laid out in the worker pool in one pass or chapter by
chapter (``assemble``); each output is written, read back and recorded as briefs are.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CasepressError, Problem, RenderError
from ..model.cases import Catalogue
from ..model.editions import HandbookPlan
from ..model.project import Project
from ..theme.chain import Theme
from . import cache
from .driver import Progress
from .outputs import BuildReport, written
from .workers import TaskFailure, WorkerPool
from .writing import write_atomic

LOGGER = logging.getLogger("casepress")


def page_hints(briefs_dir: Path, cache_dir: Path) -> dict[str, tuple[int, float | None]]:
    """(pages, last-page fill) of briefs from the last build: a chapter usually has as many
    pages, one more when the brief's last page is nearly full."""
    records = cache.Manifest.load(briefs_dir, cache_dir).records
    return {
        Path(name).stem: (record["pages"], record.get("fill"))
        for name, record in records.items()
        if name.endswith(".pdf") and record.get("pages")
    }


@dataclass
class _Pdf:
    plan: HandbookPlan
    target: Path
    key: str
    html: str
    attachments: tuple[Path, ...]
    split: bool
    found: list[Problem]


@dataclass
class HandbookJob:
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
    max_elements: int | None = None
    css_texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from ..render.renderer import Renderer, sheet_text

        titles = {c.id: c.title for c in self.catalogue.cases}
        self.renderer = Renderer(self.project, self.theme, titles=titles)
        project = self.project
        sheets = self.theme.stylesheets(
            "pdf", page_size=project.page_size, document="handbook", profile=project.profile
        )
        self.css_texts = [sheet_text(sheet) for sheet in sheets]

    def build(
        self, todo, *, split: bool | None, hints: dict[str, tuple[int, float | None]], force: bool
    ) -> None:
        """Every stale handbook output: HTML written at once, single-pass PDFs laid out
        side by side in the pool, then each split PDF using the whole pool."""
        from ..pdf.units import why_not_split
        from .split import SPLIT_THRESHOLD

        pdfs = []
        for plan, fmt, target, key in todo:
            found: list[Problem] = []  # in case text; each chapter is laid out without it
            try:
                html = self.renderer.render_handbook(plan, target=fmt, problems=found)
            except CasepressError as exc:
                self._failed(plan, fmt, target, exc)
                continue
            if fmt == "html":
                write_atomic(target, html)
                self._written(plan, "html", target, key, [], found)
                continue
            sources = (
                tuple(c.path for part in plan.parts for c in part.cases)
                if self.project.embed_source
                else ()
            )
            reason = why_not_split(plan, html, self.css_texts)
            wanted = split if split is not None else len(plan.cases) >= SPLIT_THRESHOLD
            if wanted and reason is not None:
                LOGGER.info("%s: laid out in one pass: %s", plan.edition.name, reason)
            pdfs.append(_Pdf(plan, target, key, html, sources, wanted and reason is None, found))
        self._single_pass([p for p in pdfs if not p.split])
        for job in pdfs:
            if job.split:
                self._split(job, hints, force)

    def _single_pass(self, jobs: list[_Pdf]) -> None:
        from .workers import render_document

        by_name = {job.plan.edition.name: job for job in jobs}
        for job in jobs:
            self.pool.submit(
                job.plan.edition.name, render_document, job.html, self.project.root,
                "handbook", (), job.attachments, 0, self.max_elements,
            )  # fmt: skip
        for done, (name, result) in enumerate(self.pool.results(), 1):
            job = by_name[name]
            if isinstance(result, TaskFailure):
                self._failed(job.plan, "pdf", job.target, RenderError(result.message))
                continue
            for message in result.sheet_warnings:
                self.report.warn("stylesheets", message)
            write_atomic(job.target, result.data)
            self._written(job.plan, "pdf", job.target, job.key, result.warnings, job.found,
                          pages=result.pages)  # fmt: skip
            if self.progress:
                self.progress(done, len(jobs), f"{name}.pdf")

    def _split(self, job: _Pdf, hints: dict[str, tuple[int, float | None]], force: bool) -> None:
        from .split import SplitHandbook

        previous = {} if force else self.manifest.get(job.target).get("units", {})
        attached = [c for part in job.plan.parts for c in part.cases] if job.attachments else []
        book = SplitHandbook(
            job.plan, job.html, self.project.root, self.pool, self._load_unit, previous, hints,
            salt=self.environment, css_texts=self.css_texts, attachments=job.attachments,
            attachments_salt=cache.digest([cache.case_digest(c, attached=True) for c in attached]),
            max_elements=self.max_elements, progress=self.progress,
        )  # fmt: skip
        try:
            data = book.build()
        except CasepressError as exc:
            self._failed(job.plan, "pdf", job.target, exc)
            return
        for message in book.sheet_warnings:
            self.report.warn("stylesheets", message)
        for unit_key, unit in book.new_units.items():
            write_atomic(self._unit_path(unit_key), unit.data)
        write_atomic(job.target, data)
        self._written(job.plan, "pdf", job.target, job.key, book.warnings, job.found,
                      units=book.unit_facts())  # fmt: skip

    def _written(self, plan, fmt: str, target: Path, key: str, messages, found=(), **facts) -> None:
        name = plan.edition.name
        messages = list(dict.fromkeys(messages))
        written(
            self.report, self.manifest, target, key, fmt, kind="handbook",
            source=plan.edition.source, messages=messages,
            said=[*found, *(Problem(plan.edition.source, 0, 0, "", f"{name}: {m}", "warning")
                            for m in messages)],
            page_budget=plan.edition.max_pages, profile=self.project.profile, **facts,
        )  # fmt: skip

    def _failed(self, plan, fmt: str, target: Path, exc: Exception) -> None:
        self.manifest.forget([target])
        name = plan.edition.name
        self.report.failures.append(
            Problem(plan.edition.source, 0, 0, "", f"handbook {name} {fmt.upper()}: {exc}")
        )

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
