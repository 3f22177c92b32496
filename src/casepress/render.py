"""Jinja environment + context → HTML string. No file is written here.

Templates render in Jinja's sandbox with autoescaping on for every template, whatever its
suffix, and ``StrictUndefined``: in a published brief a silently blank field is worse than
a failed build. Case text arrives as Markup already sanitised by ``markup.py``; its images
are checked against the project's ``ResourcePolicy`` here, where the case and the field are
still known, so a refusal is reported where the author wrote it.
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
from .errors import InputError, MarkupError, Problem, TemplateError, display_path
from .markup import render_markdown
from .project import Project
from .resources import RefusedError, ResourcePolicy, resolve_url
from .themes import HTML_STYLESHEETS, Theme

BRIEF_TEMPLATE = "brief.html.j2"


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

    @cached_property
    def policy(self) -> ResourcePolicy:
        """What case text may load: the same rules the PDF fetcher enforces."""
        return resource_policy(self.project, self.theme)

    @cached_property
    def html_css(self) -> Markup:
        sheets = self.theme.stylesheets(HTML_STYLESHEETS)
        return Markup("\n".join(p.read_text("utf-8") for p in sheets))

    def render_brief(
        self,
        case: Case,
        *,
        target: str,
        link: Callable[[str], str] | None = None,
        problems: list[Problem] | None = None,
    ) -> str:
        """One case as a standalone document; ``target`` is "pdf" or "html".

        ``link(case_id)`` gives the href of another case's brief (for ``related`` and
        ``case:`` links); by default the sibling file ``<id>.<target>``. Warnings found on
        the way (refused images) go to ``problems``; errors in case text (an image over the
        pixel limit, Markdown that cannot be converted) raise ``InputError``.
        """
        link = link or (lambda other: f"{other}.{target}")
        found: list[Problem] = []
        view = self.case_view(case, link, found)
        if any(p.severity == "error" for p in found):
            raise InputError(found)
        if problems is not None:
            problems.extend(found)
        context = {
            "case": view,
            "project": self.project_view(),
            "labels": self.theme.label_set(case.language),
            "lang": case.language,
            "target": target,
            "inline_css": self.html_css if target == "html" else Markup(""),
            "pdf_href": f"{case.id}.pdf",
            "generator": f"casepress {__version__}",
        }
        return self.render_template(BRIEF_TEMPLATE, context)

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
        except jinja2.exceptions.SecurityError as exc:
            where = _template_position(exc, name)
            raise TemplateError(
                f"{where}: unsafe template code refused by the sandbox: {exc}"
            ) from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{_template_position(exc, name)}: {exc}") from None
        except RecursionError as exc:
            where = _template_position(exc, name)
            raise TemplateError(
                f"{where}: templates include or call each other endlessly"
            ) from None
        except Exception as exc:  # whatever a template's expression raises, say where
            where = _template_position(exc, name)
            raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None

    def project_view(self) -> dict[str, Any]:
        return {
            "title": self.project.title,
            "organisation": self.project.organisation,
            "page_size": self.project.page_size,
        }

    def case_view(
        self, case: Case, link: Callable[[str], str], problems: list[Problem] | None = None
    ) -> dict[str, Any]:
        """The case as templates see it: Markdown rendered, dates formatted, ids resolved.

        Problems in case text (refused images, Markdown that cannot be converted) are
        appended to ``problems``, each at its field.
        """
        problems = [] if problems is None else problems
        shown = display_path(case.path)

        def report(field: str, message: str, severity: str = "warning") -> None:
            line, column = case.where(field)
            problems.append(Problem(shown, line, column, field, message, severity=severity))

        def md(text: str | None, part: str, field: str) -> Markup:
            def check_image(src: str) -> bool:
                if not src.strip():  # the sanitiser removed an address it does not allow
                    report(field, "image removed: its address is not one case text may use")
                    return False
                url = resolve_url(src, case.path.parent)
                try:
                    path = self.policy.check(url)
                    if path is not None:
                        self.policy.check_image(path, url)
                except RefusedError as refusal:
                    severity = "error" if refusal.fatal else "warning"
                    report(field, f"image {src!r} refused: {refusal.reason}", severity)
                    return False
                return True

            def removed(items: list[str]) -> None:
                report(
                    field,
                    f"HTML removed by the sanitiser: {', '.join(items)} (casepress keeps the "
                    "markup briefs need; set trust_html: true only if every author is trusted)",
                )

            try:
                return render_markdown(
                    text,
                    id_prefix=f"{case.id}-{part}-",
                    resolve=resolve,
                    sanitise=not self.project.trust_html,
                    check_image=check_image,
                    on_removed=removed,
                )
            except MarkupError as exc:
                report(field, str(exc), "error")
                return Markup("")

        def resolve(other: str) -> tuple[str, str | None]:
            return link(other), None

        locale = case.language.replace("-", "_")
        return {
            "id": case.id,
            "title": case.title,
            "subtitle": case.subtitle,
            "summary": case.summary,
            "language": case.language,
            "context": md(case.context, "context", "context"),
            "entry_point": md(case.entry_point, "entry", "entry_point"),
            "lessons_heading": case.lessons_heading,
            "lessons": [
                {
                    "number": i,
                    "title": lesson.title,
                    "text": md(lesson.text, f"lesson{i}", f"lessons[{i - 1}].text"),
                }
                for i, lesson in enumerate(case.lessons, 1)
            ],
            "outcome": md(case.outcome, "outcome", "outcome"),
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
                {"id": other, "title": self.titles.get(other, other), "href": link(other)}
                for other in case.related
            ],
        }


def resource_policy(project: Project, theme: Theme) -> ResourcePolicy:
    """The project's resource rules: its own folder and the theme's, and its settings."""
    return ResourcePolicy.of(
        (project.root, *theme.roots),
        allow_network=project.allow_network,
        max_image_pixels=project.max_image_pixels,
    )


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
