"""What a build reports: ``BuildReport``, and each output's entry in it, whether the output
was just written (read back, then recorded in the manifest) or left alone (its record reused).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.quality import OutputQuality, is_refusal
from ..errors import Findings, Problem, internal_error
from . import cache

if TYPE_CHECKING:
    from ..render.renderer import Lookup


class OutputKind(enum.Enum):
    """What an output is, whatever folder it was written to."""

    BRIEF = "brief"
    HANDBOOK = "handbook"
    SITE = "site"
    """A page of the browsable library, or a file published in it."""
    SCHEMA = "schema"
    REPORT = "report"


class State(enum.Enum):
    RENDERED = "rendered"
    """Made by this build."""
    KEPT = "kept"
    """Left as it was: nothing it depends on changed."""
    COPIED = "copied"
    """A finished output published again under another name (the site's PDFs)."""


@dataclass(frozen=True)
class Output:
    """One file a build is responsible for."""

    path: Path
    kind: OutputKind
    name: str
    """The case id, the handbook's name, or the site page's path."""
    format: str
    state: State


@dataclass
class BuildReport(Findings):
    """What a build did: files written, problems found (validation and rendering), timing."""

    entries: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Validation errors and warnings, and warnings from rendering."""
    failures: list[Problem] = field(default_factory=list)
    """Outputs that could not be rendered."""
    quality: list[OutputQuality] = field(default_factory=list)
    """What each output holds (quality.py); ``build_project`` writes report.json."""
    seconds: float = 0.0
    templates: list[Lookup] = field(default_factory=list)
    """Every template used, and every place it was looked for (``--explain-templates``)."""
    removed: list[tuple[Path, str]] = field(default_factory=list)
    """Outputs of a deleted case or handbook that this build removed, and why."""
    held_handbooks: dict[str, dict[str, Path]] = field(default_factory=dict)
    """Handbooks not built because cases they select have errors: their last good files
    (format → path), which stay and stay published in the site."""

    def add(self, path: Path, kind: OutputKind, name: str, state: State = State.RENDERED) -> None:
        self.entries.append(Output(Path(path), kind, name, Path(path).suffix[1:], state))

    def of(self, kind: OutputKind, fmt: str | None = None) -> list[Output]:
        """The outputs of one kind (and format)."""
        return [o for o in self.entries if o.kind is kind and fmt in (None, o.format)]

    def merge(self, other: BuildReport) -> None:
        """Take in what another part of the same build did (each problem said once)."""
        self.entries += other.entries
        known = set(self.problems)
        self.problems += [p for p in other.problems if p not in known]
        self.failures += other.failures
        self.add_templates(other.templates)
        self.quality += other.quality
        self.removed += other.removed
        self.held_handbooks.update(other.held_handbooks)

    @property
    def outputs(self) -> list[Path]:
        """Every file the build is responsible for, made now or left as it was."""
        return [o.path for o in self.entries]

    @property
    def rendered(self) -> list[Path]:
        """Outputs rendered by this build (the others in ``outputs`` were up to date)."""
        return [o.path for o in self.entries if o.state is State.RENDERED]

    @property
    def copied(self) -> list[Path]:
        """Finished outputs published again under another name (the site's PDFs)."""
        return [o.path for o in self.entries if o.state is State.COPIED]

    @property
    def skipped(self) -> list[Path]:
        """Outputs left as they were because nothing they depend on changed."""
        return [o.path for o in self.entries if o.state is State.KEPT]

    @property
    def exit_code(self) -> int:
        """2 when input was invalid, 1 when a render failed, else 0."""
        if self.errors:
            return 2
        return 1 if self.failures else 0

    def warn(self, source: str | Problem, message: str = "") -> None:
        """Add a problem once (the same stylesheet warning comes from every worker): a
        ``Problem``, or a warning about a whole file."""
        problem = source if isinstance(source, Problem) else Problem.warning(source, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def add_templates(self, lookups: Iterable[Lookup]) -> None:
        known = {lookup.name for lookup in self.templates}
        self.templates += [lookup for lookup in lookups if lookup.name not in known]


@dataclass
class Written:
    """An output just written, and what rendering it said."""

    target: Path
    key: str
    """The cache key of its inputs (``cache``)."""
    name: str
    source: str
    """The file it was made from, as shown in messages."""
    messages: list[str] = field(default_factory=list)
    """The renderer's own warnings, for the quality report."""
    said: list[Problem] = field(default_factory=list)
    """Problems found while rendering, positioned in the source."""
    page_budget: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    """Kept in the manifest for later builds (pages, fill, units)."""
    layout: dict | None = None
    """A PDF's page layout figures (``pdf.layout``), for the quality report."""
    marks: list | None = None
    """What each page of a PDF draws (``checks.pdfua.page_marks``), when already known: a
    split handbook's, kept from its units, so the report does not parse every page again."""


@dataclass
class Ledger:
    """One output folder during a build: the manifest of what it holds, and the report."""

    report: BuildReport
    manifest: cache.Manifest
    kind: OutputKind
    profile: str

    def written(self, output: Written) -> None:
        """After writing an output: read it back for the report, report what was said while
        rendering it and what the reading finds, and record it all in the manifest for the
        builds that will leave it alone."""
        target, source = output.target, output.source
        quality, findings = _assess(output, self.kind.value, self.profile)
        said = [*output.said, *(Problem.warning(source, m) for m in findings)]
        for problem in said:
            self.report.warn(problem)
        facts = dict(output.facts)
        if quality is not None:  # its refusals are those said about it, as printed
            quality.refused = list(dict.fromkeys(p.message for p in said if is_refusal(p)))
            self.report.quality.append(quality)
            facts["quality"] = {**quality.as_dict(), "source": self.manifest.portable(source)}
        portable = self.manifest.portable
        self.manifest.record(
            target, output.key, **facts,
            said=[[portable(p.path), p.line, p.column, p.field, p.message, p.severity]
                  for p in said],
        )  # fmt: skip
        self.report.add(target, self.kind, output.name)

    def kept(self, target: Path, name: str) -> None:
        """An output left as it was: listed with the quality entry and the problems it had."""
        record = self.manifest.get(target)
        self.report.add(target, self.kind, name, State.KEPT)
        local = self.manifest.local
        for path, line, column, field_name, message, severity in record.get("said", []):
            self.report.warn(Problem(local(path), line, column, field_name, message, severity))
        if "quality" in record:
            quality = OutputQuality.from_dict(record["quality"])
            quality.path, quality.source = str(target), local(quality.source)
            self.report.quality.append(quality)

    def failed(self, target: Path, problem: Problem) -> None:
        """An output that could not be made: its record is dropped, so the next build
        tries again, and the failure is reported."""
        self.manifest.forget([target])
        self.report.failures.append(problem)


def remove_stale(
    report: BuildReport, manifest: cache.Manifest, root: Path, target: Path, reason: str
) -> None:
    """Remove an output of a case or handbook that is gone, and say so: only the file the
    manifest says a build wrote (a regular file, with the size and time it was written
    with: ``writing.remove_output``); one changed or replaced since is left, with a warning.
    Its record is dropped either way."""
    from .writing import remove_output, shown

    record = manifest.get(target)
    try:
        stat = os.lstat(target)
    except OSError:
        stat = None  # gone already: nothing to remove
    if stat is not None:
        same = (stat.st_size, stat.st_mtime_ns) == (record.get("size"), record.get("mtime_ns"))
        if same and remove_output(root, target):
            report.removed.append((Path(target), reason))
        else:
            report.warn(
                shown(target),
                f"left in place although {reason}: it changed since casepress wrote it (or "
                "is not a regular file); remove it yourself if it is not needed",
            )
    manifest.forget([target])


def _assess(output: Written, kind: str, profile: str) -> tuple[OutputQuality | None, list[str]]:
    """Read a written output back for the quality report; what it finds is worth a warning."""
    from ..checks import quality

    target = output.target
    try:
        result = quality.assess(
            target, target.suffix[1:], kind=kind, source=output.source, profile=profile,
            warnings=output.messages, page_budget=output.page_budget, layout=output.layout,
            marks=output.marks,
        )  # fmt: skip
    except Exception as exc:  # a report must never cost the output it describes
        return None, [f"{target.name}: not inspected: " + internal_error("inspecting it", exc)]
    return result, quality.findings(result)
