"""casepress: structured case studies → print-ready PDF and HTML briefs.

The library API, in the order a build uses it::

    project = load_project("path/to/project")      # casepress.yaml, or defaults
    catalogue = load_cases(project)                  # every case validated, problems collected
    report = build_project(project)                  # briefs, handbooks, site, schema

Authoring: ``init_project`` and ``new_case`` make a project and a case to fill in;
``PreviewServer`` serves a project and rebuilds it as its files are saved.

A theme is chosen by ``project.theme`` (``theme:`` in casepress.yaml) or given explicitly:
``build_briefs(project, theme=load_theme(project.root, "azimut"))``.

WeasyPrint is imported only when a PDF is rendered, so validation stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .authoring.create import init_project, new_case
    from .build.driver import (
        BuildReport,
        build_briefs,
        build_handbooks,
        build_project,
        build_site,
        merge_shards,
        write_atomic,
    )
    from .checks.theme import check_theme
    from .errors import (
        BuildLockedError,
        CasepressError,
        InputError,
        MarkupError,
        Problem,
        RenderError,
        TemplateError,
    )
    from .importers.importer import ImportedCase, ImportReport, import_files, read_source, to_yaml
    from .model.cases import Case, Catalogue, Lesson, load_case, load_cases
    from .model.editions import HandbookPlan, plan_handbook
    from .model.project import Edition, Project, load_project
    from .serve.server import PreviewServer
    from .theme.chain import Theme, load_theme

_EXPORTS = {
    "init_project": "authoring.create",
    "new_case": "authoring.create",
    "BuildReport": "build.driver",
    "build_briefs": "build.driver",
    "build_handbooks": "build.driver",
    "build_project": "build.driver",
    "build_site": "build.driver",
    "merge_shards": "build.driver",
    "write_atomic": "build.driver",
    "Case": "model.cases",
    "Catalogue": "model.cases",
    "Lesson": "model.cases",
    "load_case": "model.cases",
    "load_cases": "model.cases",
    "BuildLockedError": "errors",
    "CasepressError": "errors",
    "InputError": "errors",
    "MarkupError": "errors",
    "Problem": "errors",
    "RenderError": "errors",
    "TemplateError": "errors",
    "HandbookPlan": "model.editions",
    "plan_handbook": "model.editions",
    "ImportReport": "importers.importer",
    "ImportedCase": "importers.importer",
    "import_files": "importers.importer",
    "read_source": "importers.importer",
    "to_yaml": "importers.importer",
    "Edition": "model.project",
    "Project": "model.project",
    "load_project": "model.project",
    "PreviewServer": "serve.server",
    "Theme": "theme.chain",
    "check_theme": "checks.theme",
    "load_theme": "theme.chain",
}
"""Public name → the module that defines it: imported on first use (PEP 562), so that
``import casepress`` (and the command line, and every worker process) pays only for what
it uses."""


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "BuildLockedError",
    "BuildReport",
    "Case",
    "CasepressError",
    "Catalogue",
    "Edition",
    "HandbookPlan",
    "ImportReport",
    "ImportedCase",
    "InputError",
    "Lesson",
    "MarkupError",
    "PreviewServer",
    "Problem",
    "Project",
    "RenderError",
    "TemplateError",
    "Theme",
    "__version__",
    "build_briefs",
    "build_handbooks",
    "build_project",
    "build_site",
    "check_theme",
    "import_files",
    "init_project",
    "load_case",
    "load_cases",
    "load_project",
    "load_theme",
    "merge_shards",
    "new_case",
    "plan_handbook",
    "read_source",
    "to_yaml",
    "write_atomic",
]
