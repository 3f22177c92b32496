"""Handbooks, one kind of output: the project's editions and ad hoc ones, HTML and PDF.

Each edition is planned (its selection validated) before any is rendered. The HTML is
rendered here; the PDF is laid out in the worker pool in one pass or chapter by chapter
(``split``); each output is written, read back and recorded as briefs are.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CasepressError, InputError, Problem, RenderError, display_path
from ..model.editions import (
    HandbookPlan,
    drafts_message,
    language_problems,
    partial_problems,
    plan_handbook,
    present_ids,
)
from ..model.project import COMMAND_LINE, Edition
from . import cache
from .context import ALL_FORMATS, BuildContext
from .outputs import Ledger, OutputKind, Written, remove_stale
from .workers import TaskFailure
from .writing import remove_output, write_atomic

LOGGER = logging.getLogger("casepress")
_HOW = logging.getLogger("casepress.workers")
"""How a handbook is laid out (split or not, units reused): not said with ``--quiet``."""
UNIT_NAME = re.compile(r"[0-9a-f]{32}\.pdf")


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
    facts: object = None
    """What its CSS asks of a split (``pdf.units.CssFacts``), when it is split."""
    units: object = None
    """Its HTML cut into units (``pdf.units.Cut``), when it is split."""


def build_handbooks_in(
    context: BuildContext, names: Iterable[str] | None = None, editions: Iterable[Edition] = (),
    split: bool | None = None, *, prune: bool = False,
) -> None:  # fmt: skip
    """The project's handbooks (all, or those ``names``) plus ad hoc ``editions``.

    An invalid edition is reported and skipped, the others still build; so is one that
    selects a case with errors, unless a partial handbook is allowed (``partial_problems``):
    its last good file stays. ``prune`` (a build of every defined handbook): handbooks of
    editions no longer defined, and ad hoc ones holding a case whose file is gone, are
    removed. A large handbook's
    PDF is laid out chapter by chapter in parallel and merged (``split``: None decides by
    size, True or False forces; one that cannot be split is laid out in one pass, and says
    why when split was asked for); an unchanged one is not rendered at all.
    """
    plans, stopped = _plans(context, names, editions)
    out = context.folder(context.project.handbooks_dir)
    if (prune or stopped) and out.is_dir():
        with context.manifest(out) as manifest:
            if prune:
                _prune(context, manifest)
            for name in stopped:  # its last good files stay, and stay published
                held = {fmt: manifest.root / f"{name}.{fmt}" for fmt in context.options.formats}
                held = {fmt: path for fmt, path in held.items()
                        if manifest.get(path) and path.is_file()}  # fmt: skip
                if held:
                    context.report.held_handbooks[name] = held
    if not plans:
        return
    environment = cache.environment_digest(context.project, context.theme, {"document": "handbook"})
    with context.manifest(out) as manifest:
        ledger = Ledger(context.report, manifest, OutputKind.HANDBOOK, context.project.profile)
        todo = _stale_handbooks(context, ledger, plans, environment)
        context.planned += len(todo)
        if todo:
            job = HandbookJob(context, ledger, environment, plans)
            job.build(todo, split=split)
            job.prune_units()
            context.report.add_templates(context.renderer().lookups)
    if context.options.explain_templates and not todo:
        renderer = context.renderer()  # nothing rendered: look the templates up
        with contextlib.suppress(CasepressError):
            for fmt in context.options.formats:
                renderer.render_handbook(plans[0], target=fmt)
        context.report.add_templates(renderer.lookups)


def _plans(
    context: BuildContext, names: Iterable[str] | None, editions: Iterable[Edition]
) -> tuple[list[HandbookPlan], list[str]]:
    """The editions asked for, planned, and the names of those stopped because cases they
    select have errors; problems with them go into the report."""
    project, report = context.project, context.report
    chosen: list[Edition] = []
    for name in list(project.handbooks) if names is None else list(names):
        if name in project.handbooks:
            chosen.append(project.handbooks[name])
            continue
        where = display_path(project.config_path) if project.config_path else "casepress.yaml"
        known = ", ".join(sorted(project.handbooks)) or "none are defined"
        report.problems.append(
            Problem.error(
                where, f"no handbook named {name!r} (defined: {known})", field="handbooks"
            )
        )
    plans, stopped = [], []
    for edition in [*chosen, *editions]:
        try:
            plan = plan_handbook(edition, context.catalogue, project)
        except InputError as exc:
            report.problems.extend(exc.problems)
            continue
        if not context.in_shard(f"handbook:{edition.name}"):
            continue
        drafts = drafts_message(plan)  # drafts are left out unless the edition asks
        if drafts:
            LOGGER.info("%s", drafts)
        said = partial_problems(plan, context.options.allow_partial) + language_problems(plan)
        for problem in said:
            report.warn(problem)
        if any(problem.severity == "error" for problem in said):
            stopped.append(edition.name)
        else:
            plans.append(plan)
    return plans, stopped


def _prune(context: BuildContext, manifest: cache.Manifest) -> None:
    """Remove the handbooks a build wrote for editions casepress.yaml no longer defines, and
    ad hoc ones holding a case whose file is gone (only outputs the manifest records, of
    this build's shard; a record that does not say which kind it is stays)."""
    present: set[str] | None = None
    root = context.root_of(manifest.root)
    for name, record in sorted(manifest.records.items()):
        stem, _, fmt = name.rpartition(".")
        if "/" in name or fmt not in ALL_FORMATS or not context.in_shard(f"handbook:{stem}"):
            continue
        kind = record.get("edition") or _kind_of(record)
        if kind == "defined" and stem not in context.project.handbooks:
            reason = "its handbook is no longer defined in casepress.yaml"
        elif kind == "adhoc" and "cases" in record:
            if present is None:
                present = present_ids(context.catalogue, context.project)
            gone = [case_id for case_id in record["cases"] if case_id not in present]
            if not gone:
                continue
            reason = f"it holds {', '.join(gone)}, whose case file is gone"
        else:
            continue
        remove_stale(context.report, manifest, root, manifest.root / name, reason)


def _kind_of(record: dict) -> str | None:
    """Whether a handbook recorded by an earlier version was defined or ad hoc: from the
    file its quality entry names."""
    source = record.get("quality", {}).get("source")
    if source == COMMAND_LINE:
        return "adhoc"
    return "defined" if isinstance(source, str) and source.endswith((".yaml", ".yml")) else None


def _stale_handbooks(
    context: BuildContext, ledger: Ledger, plans: list[HandbookPlan], environment: str
) -> list[tuple[HandbookPlan, str, Path, str]]:
    """(plan, format, target, key) to render; those left alone go into the report."""
    owns = {c.id: cache.case_digest(c, attached=context.project.embed_source,
                                    roots=context.read_roots)
            for plan in plans for c in plan.cases}  # fmt: skip
    todo = []
    for plan in plans:
        for fmt in context.options.formats:
            target = ledger.manifest.root / f"{plan.edition.name}.{fmt}"
            key = cache.handbook_key(environment, plan, context.titles, fmt, owns)
            if not context.options.force and ledger.manifest.fresh(target, key):
                ledger.kept(target, plan.edition.name)
            else:
                todo.append((plan, fmt, target, key))
    return todo


def _split_facts(plan, html: str, css_texts: list[str], store):
    """(CSS facts, units, why not split) of a handbook a split is wanted for: its HTML cut
    once (the split uses the same cut) and its CSS read once per change of the style
    sheets (``cssfacts``)."""
    from ..pdf.units import cut, handbook_css, why_not_split

    try:
        units = cut(html)
    except ValueError as exc:
        return None, None, str(exc)
    facts = store.facts(handbook_css(html, css_texts))
    return facts, units, why_not_split(plan, html, css_texts, facts=facts, units=units)


class HandbookJob:
    """Renders and writes handbooks, keeping the split path's chapter PDFs for next time."""

    def __init__(
        self, context: BuildContext, ledger: Ledger, environment: str, plans: list[HandbookPlan]
    ) -> None:
        from ..render.renderer import sheet_text

        self.context, self.ledger, self.environment = context, ledger, environment
        self.project, self.pool = context.project, context.pool
        self.manifest, self.report = ledger.manifest, context.report
        self.renderer = context.renderer()
        # the element limit bounds one case; a handbook holds many
        self.max_elements = self.project.max_elements * max(len(p.cases) for p in plans)
        sheets = context.theme.stylesheets(
            "pdf", page_size=self.project.page_size, document="handbook",
            profile=self.project.profile,
        )  # fmt: skip
        self.css_texts = [sheet_text(sheet, context.theme.roots) for sheet in sheets]

    def build(self, todo, *, split: bool | None) -> None:
        """Every stale handbook output: HTML written at once, single-pass PDFs laid out
        side by side in the pool, then each split PDF using the whole pool."""
        from .split import SPLIT_THRESHOLD

        pdfs, store = [], None
        for plan, fmt, target, key in todo:
            found: list[Problem] = []  # in case text; each chapter is laid out without it
            if fmt == "docx":
                self._word(plan, target, key)
                continue
            try:
                html = self.renderer.render_handbook(plan, target=fmt, problems=found)
            except CasepressError as exc:
                self._failed(plan, fmt, target, exc)
                continue
            if fmt == "html":
                write_atomic(target, html, root=self.context.root_of(target))
                self._written(plan, target, key, [], found)
                continue
            sources = (
                tuple(c.path for part in plan.parts for c in part.cases)
                if self.project.embed_source
                else ()
            )
            wanted = split if split is not None else len(plan.cases) >= SPLIT_THRESHOLD
            facts = units = reason = None
            if wanted:
                if store is None:
                    from .cssfacts import CssFactsStore

                    store = CssFactsStore(self.context.cache_dir,
                                          self.context.root_of(self.context.cache_dir))  # fmt: skip
                facts, units, reason = _split_facts(plan, html, self.css_texts, store)
                if reason is not None:
                    _HOW.info("%s: laid out in one pass: %s", plan.edition.name, reason)
            pdfs.append(_Pdf(plan, target, key, html, sources, wanted and reason is None, found,
                             facts, units))  # fmt: skip
        if store is not None:
            store.save()
        self._single_pass([p for p in pdfs if not p.split])
        if any(job.split for job in pdfs):
            # the briefs of the last build say how long each chapter is likely to be
            hints = page_hints(self.project.briefs_dir, self.project.output_dir / cache.CACHE_DIR)
            for job in pdfs:
                if job.split:
                    self._split(job, hints, self.context.options.force)

    def _single_pass(self, jobs: list[_Pdf]) -> None:
        from .workers import DocumentTask, render_document

        by_name = {job.plan.edition.name: job for job in jobs}
        for job in jobs:
            self.pool.submit(
                job.plan.edition.name, render_document,
                DocumentTask(job.html, self.project.root, attachments=job.attachments,
                             max_elements=self.max_elements),
            )  # fmt: skip
        for done, (name, result) in enumerate(self.pool.results(), 1):
            job = by_name[name]
            if isinstance(result, TaskFailure):
                self._failed(job.plan, "pdf", job.target, RenderError(result.message))
                continue
            for message in result.sheet_warnings:
                self.report.warn("stylesheets", message)
            for problem in result.sheet_problems:
                self.report.warn(problem)
            write_atomic(job.target, result.data, root=self.context.root_of(job.target))
            self._written(job.plan, job.target, job.key, result.warnings, job.found,
                          layout=result.layout, pages=result.pages)  # fmt: skip
            self.context.progress(done, len(jobs), f"{name}.pdf")

    def _split(self, job: _Pdf, hints: dict[str, tuple[int, float | None]], force: bool) -> None:
        from .split import SplitHandbook, SplitJob

        previous = {} if force else self.manifest.get(job.target).get("units", {})
        attached = [c for part in job.plan.parts for c in part.cases] if job.attachments else []
        split = SplitJob(
            job.plan, job.html, self.project.root, previous, hints, salt=self.environment,
            css_texts=self.css_texts, attachments=job.attachments,
            attachments_salt=cache.digest([cache.case_digest(c, attached=True, roots=self.context.read_roots)
                                           for c in attached]),
            max_elements=self.max_elements, facts=job.facts, units=job.units,
        )  # fmt: skip
        book = SplitHandbook(split, self.pool, self._load_unit, self.context.options.progress)
        try:
            data = book.build()
        except CasepressError as exc:
            self._failed(job.plan, "pdf", job.target, exc)
            return
        for message in book.sheet_warnings:
            self.report.warn("stylesheets", message)
        for problem in book.sheet_problems:
            self.report.warn(problem)
        for unit_key, unit in book.new_units.items():
            unit_path = self._unit_path(unit_key)
            write_atomic(unit_path, unit.data, root=self.context.root_of(unit_path))
        write_atomic(job.target, data, root=self.context.root_of(job.target))
        marks = [page for unit in book.page_marks() for page in unit["pages"]]
        reused = book.reused()
        # Each chapter is laid out on its own, not made from its brief's layout: WeasyPrint
        # 70 lays out, tags and furnishes one box tree per document (README, "Handbooks at
        # scale", says why and what it costs); the log says so whenever a chapter is laid out.
        laid = len(book.results) - len(reused)
        _HOW.info("%s: %d of %d units laid out, %d reused%s", job.plan.edition.name, laid,
                    len(book.results), len(reused),
                    " (chapters laid out on their own, not from their briefs' pages)" if laid else "")  # fmt: skip
        self._written(job.plan, job.target, job.key, book.warnings, job.found,
                      layout=book.layout(), marks=marks, units=book.unit_facts(),
                      laid_out=book.laid_out, reused=len(reused))  # fmt: skip

    def _word(self, plan, target: Path, key: str) -> None:
        """A handbook as one Word document (``word.book.write_book``), in this process:
        pandoc converts a hundred cases in about a second. Its indexes are left out, and
        the log says so."""
        from ..render.bookparts import furniture
        from ..word.book import BookFacts, cover_note, index_note, write_book
        from ..word.reference import reference_bytes, theme_reference

        theme, edition, renderer = self.context.theme, plan.edition, self.renderer
        language = renderer.language
        labels = theme.label_set(language.split("-")[0])
        organisation = edition.organisation or self.project.organisation or theme.organisation
        try:
            made = furniture(plan, theme, language=language, labels=labels,
                             organisation=organisation, image=lambda path, alt: None)  # fmt: skip
            parts = [labels.get("other_cases", "Other cases") if part.other
                     else renderer.country(part.title, language)
                     if part.title and edition.group_by == "country" else part.title or ""
                     for part in plan.parts]  # fmt: skip
            facts = BookFacts(
                title=edition.title, subtitle=edition.subtitle, edition=edition.edition,
                date=made["date"], organisation=organisation, publisher=made["publisher"],
                copyright=edition.copyright, licence=made["licence"], isbn=edition.isbn,
                citation=made["citation"], disclaimer=edition.disclaimer,
                colophon=made["colophon"], cover_credit=edition.cover_image_credit,
                produced_with=made["produced_with"], part_titles=parts,
                part_numbers=made["part_numbers"], case_numbers=made["case_numbers"],
                missing=[case.title or case.id for case in plan.missing],
                logo=(edition.logo, organisation or edition.title) if edition.logo
                else (theme.logo, organisation or theme.name) if theme.logo else None,
            )  # fmt: skip
            word = write_book(
                plan, facts, labels, lambda case: theme.label_set(case.language.split("-")[0]),
                reference_bytes(theme, renderer.page_size), renderer.policy, language,
                self.project.root, own_reference=theme_reference(theme)[0] is not None,
            )  # fmt: skip
        except CasepressError as exc:
            self._failed(plan, "docx", target, exc)
            return
        for note in index_note(plan, labels), cover_note(edition):
            if note:
                LOGGER.info("%s.docx: %s", edition.name, note)
        write_atomic(target, word.data, root=self.context.root_of(target))
        self._written(plan, target, key, word.messages)

    def _written(
        self, plan, target: Path, key: str, messages, found=(), *, layout=None, marks=None,
        **facts,
    ) -> None:  # fmt: skip
        name = plan.edition.name
        facts = {"edition": "adhoc" if plan.edition.source == COMMAND_LINE else "defined",
                 "cases": [case.id for case in plan.cases], **facts}  # fmt: skip
        messages = list(dict.fromkeys(messages))
        said = [*found, *(Problem.warning(plan.edition.source, f"{name}: {m}")
                          for m in messages)]  # fmt: skip
        self.ledger.written(Written(
            target, key, name, plan.edition.source, messages=messages, said=said,
            page_budget=plan.edition.max_pages, facts=facts, layout=layout, marks=marks,
        ))  # fmt: skip

    def _failed(self, plan, fmt: str, target: Path, exc: Exception) -> None:
        message = f"handbook {plan.edition.name} {fmt.upper()}: {exc}"
        self.ledger.failed(target, Problem.error(plan.edition.source, message))

    def _unit_path(self, key: str) -> Path:
        return self.context.cache_dir / cache.UNITS_DIR / f"{key}.pdf"

    def _load_unit(self, key: str) -> bytes | None:
        try:
            return self._unit_path(key).read_bytes()
        except OSError:
            return None

    def prune_units(self) -> None:
        """Drop chapter PDFs that no handbook in this folder uses any more (regular files
        named as casepress names them, in the cache's own folder: ``writing.remove_output``)."""
        folder = self.context.cache_dir / cache.UNITS_DIR
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
        root = self.context.root_of(folder)
        for path in folder.glob("*.pdf"):  # only the names casepress gives chapter PDFs
            if path.stem not in used and UNIT_NAME.fullmatch(path.name):
                remove_output(root, path)
