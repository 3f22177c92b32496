"""The library's catalogue: every valid case's metadata, for a spreadsheet, a website's CMS
or a reference manager (``casepress export``, and the site's ``catalogue.json``).

One record per case, in a stable order (by id), with the paths of the outputs a build
writes for it. Four formats:

- ``csv``: one row per case under a header; lists joined with "; " (UTF-8; ``bom``, for a
  spreadsheet, starts the file with a byte order mark, so that Excel reads accented letters
  correctly, and puts an apostrophe before a cell a spreadsheet would run as a formula);
- ``json``: ``{"cases": [...]}``, lists as lists, authors as objects; the same content as the
  site's ``catalogue.json``;
- ``csl-json``: a list of CSL-JSON items (``model.citation.csl_item``) for Zotero, Pandoc;
- ``bibtex``: one ``@techreport`` per case (``model.citation.bibtex_entry``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..model.cases import CASE_SPEC, Case, load_cases
from ..model.citation import Person, bibtex_entry, csl_item, doi_url
from ..model.project import Project
from .context import FORMATS as BRIEF_FORMATS

EXPORT_FORMATS = ("csv", "json", "csl-json", "bibtex")
CATALOGUE_NAME = "catalogue.json"
"""The site's copy of the catalogue, beside its index."""
SITE_FOLDER = "site"
LIST_SEPARATOR = "; "


def _columns() -> tuple[str, ...]:
    """The catalogue's fields, in order; ``translation_of`` when cases have it."""
    linked = ("translation_of",) if "translation_of" in CASE_SPEC.fields else ()
    return (
        "id", "title", "subtitle", "language", *linked, "regions", "countries", "themes",
        "period", "authors", "summary", "status", "series", "number", "doi", "doi_url",
        "published", "brief_pdf", "brief_html", "site_page",
    )  # fmt: skip


COLUMNS = _columns()


def output_paths(project: Project, case_id: str) -> dict[str, str]:
    """Where a build writes a case's brief (PDF, HTML) and its site page, relative to the
    project's output folder, with '/' between folders: the folders the build writes into
    (``Project.briefs_dir``; the site's ``cases/`` page, ``render.site.case_page``)."""
    from ..render.site import case_page

    out = Path(os.path.abspath(project.output_dir))

    def relative(path: Path) -> str:
        return Path(os.path.relpath(os.path.abspath(path), out)).as_posix()

    briefs = {
        f"brief_{fmt}": relative(project.briefs_dir / f"{case_id}.{fmt}") for fmt in BRIEF_FORMATS
    }
    return {**briefs, "site_page": f"{SITE_FOLDER}/{case_page(case_id)}"}


def _author(author: str | Person) -> dict[str, str]:
    if isinstance(author, Person):
        parts = {"name": str(author), "given": author.given, "family": author.family,
                 "affiliation": author.affiliation, "orcid": author.orcid}  # fmt: skip
        return {key: value for key, value in parts.items() if value}
    return {"name": author}


def case_record(project: Project, case: Case) -> dict[str, Any]:
    """One case's entry in the catalogue (JSON types: lists stay lists, absent is None)."""
    values: dict[str, Any] = {
        "id": case.id,
        "title": case.title,
        "subtitle": case.subtitle,
        "language": case.language,
        "translation_of": getattr(case, "translation_of", None),
        "regions": list(case.regions),
        "countries": list(case.countries),
        "themes": list(case.themes),
        "period": case.period,
        "authors": [_author(a) for a in case.authors],
        "summary": case.summary,
        "status": case.status,
        "series": case.series,
        "number": case.number,
        "doi": case.doi,
        "doi_url": doi_url(case.doi),
        "published": case.published.isoformat() if case.published else None,
        **output_paths(project, case.id),
    }
    return {name: values[name] for name in COLUMNS}


def catalogue_records(project: Project, cases: Iterable[Case]) -> list[dict[str, Any]]:
    return [case_record(project, case) for case in sorted(cases, key=lambda c: c.id)]


def publisher(project: Project) -> str | None:
    """Who publishes the cases, as citations name it: the project's organisation, else its
    theme's (as the briefs' "Cite as" line names it)."""
    if project.organisation:
        return project.organisation
    from ..errors import CasepressError
    from ..theme.chain import load_theme

    try:
        theme = load_theme(project.root, project.theme, labels=project.labels,
                           origin=project.theme_origin)  # fmt: skip
    except CasepressError:  # an invalid theme: `build` says why
        return None
    return theme.organisation


def catalogue_page(project: Project, cases: Iterable[Case]):
    """The site's ``catalogue.json`` as a page of the site plan (``render.site.Page``)."""
    from ..render.site import INDEX_PAGE, Page

    cases = list(cases)
    return Page(CATALOGUE_NAME, lambda: catalogue_json(project, cases), INDEX_PAGE)


def export_text(project: Project, cases: Iterable[Case], fmt: str, *, bom: bool = False) -> str:
    """The catalogue of ``cases`` in one of ``EXPORT_FORMATS``."""
    ordered = sorted(cases, key=lambda c: c.id)
    if fmt == "json":
        return catalogue_json(project, ordered)
    if fmt == "csl-json":
        named = publisher(project)
        items = [csl_item(case, publisher=named) for case in ordered]
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if fmt == "bibtex":
        named = publisher(project)
        return "\n".join(bibtex_entry(case, publisher=named) for case in ordered)
    if fmt == "csv":
        return ("\ufeff" if bom else "") + _csv(catalogue_records(project, ordered), sheet=bom)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")


def catalogue_json(project: Project, cases: Iterable[Case]) -> str:
    """``{"cases": [...]}``: what ``export --format json`` writes and the site publishes."""
    document = {"cases": catalogue_records(project, cases)}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection")."""


def _csv(records: list[dict[str, Any]], *, sheet: bool = False) -> str:
    """The CSV text; ``sheet`` (for a spreadsheet): a cell that a spreadsheet would run as
    a formula (``=HYPERLINK(...)`` in a title) starts with an apostrophe, shown as text."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # RFC 4180: quoted where needed, CRLF line ends
    writer.writerow(COLUMNS)
    for record in records:
        cells = [_cell(record[name]) for name in COLUMNS]
        if sheet:
            cells = [f"'{c}" if c.startswith(FORMULA_STARTS) else c for c in cells]
        writer.writerow(cells)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(v["name"] if isinstance(v, dict) else str(v) for v in value)
    return str(value)


@dataclass
class Export:
    """What ``export_catalogue`` made: the text (None when refused), the cases in it, and
    every problem found in the case files."""

    text: str | None
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    """The case files left out because they have errors (as shown in messages)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def export_catalogue(
    project: Project, fmt: str, *, allow_partial: bool = False, bom: bool = False
) -> Export:
    """The catalogue of the project's cases. When case files have errors the catalogue
    would be partial without saying so: it is refused (``text`` is None), unless
    ``allow_partial``, when the valid cases are exported and ``invalid`` names the others."""
    catalogue = load_cases(project)
    invalid = sorted({p.path for p in catalogue.errors})
    result = Export(None, list(catalogue.cases), list(catalogue.problems), invalid)
    if invalid and not allow_partial:
        return result
    result.text = export_text(project, catalogue.cases, fmt, bom=bom)
    return result
