"""Incremental builds for ``casepress serve``: what a change affects, and the last good output.

A ``Preview`` keeps a site (the same layout as ``build/site/``) up to date in a folder of its
own, so ``build/`` stays what the last ``casepress build`` made:

- a saved case re-renders its page, the pages that show its title ("See also", ``case:``
  links) and the index; anything else saved (``casepress.yaml``, a template, a style, a
  theme) re-renders every page;
- PDFs and handbooks are made when they are asked for, and again only after one of their
  cases changed (a handbook of hundreds of cases need not be laid out on every save);
- a case that becomes invalid keeps its last good page and PDF, and its problems are kept
  for the server to show in their place; a case whose file is gone loses its page.

Rendering and writing go through ``build.py``; this module only decides what to rebuild.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..build.driver import build_briefs, build_handbooks, build_site, with_theme_defaults
from ..errors import CasepressError, InputError, Problem, display_path
from ..model.cases import Case, Catalogue, find_case_files, load_cases
from ..model.editions import plan_handbook
from ..model.markup import case_link_ids
from ..model.project import CONFIG_NAME, Project, load_project
from ..render.site import CASES_FOLDER, HANDBOOKS_FOLDER, INDEX_PAGE
from ..theme.chain import Theme, theme_for

LOGGER = logging.getLogger("casepress.serve")
CASE_SUFFIXES = (".yaml", ".yml")
LEFTOVER_SUFFIXES = frozenset(
    (".swp", ".swo", ".swx", ".swn", ".tmp", ".temp", ".bak", ".orig", ".rej", ".part", ".kate-swp")
)
"""Suffixes of files editors and tools write beside the real one while saving, or leave."""


def is_editor_leftover(name: str) -> bool:
    """Whether a file name is one an editor or tool writes while saving, not a file of the
    project: hidden files (``.x.yaml.swp``, ``.x.yaml._mmv1hp3.tmp``, emacs's ``.#x.yaml``),
    backups (``x.yaml~``, ``x.yaml.bak``), emacs's ``#x.yaml#``, swap and temporary
    suffixes, JetBrains' ``x.yaml___jb_tmp___``, and names with no suffix at all
    (``sed -i``'s ``sedN82W2C``, vim's ``4913`` probe): no template, style, image, font or
    case file is named so."""
    suffix = Path(name).suffix.lower()
    return (
        name.startswith((".", "#"))
        or name.endswith(("~", "#", "___"))
        or suffix in LEFTOVER_SUFFIXES
        or not suffix
    )


@dataclass
class Rebuild:
    """What one rebuild did, for the log."""

    pages: int = 0
    seconds: float = 0.0
    full: bool = False
    problems: list[Problem] = field(default_factory=list)


class Preview:
    """The state of a preview: the project, the last good cases, the problems found now."""

    def __init__(self, load: Callable[[], Project], output_dir: Path):
        self.load = load
        self.out = Path(output_dir)
        self.lock = threading.RLock()
        """Held while anything is built; PDFs made on request wait for a rebuild to finish."""
        self.changed = threading.Condition()
        self.version = 0
        """Goes up after every rebuild; open pages reload when it does."""
        self.project: Project | None = None
        self.theme: Theme | None = None
        self.cases: dict[str, Case] = {}
        """The last good version of every case whose file exists (valid now, or broken now)."""
        self.sources: dict[str, Path] = {}
        """Case id (or file name without suffix) → its file, so a page can show its problems."""
        self.global_problems: list[Problem] = []
        """Problems that stop the whole preview: casepress.yaml could not be read, ..."""
        self.problems: list[Problem] = []
        """Problems in case files and handbook definitions now (errors and warnings)."""
        self.failures: list[Problem] = []
        """Pages that could not be rendered."""
        self._members: dict[str, set[str]] = {}
        self._fresh: set[str] = set()

    # -- rebuilding ---------------------------------------------------------------------

    def rebuild(self, changed: Iterable[Path] | None = None) -> Rebuild:
        """Bring the preview up to date after ``changed`` files were saved (None: everything)."""
        started = time.perf_counter()
        if changed is not None:
            changed = [Path(p) for p in changed]
            changed = [p for p in changed if self.is_input(p)] if changed else changed
            if not changed:
                return Rebuild()  # only an editor's temporary files: nothing to do
        with self.lock:
            full = changed is None or self.project is None or not all(map(self._is_case, changed))
            try:
                result = self._rebuild(full)
            except InputError as exc:
                self.global_problems = list(exc.problems)
                result = Rebuild(full=full)
            except CasepressError as exc:  # e.g. a theme that cannot be loaded
                self.global_problems = [Problem.error(CONFIG_NAME, str(exc))]
                result = Rebuild(full=full)
            result.problems = self.global_problems + self.problems + self.failures
            result.seconds = time.perf_counter() - started
            with self.changed:  # still holding the lock: a page read with it has this version
                self.version += 1
                self.changed.notify_all()
        return result

    def _rebuild(self, full: bool) -> Rebuild:
        if full:
            project = self.load()  # InputError when casepress.yaml is invalid
            theme = theme_for(project)  # InputError when its theme is
            project = with_theme_defaults(project, theme)
            self.project, self.theme = project, theme
            self.global_problems = []
        project, theme = self.project, self.theme
        assert project is not None and theme is not None
        catalogue = load_cases(project)
        broken = {p.path for p in catalogue.errors}
        merged = {case.id: case for case in catalogue.cases}
        for case_id, case in self.cases.items():
            if case_id not in merged and display_path(case.path) in broken:
                merged[case_id] = case  # invalid now: its last good version stays
        removed = set(self.cases) - set(merged)
        if full:
            changed = set(merged)
        else:
            changed = {i for i, case in merged.items() if self.cases.get(i) != case}
            touched = changed | removed
            changed |= {i for i, case in merged.items() if _mentions(case) & touched}
        self.cases = merged
        self.sources = {p.stem: p for p in find_case_files(project.cases_dir)}
        self.sources.update({case_id: case.path for case_id, case in merged.items()})

        shown = Catalogue(list(merged.values()), [])
        site = build_site(project, output_dir=self.out, theme=theme, catalogue=shown, only=changed)
        members, plan_problems = self._plan_handbooks(project, shown)
        touched = changed | removed
        books = [
            name
            for name in members
            if full
            or name not in self._members
            or (members[name] | self._members[name]) & touched
            or members[name] != self._members[name]
        ]
        self._members = members
        redone = {display_path(merged[i].path) for i in changed} | {INDEX_PAGE}
        kept = [p for p in self.failures if p.path not in redone and not full]
        self.failures = kept + site.failures
        self.problems = sorted(catalogue.problems + plan_problems)
        if full:
            self._fresh.clear()
        else:
            self._fresh -= {f"{CASES_FOLDER}/{i}.pdf" for i in touched}
            self._fresh -= {f"{HANDBOOKS_FOLDER}/{n}.{f}" for n in books for f in ("html", "pdf")}
        return Rebuild(pages=len(site.outputs), full=full)

    def _plan_handbooks(
        self, project: Project, catalogue: Catalogue
    ) -> tuple[dict[str, set[str]], list[Problem]]:
        members: dict[str, set[str]] = {}
        problems: list[Problem] = []
        for name, edition in project.handbooks.items():
            try:
                members[name] = {
                    case.id for case in plan_handbook(edition, catalogue, project).cases
                }
            except InputError as exc:
                problems += exc.problems
        return members, problems

    def is_input(self, path: Path) -> bool:
        """Whether a changed path can change the preview: in the cases folder, a case file
        (``*.yaml``, ``*.yml``, not hidden) or a folder that holds (or held) case files;
        elsewhere (templates, styles, themes, casepress.yaml, a handbook's introduction or
        logo), any file but an editor's leftovers (``is_editor_leftover``)."""
        project = self.project
        if project is None:
            return True  # nothing loaded yet: anything may matter
        path = Path(os.path.abspath(path))
        _, single = self.watched()
        if path in {Path(os.path.abspath(f)) for f in single}:
            return True
        cases = Path(os.path.abspath(project.cases_dir))
        if path == cases or path.is_dir():
            return not path.name.startswith(".") or path == cases
        if any(Path(os.path.abspath(s)).is_relative_to(path) for s in self.sources.values()):
            return True  # a folder of cases, moved or deleted
        if path.is_relative_to(cases):
            inside = path.relative_to(cases).parts
            return path.suffix in CASE_SUFFIXES and not any(p.startswith(".") for p in inside)
        try:
            inside = path.relative_to(Path(os.path.abspath(project.root))).parts
        except ValueError:
            inside = (path.name,)
        return not any(p.startswith(".") for p in inside) and not is_editor_leftover(path.name)

    def _is_case(self, path: Path) -> bool:
        if self.project is None:
            return False
        try:
            inside = path.resolve().relative_to(self.project.cases_dir.resolve())
        except ValueError:
            return False
        return path.suffix in CASE_SUFFIXES and not any(p.startswith(".") for p in inside.parts)

    # -- what the server asks --------------------------------------------------------------

    def ensure(self, relative: str) -> Path | None:
        """An output made on request (a PDF, a handbook), made now if out of date; None if unknown.

        Raises ``CasepressError`` when it cannot be made.
        """
        target = self.out / relative
        with self.lock:
            if relative in self._fresh and target.is_file():
                return target
            project, theme = self.project, self.theme
            if project is None or theme is None:
                return None
            folder, _, filename = relative.partition("/")
            name, _, fmt = filename.rpartition(".")
            shown = Catalogue(list(self.cases.values()), [])
            if folder == CASES_FOLDER and fmt == "pdf" and name in self.cases:
                report = build_briefs(
                    project, formats=("pdf",), output_dir=self.out / CASES_FOLDER, theme=theme,
                    catalogue=shown, only={name},
                )  # fmt: skip
            elif folder == HANDBOOKS_FOLDER and fmt in ("html", "pdf") and name in self._members:
                report = build_handbooks(
                    project, names=[name], formats=(fmt,),
                    output_dir=self.out / HANDBOOKS_FOLDER, theme=theme, catalogue=shown,
                    allow_partial=True,  # a preview shows it, naming the cases with errors
                )  # fmt: skip
            else:
                return None
            if report.failures or not target.is_file():
                reasons = "; ".join(p.message for p in report.failures) or "nothing was written"
                raise CasepressError(f"{relative}: {reasons}")
            self._fresh.add(relative)
            return target

    def problems_for(self, relative: str) -> list[Problem]:
        """The problems to show instead of a page (errors in its source), warnings included."""
        if self.global_problems:
            return list(self.global_problems)
        folder, _, filename = relative.partition("/")
        if relative == INDEX_PAGE:
            return [p for p in self.failures if p.path == INDEX_PAGE]
        if folder == CASES_FOLDER and filename.endswith(".html"):
            source = self.sources.get(filename.removesuffix(".html"))
            if source is None:
                return []
            shown = display_path(source)
            return [p for p in self.problems + self.failures if p.path == shown]
        if folder == HANDBOOKS_FOLDER and filename.endswith(".html"):
            prefix = f"handbooks.{filename.removesuffix('.html')}."
            return [p for p in self.problems if p.field.startswith(prefix)]
        return []

    def all_problems(self) -> list[Problem]:
        return self.global_problems + self.problems + self.failures

    def wait(self, since: int, timeout: float) -> int:
        """Block until the version differs from ``since`` (or the timeout); the version now."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != since, timeout=timeout)
            return self.version

    def wake(self) -> None:
        """Release every waiter (the server is stopping)."""
        with self.changed:
            self.changed.notify_all()

    # -- what the watcher needs --------------------------------------------------------------

    def watched(self) -> tuple[list[Path], list[Path]]:
        """Folders to watch recursively, and single files to poll, that exist or may appear."""
        project = self.project
        root = project.root if project else None
        if project is None or root is None:
            return [], []
        folders = [project.cases_dir, root / "templates", root / "styles", root / "themes"]
        if self.theme is not None:
            folders += [d for d in (*self.theme.template_dirs, *self.theme.style_dirs)]
        inside = [f for f in folders if f.is_dir() and f.resolve().is_relative_to(root.resolve())]
        unique: list[Path] = []
        for folder in sorted({f.resolve() for f in inside}, key=lambda f: len(f.parts)):
            if not any(folder.is_relative_to(u) for u in unique):
                unique.append(folder)
        files = [project.config_path or root / CONFIG_NAME]
        for edition in project.handbooks.values():
            files += [
                f
                for f in (edition.introduction, edition.logo, edition.cover_image)
                if f is not None
            ]
        return unique, files


def _mentions(case: Case) -> set[str]:
    """Ids of the other cases a case shows the title of, or links to."""
    texts = [case.context, case.entry_point, case.outcome, *(x.text for x in case.lessons)]
    return set(case.related) | {i for text in texts for i in case_link_ids(text)}


def default_loader(root: Path | str | None = None, **overrides) -> Callable[[], Project]:
    """Loads the project afresh each time (casepress.yaml may have changed)."""
    return lambda: load_project(root, **overrides)
