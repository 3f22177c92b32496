"""Jinja environment + context → HTML string. No file is written here.

Templates render in Jinja's sandbox with autoescaping on for every template, whatever its
suffix, and ``StrictUndefined``: in a published brief a silently blank field is worse than
a failed build. Case text arrives as Markup already sanitised by ``markup.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jinja2
from babel.dates import format_date
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from . import __version__
from .cases import Case
from .errors import TemplateError, display_path
from .handbook import HandbookPlan
from .markup import render_markdown
from .project import Project
from .themes import HANDBOOK_HTML_STYLESHEETS, HTML_STYLESHEETS, Theme

BRIEF_TEMPLATE = "brief.html.j2"
HANDBOOK_TEMPLATE = "handbook.html.j2"

Link = Callable[[str], "tuple[str | None, str | None]"]
"""Another case's id → (href or None, note or None), for related lists and case: links."""


def make_environment(theme: Theme) -> SandboxedEnvironment:
    """The one loader chain: overrides → theme → built-in, plus ``base:`` for the built-in."""
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
            jinja2.PrefixLoader(
                {"base": jinja2.FileSystemLoader(str(theme.template_dirs[-1]))}, delimiter=":"
            ),
        ]
    )
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(value: Any) -> Markup:
    """A value as a quoted CSS string, for labels placed in ``content:``."""
    text = str(value)
    escaped = "".join(c if c.isalnum() or c in " .,:;!?()-–—’'" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


@dataclass
class Renderer:
    """Renders cases of one project in one theme; holds the compiled templates."""

    project: Project
    theme: Theme
    titles: dict[str, str] = field(default_factory=dict)
    """Titles of the project's cases by id, for 'See also' lists."""

    @cached_property
    def env(self) -> SandboxedEnvironment:
        return make_environment(self.theme)

    def inline_css(self, names: tuple[str, ...]) -> Markup:
        """Stylesheets inlined into standalone HTML (read once per renderer)."""
        if names not in self._css:
            sheets = self.theme.stylesheets(names)
            self._css[names] = Markup("\n".join(p.read_text("utf-8") for p in sheets))
        return self._css[names]

    def __post_init__(self) -> None:
        self._css: dict[tuple[str, ...], Markup] = {}

    def render_brief(
        self,
        case: Case,
        *,
        target: str,
        link: Link | None = None,
        template: str = BRIEF_TEMPLATE,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """One case as a standalone document; ``target`` is "pdf" or "html".

        ``link(case_id)`` gives (href, note) for another case (``related`` and ``case:``
        links); by default the sibling brief ``<id>.<target>``. ``template`` and ``extra``
        (added to the context) let another page type, such as the site's, reuse a brief.
        """
        link = link or (lambda other: (f"{other}.{target}", None))
        context = {
            "case": self.case_view(case, link),
            "project": self.project_view(),
            "labels": self.theme.label_set(case.language),
            "lang": case.language,
            "target": target,
            "inline_css": self.inline_css(HTML_STYLESHEETS) if target == "html" else Markup(""),
            "pdf_href": f"{case.id}.pdf",
            "generator": f"casepress {__version__}",
            **(extra or {}),
        }
        return self.render_template(template, context)

    def render_handbook(self, plan: HandbookPlan, *, target: str) -> str:
        """A whole handbook as one document: cover, imprint, contents, parts, indexes."""
        edition = plan.edition
        language = self.project.language
        labels = self.theme.label_set(language)

        def link(other: str) -> tuple[str | None, str | None]:
            if plan.contains(other):
                return f"#case-{other}", None
            return None, labels["not_in_edition"]

        def entry(case: Case) -> dict[str, str]:
            return {"id": case.id, "title": case.title, "href": f"#case-{case.id}"}

        indexes = [
            (labels["index_countries"], "index-countries", plan.country_index),
            (labels["index_themes"], "index-themes", plan.theme_index),
        ]
        context = {
            "handbook": {
                "name": edition.name,
                "title": edition.title,
                "subtitle": edition.subtitle,
                "edition": edition.edition,
                "date": _date(edition.date, language.replace("-", "_")),
                "organisation": edition.organisation or self.project.organisation,
                "logo": edition.logo.as_uri() if edition.logo else None,
                "introduction": render_markdown(plan.introduction, id_prefix="intro-"),
                "copyright": edition.copyright,
                "isbn": edition.isbn,
                "disclaimer": render_markdown(edition.disclaimer, id_prefix="imprint-"),
                "duplex": edition.duplex,
                "grouped": plan.grouped,
            },
            "parts": [
                {
                    "title": labels["other_cases"] if part.other else part.title,
                    "anchor": part.anchor,
                    "cases": [self.case_view(case, link) for case in part.cases],
                }
                for part in plan.parts
            ],
            "indexes": [
                {
                    "title": title,
                    "anchor": anchor,
                    "entries": [
                        {"term": item.term, "cases": [entry(c) for c in item.cases]}
                        for item in items
                    ],
                }
                for title, anchor, items in indexes
                if items
            ],
            "project": self.project_view(),
            "labels": labels,
            "lang": language,
            "target": target,
            "inline_css": self.inline_css(HANDBOOK_HTML_STYLESHEETS)
            if target == "html"
            else Markup(""),
            "generator": f"casepress {__version__}",
        }
        return self.render_template(HANDBOOK_TEMPLATE, context)

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            searched = ", ".join(display_path(d) for d in self.theme.template_dirs)
            raise TemplateError(f"template {exc.name!r} not found; searched: {searched}") from None
        except jinja2.TemplateSyntaxError as exc:
            where = display_path(exc.filename) if exc.filename else exc.name
            raise TemplateError(
                f"{where}:{exc.lineno}: template syntax error: {exc.message}"
            ) from None
        except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError) as exc:
            raise TemplateError(f"{_template_position(exc, name)}: {exc}") from None

    def project_view(self) -> dict[str, Any]:
        return {
            "title": self.project.title,
            "organisation": self.project.organisation,
            "page_size": self.project.page_size,
        }

    def case_view(self, case: Case, link: Link) -> dict[str, Any]:
        """The case as templates see it: Markdown rendered, dates formatted, ids resolved."""

        def md(text: str | None, part: str) -> Markup:
            return render_markdown(text, id_prefix=f"{case.id}-{part}-", resolve=link)

        locale = case.language.replace("-", "_")
        return {
            "id": case.id,
            "title": case.title,
            "subtitle": case.subtitle,
            "summary": case.summary,
            "language": case.language,
            "context": md(case.context, "context"),
            "entry_point": md(case.entry_point, "entry"),
            "lessons_heading": case.lessons_heading,
            "lessons": [
                {"number": i, "title": lesson.title, "text": md(lesson.text, f"lesson{i}")}
                for i, lesson in enumerate(case.lessons, 1)
            ],
            "outcome": md(case.outcome, "outcome"),
            "regions": list(case.regions),
            "countries": list(case.countries),
            "themes": list(case.themes),
            "tags": list(case.tags),
            "period": case.period,
            "authors": list(case.authors),
            "published": _date(case.published, locale),
            "published_iso": case.published.isoformat() if case.published else None,
            "source": _source_view(case, locale),
            "further_resources": [vars(r) for r in case.further_resources],
            "related": [
                {"id": other, "title": self.titles.get(other, other), **_href_note(link(other))}
                for other in case.related
            ],
        }


def _href_note(target: tuple[str | None, str | None]) -> dict[str, str | None]:
    href, note = target
    return {"href": href, "note": note}


def _date(value: dt.date | None, locale: str) -> str | None:
    if value is None:
        return None
    try:
        return format_date(value, format="long", locale=locale)
    except Exception:  # unknown locale: fall back to ISO, never fail a build over a date
        return value.isoformat()


def _source_view(case: Case, locale: str) -> dict[str, Any] | None:
    if case.source is None:
        return None
    return {
        "publisher": case.source.publisher,
        "url": case.source.url,
        "accessed": _date(case.source.accessed, locale),
    }


def _template_position(exc: Exception, name: str) -> str:
    """'templates/x.html.j2:12' from the innermost template frame of a render error."""
    tb = exc.__traceback__
    where = name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(".html"):
            where = f"{display_path(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
