"""What a build reports: ``BuildReport``, and each output's entry in it, whether the output
was just written (read back, then recorded in the manifest) or left alone (its record reused).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.quality import OutputQuality
from ..errors import Problem
from . import cache

if TYPE_CHECKING:
    from ..render.renderer import Lookup


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
    copied: list[Path] = field(default_factory=list)
    """Finished outputs published again under another name (the site's PDFs)."""
    quality: list[OutputQuality] = field(default_factory=list)
    """What each output holds (quality.py); ``build_project`` writes report.json."""
    seconds: float = 0.0
    templates: list[Lookup] = field(default_factory=list)
    """Every template used, and every place it was looked for (``--explain-templates``)."""

    @property
    def skipped(self) -> list[Path]:
        """Outputs left as they were because nothing they depend on changed."""
        done = {*self.rendered, *self.copied}
        return [p for p in self.outputs if p not in done]

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

    def warn(self, source: str | Problem, message: str = "") -> None:
        """Add a problem once (the same stylesheet warning comes from every worker): a
        ``Problem``, or a warning about a whole file."""
        problem = (
            source if isinstance(source, Problem) else Problem(source, 0, 0, "", message, "warning")
        )
        if problem not in self.problems:
            self.problems.append(problem)

    def add_templates(self, lookups: Iterable[Lookup]) -> None:
        known = {lookup.name for lookup in self.templates}
        self.templates += [lookup for lookup in lookups if lookup.name not in known]


def written(
    report: BuildReport, manifest: cache.Manifest, target: Path, key: str, fmt: str, *,
    kind: str, source: str, messages: list[str], said: list[Problem],
    page_budget: int | None, profile: str, **facts: Any,
) -> None:  # fmt: skip
    """After writing ``target``: read it back for the report, report what was ``said``
    while rendering it and what the reading finds, and record it all in the manifest for
    the builds that will leave it alone (``messages``: the renderer's own, for the report)."""
    quality, findings = _assess(
        target, fmt, kind=kind, source=source, profile=profile, warnings=messages,
        page_budget=page_budget,
    )  # fmt: skip
    said = [*said, *(Problem(source, 0, 0, "", m, "warning") for m in findings)]
    for problem in said:
        report.warn(problem)
    if quality is not None:
        report.quality.append(quality)
        facts["quality"] = {**quality.as_dict(), "source": manifest.portable(quality.source)}
    manifest.record(
        target, key, **facts,
        said=[[manifest.portable(p.path), p.line, p.column, p.field, p.message, p.severity]
              for p in said],
    )  # fmt: skip
    report.outputs.append(target)
    report.rendered.append(target)


def reuse(report: BuildReport, manifest: cache.Manifest, target: Path) -> None:
    """An output left as it was: listed with the quality entry and the problems it had."""
    record = manifest.get(target)
    report.outputs.append(target)
    for path, line, column, field_name, message, severity in record.get("said", []):
        report.warn(Problem(manifest.local(path), line, column, field_name, message, severity))
    if "quality" in record:
        quality = OutputQuality.from_dict(record["quality"])
        quality.path, quality.source = str(target), manifest.local(quality.source)
        report.quality.append(quality)


def _assess(
    target: Path, fmt: str, *, kind: str, source: str, profile: str, warnings: list[str],
    page_budget: int | None,
) -> tuple[OutputQuality | None, list[str]]:  # fmt: skip
    """Read a written output back for the quality report; what it finds is worth a warning."""
    from ..checks import quality

    try:
        result = quality.assess(
            target, fmt, kind=kind, source=source, profile=profile,
            warnings=warnings, page_budget=page_budget,
        )  # fmt: skip
    except Exception as exc:  # a report must never cost the output it describes
        return None, [f"{target.name}: not inspected: {exc}"]
    return result, quality.findings(result)
