"""Jinja environment + context → HTML string. No file is written here.

Templates render in Jinja's sandbox with autoescaping on for every template, whatever its
suffix, and ``StrictUndefined``: in a published brief a silently blank field is worse than
a failed build. Case text arrives as Markup already sanitised by ``markup.py``.

Templates are found through one chain (``ThemeLoader``): the project's ``templates/``, the
theme, its parents, the built-in templates. ``base:name`` skips to the built-in template and
``<theme>:name`` starts at that theme, so an override can extend the template it replaces.

Case text's images are checked against the project's ``ResourcePolicy`` here, where the
case and the field are still known, so a refusal is reported where the author wrote it.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import datetime as dt
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date, format_skeleton
from jinja2 import nodes
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .. import __version__, files
from ..errors import InputError, MarkupError, Problem, TemplateError, display_path
from ..model import schema
from ..model.cases import CASE_SPEC, Case, find_image, markdown_fields
from ..model.citation import cite_view
from ..model.conversions import TextCache, caching, conversion_key
from ..model.direction import text_direction
from ..model.editions import HandbookPlan
from ..model.figures import numbering as figure_numbering
from ..model.markup import (
    MarkdownBudgetError,
    markdown_budget,
    removed_message,
    render_markdown,
)
from ..model.notes import NoteCalls, collect_notes, inline_note
from ..model.places import localised_country, merge_country_names
from ..model.project import Project
from ..text import css_string as quoted_css
from ..theme.chain import PROJECT, Layer, Sheet, Theme, html_only
from . import bookparts
from . import translations as translated
from .resources import DocumentImages, ImageError, ResourcePolicy
from .resources import resource_policy as policy_of
from .sandbox import BoundedSandbox, oversized_constants
from .styles import standalone_css

BRIEF_TEMPLATE = "brief.html.j2"
HANDBOOK_TEMPLATE = "handbook.html.j2"

Link = Callable[[str], "tuple[str | None, str | None]"]
"""Another case's id → (href or None, note or None), for related lists and case: links."""


@dataclass
class Lookup:
    """Where one template name was looked for, in order, and what was there."""

    name: str
    tried: list[tuple[Path, str, str]] = field(default_factory=list)
    """(candidate file, layer label, FOUND, MISSING or COPY)."""

    FOUND, MISSING, COPY = "found", "missing", "copy"

    @property
    def winner(self) -> Path | None:
        return next((path for path, _, found in self.tried if found == self.FOUND), None)

    def explain(self) -> str:
        """The name, then every place in order: 'used', 'not found', 'overridden', or a
        project file passed over because it is the built-in one's copy."""
        winner = self.winner
        lines = [f"{self.name} → {display_path(winner) if winner else 'NOT FOUND'}"]
        labels = [label for path, label, found in self.tried if found == self.FOUND]
        if labels[:1] == [PROJECT] and len(labels) > 1:
            whose = "the built-in one" if labels[1] == "built-in" else f"{labels[1]}'s"
            lines[0] += f" (the project's, overriding {whose})"
        width = max(len(display_path(path)) for path, _, _ in self.tried)
        status = {self.FOUND: "overridden", self.MISSING: "not found",
                  self.COPY: "same as built-in: skipped"}  # fmt: skip
        for index, (path, label, found) in enumerate(self.tried, 1):
            shown = "used" if path == winner else status[found]
            lines.append(f"  {index}. {display_path(path):<{width}}  {label:<16} {shown}")
        return "\n".join(lines)


class ThemeLoader(jinja2.BaseLoader):
    """Looks a template up along the theme's layers and records every place it tried."""

    def __init__(self, layers: tuple[Layer, ...]):
        self.layers = layers
        self.lookups: dict[str, Lookup] = {}
        self.roots = tuple(dict.fromkeys(root for layer in layers for root in layer.roots))

    def candidates(self, template: str) -> tuple[list[Layer], str]:
        prefix, colon, rest = template.partition(":")
        for index, layer in enumerate(self.layers):
            if colon and layer.prefix == prefix:
                return list(self.layers[index:]), rest
        return list(self.layers), template

    def get_source(self, environment: jinja2.Environment, template: str):
        layers, name = self.candidates(template)
        searched = ", ".join(
            f"{display_path(layer.templates)}/ ({layer.label})" for layer in layers
        )
        try:
            pieces = split_template_path(name)  # refuses '..': nothing outside the folders
        except jinja2.TemplateNotFound:
            raise jinja2.TemplateNotFound(
                template, f"template {template!r} not found; searched: {searched}"
            ) from None
        lookup = Lookup(template)
        for layer in layers:
            path = Path(posixpath.join(layer.templates, *pieces))
            found = (Lookup.FOUND if layer.has(path) else
                     Lookup.COPY if path in layer.copies else Lookup.MISSING)  # fmt: skip
            lookup.tried.append((path, layer.label, found))
        self.lookups[template] = lookup
        filename = lookup.winner
        if filename is None:
            raise jinja2.TemplateNotFound(
                template, f"template {template!r} not found; searched: {searched}"
            )
        source = files.read_text(filename, self.roots, limit=files.TEXT_BYTES, what="template")
        mtime = os.path.getmtime(filename)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return source, str(filename), uptodate


_COMPILED: contextvars.ContextVar[jinja2.BytecodeCache | None] = contextvars.ContextVar(
    "casepress_compiled_templates", default=None
)


@contextlib.contextmanager
def compiled_templates(cache: jinja2.BytecodeCache | None) -> Iterator[None]:
    """Environments made inside the block keep their compiled templates in ``cache`` and
    load them from it (a build's, ``build.templatecache``): the next process need not
    compile them again. Per thread of execution (a context variable)."""
    token = _COMPILED.set(cache)
    try:
        yield
    finally:
        _COMPILED.reset(token)


def make_environment(theme: Theme) -> SandboxedEnvironment:
    """The one loader chain: overrides → theme → parents → built-in (and ``base:``), in a
    sandbox whose values are bounded (``sandbox.BoundedSandbox``); compiled templates kept
    where ``compiled_templates`` says."""
    env = BoundedSandbox(
        loader=ThemeLoader(theme.layers),
        bytecode_cache=_COMPILED.get(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    env.filters["page_counter"] = page_counter
    env.filters["title_lines"] = title_lines
    env.filters["direction"] = text_direction  # 'rtl' for 'ar', 'fa', …: a dir attribute
    return env


def css_string(value: Any) -> Markup:
    """A value as a quoted CSS string, for labels placed in ``content:`` (``text.css_string``:
    it cannot close the string nor the ``<style>`` element, so it needs no HTML escaping)."""
    return Markup(quoted_css(str(value)))


def page_counter(label: Any) -> Markup:
    """'Page {page} of {pages}' → HTML whose spans CSS fills with the page counters."""
    text = str(escape(label))
    text = text.replace("{page}", '<span class="page-number"></span>')
    return Markup(text.replace("{pages}", '<span class="page-count"></span>'))


_COMPOUND = re.compile(r"\w+(?:-\w+)+")


@jinja2.pass_context
def title_lines(context: Any, title: Any) -> Markup:
    """A title that breaks well in the PDF: its last two words kept on one line (no one-word
    last line) and a hyphenated compound ("Timor-Leste") never split at its hyphen, each in a
    ``<span class="nobreak">`` (white-space: nowrap in print.css). Spaces stay spaces, so the
    bookmark, running head and extracted text read as the title. HTML gets the title as it
    is: browsers balance its lines (``text-wrap: balance`` in screen.css)."""
    if context.get("target") != "pdf":
        return escape(title)
    words = str(escape(title)).split(" ")
    head, tail = words[:-2], words[-2:]
    if len(words) < 3 or len(" ".join(tail)) > 30:
        head, tail = words, []
    text = _COMPOUND.sub(lambda m: f'<span class="nobreak">{m.group(0)}</span>', " ".join(head))
    if tail:
        text += (" " if head else "") + f'<span class="nobreak">{" ".join(tail)}</span>'
    return Markup(text)


@dataclass
class Renderer:
    """Renders cases of one project in one theme; holds the compiled templates."""

    project: Project
    theme: Theme
    titles: dict[str, str] = field(default_factory=dict)
    """Titles of the project's cases by id, for 'See also' lists."""
    texts = None
    """A ``TextCache`` the conversions of case text are looked up in (a build's: the
    handbook's renders, the site and its index share one conversion per field), or None."""

    def use_texts(self, texts: TextCache | None) -> None:
        self.texts = texts

    def texts_of(self, case: Case):
        """Converting ``case``'s text (``conversions.caching``): through ``texts``."""
        version = conversion_key(case.language, *markdown_fields(case))
        return caching(self.texts, case.id, version)

    @cached_property
    def env(self) -> SandboxedEnvironment:
        return make_environment(self.theme)

    @cached_property
    def country_names(self) -> dict[str, dict[str, str]]:
        """``country_names:`` of the theme chain, the project's over them."""
        return merge_country_names(self.theme.country_names, self.project.country_names)

    def country(self, name: str, language: str) -> str:
        """A country as a reader of ``language`` sees it, in every output
        (``places.localised_country``: ``country_names:``, then the built-in names)."""
        return localised_country(name, language, self.country_names)

    def inline_css(self, document: str = "brief") -> Markup:
        """The HTML stylesheets of a kind of document, inlined (read once per renderer).

        What only a print engine understands is left out (``printonly``: the PDF keeps it),
        what they load becomes ``data:`` URLs, or is dropped with a warning (``css_problems``),
        and no sheet can end the ``<style>`` element (``styles.standalone_css``)."""
        if document not in self._css:
            texts, problems = [], []
            for sheet in self.theme.stylesheets("html", document=document):
                if isinstance(sheet, Sheet):
                    base, shown = None, sheet.origin
                else:
                    base, shown = sheet.parent, display_path(sheet)
                text, found = standalone_css(
                    sheet_text(sheet, self.theme.roots), base, self.policy, shown,
                    shared=not html_only(sheet),
                )  # fmt: skip
                texts.append(text)
                problems += found
            self._css[document] = Markup("\n".join(texts))
            self._css_problems[document] = problems
        return self._css[document]

    def css_problems(self, document: str = "brief") -> list[Problem]:
        """What making a kind of document's HTML stylesheets standalone left out."""
        self.inline_css(document)
        return list(self._css_problems[document])

    def __post_init__(self) -> None:
        self._css: dict[str, Markup] = {}
        self._css_problems: dict[str, list[Problem]] = {}

    @property
    def lookups(self) -> list[Lookup]:
        """Every template used so far and where it was looked for (``--explain-templates``)."""
        return list(self.env.loader.lookups.values())  # type: ignore[union-attr]

    @property
    def page_size(self) -> str:
        """``--page-size`` > casepress.yaml > the theme's > A4."""
        return self.project.page_size or self.theme.page.size or "A4"

    @property
    def language(self) -> str:
        """The project's language: casepress.yaml > the theme's > English."""
        return self.project.language or self.theme.language or "en"

    @cached_property
    def policy(self) -> ResourcePolicy:
        """What case text may load: the same rules the PDF fetcher enforces."""
        return resource_policy(self.project, self.theme)

    def render_brief(
        self,
        case: Case,
        *,
        target: str,
        link: Link | None = None,
        problems: list[Problem] | None = None,
        template: str = BRIEF_TEMPLATE,
        document: str = "brief",
        extra: dict[str, Any] | None = None,
    ) -> str:
        """One case as a standalone document; ``target`` is "pdf" or "html".

        ``link(case_id)`` gives (href, note) for another case (``related`` and ``case:``
        links); by default the sibling brief ``<id>.<target>``. Warnings found on the way
        (refused images, removed HTML) go to ``problems``; errors in case text (an image
        over the pixel limit, Markdown that cannot be converted) raise ``InputError``.
        ``template``, ``document`` (which stylesheets) and ``extra`` (added to the context)
        let another kind of page, such as the site's, reuse a brief.
        """
        link = link or (lambda other: (f"{other}.{target}", None))
        context = self.document_context(case.language, target, document=document)
        found: list[Problem] = []
        context["case"] = self.case_view(case, link, context["labels"], found, target=target)
        if target == "html":
            found.extend(self.css_problems(document))
        if any(p.severity == "error" for p in found):
            raise InputError(found)
        if problems is not None:
            problems.extend(found)
        context["pdf_href"] = f"{case.id}.pdf"
        context.update(extra or {})
        return self.render_template(template, context)

    def render_handbook(
        self, plan: HandbookPlan, *, target: str, problems: list[Problem] | None = None
    ) -> str:
        """A whole handbook as one document: cover, imprint, contents, parts, indexes.

        Problems in case text go to ``problems``, as for briefs; a chapter whose text has an
        error is still laid out without the offending part (its brief reports it too)."""
        edition = plan.edition
        language = edition.language or self.language  # an edition in one language: its headings
        context = self.document_context(language, target, document="handbook")
        labels = context["labels"]
        roots = self.policy.roots

        def link(other: str) -> tuple[str | None, str | None]:
            if plan.contains(other):
                return f"#case-{other}", None
            return None, labels["not_in_edition"]

        def entry(case: Case) -> dict[str, str]:
            return {"id": case.id, "title": case.title, "href": f"#case-{case.id}"}

        # the print profile binds the book: chapters start on right-hand pages
        duplex = edition.duplex or context["page"]["duplex"] or self.project.profile == "print"
        context["page"]["duplex"] = duplex
        context["handbook"] = {
            "name": edition.name,
            "title": edition.title,
            "subtitle": edition.subtitle,
            "edition": edition.edition,
            "date": _date(edition.date, language, labels.get("date_format", "long")),
            "organisation": edition.organisation or context["project"]["organisation"],
            "logo": _image(edition.logo, edition.organisation or edition.title, target, roots)
            if edition.logo
            else context["theme"]["logo"],
            "introduction": render_markdown(
                plan.introduction,
                id_prefix="intro-",
                language=language,
                check_image=self._introduction_images(plan, target, problems),
            ),
            "copyright": edition.copyright,
            "isbn": edition.isbn,
            "disclaimer": render_markdown(
                edition.disclaimer, id_prefix="imprint-", language=language
            ),
            "duplex": context["page"]["duplex"],
            "grouped": plan.grouped,
            # selected cases left out because their files have errors (allow_partial)
            "missing": [case.title or case.id for case in plan.missing],
            # with language: and fallback: skip, the cases that have no version in it
            "untranslated": [{"title": c.title, "language": c.language} for c in plan.skipped],
            "language_name": translated.language_label(language, language),
        }
        # cover, imprint, part and case numbers (render/bookparts.py)
        context["handbook"].update(bookparts.furniture(
            plan, self.theme, language=language, labels=labels,
            organisation=context["handbook"]["organisation"],
            image=lambda path, alt: _image(path, alt, target, roots),
        ))  # fmt: skip
        warning = bookparts.reversed_logo_problem(self.theme) if edition.logo is None else None
        if problems is not None and warning is not None and target == "pdf":
            problems.append(warning)
        if problems is not None and target == "html":
            problems.extend(self.css_problems("handbook"))

        def part_title(title: str | None) -> str | None:
            """A part named after a country prints it as the indexes do."""
            if title and edition.group_by == "country":
                return self.country(title, language)
            return title

        context["parts"] = [
            {
                "title": labels["other_cases"] if part.other else part_title(part.title),
                "number": bookparts.part_label(labels, number),
                "anchor": part.anchor,
                "cases": [
                    self.case_view(case, link, labels, problems, target=target)
                    for case in part.cases
                ],
            }
            for number, part in enumerate(plan.parts, 1)
        ]

        def index(title: str, anchor: str, items, localise: bool = False) -> dict[str, Any]:
            entries = [
                {
                    "term": self.country(item.term, language) if localise else item.term,
                    "cases": [entry(c) for c in item.cases],
                }
                for item in items
            ]
            # accents do not move a term to the end: 'État de Palestine' sorts under E
            entries.sort(key=lambda e: (_unaccented(e["term"]), e["term"].casefold()))
            return {"title": title, "anchor": anchor, "entries": entries}

        indexes = [
            index(labels["index_countries"], "index-countries", plan.country_index, True),
            index(labels["index_themes"], "index-themes", plan.theme_index),
        ]
        context["indexes"] = [i for i in indexes if i["entries"]]
        return self.render_template(HANDBOOK_TEMPLATE, context)

    def _introduction_images(
        self, plan: HandbookPlan, target: str, problems: list[Problem] | None
    ) -> Callable[[str], str | None]:
        """Images of a handbook's introduction, through the policy as case text's are: found
        from the project folder (where the PDF is laid out), a ``data:`` URL in HTML."""
        where = plan.edition.introduction or self.project.root
        shown = display_path(where)
        roots = self.policy.roots
        images = DocumentImages(
            self.policy, self.project.root, relative_to="the project folder", what="introduction"
        )
        lines = (plan.introduction or "").splitlines()
        after = [(0, 0)]

        def check_image(src: str) -> str | None:
            found = find_image(lines, src, after[0])  # its line in the introduction's file
            line, column = found[:2] if found else (0, 0)
            after[0] = found[2] if found else after[0]
            try:
                path, media = images.look(src)
            except ImageError as problem:
                if problems is not None:
                    problems.append(Problem(shown, line, column, "introduction", problem.message,
                                            severity=problem.severity))  # fmt: skip
                return None
            if path is None:  # data:, or http(s) where the project allows the network
                return src
            return _data_url(path, roots, media) if target == "html" else path.as_uri()

        return check_image

    def document_context(
        self, language: str, target: str, *, document: str = "brief"
    ) -> dict[str, Any]:
        """What every document's templates see, whatever the document (brief, handbook)."""
        return {
            "project": self.project_view(),
            "theme": self.theme_view(language, target),
            "labels": self.theme.label_set(language),
            "lang": language,
            "dir": text_direction(language),  # "rtl" for Arabic, Persian, Hebrew, ...
            "target": target,
            "page": {"size": self.page_size, "duplex": bool(self.theme.page.duplex)},
            "inline_css": self.inline_css(document) if target == "html" else Markup(""),
            "generator": f"casepress {__version__}",
        }

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(exc.message or f"template {exc.name!r} not found") from None
        except files.FileRefusedError as refusal:
            raise TemplateError(str(refusal)) from None
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
            "organisation": self.project.organisation or self.theme.organisation,
            "page_size": self.page_size,
        }

    def theme_view(self, language: str, target: str) -> dict[str, Any]:
        """theme.yaml as templates see it: texts in the document's language, images as URLs."""
        theme = self.theme
        roots = self.policy.roots
        organisation = self.project.organisation or theme.organisation
        disclaimer = _pick(theme.disclaimer, language)
        return {
            "name": theme.name,
            "organisation": organisation,
            "logo": _image(theme.logo, organisation or theme.name, target, roots),
            "footer": _pick(theme.footer, language) or organisation,
            "disclaimer": render_markdown(disclaimer, id_prefix="disclaimer-", language=language),
            "funders": [
                {"name": f.name, "url": f.url, "logo": _image(f.logo, f.name, target, roots)}
                for f in theme.funders
            ],
            "colours": theme.colours,
        }

    def case_view(
        self,
        case: Case,
        link: Link,
        labels: dict[str, str] | None = None,
        problems: list[Problem] | None = None,
        *,
        target: str = "pdf",
    ) -> dict[str, Any]:
        """The case as templates see it: Markdown rendered, dates and countries in its language.

        Problems in case text (refused images, Markdown that cannot be converted) are
        appended to ``problems``, each at its field. A local image, named relative to the
        case file, becomes an absolute file URL for a PDF (so a handbook, laid out from the
        project folder, finds it too) and a ``data:`` URL for HTML (the page stays standalone).
        """
        language = case.language
        date_format = (labels or {}).get("date_format", "long")
        problems = [] if problems is None else problems
        shown = display_path(case.path)
        roots = self.policy.roots

        def report(field: str, message: str, severity: str = "warning") -> None:
            line, column = case.where(field)
            problems.append(Problem(shown, line, column, field, message, severity=severity))

        def md(text: str | None, part: str, field: str, notes: NoteCalls | None = None) -> Markup:
            if notes is None:  # a field: without its note definitions
                text = note_set.text(field, text)
            sites = [site for site in case.images if site.field == field]

            def check_image(src: str) -> str | None:
                # at the image's own line (``case.images``, in the order they are shown)
                site = next((s for s in sites if s.src == src), None)
                if site is not None:
                    sites.remove(site)
                line, column = (site.line, site.column) if site else case.where(field)
                if not src.strip():  # the sanitiser removed an address it does not allow
                    message = "image removed: its address is not one case text may use"
                    problems.append(Problem(shown, line, column, field, message, "warning"))
                    return None
                try:
                    path, media = images.look(src)
                except ImageError as problem:
                    problems.append(Problem(shown, line, column, field, problem.message,
                                            severity=problem.severity))  # fmt: skip
                    return None
                if path is None:  # data:, or http(s) where the project allows the network
                    return src
                return _data_url(path, roots, media) if target == "html" else path.as_uri()

            def removed(items: list[str]) -> None:
                report(field, removed_message(items))

            try:
                return render_markdown(
                    text,
                    id_prefix=f"{case.id}-{part}-",
                    resolve=link,
                    sanitise=not self.project.trust_html,
                    check_image=check_image,
                    on_removed=removed,
                    language=language,
                    notes=calls if notes is None else notes,
                )
            except MarkdownBudgetError as exc:  # the case's, not this field's: said once
                if not out_of_time:
                    out_of_time.append(exc)
                    problems.append(Problem.error(shown, str(exc)))
                return Markup("")
            except MarkupError as exc:
                report(field, str(exc), "error")
                return Markup("")

        out_of_time: list[MarkdownBudgetError] = []
        images = DocumentImages(self.policy, case.path.parent)  # SVGs drawn: counted per case

        def date(value: dt.date | None) -> str | None:
            return _date(value, language, date_format)

        def related(ids: tuple[str, ...]) -> list[dict[str, Any]]:
            # in the reader's language when there is a version in it (render/translations)
            marked = (labels or {}).get("in_language", "in {language}")
            return translated.related(case, ids, self.titles, link, marked)

        special: dict[str, Callable[[Any], Any]] = {
            "countries": lambda names: [self.country(name, language) for name in names],
            "related": related,
        }

        def seen(value: Any, kind: schema.Type, where: str, part: str) -> Any:
            """A value as templates see it, by its declared type."""
            if isinstance(kind, schema.Text) and kind.markdown:
                return md(value, part, where)
            if isinstance(kind, schema.Date):
                return date(value)
            if isinstance(kind, schema.ListOf) and isinstance(kind.item, schema.Object):
                return [
                    {"number": i, **seen_fields(item, kind.item, f"{where}[{i - 1}]", f"{part}{i}")}
                    for i, item in enumerate(value, 1)
                ]
            if isinstance(kind, schema.ListOf):
                return list(value)
            if isinstance(kind, schema.Object):
                return None if value is None else seen_fields(value, kind, where, part)
            return value

        def seen_fields(value: Any, kind: schema.Object, path: str, part: str) -> dict[str, Any]:
            return {
                name: seen(getattr(value, name), declared.type, f"{path}.{name}", part)
                for name, declared in kind.fields.items()
            }

        # one time budget for all of the case's text; figures and tables numbered through it
        with markdown_budget(), figure_numbering(labels), self.texts_of(case):
            # One note set for the case (``model.notes``): each note's text first, then
            # the fields, whose references become calls (PDF: the note itself, floated to
            # the page foot; HTML: a link to the endnotes the template prints).
            note_set = collect_notes(markdown_fields(case))
            prefix = f"{case.id}-"
            notes = {
                number: md(definition.text, f"note{number}", where, NoteCalls({}, prefix))
                for number, where, definition in note_set.ordered()
            }
            inline = {n: inline_note(html) for n, html in notes.items()}
            calls = NoteCalls(note_set.numbers, prefix, inline if target == "pdf" else None)
            view = {
                name: special[declared.show](getattr(case, name))
                if declared.show
                else seen(getattr(case, name), declared.type, name, declared.anchor or name)
                for name, declared in CASE_SPEC.fields.items()
            }
        # computed for templates, besides the declared fields
        view["tags"] = [*view["regions"], *view["countries"], *view["themes"]]
        view["published_iso"] = case.published.isoformat() if case.published else None
        view["translations"] = translated.other_versions(case, self.titles, link, target=target)
        view["alternates"] = (
            translated.alternates(case, self.titles, link) if target == "html" else []
        )
        view["dir"] = text_direction(case.language)
        view["citation"] = cite_view(  # "Cite as", series, DOI, draft (model/citation.py)
            case, labels or {}, publisher=self.project.organisation or self.theme.organisation
        )
        view["notes"] = [
            {
                "number": n,
                "id": f"{prefix}fn-{n}",
                "text": html,
                "references": calls.calls.get(n, []),
            }
            for n, html in notes.items()
        ]
        return view


def _unaccented(text: str) -> str:
    """Text for sorting: lower case, accents dropped."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def sheet_text(sheet: Path | Sheet, roots: files.Roots) -> str:
    """A stylesheet's text: generated, or read through ``files`` from inside ``roots`` (a
    refused sheet is an ``InputError`` at the sheet)."""
    if isinstance(sheet, Sheet):
        return sheet.css
    try:
        return files.read_text(sheet, roots, limit=files.TEXT_BYTES, what="stylesheet")
    except files.FileRefusedError as refusal:
        raise InputError([refusal.problem()]) from None


def _pick(texts: dict[str, str] | None, language: str) -> str | None:
    """The text for a language from ``{language: text}`` ('*' is any language)."""
    if not texts:
        return None
    primary = language.split("-")[0].lower()
    for key in (language, primary, "*", "en"):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()))


_MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}


def _image(
    path: Path | None, alt: str, target: str, roots: tuple[Path, ...]
) -> dict[str, str] | None:
    """An image for a template: a file URL for PDF (the fetcher allows theme folders), a
    ``data:`` URL for HTML so the page stays standalone (read from inside ``roots`` only:
    a file the PDF's fetcher would refuse is not inlined either)."""
    if path is None:
        return None
    if target == "pdf":
        return {"src": path.as_uri(), "alt": alt}
    return {"src": _data_url(path, roots), "alt": alt}


@cache
def _data_url(path: Path, roots: tuple[Path, ...], media: str | None = None) -> str:
    """A local image as a ``data:`` URL, read through ``files`` (inside ``roots``, within
    the resource limit); the media type by the file name, else as sniffed (``media``)."""
    data = files.read_bytes(path, roots, limit=files.RESOURCE_BYTES, what="image")
    media = _MEDIA_TYPES.get(path.suffix.lower()) or media or "image/jpeg"
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def resource_policy(project: Project, theme: Theme) -> ResourcePolicy:
    """The project's resource rules: its own folder and the theme's, and its settings."""
    return policy_of(project, theme.roots)


_MONTH_SKELETONS = {"full": "yMMMM", "long": "yMMMM", "medium": "yMMM", "short": "yMM"}


def _date(value: dt.date | None, language: str, date_format: str = "long") -> str | None:
    if value is None:
        return None
    try:
        locale = language.replace("-", "_")
        if isinstance(value, schema.Month):  # known to the month: 'May 2024', 'mai 2024'
            skeleton = _MONTH_SKELETONS.get(date_format, "yMMMM")
            return format_skeleton(skeleton, value, locale=locale)
        return format_date(value, format=date_format, locale=locale)
    except Exception:  # unknown locale or bad pattern: ISO, never fail a build over a date
        return value.isoformat()


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


def check_templates(theme: Theme) -> list[Problem]:
    """Compile every template of the theme's own layers; syntax errors with file:line."""
    env = make_environment(theme)
    problems = []
    for layer in theme.layers:
        if layer.config is None or not layer.templates.is_dir():
            continue
        for path in sorted(layer.templates.rglob("*.j2")):
            shown = display_path(path)
            try:
                source = files.read_text(path, theme.roots, limit=files.TEXT_BYTES, what="template")
            except files.FileRefusedError as refusal:
                problems.append(refusal.problem())
                continue
            try:
                tree = env.parse(source, filename=str(path))
            except jinja2.TemplateSyntaxError as exc:
                message = f"template syntax error: {exc.message}"
                problems.append(Problem.error(shown, message, line=exc.lineno))
                continue
            for node in tree.find_all(
                (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
            ):
                name = getattr(node.template, "value", None)
                if not isinstance(name, str):
                    continue  # a computed name can only be checked by rendering
                try:
                    env.loader.get_source(env, name)  # type: ignore[union-attr]
                except jinja2.TemplateNotFound as exc:
                    problems.append(Problem.error(shown, str(exc.message), line=node.lineno))
            for line, reason in oversized_constants(env, tree):
                message = f"unsafe template code refused by the sandbox: {reason}"
                problems.append(Problem.error(shown, message, line=line))
    return problems
