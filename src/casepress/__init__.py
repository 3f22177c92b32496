"""casepress: structured case studies → print-ready PDF and HTML briefs.

The library API, in the order a build uses it::

    project = load_project("path/to/project")      # casepress.yaml, or defaults
    catalogue = load_cases(project)                  # every case validated, problems collected
    report = build_briefs(project, catalogue=catalogue)

WeasyPrint is imported only when a PDF is rendered, so validation stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import BuildReport, build_briefs, write_atomic  # noqa: E402
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
from .project import Project, load_project  # noqa: E402

__all__ = [
    "BuildLockedError",
    "BuildReport",
    "Case",
    "CasepressError",
    "Catalogue",
    "InputError",
    "Lesson",
    "MarkupError",
    "Problem",
    "Project",
    "RenderError",
    "TemplateError",
    "__version__",
    "build_briefs",
    "load_case",
    "load_cases",
    "load_project",
    "write_atomic",
]
