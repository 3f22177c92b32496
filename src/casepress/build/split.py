"""Split handbooks: one document per chapter, rendered in parallel, paginated, then merged.

The single-pass handbook lays out every page in one process. Here the rendered handbook
HTML is cut into units, each a complete document with the same head: the front matter
(cover, imprint, contents, introduction) and then every child of ``.body-matter`` (part
dividers, chapters, indexes), each of which starts on a new page anyway and sits in the
same ancestors (``<main>``, ``.body-matter``) as in the book. A unit's page count does
not depend on the number it starts at, so units are laid out in book order by the worker
pool, each told its first page number from the page counts known so far (the real counts
of finished units, last build's or the brief's for those still in flight).

What one document carries from page to page has to be handed from unit to unit:

- page numbers that point into other units (contents, part lists, indexes, "(p. N)"
  cross-references) cannot come from ``target-counter()`` across documents, so every rule
  that uses ``target-counter(attr(href), page)`` gets a twin for links carrying
  ``data-cp``, which prints ``attr(data-cp-<style>)`` instead; such links are given the
  number from the page map;
- running heads and footers: a part or chapter unit opens with a carrier page, laid out
  and then dropped, that sets every named string (``string-set``) to the value the units
  before it left, and holds the front matter's running elements (``position: running``).
  The carrier also keeps ``@page :first`` on a page that is not written, as in the book.

Page counts not yet known are estimated: the last build's; a brief's, plus one when its
last page would overflow as a chapter's; that of the laid-out unit of the same kind closest
in length. A unit of a kind none of which is known yet (the first part divider of a cold
build) is waited for before the next one is started.
The front matter's strings are read from its HTML where its rules allow, so it is laid
out once, last, with every number known. A unit whose numbers or strings turn out wrong
once every unit is known is laid out again (rare, and never the whole book); a unit whose
HTML has not changed since the last build is reused as it was. ``merge`` joins the unit
PDFs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RenderError
from ..pdf.merge import merge
from ..pdf.units import (
    LINK,
    CssFacts,
    Cut,
    Unit,
    css_facts,
    css_string,
    cut,
    format_counter,
    handbook_css,
    matches,
    opening_tags,
    predict_strings,
)
from . import cache

OVERFLOW_FILL = 1.0
"""Until chapters tell otherwise: a brief whose last page is fuller than this, as its chapter
would fill it (``pdf/pagefill.py``: a margin the brief loses at a page top counts), is taken
to need one page more as a handbook chapter (right for every chapter of the 200-case
synthetic library and of the sample)."""
SPLIT_THRESHOLD = 40
"""Handbooks with at least this many cases are split (smaller ones lay out fast enough)."""
MAX_ROUNDS = 6
CARRIER = "data-cp-carrier"
"""Attribute of the element that fills a unit's carrier page."""


@dataclass
class UnitResult:
    """A laid-out unit: its PDF, pages, anchors (name → page), bookmarks, and the named
    strings it sets (the last value of each, and those its first page sets)."""

    key: str
    data: bytes
    pages: int
    anchors: dict[str, int]
    bookmarks: list
    stubs: list[str]
    strings: dict[str, str] = field(default_factory=dict)
    first_strings: list[str] = field(default_factory=list)
    layout: dict | None = None
    """Its page layout figures (``pdf.layout``), its pages numbered from 1."""
    marks: dict | None = None
    """What its pages draw, for the quality report (``checks.pdfua.page_marks``): read
    once, when the unit is laid out, and kept with its facts."""
    source: str | None = None
    """Digest of the handbook HTML it was cut from (``_source``): the next build tells
    from it, before laying anything out, how many units an edit changed."""

    def facts(self) -> dict:
        return {"key": self.key, "pages": self.pages, "anchors": self.anchors,
                "bookmarks": self.bookmarks, "stubs": self.stubs, "strings": self.strings,
                "first_strings": self.first_strings, "layout": self.layout,
                "marks": self.marks, "source": self.source}  # fmt: skip


@dataclass
class SplitJob:
    """A handbook to lay out unit by unit, and what earlier builds know of it."""

    plan: object
    """The ``HandbookPlan``."""
    html: str
    base_url: Path
    previous: dict[str, dict] = field(default_factory=dict)
    """The units of the last build (manifest facts), by unit name."""
    hints: dict[str, int | tuple[int, float | None]] = field(default_factory=dict)
    salt: str = ""
    """Everything but a unit's HTML that shapes its PDF (theme, settings, versions)."""
    css_texts: list[str] = field(default_factory=list)
    attachments: tuple[Path, ...] = ()
    attachments_salt: str = ""
    max_elements: int | None = None
    facts: CssFacts | None = None
    """What the CSS asks of a split (``css_facts`` of ``handbook_css``), when known."""
    units: Cut | None = None
    """``html`` cut into units, when already cut."""


class SplitHandbook:
    """Lays out a handbook unit by unit in the worker pool and merges the PDFs."""

    def __init__(
        self, job: SplitJob, pool, load_unit: Callable[[str], bytes | None], progress=None
    ) -> None:
        self.job, self.pool, self.load_unit, self.progress = job, pool, load_unit, progress
        self.name = job.plan.edition.name
        self.previous = job.previous
        self._read(job.html, job.css_texts, job.hints, job.facts, job.units)
        self._start_learning(job.previous)
        self.sources = {u.name: self._source(u) for u in (self.front, *self.body)}
        self.here = self._here_budget()
        """Units still to lay out in this process rather than start workers for them."""

    def _read(self, html: str, css_texts, hints, facts=None, units=None) -> None:
        """The handbook cut into units, and what its CSS asks of them."""
        self.cut = units if units is not None else cut(html)
        self.front, self.body = self.cut.front, self.cut.body
        self.texts = handbook_css(html, css_texts)
        if facts is None:
            facts = css_facts(self.texts)
        self.twins, self.styles = facts.twins, set(facts.styles)
        self.running = "".join(
            element
            for element in self.cut.top
            if any(matches(s, opening_tags(element)[0]) for s in facts.running)
        )
        self.owner = {name: unit for unit in (self.front, *self.body) for name in unit.ids}
        self.lengths = {u.name: len(re.sub(r"<[^>]*>", "", u.fragment)) for u in self.body}
        self.hints = {
            name: (hint, None) if isinstance(hint, int) else tuple(hint)
            for name, hint in hints.items()
        }
        """Brief id → (pages, last-page fill) of the brief, from the last build of briefs."""

    def _source(self, unit: Unit) -> str:
        return cache.digest(self.cut.head, self.cut.open_wrappers(), unit.fragment,
                            self.running if not unit.front else "")  # fmt: skip

    def _here_budget(self) -> int:
        """How many units to lay out in this process: those whose HTML changed since the
        last build (an edit: its chapter, perhaps an index), when they are few enough not
        to start workers for (``workers.in_process_suits``) and no worker runs yet. Units
        that turn out to need laying out again beyond that (page numbers moved) go to the
        workers."""
        from .workers import in_process_suits

        changed = sum(
            1
            for name, source in self.sources.items()
            if self.previous.get(name, {}).get("source") != source
        )
        jobs = getattr(self.pool, "jobs", 0)
        if not jobs or getattr(self.pool, "has_workers", True):
            return 0
        return changed if in_process_suits(changed, jobs) else 0

    def _start_learning(self, previous: dict[str, dict]) -> None:
        """What is known of page counts before any unit is laid out."""
        self.overflow = OVERFLOW_FILL
        """Last-page fill above which a brief's chapter is taken to need one page more
        (learnt from the chapters laid out so far)."""
        self.seen: list[tuple[float, bool]] = []
        """(fill, needed one page more) of every chapter laid out with a brief's hint."""
        self.by_length: dict[str, list[tuple[int, int]]] = {}
        """Kind of unit ("case", "part", "index") → (text length, pages) of those laid out
        so far, sorted."""
        self.counts: dict[str, int] = {}
        """Real page counts of units laid out so far."""
        self.results: dict[str, UnitResult] = {}
        self.first: dict[str, list[str]] = {
            name: facts["first_strings"]
            for name, facts in previous.items()
            if isinstance(facts.get("first_strings"), list)
        }
        """Named strings each unit's first page sets itself (their carried value is moot)."""
        self.predicted: dict[str, str] | None = None
        """The front matter's strings as read from its HTML (``predict_strings``)."""
        self.submitted: dict[tuple, tuple] = {}
        self.new_units: dict[str, UnitResult] = {}
        self.warnings: list[str] = []
        self.sheet_warnings: list[str] = []
        self.sheet_problems: list = []
        """What the stylesheets asked for and were refused, at their lines (``Problem``)."""
        self.rendered = 0
        self.laid_out: list[str] = []
        """The units laid out by this build, in the order they were (a unit laid out again
        with settled numbers is named twice); the others were reused."""

    def _count(self, unit: Unit) -> int:
        """Real page count, else an estimate (a wrong one costs a unit one more layout):
        the last build's; the brief's, one more if its last page would overflow as a
        chapter's (``pdf/pagefill.py``); else from the laid-out unit of its kind closest
        in text length."""
        if unit.name in self.counts:
            return self.counts[unit.name]
        known = self.previous.get(unit.name, {}).get("pages")
        if known:
            return known
        hint = self.hints.get(unit.name.removeprefix("case-"))
        if hint is not None:
            pages, fill = hint
            return pages + 1 if fill is not None and fill > self.overflow else pages
        chapter = unit.name.startswith("case-")
        laid_out = self.by_length.get(_kind(unit))
        if not laid_out:
            return 2 if chapter else 1
        length = self.lengths[unit.name]
        at = bisect.bisect_left(laid_out, (length, 0))
        near, pages = min(laid_out[max(0, at - 1) : at + 1], key=lambda n: abs(n[0] - length))
        if chapter or pages == 1:  # one page holds a short part or index, whatever its length
            return pages
        return max(1, round(length * pages / near))  # a long index: pages grow with its text

    def _blind(self, unit: Unit) -> bool:
        """Whether ``_count`` can only guess ``unit``'s pages: no count of it, of its brief
        or of a unit of its kind is known (the first part divider of a cold build; a part
        lists its chapters, one page or more). The units after it wait for its count: a
        wrong guess would lay them out twice."""
        if unit.front or unit.name in self.counts or self.previous.get(unit.name, {}).get("pages"):
            return False
        if self.hints.get(unit.name.removeprefix("case-")) is not None:
            return False
        return not self.by_length.get(_kind(unit)) and unit is not self.body[-1]

    def _learn(self, unit: Unit, pages: int) -> None:
        """Learn from a unit laid out: its length and pages; for a chapter, also whether its
        brief's fill foretold a page more (the threshold moves to where the fewest chapters
        were mispredicted)."""
        bisect.insort(self.by_length.setdefault(_kind(unit), []), (self.lengths[unit.name], pages))
        if not unit.name.startswith("case-"):
            return
        hint = self.hints.get(unit.name.removeprefix("case-"))
        if hint is None or hint[1] is None or pages not in (hint[0], hint[0] + 1):
            return
        bisect.insort(self.seen, (hint[1], pages > hint[0]))
        # errors(t) = chapters that needed a page more with fill <= t + those that did not
        # with fill > t; try the default and every fill seen, keep the fewest errors
        more = sum(1 for _, needed in self.seen if needed)
        best = (self._errors(OVERFLOW_FILL), 0.0, OVERFLOW_FILL)
        below_more = below_kept = 0
        for fill, needed in self.seen:
            below_more += needed
            below_kept += not needed
            kept_above = len(self.seen) - more - below_kept
            candidate = (below_more + kept_above, abs(fill - OVERFLOW_FILL), fill)
            best = min(best, candidate)
        self.overflow = best[2]

    def _errors(self, threshold: float) -> int:
        return sum(1 for fill, needed in self.seen if needed == (fill <= threshold))

    # -- page map and carried strings ---------------------------------------------------------
    def _starts(self) -> dict[str, int]:
        starts, page = {}, 1
        for unit in self.body:
            starts[unit.name] = page
            page += self._count(unit)
        return starts

    def _own_strings(self, unit: Unit) -> dict[str, str]:
        done = self.results.get(unit.name)
        if done is not None:
            return done.strings
        known = self.previous.get(unit.name, {}).get("strings")
        if known is None and unit.front:
            return self.predicted or {}
        return known or {}

    def _carries(self) -> dict[str, dict[str, str]]:
        """The named strings in effect where each body unit starts: what the units before
        it set last (the real values where laid out, else last build's)."""
        carries, state = {}, dict(self._own_strings(self.front))
        for unit in self.body:
            carries[unit.name] = dict(state)
            state.update(self._own_strings(unit))
        return carries

    def _value(self, anchor: str, starts: dict[str, int]) -> int | None:
        unit = self.owner.get(anchor)
        if unit is None:
            return None
        done = self.results.get(unit.name)
        offset = done.anchors.get(anchor, 0) if done else 0
        return offset + (1 if unit.front else starts[unit.name])

    def unit_html(
        self, unit: Unit, starts: dict[str, int], carry: dict[str, str]
    ) -> tuple[str, list[str]]:
        """The unit as a document with its first page number, cross-unit numbers and, for a
        part or chapter, its carrier page (named strings and running elements)."""
        stubs = [t for t in unit.targets if t not in unit.ids and t in self.owner]

        def annotate(match: re.Match[str]) -> str:
            target = match.group(3)
            value = self._value(target, starts) if target in stubs else None
            if value is None:
                return match.group(0)
            numbers = "".join(
                f' data-cp-{style}="{format_counter(value, style)}"'
                for style in sorted(self.styles)
            )
            return f'<a data-cp=""{numbers}{match.group(0)[2:]}'

        fragment = LINK.sub(annotate, unit.fragment) if stubs else unit.fragment
        style = self.twins
        if unit.front:
            body = fragment + self.cut.close_ancestors()
        else:
            start = starts[unit.name]
            moot = set(self.first.get(unit.name, ()))
            strings = ", ".join(
                f"{name} {css_string(text)}"
                for name, text in sorted(carry.items())
                if name not in moot
            )
            style += f"[{CARRIER}] {{ break-after: page; string-set: {strings or 'none'} }}\n"
            style += f"@page :nth(2) {{ counter-reset: page {start} }}\n"
            style += f"@page :nth(1 of main) {{ counter-reset: page {start} }}\n"
            body = (
                f'<div {CARRIER}="">{self.running}</div>\n'
                f"{self.cut.open_wrappers()}{fragment}{self.cut.close_wrappers()}"
            )
        head = self.cut.head.replace("</head>", f"<style>\n{style}</style>\n</head>", 1)
        return f"{head}{body}\n</body>\n</html>\n", stubs

    def _key(self, unit: Unit, html: str) -> str:
        extra = self.job.attachments_salt if unit.front else ""
        return cache.digest(self.job.salt, html, extra)

    # -- laying out ---------------------------------------------------------------------------
    def _submit(self, unit: Unit, starts: dict[str, int], carries: dict[str, dict]) -> None:
        from .workers import DocumentTask, render_document

        carry = carries.get(unit.name, {})
        html, stubs = self.unit_html(unit, starts, carry)
        key = self._key(unit, html)
        cached = self._cached(unit, key, stubs)
        if cached is not None:
            self._accept(unit, cached)
            return
        task = (self.name, unit.name, key, tuple(stubs))
        self.submitted[task] = (starts, carry)
        document = DocumentTask(html, self.job.base_url, stubs=tuple(stubs),
                                attachments=self.job.attachments if unit.front else (),
                                skip_pages=0 if unit.front else 1,
                                max_elements=self.job.max_elements)  # fmt: skip
        if self.here > 0:  # an edit's chapter: no workers started for it
            self.here -= 1
            self._collect([(task, self.pool.run_here(render_document, document, label=unit.name))])
            return
        self.pool.submit(task, render_document, document)

    def _cached(self, unit: Unit, key: str, stubs: list[str]) -> UnitResult | None:
        known = self.new_units.get(key)
        if known is not None:
            return known
        facts = self.previous.get(unit.name, {})
        if facts.get("key") != key:
            return None
        data = self.load_unit(key)
        if data is None:
            return None
        return UnitResult(
            key, data, facts["pages"], facts["anchors"], [tuple(b) for b in facts["bookmarks"]],
            stubs, facts.get("strings") or {}, facts.get("first_strings") or [],
            facts.get("layout"), facts.get("marks"), self.sources[unit.name],
        )  # fmt: skip

    def _accept(self, unit: Unit, result: UnitResult) -> None:
        self.results[unit.name] = result
        self.first[unit.name] = result.first_strings
        if not unit.front:
            if unit.name not in self.counts:
                self._learn(unit, result.pages)
            self.counts[unit.name] = result.pages

    def _collect(self, finished) -> None:
        from .workers import TaskFailure

        by_name = {u.name: u for u in (self.front, *self.body)}
        for task, outcome in finished:
            _, name, key, stubs = task
            if isinstance(outcome, TaskFailure):
                raise RenderError(f"{name}: {outcome.message}")
            unit = by_name[name]
            result = UnitResult(
                key, outcome.data, outcome.pages, outcome.anchors, outcome.bookmarks,
                list(stubs), outcome.strings, outcome.first_strings, outcome.layout,
                source=self.sources[name],
            )  # fmt: skip
            self.warnings += outcome.warnings
            self.sheet_warnings += outcome.sheet_warnings
            self.sheet_problems += outcome.sheet_problems
            self._accept(unit, result)
            # Strings the first page sets itself do not depend on what is carried: key
            # the result as the same HTML without them, so it is not laid out again.
            starts, carry = self.submitted.pop(task)
            result.key = self._key(unit, self.unit_html(unit, starts, carry)[0])
            self.new_units[result.key] = result
            self.rendered += 1
            self.laid_out.append(name)
            if self.progress:
                total = max(self.rendered, len(self.body) + 1)
                self.progress(self.rendered, total, f"{self.name}: {name}")

    def _drain(self, limit: int) -> None:
        while self.pool.busy > limit:
            self._collect(self.pool.next_results())

    def build(self) -> bytes:
        """Lay out every unit with settled page numbers and strings, then merge them."""
        # The running heads of every chapter may show strings the front matter sets: known
        # from the last build, or read from its HTML, else it is laid out first to know.
        # Otherwise it is laid out last, when every page number is known.
        if "strings" not in self.previous.get(self.front.name, {}):
            self.predicted = predict_strings(self.front.fragment, self.texts)
            if self.predicted is None:
                self._submit(self.front, self._starts(), {})
                self._drain(0)
        # Book order, a worker's worth in flight: each unit starts from the real counts of
        # the units before it, except those still being laid out.
        for unit in self.body:
            self._drain(self.pool.capacity - 1)
            self._submit(unit, self._starts(), self._carries())
            if self._blind(unit):
                self._drain(0)
        self._drain(0)
        for _ in range(MAX_ROUNDS):
            starts, carries = self._starts(), self._carries()
            # the front matter first: the longest unit, and no count depends on it
            stale = [
                unit
                for unit in (self.front, *self.body)
                if unit.name not in self.results
                or self._key(unit, self.unit_html(unit, starts, carries.get(unit.name, {}))[0])
                != self.results[unit.name].key
            ]
            if not stale:
                break
            for unit in stale:
                self._submit(unit, starts, carries)
            self._drain(0)
        else:
            raise RenderError("page numbers did not settle; build with the single pass")
        return merge(
            [self.results[u.name] for u in (self.front, *self.body)], len(self.cut.wrappers)
        )

    def layout(self) -> dict | None:
        """The page layout figures of the merged book: its units', pages running on."""
        from ..pdf.layout import combine

        return combine([self.results[u.name].layout for u in (self.front, *self.body)])

    def unit_facts(self) -> dict[str, dict]:
        return {name: result.facts() for name, result in self.results.items()}

    def reused(self) -> list[str]:
        """The units this build took as the last one left them, in book order."""
        again = set(self.laid_out)
        return [u.name for u in (self.front, *self.body) if u.name not in again]

    def page_marks(self) -> list[dict]:
        """What every unit's pages draw (``checks.pdfua.page_marks``), in book order: kept
        from when each was laid out, read now from a unit laid out before they were kept."""
        from ..checks.pdfua import MARKS_VERSION, page_marks

        found = []
        for unit in (self.front, *self.body):
            result = self.results[unit.name]
            if not result.marks or result.marks.get("version") != MARKS_VERSION:
                result.marks = page_marks(result.data)
            found.append(result.marks)
        return found


def _kind(unit: Unit) -> str:
    """A body unit's kind from its name: "case", "part", "index" (the template's ids)."""
    return unit.name.split("-", 1)[0]
