"""What a whole build leaves beside its outputs: the JSON Schemas editors use, and
``report.json`` (per output what it holds, the checks made, the palette's contrast)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import __version__
from ..checks import quality
from ..checks.quality import OutputQuality
from ..checks.theme import palette_contrast
from ..model.project import Project
from ..theme.chain import Theme
from .outputs import BuildReport, OutputKind, State
from .writing import json_lines, write_if_changed


def write_schema(output_dir: Path, report: BuildReport, *, root: Path | None = None) -> None:
    """Write the JSON Schemas editors use where the files' hints point: build/case.schema.json
    (case files) and build/theme.schema.json (theme.yaml); a file is rewritten only when its
    text changed. ``root``: the folder writes are confined to (``writing.confine``;
    default ``output_dir``), as for ``write_report``."""
    from ..model.cases import case_schema
    from ..theme.config import theme_schema

    for name, schema in (("case", case_schema()), ("theme", theme_schema())):
        target = Path(output_dir) / f"{name}.schema.json"
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        changed = write_if_changed(target, text, root=root or output_dir)
        report.add(target, OutputKind.SCHEMA, name, State.RENDERED if changed else State.KEPT)


def check_palette(theme: Theme, report: BuildReport) -> list:
    """The palette pairs' contrast, for report.json. A pair under WCAG 2.1 AA has stopped the
    build already (``checks.theme.check_contrast``), unless its colour was accepted."""
    return palette_contrast(theme)


def check_layout(report: BuildReport, project: Project) -> None:
    """A warning for each page layout figure of a PDF beyond the project's
    ``layout_limits:`` (``checks.layout``): ``--strict`` fails on them as on any warning.
    Kept outputs are measured against the limits of this build, as fresh ones are."""
    from ..checks.layout import limit_problems

    for problem in limit_problems(report.quality, project.layout_limits):
        report.warn(problem)


def write_report(
    output_dir: Path, report: BuildReport, project: Project, contrast: list,
    *, root: Path | None = None,
) -> None:  # fmt: skip
    """build/report.json: per output what it holds, the checks made, the palette's contrast.

    Outputs are named relative to the output folder, sources relative to the project, and
    nothing depends on the clock, so two builds of the same sources give the same report
    (from any working directory, wherever the project lies); outputs are listed in path
    order, whichever order the workers finished them in.
    """
    output_dir = Path(output_dir)
    project_root = project.root.resolve()
    sources: dict[str, str | None] = {}  # a case file is the source of several outputs
    entries = sorted((_entry(q, output_dir, project_root, sources) for q in report.quality),
                     key=lambda e: e["path"])  # fmt: skip
    totals = quality.summary(report.quality, report.problems)
    for extreme in ("emptiest_page", "longest_hyphen_run"):  # named as the outputs are
        found = (totals["layout"] or {}).get(extreme)
        if found:
            found["path"] = _named(Path(found["path"]), output_dir)
    head = {
        "generator": f"casepress {__version__}",
        "profile": project.profile,
        "pdf_variant": project.pdf_variant or "pdf/ua-1",
        "summary": {**totals, "failed": len(report.failures)},
        "contrast": [c.as_dict() for c in contrast],
    }
    target = output_dir / "report.json"
    changed = write_if_changed(
        target, json_lines(head, "outputs", entries), root=root or output_dir
    )
    report.add(target, OutputKind.REPORT, "report", State.RENDERED if changed else State.KEPT)


def _named(path: Path, output_dir: Path) -> str:
    """An output as report.json names it: relative to the output folder."""
    text, base = str(path), f"{output_dir}{os.sep}"
    if text.startswith(base) and len(text) > len(base):  # both normalised: the common case
        return text[len(base) :]
    return str(path.relative_to(output_dir)) if path.is_relative_to(output_dir) else str(path)


def _entry(found: OutputQuality, output_dir: Path, root: Path, sources: dict) -> dict:
    entry = found.as_dict()
    entry["path"] = _named(Path(entry["path"]), output_dir)
    given = entry["source"]
    if given not in sources:
        source = Path(given or "/").resolve()  # shown relative to the working folder
        inside = source.is_relative_to(root) and source.is_file()
        sources[given] = source.relative_to(root).as_posix() if inside else None
    if sources[given] is not None:
        entry["source"] = sources[given]
    return entry
