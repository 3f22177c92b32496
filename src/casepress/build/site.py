"""The site, one kind of output: the browsable library (``build/site/``), with the briefs'
PDFs and the handbooks published in it."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

from ..errors import CasepressError, InputError, Problem, display_path
from . import cache
from .context import BuildContext
from .export import CATALOGUE_NAME, catalogue_page, output_paths
from .outputs import OutputKind, State
from .writing import confine, copy_atomic, remove_output, shown, write_atomic


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
    Pages whose inputs have not changed since the last build are left alone, as briefs are.

    Files of cases that are gone, and files no longer published, are removed: only files
    the manifest says a build wrote there (a file put there by hand stays), and never those
    of a case or handbook that failed this time (invalid, or not rendered): their last good
    page, PDF and handbook copies stay, as their briefs do.
    """
    from ..render.site import CASES_FOLDER, plan_site

    cases = context.catalogue.cases
    out = context.folder(context.project.output_dir / "site")
    root = context.root_of(out)
    plan = plan_site(context.renderer(), cases, pdfs=pdfs, handbooks=handbooks, only=only)
    plan.pages.append(catalogue_page(context.project, cases))  # site/catalogue.json
    environment = cache.environment_digest(context.project, context.theme, {"document": "site"})
    owns = {c.id: cache.case_digest(c, roots=context.read_roots) for c in cases}
    keys = cache.site_keys(environment, cases, pdfs, handbooks, owns=owns)
    sources = metadata_sources(environment, cases, context.project, owns)
    report = context.report
    with context.manifest(out) as manifest:
        force = context.options.force
        for page in plan.pages:  # the files made from metadata: keyed by their content
            if page.path not in keys:
                record = manifest.get(out / page.path)
                source = sources.get(page.path)
                if not force and source and record.get("from") == source and record.get("key"):
                    keys[page.path] = record["key"]  # made from what it was made from then
                else:
                    keys[page.path] = cache.digest(environment, page.render())
        stale = [p for p in plan.pages if force or not manifest.fresh(out / p.path, keys[p.path])]
        context.planned += len(stale)
        for page in plan.pages:
            if page not in stale:
                report.add(out / page.path, OutputKind.SITE, page.path, State.KEPT)
                if (
                    page.path in sources
                    and manifest.get(out / page.path).get("from") != sources[page.path]
                ):
                    made = {**_origin(manifest, page.source), "from": sources[page.path]}
                    manifest.record(out / page.path, keys[page.path], **made)
        for done, page in enumerate(stale, 1):
            target = out / page.path
            try:
                write_atomic(target, page.render(), root=root)
                made = _origin(manifest, page.source)
                if page.path in sources:
                    made["from"] = sources[page.path]
                manifest.record(target, keys[page.path], **made)
                report.add(target, OutputKind.SITE, page.path)
            except InputError as exc:  # the case's own text: reported at its field, like its brief
                manifest.invalidate(target)
                report.problems.extend(exc.problems)
            except CasepressError as exc:
                manifest.invalidate(target)
                message = f"site page not written: {exc}"
                report.failures.append(Problem.error(page.source, message))
            context.progress(done, len(stale), f"site/{page.path}")
        sources = {f"{CASES_FOLDER}/{c.id}.pdf": display_path(c.path) for c in cases}
        for path, source in plan.copies.items():
            target = out / path
            confine(root, target)
            if not (target.exists() and os.path.samefile(source, target)):  # another file:
                copy_atomic(source, target, root=root)  # published again
            if path in sources:
                origin = _origin(manifest, sources[path])
            else:
                origin = {"handbook": Path(path).stem}
            manifest.record(target, "", **origin)
            report.add(target, OutputKind.SITE, path, State.COPIED)
        _clean_up(context, manifest, plan, handbooks, root)


def metadata_sources(environment: str, cases, project, owns: dict[str, str]) -> dict[str, str]:
    """What each of the site's files made from cases' metadata (citations, catalogue.json)
    is made from, by its path there: its case (or every case), the publisher and output
    folders (settings, in ``environment``). Such a file is keyed by its content, and a build
    whose sources are those the key was taken with reuses the key instead of rendering the
    file to take it again (which took a third of a no-change build of 1,000 cases).
    ``owns``: each case's ``cache.case_digest``."""
    from ..render.site import CASES_FOLDER, CITATION_SUFFIXES

    made = {
        path: cache.digest(environment, "citation", path, owns[c.id])
        for c in cases
        for path in (f"{CASES_FOLDER}/{c.id}{suffix}" for suffix in CITATION_SUFFIXES.values())
    }
    made[CATALOGUE_NAME] = cache.digest(environment, "catalogue", sorted(owns.items()),
                                  output_paths(project, ""))  # fmt: skip
    return made


def _origin(manifest: cache.Manifest, source: str) -> dict[str, str]:
    """What a site file was made from, as its record keeps it: a case's page and PDF stay
    while that case fails (``_held``)."""
    from ..render.site import INDEX_PAGE

    return {} if source == INDEX_PAGE else {"source": manifest.portable(source)}


def _clean_up(context: BuildContext, manifest: cache.Manifest, plan, handbooks, root: Path) -> None:
    """Remove the site files a build wrote that no longer belong there (``build_site_in``)."""
    from ..render.site import CASES_FOLDER, HANDBOOKS_FOLDER, INDEX_PAGE

    out = manifest.root
    failed = {p.path for p in (*context.report.errors, *context.report.failures)}
    formats = set(context.options.formats)
    defined = context.project.handbooks
    unfinished = {name for name in defined  # not made this time: its copies stay
                  if handbooks is not None and not formats <= set(handbooks.get(name, {}))}  # fmt: skip

    def held(record: dict) -> bool:
        source = record.get("source")
        if source is not None and manifest.local(source) in failed:
            return True
        return record.get("handbook") in unfinished

    for path, record in sorted(_recorded(out, manifest).items()):
        if path == INDEX_PAGE or path in plan.keep or held(record):
            continue
        folder, _, name = path.partition("/")
        if folder not in (CASES_FOLDER, HANDBOOKS_FOLDER) or "/" in name or name.startswith("."):
            continue  # casepress writes nothing else there: not its to remove
        target = out / path
        if remove_output(root, target):
            context.report.removed.append((target, _why_gone(manifest, folder, record, defined)))
        elif os.path.lexists(target):
            message = (
                "not removed: it is not a regular file (a link, or a folder); remove it yourself"
            )
            context.report.warn(shown(target), message)
        manifest.forget([target])


def _why_gone(manifest: cache.Manifest, folder: str, record: dict, defined) -> str:
    """Why a site file is removed, for the build's summary."""
    from ..render.site import CASES_FOLDER

    source = record.get("source")
    if folder == CASES_FOLDER:
        if source is not None and not Path(manifest.local(source)).exists():
            return "its case file is gone"
        return "its case is no longer published"
    if record.get("handbook", "") not in defined:
        return "its handbook is no longer defined in casepress.yaml"
    return "its handbook is no longer published"


def _recorded(out: Path, manifest: cache.Manifest) -> dict[str, dict]:
    """Every file a build recorded writing into the site folder: the site's own records, and
    those of the PDFs and handbooks the preview server made in its cases/ and handbooks/."""
    from ..render.site import CASES_FOLDER, HANDBOOKS_FOLDER

    found = dict(manifest.records)
    for folder in (CASES_FOLDER, HANDBOOKS_FOLDER):
        made = cache.Manifest.load(out / folder, out / folder / cache.CACHE_DIR)
        for name, record in made.records.items():
            found.setdefault(f"{folder}/{name}", record)
    return found
