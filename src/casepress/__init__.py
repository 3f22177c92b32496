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

from .authoring import init_project, new_case  # noqa: E402
from .build import (  # noqa: E402
    BuildReport,
    build_briefs,
    build_handbooks,
    build_project,
    build_site,
    write_atomic,
)
from .cases import Case, Catalogue, Lesson, load_case, load_cases  # noqa: E402
from .errors import (  # noqa: E402
    BuildLockedError,
    CasepressError,
    InputError,
    MarkupError,
    Problem,
    RenderError,
    TemplateError,
)
from .handbook import HandbookPlan, plan_handbook  # noqa: E402
from .importer import ImportedCase, ImportReport, import_files, read_source, to_yaml  # noqa: E402
from .project import Edition, Project, load_project  # noqa: E402
from .serve import PreviewServer  # noqa: E402
from .themes import Theme, check_theme, load_theme  # noqa: E402

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
    "new_case",
    "plan_handbook",
    "read_source",
    "to_yaml",
    "write_atomic",
]
