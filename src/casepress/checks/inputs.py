"""Every validation a build makes before it renders, as ``casepress check`` runs it.

``check`` and ``build`` report the same problems in the same words because the words come
from the same functions: cases (``model.cases.load_cases``: fields, ``case:`` links, alt
text), what the sanitiser will remove from their text (``sanitiser_problems``), the images
the cases show (``case_image_problems``, through
``render.resources.DocumentImages``, which the renderer asks too), the handbooks' definitions
(``model.editions.plan_handbook``, as ``build`` plans them, and their introductions' images)
and the selected theme (``checks.theme.check_theme``, as ``casepress theme check``).
Nothing here lays out a page or imports WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Findings, InputError, MarkupError, Problem, display_path
from ..model.cases import Case, Catalogue, case_roots, find_image, load_cases, markdown_fields
from ..model.catalogue import MEMO_FILE, CatalogueMemo
from ..model.editions import plan_handbook
from ..model.markup import images_in, removed_message, render_markdown
from ..model.project import Project
from ..render.resources import DocumentImages, ImageError, ResourcePolicy, resource_policy
from ..theme.chain import BASE, theme_for


def case_image_problems(case: Case, policy: ResourcePolicy) -> list[Problem]:
    """What is wrong with the images a case shows, each at the image's own line: the
    problems the renderer reports while it renders the case, found without rendering."""
    images = DocumentImages(policy, case.path.parent)
    shown = display_path(case.path)
    problems = []
    for site in case.images:
        if not site.src.strip():  # the sanitiser removed an address case text may not use
            message = "image removed: its address is not one case text may use"
            problems.append(Problem(shown, site.line, site.column, site.field, message, "warning"))
            continue
        try:
            images.look(site.src)
        except ImageError as problem:
            problems.append(
                Problem(shown, site.line, site.column, site.field, problem.message,
                        problem.severity)
            )  # fmt: skip
    return problems


def sanitiser_problems(case: Case, project: Project) -> list[Problem]:
    """What the sanitiser will take out of the case's text (scripts, event handlers...), at
    each field, as the renderer reports it while it renders (nothing, with ``trust_html``)."""
    if project.trust_html:
        return []
    shown = display_path(case.path)
    problems = []
    for where, text in markdown_fields(case):
        if not text or not any(mark in text for mark in ("<", "](", "]:")):
            continue  # nothing the sanitiser could remove: no HTML, no link or image

        def removed(items: list[str], where: str = where) -> None:
            line, column = case.where(where)
            problems.append(Problem(shown, line, column, where, removed_message(items), "warning"))

        try:
            render_markdown(text, on_removed=removed, language=case.language)
        except MarkupError:  # over a limit: validation has said so
            continue
    return problems


def check_images(catalogue: Catalogue, policy: ResourcePolicy) -> Catalogue:
    """The catalogue with every case's image problems added; a case with an error in an
    image (missing, not an image, over a limit) is invalid and left out, as a case with an
    error in its fields is. Problems already in the catalogue are not added again."""
    problems = list(catalogue.problems)
    known = set(problems)
    cases = []
    for case in catalogue.cases:
        found = case_image_problems(case, policy)
        problems += [p for p in found if p not in known]
        known.update(found)
        if not any(p.severity == "error" for p in found):
            cases.append(case)
    return Catalogue(cases=cases, problems=sorted(problems))


def introduction_image_problems(
    introduction: str | None, path: Path | None, project: Project, policy: ResourcePolicy
) -> list[Problem]:
    """What is wrong with the images of a handbook's introduction (named from the project
    folder), at their lines in the introduction's file; the renderer says the same."""
    if not introduction or path is None:
        return []
    images = DocumentImages(
        policy, project.root, relative_to="the project folder", what="introduction"
    )
    lines = introduction.splitlines()
    after = (0, 0)
    problems = []
    for src, _alt in images_in(introduction):
        found = find_image(lines, src, after)
        line, column = found[:2] if found else (0, 0)
        after = found[2] if found else after
        try:
            images.look(src)
        except ImageError as problem:
            problems.append(
                Problem(display_path(path), line, column, "introduction", problem.message,
                        problem.severity)
            )  # fmt: skip
    return problems


@dataclass
class CheckResult(Findings):
    """What ``check`` found: the cases it validated and every problem, in print order."""

    catalogue: Catalogue
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    """Case files checked."""


def check_project(project: Project, paths: Iterable[Path] | None = None) -> CheckResult:
    """Every validation a build makes before rendering: the selected theme (as ``theme
    check``), the cases and their images, and (when the whole project is checked) every
    handbook definition, planned as ``build`` plans it."""
    from .theme import check_theme

    problems: list[Problem] = list(project.warnings)
    _summary, theme_problems = check_theme(project.root, project.theme or BASE)
    problems += theme_problems
    try:
        theme = theme_for(project)
    except InputError:  # said by check_theme, at the theme's own files
        theme = None
    # the labels a build has (the theme's with the project's), so that a language with no
    # labels is warned about exactly when a build would
    # files unchanged since the last build are taken as it read them (``model.catalogue``)
    memo = None
    if paths is None:
        kept = Path(project.output_dir) / ".casepress-cache" / MEMO_FILE  # build.cache.CACHE_DIR
        memo = CatalogueMemo.read(kept, project, case_roots(project))
        if memo is not None:
            memo.keeps = False  # check reads the memo, never writes it
    catalogue = load_cases(
        project, paths, labels=theme.labels if theme else project.labels, memo=memo
    )
    files = len(catalogue.cases) + len({p.path for p in catalogue.errors})
    if theme is not None:
        policy = resource_policy(project, theme.roots)
        catalogue = check_images(catalogue, policy)
        if paths is None:
            problems += _handbook_problems(project, catalogue, policy)
    removed = [p for case in catalogue.cases for p in sanitiser_problems(case, project)]
    problems += sorted(catalogue.problems + removed)
    return CheckResult(catalogue, list(dict.fromkeys(problems)), files)


def _handbook_problems(
    project: Project, catalogue: Catalogue, policy: ResourcePolicy
) -> list[Problem]:
    problems: list[Problem] = []
    for edition in project.handbooks.values():
        try:
            plan = plan_handbook(edition, catalogue, project)
        except InputError as exc:
            problems += exc.problems
            continue
        problems += introduction_image_problems(
            plan.introduction, edition.introduction, project, policy
        )
    return problems
