"""casepress.yaml → Project: validated settings, with every path resolved against the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .labels import LANGUAGE_PATTERN, labels_type
from .schema import INVALID, Choice, Context, Field, Object, Slug, Text
from .themefile import PAGE_SIZES
from .yamlsource import read_yaml

CONFIG_NAME = "casepress.yaml"
PDF_VARIANTS = (
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f",
    "pdf/ua-1", "pdf/ua-2",
)  # fmt: skip
PROJECT_SPEC = Object(
    {
        "title": Field(Text("Name of the case library, used in listings")),
        "organisation": Field(Text("Publishing organisation, shown in every footer")),
        "language": Field(
            Text(
                "Default language of cases (BCP 47 tag such as en, fr, es-419); "
                "default: the theme's, else en",
                pattern=LANGUAGE_PATTERN,
                hint="a language tag such as 'en' or 'fr'",
            )
        ),
        "theme": Field(Slug("Theme: a folder in themes/, an installed theme, or base")),
        "page_size": Field(
            Choice(PAGE_SIZES, "Paper size of PDF briefs; default: the theme's, else A4")
        ),
        "labels": Field(labels_type("Label overrides per language, over the theme's")),
        "pdf_variant": Field(Choice(PDF_VARIANTS, "PDF flavour passed to WeasyPrint")),
        "cases": Field(Text("Folder of case files, relative to this file"), default="cases"),
        "output": Field(
            Text("Folder outputs are written to, relative to this file"), default="build"
        ),
    },
    title="casepress project (casepress.yaml)",
)


def project_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of casepress.yaml, made from ``PROJECT_SPEC``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **PROJECT_SPEC.json_schema()}


@dataclass(frozen=True)
class Project:
    """Settings for one casepress project; paths are absolute."""

    root: Path
    config_path: Path | None = None
    title: str | None = None
    organisation: str | None = None
    language: str | None = None
    """Default language of cases; None: the theme's, else English."""
    theme: str | None = None
    page_size: str | None = None
    """Paper size; None: the theme's, else A4 (``--page-size`` > casepress.yaml > theme)."""
    pdf_variant: str | None = None
    cases_dir: Path = field(default=Path("cases"))
    output_dir: Path = field(default=Path("build"))
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    theme_origin: Problem | None = field(default=None, compare=False, repr=False)
    """Where the theme was chosen (``--theme`` or casepress.yaml's line), for error messages."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    """Suspect but usable settings in casepress.yaml (an unknown label name)."""

    @property
    def briefs_dir(self) -> Path:
        return self.output_dir / "briefs"


def load_project(path: Path | str | None = None, **overrides: Any) -> Project:
    """Load ``casepress.yaml`` from a folder (or the file itself); defaults when it is absent.

    Keyword overrides (``output_dir=...``, ``page_size=...``) replace settings from the file;
    ``None`` means "not given" so a CLI can pass its flags straight through.
    """
    path = Path(path or ".").resolve()
    config = path if path.is_file() else path / CONFIG_NAME
    root = config.parent
    values: dict[str, Any] = {}
    theme_origin = None
    warnings: list[Problem] = []
    if config.exists():
        document = read_yaml(config)
        ctx = Context(document.shown, list(document.problems))
        if document.root is not None and not ctx.problems:
            result = PROJECT_SPEC.validate(document.root, ctx, "")
            if result is not INVALID:
                values = result
        if any(p.severity == "error" for p in ctx.problems):
            raise InputError(ctx.problems)
        warnings = ctx.problems
        if "theme" in ctx.positions:
            line, column = ctx.positions["theme"]
            theme_origin = Problem(document.shown, line, column, "theme", "")
    else:
        config = None
        values = {name: f.default for name, f in PROJECT_SPEC.fields.items()}
    settings = {
        "title": values.get("title"),
        "organisation": values.get("organisation"),
        "language": values.get("language"),
        "theme": values.get("theme"),
        "page_size": values.get("page_size"),
        "pdf_variant": values.get("pdf_variant"),
        "cases_dir": root / (values.get("cases") or "cases"),
        "output_dir": root / (values.get("output") or "build"),
        "labels": values.get("labels") or {},
    }
    for name, value in overrides.items():
        if value is not None:
            settings[name] = Path(value).resolve() if name.endswith("_dir") else value
    if overrides.get("theme") is not None:
        theme_origin = Problem("--theme", 0, 0, "", "")
    return Project(
        root=root,
        config_path=config,
        theme_origin=theme_origin,
        warnings=tuple(warnings),
        **settings,
    )
