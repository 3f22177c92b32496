"""Briefs, one kind of output: a PDF and/or HTML brief per valid case.

A case's brief is rendered again only when something it depends on changed (``cache``);
the rest are rendered in the workers (``workers.render_case``), written as their results
come back, read back for the report and recorded.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..errors import CasepressError, Problem, display_path
from ..model.cases import Case, find_case_files
from ..model.editions import present_ids
from . import cache
from .context import ALL_FORMATS, BuildContext
from .outputs import Ledger, OutputKind, Written, remove_stale
from .workers import CaseResult, TaskFailure
from .writing import write_atomic


@dataclass
class _Stale:
    """A case with formats to render, and the cache key of each format."""

    case: Case
    formats: tuple[str, ...]
    keys: dict[str, str]


def build_briefs_in(
    context: BuildContext, only: Collection[str] | None = None, *, prune: bool = False
) -> None:
    """Every brief of the context's cases (``only``: those ids) into its briefs folder.

    Invalid cases were reported when they were read; a case that fails to render is
    reported and the others carry on, its previous outputs kept. ``prune`` (a build of the
    whole cases folder): the briefs a build wrote for cases whose files are gone are removed.
    """
    if not context.catalogue.cases:
        return
    out = context.folder(context.project.briefs_dir)
    with context.manifest(out) as manifest:
        ledger = Ledger(context.report, manifest, OutputKind.BRIEF, context.project.profile)
        if prune:
            _prune(context, manifest)
        stale = _stale_briefs(context, ledger, only)
        context.planned += sum(len(item.formats) for item in stale)
        if stale:
            _render(context, ledger, stale)
    if context.options.explain_templates and not stale:
        renderer = context.renderer()  # nothing rendered: look the templates up
        with contextlib.suppress(CasepressError):  # a broken template was reported already
            for fmt in context.options.formats:
                renderer.render_brief(context.catalogue.cases[0], target=fmt)
        context.report.add_templates(renderer.lookups)


def _prune(context: BuildContext, manifest: cache.Manifest) -> None:
    """Remove the briefs of cases that no case file has any more (a case with errors keeps
    its last good brief): only outputs the manifest records, of this build's shard."""
    present = present_ids(context.catalogue, context.project)
    files = {p.stem for p in find_case_files(context.project.cases_dir)}
    cases_dir = Path(os.path.abspath(context.project.cases_dir))
    root = context.root_of(manifest.root)
    for name, record in sorted(manifest.records.items()):
        case_id, _, fmt = name.rpartition(".")
        if "/" in name or fmt not in ALL_FORMATS or case_id in present:
            continue
        if not context.in_shard(f"brief:{case_id}"):
            continue
        source = record.get("quality", {}).get("source")
        if source is not None:
            made_from = Path(os.path.abspath(manifest.local(source)))
            if made_from.is_file() and not made_from.is_relative_to(cases_dir):
                continue  # a brief of a case file elsewhere (``casepress brief ../x.yaml``)
        reason = (
            f"no case has the id {case_id!r} any more" if case_id in files
            else "its case file is gone"
        )  # fmt: skip
        remove_stale(context.report, manifest, root, manifest.root / name, reason)


def _stale_briefs(
    context: BuildContext, ledger: Ledger, only: Collection[str] | None
) -> list[_Stale]:
    """The briefs to render; those left alone are entered in the report as they were."""
    formats, force = context.options.formats, context.options.force
    environment = cache.environment_digest(context.project, context.theme, {"document": "brief"})
    out = ledger.manifest.root
    stale = []
    for case in context.catalogue.cases:
        if (only is not None and case.id not in only) or not context.in_shard(f"brief:{case.id}"):
            continue
        own = cache.case_digest(
            case, attached=context.project.embed_source, roots=context.read_roots
        )
        keys = {f: cache.brief_key(environment, case, context.titles, f, own) for f in formats}
        todo = tuple(f for f in formats
                     if force or not ledger.manifest.fresh(out / f"{case.id}.{f}", keys[f]))  # fmt: skip
        for fmt in formats:
            if fmt not in todo:
                ledger.kept(out / f"{case.id}.{fmt}", case.id)
        if todo:
            stale.append(_Stale(case, todo, keys))
    return stale


def _render(context: BuildContext, ledger: Ledger, stale: list[_Stale]) -> None:
    from ..render.renderer import compiled_templates
    from .templatecache import template_cache
    from .workers import render_case

    by_id = {item.case.id: item for item in stale}
    items = ((item.case.id, (item.case, item.formats)) for item in stale)
    # Rendered in this process (a few briefs): templates compiled by an earlier build are
    # loaded, not compiled again (``templatecache``); workers compile their own.
    compiled = template_cache(context.cache_dir, context.root_of(context.cache_dir))
    with compiled_templates(compiled):
        outcomes = context.pool.map(render_case, items, count=len(stale))
        for done, (case_id, result) in enumerate(outcomes, 1):
            item = by_id[case_id]
            if isinstance(result, TaskFailure):
                result = CaseResult(data={}, errors=dict.fromkeys(item.formats, result.message))
            context.report.add_templates(result.lookups)
            for fmt in item.formats:
                _record(context, ledger, item, fmt, result)
            context.progress(done, len(stale), case_id)


def _record(
    context: BuildContext, ledger: Ledger, item: _Stale, fmt: str, result: CaseResult
) -> None:
    """Write one format of a rendered brief, or report why it was not made."""
    case, shown = item.case, display_path(item.case.path)
    target = ledger.manifest.root / f"{case.id}.{fmt}"
    found = result.problems.get(fmt, [])
    if fmt not in result.data:
        context.report.problems.extend(found)  # an error in the case's text is one of them
        if not result.invalid:
            message = f"{fmt.upper()} not written: {result.errors.get(fmt, 'unknown error')}"
            ledger.failed(target, Problem.error(shown, message))
        return
    write_atomic(target, result.data[fmt], root=context.root_of(target))
    facts, layout = {}, None
    if fmt == "pdf":
        found = [*found, *(Problem.warning("stylesheets", m)
                           for m in result.sheet_warnings)]  # fmt: skip
        facts = {"pages": result.pages, "fill": result.fill}
        layout = result.layout
    ledger.written(Written(
        target, item.keys[fmt], case.id, shown, messages=result.messages.get(fmt, []),
        said=found, page_budget=context.project.brief_max_pages, facts=facts, layout=layout,
    ))  # fmt: skip
