"""Sharded builds: each machine of a CI matrix (or task of a Slurm array) builds its share of
the briefs and handbooks (``build --shard I/N``); a final step (``build --merge DIR...``)
assembles what spans every case, the site and report.json, from the shards' output folders.

A shard build leaves every output outside its share alone (it builds no site and writes no
report.json, which span all cases) and writes ``shard-I-of-N.json`` beside its outputs: for
every output of its share, the cache key it was built with (``cache``) and the SHA-256 of the
file, or that it was not written; and the problems the build reported. The file lies in the
output folder itself, not in the hidden cache folder, because CI artifact uploads leave
hidden folders out.

The merge computes the key of every output from the sources it is run on, exactly as a build
does, and checks that the shards' records cover every share once, with the same number of
shares, each holding exactly its share, built from these sources, with the bytes recorded.
Anything else (a shard missing, given twice, stale, built from other inputs or with other
options, a file changed since) refuses the whole merge, nothing written. Then each file is
copied into the output folder (``writing.copy_atomic``) and recorded in its manifest as the
build that made it recorded it, and the build goes on as a build whose outputs were all up to
date: the site, the schemas and report.json are written from them. Nothing is rendered, and
the result is the unsharded build's, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import __version__, files
from ..errors import InputError, Problem, display_path
from ..model.editions import plan_handbook
from . import cache
from .context import BuildContext
from .outputs import Ledger, OutputKind, State
from .writing import copy_atomic, json_lines, remove_output, write_if_changed

RECORD = "shard-{index}-of-{count}.json"
"""A shard's record, in its output folder."""
_RECORD_NAME = re.compile(r"shard-([1-9][0-9]{0,5})-of-([1-9][0-9]{0,5})\.json")
_FORMAT = 1
OUTPUT_BYTES = 4_000_000_000
"""Largest output a merge checks and copies (a handbook of thousands of cases)."""
_KEPT_FACTS = ("pages", "fill", "quality", "said")
"""What a shard's manifest record says of an output that the merged folder's record keeps
(not ``units``: a split handbook's chapter PDFs stay in the shard's cache)."""
_MERGE = "--merge"


@dataclass(frozen=True)
class Expected:
    """An output a build of these sources makes, and the key it is made with."""

    path: str
    """Relative to the output folder: ``briefs/<id>.pdf``, ``handbooks/<name>.html``."""
    kind: OutputKind
    name: str
    """The case id or the handbook's name."""
    key: str
    source: str
    """What it is made from, in words: ``cases/x.yaml``, ``handbook 'reader'``."""

    @property
    def inputs(self) -> str:
        """Everything its key covers, in words."""
        if self.kind is OutputKind.BRIEF:
            return f"{self.source} (or of a case it names)"
        return f"{self.source} (its definition, its introduction or one of its cases)"

    @property
    def share(self) -> str:
        """Its name for ``cache.shard_of`` (as ``BuildContext.in_shard`` is asked)."""
        return f"{self.kind.value}:{self.name}"


def expected_outputs(
    context: BuildContext, wanted: Callable[[str], bool] = lambda share: True
) -> dict[str, Expected]:
    """Every brief and defined handbook a build of the context's sources makes (``wanted``:
    those whose ``Expected.share`` it accepts), each with its cache key, computed as
    ``briefs`` and ``handbooks`` compute them (the merge test fails if they part: the merge
    would then find every shard stale). A handbook that cannot be planned is reported (as
    ``handbooks`` reports it) and makes nothing."""
    project, theme, titles = context.project, context.theme, context.titles
    formats = context.options.formats
    owns: dict[str, str] = {}

    def own(case) -> str:
        if case.id not in owns:
            owns[case.id] = cache.case_digest(
                case, attached=project.embed_source, roots=context.read_roots
            )
        return owns[case.id]

    found: dict[str, Expected] = {}
    environment = cache.environment_digest(project, theme, {"document": "brief"})
    briefs = project.briefs_dir.name
    for case in context.catalogue.cases:
        if not wanted(f"{OutputKind.BRIEF.value}:{case.id}"):
            continue
        for fmt in formats:
            key = cache.brief_key(environment, case, titles, fmt, own(case))
            path = f"{briefs}/{case.id}.{fmt}"
            found[path] = Expected(path, OutputKind.BRIEF, case.id, key, display_path(case.path))
    environment = cache.environment_digest(project, theme, {"document": "handbook"})
    books = project.handbooks_dir.name
    for name, edition in project.handbooks.items():
        if not wanted(f"{OutputKind.HANDBOOK.value}:{name}"):
            continue
        try:
            plan = plan_handbook(edition, context.catalogue, project)
        except InputError as exc:
            context.report.problems.extend(exc.problems)
            continue
        keys = {c.id: own(c) for c in plan.cases}
        for fmt in formats:
            key = cache.handbook_key(environment, plan, titles, fmt, keys)
            path = f"{books}/{name}.{fmt}"
            found[path] = Expected(path, OutputKind.HANDBOOK, name, key, f"handbook {name!r}")
    return found


def _environments(context: BuildContext) -> dict[str, str]:
    project, theme = context.project, context.theme
    return {kind: cache.environment_digest(project, theme, {"document": kind})
            for kind in ("brief", "handbook")}  # fmt: skip


# -- a shard build ---------------------------------------------------------------------------
def record_shard(context: BuildContext) -> Path:
    """After a shard's briefs and handbooks: write its record (``shard-I-of-N.json``) into
    the output folder, and remove records of another number of shares found there (an
    earlier split of the library: their files are this split's now). The record's path."""
    index, count = context.options.shard or (1, 1)
    out = context.project.output_dir
    root = context.root_of(out)
    report = context.report
    made = {o.path for o in report.entries if o.kind in (OutputKind.BRIEF, OutputKind.HANDBOOK)}
    manifests = {
        folder.name: cache.Manifest.load(folder, context.cache_dir)
        for folder in (context.project.briefs_dir, context.project.handbooks_dir)
    }
    outputs: dict[str, dict] = {}
    for path, expected in expected_outputs(context, context.in_shard).items():
        target = out / path
        if target not in made:
            outputs[path] = {"key": expected.key, "written": False}
            continue
        manifest = manifests[target.parent.name]
        record = manifest.get(target)
        facts = {k: record[k] for k in _KEPT_FACTS if k in record}
        if "quality" in facts:
            source = _kept(context, manifest.local(facts["quality"].get("source") or ""))
            facts["quality"] = {**facts["quality"], "source": source}
        if "said" in facts:
            facts["said"] = [
                [_kept(context, manifest.local(p)), *rest] for p, *rest in facts["said"]
            ]
        outputs[path] = {
            "key": record.get("key", ""), "written": True,
            "sha256": files.sha256(target, (out,), limit=OUTPUT_BYTES, what="output"),
            **facts,
        }  # fmt: skip
    head = {
        "generator": f"casepress {__version__}",
        "format": _FORMAT,
        "shard": [index, count],
        "environment": _environments(context),
        "problems": [_problem_row(context, p) for p in sorted(set(report.problems))],
        "failures": [_problem_row(context, p) for p in report.failures],
    }
    target = out / RECORD.format(index=index, count=count)
    changed = write_if_changed(target, json_lines(head, "outputs", outputs), root=root)
    report.add(target, OutputKind.REPORT, "shard", State.RENDERED if changed else State.KEPT)
    for other in out.glob("shard-*-of-*.json"):
        found = _RECORD_NAME.fullmatch(other.name)
        if found and int(found[2]) != count:
            remove_output(root, other)
    return target


def _kept(context: BuildContext, shown: str) -> str:
    """A path as a shard's record keeps it: a file of the project as ``./`` and its path in
    the project (the merge may run in another checkout, elsewhere), another file absolute,
    a name that is no file ("stylesheets", "command line") as it is."""
    path = Path(shown)
    if not shown or not path.exists():
        return shown
    absolute = Path(os.path.abspath(path))
    root = Path(os.path.abspath(context.project.root))
    if absolute.is_relative_to(root):
        return "./" + absolute.relative_to(root).as_posix()
    return absolute.as_posix()


def _shown(context: BuildContext, kept: str) -> str:
    """The inverse of ``_kept``, in the merge's project: a path as messages show it."""
    if kept.startswith("./"):
        return display_path(context.project.root / kept[2:])
    return display_path(kept) if Path(kept).is_absolute() else kept


def _problem_row(context: BuildContext, problem: Problem) -> list:
    return [_kept(context, problem.path), problem.line, problem.column, problem.field,
            problem.message, problem.severity]  # fmt: skip


# -- the merge -------------------------------------------------------------------------------
@dataclass
class _Shard:
    """One shard's record, read from the folder it was given in."""

    folder: Path
    path: Path
    index: int
    count: int
    data: dict = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return display_path(self.path)

    @property
    def label(self) -> str:
        return f"shard {self.index} of {self.count}"

    @property
    def again(self) -> str:
        return f"build it again with 'casepress build --shard {self.index}/{self.count}'"


def merge_shards(context: BuildContext, folders: Sequence[Path]) -> int:
    """Copy every output the shards in ``folders`` built into the context's output folder
    and enter each in the report as an up-to-date build would (``Ledger.kept``), with the
    problems and failures the shards reported; the number of files copied. Raises
    ``InputError`` (nothing copied) when the shards do not make one build of these sources."""
    expected = expected_outputs(context)
    shards, problems = _read_records(folders)
    if not problems:
        problems = _check_shares(context, shards, expected)
    if problems:
        raise InputError(problems)
    report = context.report
    count = shards[0].count
    by_index = {shard.index: shard for shard in shards}
    copied = 0
    out = context.project.output_dir
    kinds = {OutputKind.BRIEF: context.project.briefs_dir,
             OutputKind.HANDBOOK: context.project.handbooks_dir}  # fmt: skip
    for kind, folder in kinds.items():
        mine = [e for e in expected.values() if e.kind is kind]
        if not mine:
            continue
        with context.manifest(folder) as manifest:
            ledger = Ledger(report, manifest, kind, context.project.profile)
            for item in mine:
                shard = by_index[cache.shard_of(item.share, count)]
                entry = shard.data["outputs"][item.path]
                if not entry.get("written"):
                    continue  # its failure is among the shard's problems
                source, target = shard.folder / item.path, out / item.path
                root = context.root_of(target)
                if not (target.exists() and os.path.samefile(source, target)):
                    copy_atomic(source, target, root=root)
                copied += 1
                manifest.record(target, item.key, **_facts(context, manifest, entry))
                ledger.kept(target, item.name)
                report.entries[-1] = replace(report.entries[-1], state=State.COPIED)
    for shard in shards:
        for row in shard.data.get("problems", []):
            report.warn(_problem(context, row))
        for row in shard.data.get("failures", []):
            failure = _problem(context, row)
            if failure not in report.failures:
                report.failures.append(failure)
    return copied


def _facts(context: BuildContext, manifest: cache.Manifest, entry: dict) -> dict:
    """A shard's facts about an output, as the merged folder's manifest keeps them."""
    facts = {k: entry[k] for k in _KEPT_FACTS if k in entry}
    if "quality" in facts:
        source = manifest.portable(_shown(context, facts["quality"].get("source") or ""))
        facts["quality"] = {**facts["quality"], "source": source}
    if "said" in facts:
        facts["said"] = [[manifest.portable(_shown(context, p)), *rest]
                         for p, *rest in facts["said"]]  # fmt: skip
    return facts


def _problem(context: BuildContext, row: list) -> Problem:
    path, line, column, field_name, message, severity = row
    return Problem(_shown(context, path), line, column, field_name, message, severity)


def _read_records(folders: Iterable[Path]) -> tuple[list[_Shard], list[Problem]]:
    """Every shard record in the folders given; problems when a folder holds none, a record
    cannot be read, a shard is given twice or missing, or the shards split differently."""
    shards: list[_Shard] = []
    problems: list[Problem] = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            problems.append(Problem.error(folder, (
                "no such folder; give --merge the output folder of each "
                "'casepress build --shard I/N' (its --output, or build/)")))  # fmt: skip
            continue
        found = sorted((p for p in folder.iterdir() if _RECORD_NAME.fullmatch(p.name)),
                       key=lambda p: p.name)  # fmt: skip
        if not found:
            problems.append(Problem.error(folder, (
                "holds no shard record (shard-I-of-N.json): it is not the output folder of "
                "a finished 'casepress build --shard I/N'; give --merge the folder each shard "
                "wrote (when a CI job uploads it, upload the whole folder)")))  # fmt: skip
        for path in found:
            shard, problem = _read_record(folder, path)
            if problem is not None:
                problems.append(problem)
            else:
                shards.append(shard)
    if not shards:
        return shards, problems
    unfound = bool(problems)  # a shard said missing below may be in a folder refused above
    counts = sorted({shard.count for shard in shards})
    if len(counts) > 1:
        listed = "; ".join(f"{s.shown}: {s.index} of {s.count}" for s in shards)
        problems.append(Problem.error("command line", (
            f"the shards split the library in different numbers of shares ({listed}); build "
            "every shard with the same N in --shard I/N, then merge"), field=_MERGE))  # fmt: skip
        return shards, problems
    count = counts[0]
    seen: dict[int, _Shard] = {}
    for shard in shards:
        if shard.index in seen and not _same(seen[shard.index].path, shard.path):
            problems.append(Problem.error(shard.path, (
                f"{shard.label} is also in {seen[shard.index].shown}; give --merge each "
                "shard's folder once")))  # fmt: skip
        seen.setdefault(shard.index, shard)
    for index in range(1, count + 1):
        if index not in seen and not unfound:
            problems.append(Problem.error("command line", (
                f"shard {index} of {count} is missing: no folder given holds "
                f"{RECORD.format(index=index, count=count)}; build it with 'casepress build "
                f"--shard {index}/{count} --output DIR' and add DIR to --merge"),
                field=_MERGE))  # fmt: skip
    unique = list(seen.values())
    return sorted(unique, key=lambda s: s.index), problems


def _same(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _read_record(folder: Path, path: Path) -> tuple[_Shard, Problem | None]:
    found = _RECORD_NAME.fullmatch(path.name)
    assert found is not None
    shard = _Shard(folder, path, int(found[1]), int(found[2]))
    unreadable = Problem.error(path, (
        "is not a shard record this casepress can read (damaged, or written by another "
        f"version); {shard.again}"))  # fmt: skip
    if shard.index > shard.count:
        return shard, unreadable
    try:
        text = files.read_text(path, (folder,), limit=files.RESOURCE_BYTES, what="shard record")
        data = json.loads(text)
    except files.FileRefusedError as exc:
        return shard, exc.problem()
    except ValueError:
        return shard, unreadable
    well_formed = (
        isinstance(data, dict) and data.get("format") == _FORMAT
        and data.get("shard") == [shard.index, shard.count]
        and isinstance(data.get("outputs"), dict) and isinstance(data.get("environment"), dict)
        and all(isinstance(e, dict) and isinstance(e.get("key"), str)
                for e in data["outputs"].values())
        and all(isinstance(r, list) and len(r) == 6
                for r in [*data.get("problems", []), *data.get("failures", [])])
    )  # fmt: skip
    if not well_formed:
        return shard, unreadable
    shard.data = data
    return shard, None


def _check_shares(
    context: BuildContext, shards: list[_Shard], expected: dict[str, Expected]
) -> list[Problem]:
    """Problems when a shard was built from other sources or options than the merge's, does
    not hold exactly its share, or a file it wrote is missing or changed since."""
    problems: list[Problem] = []
    count = shards[0].count
    environment = _environments(context)
    for shard in shards:
        if shard.data["environment"] != environment:
            problems.append(Problem.error(shard.path, (
                f"{shard.label} was built with other settings, another theme or another "
                "casepress version than these sources (casepress.yaml, the options given to "
                "build, themes/, SOURCE_DATE_EPOCH); build every shard from these sources with "
                "the same options, then merge")))  # fmt: skip
            continue
        share = {p: e for p, e in expected.items() if cache.shard_of(e.share, count) == shard.index}
        outputs = shard.data["outputs"]
        for path, item in share.items():
            entry = outputs.get(path)
            if entry is None:
                problems.append(Problem.error(shard.path, (
                    f"{shard.label} has no {path} (from {item.source}): it was built before "
                    f"that was added or renamed; {shard.again} from these sources")))  # fmt: skip
            elif entry["key"] != item.key:
                problems.append(Problem.error(shard.folder / path, (
                    f"built from another version of {item.inputs}; "
                    f"{shard.again} from these sources")))  # fmt: skip
            elif entry.get("written"):
                problem = _check_file(shard, path, entry)
                if problem is not None:
                    problems.append(problem)
        for path in sorted(set(outputs) - set(share)):
            problems.append(Problem.error(shard.path, (
                f"{shard.label} holds {path}, which these sources do not make in that shard "
                f"(a case or handbook deleted, renamed or now invalid since); {shard.again} "
                "from these sources")))  # fmt: skip
    return problems


def _check_file(shard: _Shard, path: str, entry: dict) -> Problem | None:
    """A problem when the file a shard wrote is gone or not the bytes it recorded."""
    target = shard.folder / path
    try:
        digest = files.sha256(target, (shard.folder,), limit=OUTPUT_BYTES, what="output")
    except files.FileRefusedError as exc:
        if exc.missing:
            return Problem.error(target, (
                f"missing, but {shard.label} wrote it ({display_path(shard.path)}); copy that "
                f"shard's whole output folder again, or {shard.again}"))  # fmt: skip
        return exc.problem()
    if digest != entry.get("sha256"):
        return Problem.error(target, (
            f"not the file {shard.label} wrote (changed or damaged since: its SHA-256 differs); "
            f"copy that shard's whole output folder again, or {shard.again}"))  # fmt: skip
    return None
