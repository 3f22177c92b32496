"""The site, one kind of output: the browsable library (``build/site/``), with the briefs'
PDFs and the handbooks published in it."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

from ..errors import CasepressError, InputError, Problem
from . import cache
from .context import BuildContext
from .outputs import OutputKind, State
from .writing import copy_atomic, write_atomic


def build_site_in(
    context: BuildContext, pdfs: Mapping[str, Path] | None = None,
    handbooks: Mapping[str, Mapping[str, Path]] | None = None,
    only: Collection[str] | None = None,
) -> None:  # fmt: skip
    """Index, a page per case, the PDFs and handbooks given, into the site folder.

    ``pdfs`` (case id → brief PDF) and ``handbooks`` (name → {"html": path, "pdf": path})
    are finished outputs, copied in so that the site folder can be uploaded on its own;
    ``None`` links every case's PDF and every defined handbook as if present (the preview
    server makes them when asked). ``only`` renders just those cases' pages and the index.
    Files of cases that are gone, and files no longer published, are removed. Pages whose
    inputs have not changed since the last build are left alone, as briefs are.
    """
    from ..render.site import INDEX_PAGE, plan_site

    cases = context.catalogue.cases
    out = context.folder(context.project.output_dir / "site")
    plan = plan_site(context.renderer(), cases, pdfs=pdfs, handbooks=handbooks, only=only)
    environment = cache.environment_digest(context.project, context.theme, {"document": "site"})
    keys = cache.site_keys(environment, cases, pdfs, handbooks)
    keys = {page.path: keys.get(page.path, cache.digest(page.path)) for page in plan.pages}
    report = context.report
    with context.manifest(out) as manifest:
        force = context.options.force
        stale = [p for p in plan.pages if force or not manifest.fresh(out / p.path, keys[p.path])]
        context.planned += len(stale)
        for page in plan.pages:
            if page not in stale:
                report.add(out / page.path, OutputKind.SITE, page.path, State.KEPT)
        for done, page in enumerate(stale, 1):
            target = out / page.path
            try:
                write_atomic(target, page.render())
                manifest.record(target, keys[page.path])
                report.add(target, OutputKind.SITE, page.path)
            except InputError as exc:  # the case's own text: reported at its field, like its brief
                manifest.forget([target])
                report.problems.extend(exc.problems)
            except CasepressError as exc:
                manifest.forget([target])
                message = f"site page not written: {exc}"
                report.failures.append(Problem.error(page.source, message))
            context.progress(done, len(stale), f"site/{page.path}")
        for path, source in plan.copies.items():
            target = out / path
            if not (target.exists() and os.path.samefile(source, target)):
                copy_atomic(source, target)  # published again only when it is another file
            report.add(target, OutputKind.SITE, path, State.COPIED)
        for gone in plan.stale(out):
            gone.unlink()
        manifest.forget([out / path for path in list(manifest.records)
                         if path != INDEX_PAGE and path not in plan.keep])  # fmt: skip
