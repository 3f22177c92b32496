"""The page layout section of the quality report, and the limits a project sets on it.

``pdf/layout.py`` measures each PDF while it is laid out (``LayoutFacts``); here those
figures become the ``layout`` entry of the PDF in report.json (``report``), the totals over
a library (``totals``, the build summary's "Page layout" line), and, against the
``layout_limits:`` of casepress.yaml, warnings that name the file, the page, the figure,
the limit and what to do (``limit_problems``), which ``--strict`` turns into a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..model.limits import LayoutLimits

COMFORTABLE_MEASURE = (60, 75)
"""Characters per line a reader follows comfortably (Bringhurst: 45-75, 66 ideal)."""


def _percentile(lengths: dict[str, int], share: float) -> int | None:
    """The line length below which ``share`` of the lines lie (nearest rank)."""
    total = sum(lengths.values())
    if not total:
        return None
    rank = max(1, -(-total * share // 1))  # ceiling, at least the first line
    seen = 0
    for length, count in sorted((int(k), v) for k, v in lengths.items()):
        seen += count
        if seen >= rank:
            return length
    return None  # pragma: no cover


def report(facts: dict[str, Any] | None) -> dict[str, Any] | None:
    """A PDF's ``layout`` entry in report.json, from its ``LayoutFacts``. Page numbers count
    the file's pages from 1 (the number a viewer shows without page labels)."""
    if not facts:
        return None
    lines, hyphenated = facts["lines"], facts["hyphenated"]
    full = sum(facts["lengths"].values())
    run, first, last = facts["run"]
    emptiest = facts["emptiest"]
    return {
        "text_pages": facts["text_pages"],
        "measure": {
            "median": _percentile(facts["lengths"], 0.5),
            "p90": _percentile(facts["lengths"], 0.9),
            "lines": full,
        },
        "emptiest_page": (
            {"page": emptiest[0], "empty_percent": round(emptiest[1] * 100, 1)}
            if emptiest
            else None
        ),  # fmt: skip
        "body_lines": lines,
        "hyphenated_lines": hyphenated,
        "hyphenated_percent": round(100 * hyphenated / lines, 1) if lines else 0.0,
        "longest_hyphen_run": {"lines": run, "pages": [first, last] if run else []},
        "widows": facts["widows"],
        "orphans": facts["orphans"],
        "furniture_only_pages": facts["furniture_only"],
    }


def totals(results: Iterable) -> dict[str, Any] | None:
    """Over every measured PDF: the range of measures, the emptiest page, the longest
    hyphen run, counts of hyphenated lines, widows, orphans and furniture-only pages; each
    extreme with the PDF it is in (``path``). None when no PDF was measured."""
    # in path order: of two PDFs that tie, the one named is the same whichever finished first
    measured = sorted(((str(r.path), r.layout) for r in results if r.format == "pdf" and r.layout),
                      key=lambda item: item[0])  # fmt: skip
    if not measured:
        return None
    medians = [e["measure"]["median"] for _, e in measured if e["measure"]["median"]]
    p90s = [e["measure"]["p90"] for _, e in measured if e["measure"]["p90"]]
    empty = max(
        ((path, e["emptiest_page"]) for path, e in measured if e["emptiest_page"]),
        key=lambda item: item[1]["empty_percent"], default=None,
    )  # fmt: skip
    run = max(((path, e["longest_hyphen_run"]) for path, e in measured),
              key=lambda item: item[1]["lines"])  # fmt: skip
    lines = sum(e["body_lines"] for _, e in measured)
    hyphenated = sum(e["hyphenated_lines"] for _, e in measured)
    return {
        "pdfs": len(measured),
        "measure_median": [min(medians), max(medians)] if medians else None,
        "measure_p90": max(p90s) if p90s else None,
        "emptiest_page": {"path": empty[0], **empty[1]} if empty else None,
        "longest_hyphen_run": {"path": run[0], **run[1]} if run[1]["lines"] else None,
        "hyphenated_lines": hyphenated,
        "hyphenated_percent": round(100 * hyphenated / lines, 1) if lines else 0.0,
        "widows": sum(len(e["widows"]) for _, e in measured),
        "orphans": sum(len(e["orphans"]) for _, e in measured),
        "furniture_only_pages": sum(len(e["furniture_only_pages"]) for _, e in measured),
    }


def summary_line(found: dict[str, Any] | None, shown=lambda path: path) -> str | None:
    """The build summary's "Page layout" line; ``shown`` names a PDF as the summary does."""
    if not found:
        return None
    low, high = COMFORTABLE_MEASURE
    parts = [f"Page layout: {found['pdfs']} PDF(s)"]
    if found["measure_median"]:
        first, last = found["measure_median"]
        span = f"{first}" if first == last else f"{first}–{last}"
        parts.append(f"measure {span} characters per line (aim {low}–{high})")
    empty = found["emptiest_page"]
    if empty:
        parts.append(f"emptiest page {empty['empty_percent']:.0f}% "
                     f"({shown(empty['path'])} p. {empty['page']})")  # fmt: skip
    run = found["longest_hyphen_run"]
    if run:
        parts.append(f"{run['lines']} hyphenated line(s) in a row "
                     f"({shown(run['path'])} p. {run['pages'][0]})")  # fmt: skip
    parts.append(f"{found['hyphenated_lines']} line(s) ending in a hyphen "
                 f"({found['hyphenated_percent']:g}%)")  # fmt: skip
    parts.append(f"{found['widows']} widow(s), {found['orphans']} orphan(s), "
                 f"{found['furniture_only_pages']} page(s) with no text")  # fmt: skip
    return "; ".join(parts)


# Limits --------------------------------------------------------------------------------

_SETTING = "layout_limits: {} in casepress.yaml"


def limit_problems(results: Iterable, limits: LayoutLimits | None) -> list[Problem]:
    """A warning for each figure of each PDF beyond a limit of ``layout_limits:``."""
    if limits is None:
        return []
    found = []
    for result in results:
        if result.format != "pdf" or not result.layout:
            continue
        found += [Problem.warning(Path(result.path), message)
                  for message in _beyond(result.layout, limits)]  # fmt: skip
    return found


def _beyond(entry: dict[str, Any], limits: LayoutLimits) -> list[str]:
    said = []
    median = entry["measure"]["median"]
    if limits.measure and median is not None:
        low, high = limits.measure
        if not low <= median <= high:
            fix = "narrower or the type larger" if median > high else "wider or the type smaller"
            said.append(
                f"body text has {median} characters per line (median), outside the "
                f"measure of {low}–{high} ({_SETTING.format('measure')}); make the text "
                f"column {fix} in the theme's stylesheet, or change the limit"
            )
    empty = entry["emptiest_page"]
    limit = limits.max_empty_page
    if limit is not None and empty and empty["empty_percent"] > limit * 100 + 1e-9:
        said.append(
            f"page {empty['page']} is {empty['empty_percent']:g}% empty, over the limit "
            f"of {limit * 100:g}% ({_SETTING.format('max_empty_page')}); what follows it "
            "did not fit (a block that may not split, a large figure): let it split, make "
            "it smaller or move it, or raise the limit"
        )
    run = entry["longest_hyphen_run"]
    if limits.max_consecutive_hyphens is not None and run["lines"] > limits.max_consecutive_hyphens:
        said.append(
            f"{run['lines']} lines in a row end in a hyphen on page {run['pages'][0]}, over "
            f"the limit of {limits.max_consecutive_hyphens} "
            f"({_SETTING.format('max_consecutive_hyphens')}); limit hyphenation in the "
            "theme's stylesheet (hyphenate-limit-chars, hyphenate-limit-lines), or reword"
        )
    share = entry["hyphenated_percent"]
    if limits.max_hyphenated_lines is not None and share > limits.max_hyphenated_lines * 100:
        said.append(
            f"{entry['hyphenated_lines']} of {entry['body_lines']} lines ({share:g}%) end "
            f"in a hyphen, over the limit of {limits.max_hyphenated_lines * 100:g}% "
            f"({_SETTING.format('max_hyphenated_lines')}); limit hyphenation in the theme's "
            "stylesheet (hyphenate-limit-chars) or widen the measure"
        )
    for key, setting, what, fix in (
        ("widows", "max_widows", "a paragraph's last line alone at the top of page",
         "set widows: 2 in the theme's stylesheet"),
        ("orphans", "max_orphans", "a paragraph's first line alone at the foot of page",
         "set orphans: 2 in the theme's stylesheet"),
        ("furniture_only_pages", "max_furniture_pages",
         "no text, only running heads, folios or a panel, on page",
         "keep the panel with the text before it, or shorten what pushes it over"),
    ):  # fmt: skip
        pages, limit = entry[key], getattr(limits, setting)
        if limit is not None and len(pages) > limit:
            listed = ", ".join(str(p) for p in pages[:10]) + (", ..." if len(pages) > 10 else "")
            plural = "s" if len(pages) > 1 else ""
            said.append(
                f"{what}{plural} {listed}: {len(pages)}, over the limit of {limit} "
                f"({_SETTING.format(setting)}); {fix}"
            )
    return said
