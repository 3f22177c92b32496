"""Existing case studies → case files: structure found, YAML written and validated, reported.

The importer works from a case study's structure, not one exact spelling:

- title: the first non-empty line, the first Markdown heading, or the Word Title / Heading 1;
- context: what comes before the first known heading (a "Context" heading is optional);
- headings: ``blocks.match_heading`` (English, French, Spanish, any capitalisation);
- lessons: one per paragraph. A lead-in before an em dash, an en dash, a spaced hyphen or a
  colon, or ending in a question mark (kept), or set in bold, becomes the lesson's title
  when the text after it starts a sentence. A short line of its own, or a heading, is the
  title of the paragraphs below it;
- outcome: after an "Outcome" (or "Conclusion"...) heading; failing one, the paragraphs
  that end the lessons when they are set apart by more blank lines than the lessons are
  from each other, or, among lessons that have lead-ins, the trailing paragraphs without
  one (reported, as a guess);
- tags: one per line, or separated by commas or semicolons; each goes to ``countries``
  (ISO 3166, also in French or Spanish) or ``regions`` (``places.REGIONS`` and the
  project's ``regions:``). A tag that is neither is kept under ``regions``, since the
  block names regions or countries, and reported.

Every repair and every guess becomes a ``Note`` on the input's line. Files are written only
through ``build.write_atomic``; each is then validated as ``casepress check`` would.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build.writing import confined_root, write_atomic
from ..errors import InputError, Problem, display_path
from ..model.cases import load_case
from ..model.places import country_code, display_name, region_name, suggest_country
from ..model.project import Project
from ..model.yamlwriter import dump_case
from ..text import slugify
from ..theme.chain import builtin_labels
from .blocks import (
    Block,
    Prose,
    Source,
    escape_block_start,
    escape_markdown,
    heading_key,
    match_heading,
    strip_markdown,
)
from .readers import SUFFIXES, read_file
from .repair import CHECK, REPAIRED, Note, repair_ligatures

IMPORTED, SKIPPED, FAILED = "imported", "skipped", "failed"


@dataclass
class ImportedCase:
    """A case study read and sorted into case fields, with notes on what was done to it."""

    source: Path
    id: str
    values: dict[str, Any]
    """Case fields (``CASE_SPEC`` names), only those found; Markdown fields hold Markdown."""
    notes: list[Note] = field(default_factory=list)


@dataclass
class FileResult:
    """What happened to one input: imported (written, or shown in a dry run), skipped, failed."""

    source: Path
    status: str
    target: Path | None = None
    notes: list[Note] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Why the input failed, or what is wrong with the case file made from it."""
    text: str | None = None


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    """Files in the folders given that are not .txt, .md or .docx."""
    dry_run: bool = False
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def invalid(self) -> list[FileResult]:
        return [r for r in self.results if r.status == IMPORTED and r.problems]

    @property
    def exit_code(self) -> int:
        """2 when an input could not be imported or its case file does not validate, else 0."""
        return 2 if self.count(FAILED) or self.invalid else 0


def import_files(
    project: Project,
    paths: Iterable[Path],
    *,
    output_dir: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import files and folders of case studies into ``output_dir`` (default: the cases folder).

    Every input is read first; then each case file is written (never over an existing
    file unless ``force``) and validated. Inputs that fail are reported; the others are
    still written. ``dry_run`` writes nothing and keeps each file's text in its result.
    """
    started = time.perf_counter()
    out = Path(output_dir) if output_dir else project.cases_dir
    root = confined_root(project.root, out)
    inputs, ignored = _expand(paths)
    report = ImportReport(ignored=ignored, dry_run=dry_run)
    schema = Path(
        os.path.relpath(project.output_dir / "case.schema.json", out.resolve())
    ).as_posix()
    first_source: dict[str, Path] = {}
    for path in inputs:
        try:
            case = read_source(path, project)
        except InputError as exc:
            report.results.append(FileResult(path, FAILED, problems=exc.problems))
            continue
        except (Exception, RecursionError) as exc:  # a bug, or a library failing on odd input:
            message = (  # the file is reported and the batch goes on to the next one
                f"internal error in casepress while reading this file ({type(exc).__name__}"
                f"{': ' + str(exc) if str(exc) else ''}); please report it with the file"
            )
            problem = Problem.error(display_path(path), message)
            report.results.append(FileResult(path, FAILED, problems=[problem]))
            continue
        target = out / f"{case.id}.yaml"
        result = FileResult(path, IMPORTED, target, notes=case.notes)
        report.results.append(result)
        if case.id in first_source:
            message = (
                f"its title gives the id {case.id!r}, as does {display_path(first_source[case.id])}; "
                "change one title, or import them separately"
            )
            result.status, result.problems = (
                FAILED,
                [Problem.error(display_path(path), message)],
            )
            continue
        first_source[case.id] = path
        if target.exists() and not force:
            result.status = SKIPPED
            continue
        result.text = to_yaml(case, schema=schema)
        if dry_run:
            _, result.problems = load_case(target, project, text=result.text)
        else:
            try:
                write_atomic(target, result.text, root=root)
            except InputError as exc:  # a link in the way: refused, the others still written
                result.status, result.problems = FAILED, exc.problems
                continue
            # read back from where it was written
            _, result.problems = load_case(target, project, roots=[target.parent])
    report.seconds = time.perf_counter() - started
    return report


def _expand(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Inputs in the order given, folders expanded (sorted; hidden and ~$ lock files left out)."""
    inputs: list[Path] = []
    ignored: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            inputs.append(path)
            continue
        for found in sorted(p for p in path.rglob("*") if p.is_file()):
            parts = found.relative_to(path).parts
            if any(part.startswith((".", "~$")) for part in parts):
                continue
            (inputs if found.suffix.lower() in SUFFIXES else ignored).append(found)
    unique = list({p.resolve(): p for p in inputs}.values())
    return unique, ignored


def to_yaml(case: ImportedCase, *, schema: str = "../build/case.schema.json") -> str:
    """The case file for an imported case, byte for byte the same for the same input."""
    comments = [
        f"yaml-language-server: $schema={schema}",
        f"imported by casepress from {case.source.name}",
    ]
    return dump_case(case.values, comments=comments)


def read_source(path: Path, project: Project | None = None) -> ImportedCase:
    """Read one .txt, .md or .docx case study; InputError when it cannot become a case."""
    source = read_file(path)
    if source.path.suffix.lower() == ".docx":
        from .wordcase import read_casepress_word  # pandoc runs only for Word files

        word = read_casepress_word(path)
        if word is not None:  # a document casepress wrote: every field comes back as it was
            values = word.values
            case_id = (
                values.pop("id", None) or slugify(values.get("title", "")) or slugify(path.stem)
            )
            return ImportedCase(path, case_id, _in_case_order(values), word.notes)
    return _Importer(source, project or Project(root=Path.cwd())).run()


def _in_case_order(values: dict[str, Any]) -> dict[str, Any]:
    from ..model.cases import CASE_SPEC

    order = {name: spec.order for name, spec in CASE_SPEC.fields.items()}
    return dict(sorted(values.items(), key=lambda item: order.get(item[0], 999)))


_SEPARATOR = re.compile(r"\s*\u2014\s*|\s+\u2013\s+|\s+-\s+|:\s+|(?<=\?)\s+")
_BOLD_LEAD = re.compile(r"(\*\*|__)(.+?)\1")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•◦▪‣●■]|\d{1,3}[.)])\s+")
_URL = re.compile(r"<?(https?://[^\s<>\]]+[^\s<>\].,;:)])>?")
MAX_LEAD_WORDS = 15


def split_lead_in(text: str) -> tuple[str | None, str, str | None]:
    """(lead-in as plain text or None, the rest as Markdown, why a likely lead-in was refused).

    >>> split_lead_in("Civil society engagement — Key leaders took positions.")[:2]
    ('Civil society engagement', 'Key leaders took positions.')
    """
    bold = _BOLD_LEAD.match(text)
    if bold:
        lead = strip_markdown(bold.group(2)).strip()
        rest = re.sub(r"^\s*(?:[\u2014\u2013:.-]\s*)?", "", text[bold.end() :])
        lead = lead if lead.endswith("?") else lead.rstrip(" :.\u2014\u2013-")
        if rest and lead and len(lead.split()) <= MAX_LEAD_WORDS:
            return lead, escape_block_start(rest), None
    refused = None
    for match in _SEPARATOR.finditer(text):
        lead, rest = text[: match.start()], text[match.end() :]
        if match.start() > 160 or re.search(r"[.!?]\s", lead) or not _starts_upper(lead):
            break
        if not rest or len(lead.split()) > MAX_LEAD_WORDS:
            continue
        if _starts_upper(rest):
            return strip_markdown(lead), escape_block_start(rest), None
        if "," not in lead:  # a comma before the dash: a sentence, not a lead-in
            words = " ".join(rest.split()[:3])
            refused = refused or (
                f"'{strip_markdown(lead)}{match.group()}{words}…' not split into a lead-in and "
                "text, because the text after the separator starts in lower case"
            )
    return None, text, refused


def _starts_upper(text: str) -> bool:
    first = re.match(r"[\"'“‘«(\[*_\\\s]*([^\W_])", text)
    return bool(first) and (first.group(1).isupper() or first.group(1).isdigit())


def _title_like(line: str) -> bool:
    """A short line of its own with no full stop, that reads as the title of what follows."""
    plain = strip_markdown(line)
    return (
        0 < len(plain.split()) <= 12
        and len(plain) <= 100
        and _starts_upper(plain)
        and not re.search(r"[.,;:!\u2014\u2013]$", plain)
        and not _SEPARATOR.search(plain.rstrip("?"))
    )


@dataclass
class _Unit:
    """One paragraph under the lessons heading, before lessons and outcome are told apart."""

    text: str
    line: int
    gap: int
    title: str | None = None
    kind: str = "plain"  # "lead" (lead-in found), "titled" (below a title), "more" (continues one)


class _Importer:
    """Sorts one source's blocks into case fields, collecting notes as it goes."""

    def __init__(self, source: Source, project: Project):
        self.source = source
        self.project = project
        self.notes: list[Note] = list(source.notes)
        self.language = _language(source.blocks, project)
        self.word_language = self.language or project.language or "en"
        self.unchecked_splits: list[int] = []

    def note(self, line: int, message: str, kind: str = CHECK) -> None:
        self.notes.append(Note(line, message, kind))

    def fail(self, line: int, message: str):
        raise InputError([Problem.error(self.source.shown, message, line=line)])

    def run(self) -> ImportedCase:
        source = self.source
        title = self.fix_ligatures_plain(source.title, source.title_line)
        if match_heading(title):
            self.fail(
                source.title_line,
                f"the first line is the heading {title!r}: put the title above it",
            )
        if len(title) > 150:
            self.note(
                source.title_line,
                f"the title is {len(title)} characters long: is the first line the title?",
            )
        case_id = slugify(title) or slugify(source.path.stem)
        if not case_id:
            self.fail(source.title_line, "no id can be made from the title or the file name")
        if case_id != slugify(title):
            self.note(
                source.title_line, f"the id {case_id!r} is made from the file name, not the title"
            )

        sections, headings = self.sections(source.blocks)
        if "lessons" not in headings:
            self.fail(0, "no lessons heading found (Lessons learned, Lessons learnt, Lessons identified, "
                         "or the French or Spanish equivalent): add one above the lessons")  # fmt: skip
        values: dict[str, Any] = {"title": title}
        if source.subtitle:
            values["subtitle"] = self.fix_ligatures_plain(source.subtitle, source.title_line + 1)
        if self.language:
            values["language"] = self.language
        values["context"] = self.narrative(sections["context"], "context")
        if not values["context"]:
            first = headings[next(iter(headings))] if headings else None
            self.fail(
                first.line if first else 0,
                "no context: nothing between the title and the first heading",
            )
        if "entry_point" in headings:
            values["entry_point"] = self.narrative(sections["entry_point"], "entry_point")
        else:
            self.note(
                headings["lessons"].line,
                "no entry point heading: all text before the lessons went into context",
            )
        values["lessons_heading"] = self.lessons_heading(headings["lessons"])
        lessons, outcome = self.lessons(sections["lessons"], headings)
        if not lessons:
            self.fail(headings["lessons"].line, "no lesson below the lessons heading")
        values["lessons"] = lessons
        outcome_parts = [
            p for p in (outcome, self.narrative(sections.get("outcome", []), "outcome")) if p
        ]
        values["outcome"] = "\n\n".join(outcome_parts) or None
        values["regions"], values["countries"] = self.tags(
            sections.get("tags"), headings.get("tags")
        )
        values["further_resources"] = self.resources(sections.get("resources", []))
        if self.unchecked_splits:
            self.note(self.unchecked_splits[0], f"words split by PDF copying ('signifi cant') were not "
                      f"repaired: casepress has no word list for the language {self.word_language!r}")  # fmt: skip
        notes = source.repairs.notes() + self.notes
        notes.sort(key=lambda n: n.line)
        return ImportedCase(source.path, case_id, {k: v for k, v in values.items() if v}, notes)

    # -- sections ----------------------------------------------------------------------

    def sections(self, blocks: list[Block]) -> tuple[dict[str, list[Block]], dict[str, Block]]:
        sections: dict[str, list[Block]] = {"context": []}
        headings: dict[str, Block] = {}
        current = "context"
        for block in blocks:
            if block.kind == "heading" and block.role:
                if block.role in headings:
                    self.note(block.line, f"a second {strip_markdown(block.text)!r} heading; "
                              f"what follows it is added to the first")  # fmt: skip
                else:
                    headings[block.role] = block
                current = block.role
                sections.setdefault(current, [])
                continue
            sections[current].append(block)
        return sections, headings

    def prose(self, block: Block) -> str:
        """A block as Markdown, ligature splits repaired and each repair noted."""
        return self.fix_ligatures(self.source.join(block))

    def fix_ligatures(self, prose: Prose) -> str:
        text, splits = repair_ligatures(prose.text, self.word_language)
        for split in splits:
            line = prose.line_at(split.offset)
            if not split.checked:
                self.unchecked_splits.append(line)
            else:
                self.note(line, split.describe(), REPAIRED if split.joined else CHECK)
        return text

    def fix_ligatures_plain(self, text: str, line: int) -> str:
        return self.fix_ligatures(Prose(text, [(0, line)]))

    def plain(self, text: str) -> str:
        return strip_markdown(text) if self.source.markdown else text.strip()

    def markdown(self, text: str) -> str:
        return text if self.source.markdown else escape_markdown(text)

    def narrative(self, blocks: list[Block], name: str) -> str | None:
        parts = []
        for block in blocks:
            if block.kind == "heading":  # one casepress has no section for
                level = max(1, block.level - 1)
                parts.append("#" * level + " " + self.markdown(block.text))
                self.note(block.line, f"heading {self.plain(block.text)!r} is not a casepress section; "
                          f"kept in {name} as a sub-heading")  # fmt: skip
                continue
            if not self.source.markdown and len(block.lines) == 1 and _title_like(block.lines[0]):
                self.note(block.line, f"{block.lines[0]!r} looks like a heading casepress does not know; "
                          f"kept in {name} as a paragraph")  # fmt: skip
            parts.append(self.prose(block))
        return "\n\n".join(parts) or None

    def lessons_heading(self, heading: Block) -> str | None:
        """The heading as written, unless it is the label the brief shows anyway."""
        words = self.plain(heading.text).rstrip(": ")
        words = re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", words)
        label = builtin_labels((self.language or self.project.language or "en").split("-")[0]).get(
            "lessons", ""
        )
        if heading_key(words) == heading_key(label):
            return None
        return (
            words[:1].upper() + words[1:].lower() if words.isupper() or words.islower() else words
        )

    # -- lessons and outcome -------------------------------------------------------------

    def lessons(
        self, blocks: list[Block], headings: dict[str, Block]
    ) -> tuple[list[dict], str | None]:
        units = self.units(self.split_title_lines(blocks))
        outcome: list[_Unit] = []
        if "outcome" not in headings:
            units, outcome = self.find_outcome(units)
        leads = sum(1 for u in units if u.kind == "lead")
        lessons: list[dict] = []
        for unit in units:
            if unit.kind == "more" and lessons:
                lessons[-1]["text"] += "\n\n" + unit.text
                continue
            if unit.kind == "plain" and leads:
                self.note(unit.line, f"lesson {len(lessons) + 1} has no lead-in while others do: kept as a "
                          "lesson without a title (if it continues the lesson before, join them)")  # fmt: skip
            lessons.append(
                {"title": unit.title, "text": unit.text} if unit.title else {"text": unit.text}
            )
        return lessons, "\n\n".join(u.text for u in outcome) or None

    def split_title_lines(self, blocks: list[Block]) -> list[Block]:
        """A title on a line of its own above a lesson becomes a heading block."""
        result: list[Block] = []
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            first = block.lines[0] if block.kind == "text" and not block.verbatim else ""
            if first and _title_like(first) and not split_lead_in(first)[0]:
                if len(block.lines) > 1 and _starts_upper(block.lines[1]):
                    title = Block("heading", [first], block.numbers[:1], block.gap, 0)
                    rest = Block("text", block.lines[1:], block.numbers[1:], 0)
                    result += [title, rest]
                    continue
                if len(block.lines) == 1 and following is not None and following.kind == "text":
                    result.append(Block("heading", [first], block.numbers[:1], block.gap, 0))
                    continue
            result.append(block)
        return result

    def units(self, blocks: list[Block]) -> list[_Unit]:
        units: list[_Unit] = []
        title: tuple[str, int, int] | None = None  # (title, line, gap) waiting for its text
        under_title = False
        for block in blocks:
            if block.kind == "heading":
                if title:
                    self.note(
                        title[1],
                        f"lesson title {title[0]!r} has no text below it: used as its text",
                    )
                    units.append(
                        _Unit(self.markdown(title[0]), title[1], title[2], title[0], "titled")
                    )
                title = (
                    self.fix_ligatures_plain(self.plain(block.text), block.line),
                    block.line,
                    block.gap,
                )
                under_title = True
                continue
            texts = [block] if block.kind != "list" else self.list_items(block)
            for item in texts:
                text = self.prose(item)
                if title:
                    units.append(_Unit(text, item.line, title[2], title[0], "titled"))
                    title = None
                elif under_title:
                    units.append(_Unit(text, item.line, item.gap, kind="more"))
                else:
                    lead, rest, refused = split_lead_in(text)
                    if refused:
                        self.note(item.line, refused)
                    units.append(
                        _Unit(rest, item.line, item.gap, lead, "lead" if lead else "plain")
                    )
        if title:
            self.note(title[1], f"lesson title {title[0]!r} has no text below it: used as its text")
            units.append(_Unit(self.markdown(title[0]), title[1], title[2], title[0], "titled"))
        return units

    def list_items(self, block: Block) -> list[Block]:
        """A list under the lessons heading: each item is a lesson."""
        items: list[Block] = []
        for line, number in zip(block.lines, block.numbers, strict=True):
            marker = _LIST_MARKER.match(line)
            if marker or not items:
                items.append(
                    Block(
                        "text",
                        [line[marker.end() :] if marker else line],
                        [number],
                        0 if items else block.gap,
                    )
                )
            else:
                items[-1].lines.append(line)
                items[-1].numbers.append(number)
        return items

    def find_outcome(self, units: list[_Unit]) -> tuple[list[_Unit], list[_Unit]]:
        """Split the closing narrative from the lessons when no heading marks it (see above)."""
        if len(units) < 2:
            return units, []
        usual = min(u.gap for u in units[1:])
        breaks = [i for i in range(1, len(units)) if units[i].gap > usual]
        if breaks and all(u.kind in ("plain", "more") for u in units[breaks[-1] :]):
            return units[: breaks[-1]], units[breaks[-1] :]
        if any(u.kind == "lead" for u in units):
            start = len(units)
            while start > 0 and units[start - 1].kind == "plain":
                start -= 1
            if start < len(units):
                count = len(units) - start
                self.note(units[start].line, f"{count} paragraph(s) without a lead-in after the last lesson "
                          "taken as the outcome; if they are lessons, move them under lessons")  # fmt: skip
                return units[:start], units[start:]
        elif all(u.kind == "plain" for u in units):
            self.note(units[0].line, f"none of the {len(units)} lessons has a lead-in; if the last "
                      "paragraph is the closing narrative, move it to outcome")  # fmt: skip
        return units, []

    # -- tags and resources --------------------------------------------------------------

    def tags(
        self, blocks: list[Block] | None, heading: Block | None
    ) -> tuple[list[str], list[str]]:
        regions: list[str] = []
        countries: list[str] = []
        if heading is None:
            self.note(0, "no 'Region(s) or Country(ies)' block: no regions or countries set")
            return regions, countries
        languages = [self.language] if self.language and self.language != "en" else []
        for line, number in self.tag_lines(blocks or []):
            for tag in _split_tags(line, languages):
                code = country_code(tag, languages=languages)
                if code:
                    name = display_name(code)
                    bucket = countries
                else:
                    name = region_name(tag, self.project.regions)
                    bucket = regions
                if name and name != tag:
                    self.note(number, f"tag {tag!r} written as {name!r}", REPAIRED)
                if name is None:
                    name = tag
                    hint = suggest_country(tag, cutoff=0.75)
                    hint = hint if hint.startswith(" (did you mean") else ""
                    self.note(number, f"tag {tag!r} is neither an ISO 3166 country nor a known region{hint}: "
                              "kept under regions (add it to regions: in casepress.yaml if it is one)")  # fmt: skip
                if name not in bucket:
                    bucket.append(name)
        if not regions and not countries:
            self.note(
                heading.line,
                f"the {self.plain(heading.text)!r} block is empty: no regions or countries set",
            )
        return regions, countries

    def tag_lines(self, blocks: list[Block]) -> list[tuple[str, int]]:
        lines = []
        for block in blocks:
            for line, number in zip(block.lines, block.numbers, strict=True):
                plain = self.plain(_LIST_MARKER.sub("", line))
                label = re.match(r"([^:]{1,40}):\s*", plain)
                if label and (match_heading(label.group(1)) or (None,))[0] == "tags":
                    plain = plain[label.end() :]  # "Countries: Peru, Bolivia"
                if plain:
                    lines.append((plain, number))
        return lines

    def resources(self, blocks: list[Block]) -> list[dict[str, str]]:
        """Further resources: a line each in plain text, else a list item or paragraph each."""
        texts: list[str] = []
        for block in blocks:
            if not self.source.markdown or block.kind == "list":
                texts += [self.plain(_LIST_MARKER.sub("", line)) for line in block.lines]
            else:
                texts.append(self.plain(" ".join(block.lines)))
        found = []
        for text in filter(None, texts):
            url = _URL.search(text)
            title = _URL.sub("", text).strip(" :,;–—-()<>") if url else text
            resource = {"title": title or url.group(1)}
            if url:
                resource["url"] = url.group(1)
            found.append(resource)
        return found


def _language(blocks: list[Block], project: Project) -> str | None:
    """The case's language, from its lessons heading or else most of its headings."""
    lessons = [b.language for b in blocks if b.role == "lessons" and b.language]
    counted = Counter(b.language for b in blocks if b.kind == "heading" and b.language)
    language = lessons[0] if lessons else (counted.most_common(1)[0][0] if counted else None)
    if language and project.language and project.language.split("-")[0].lower() == language:
        return project.language  # 'en-GB' in casepress.yaml: keep the region
    return language


def _split_tags(line: str, languages: list[str]) -> list[str]:
    """Tags on one line, split at commas and semicolons; 'Korea, Republic of' stays whole."""
    tags: list[str] = []
    for group in re.split(r"\s*;\s*", line):
        parts = [p.strip(" .") for p in re.split(r"\s*,\s*", group)]
        while parts:
            part = parts.pop(0)
            if parts and country_code(f"{part}, {parts[0]}", languages=languages):
                part = f"{part}, {parts.pop(0)}"
            if part:
                tags.append(part)
    return tags
