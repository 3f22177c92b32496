"""casepress.yaml → Project: validated settings, with every path resolved against the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .schema import INVALID, Choice, Context, Field, Flag, Integer, Object, Text
from .yamlsource import read_yaml

CONFIG_NAME = "casepress.yaml"
PAGE_SIZES = ("A4", "Letter", "A5")
PDF_VARIANTS = (
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f",
    "pdf/ua-1", "pdf/ua-2",
)  # fmt: skip
LANGUAGE_PATTERN = r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*"

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
"""40 megapixels: a 7,700 × 5,200 photograph; decoded, about 160 MB."""
DEFAULT_MAX_ELEMENTS = 10_000
"""HTML elements in one PDF brief: a long case has ~300; at the limit layout takes ~20 s, ~350 MB."""

PROJECT_SPEC = Object(
    {
        "title": Field(Text("Name of the case library, used in listings")),
        "organisation": Field(Text("Publishing organisation, shown in every footer")),
        "language": Field(
            Text(
                "Default language of cases (BCP 47 tag such as en, fr, es-419)",
                pattern=LANGUAGE_PATTERN,
                hint="a language tag such as 'en' or 'fr'",
            ),
            default="en",
        ),
        "page_size": Field(Choice(PAGE_SIZES, "Paper size of PDF briefs"), default="A4"),
        "pdf_variant": Field(Choice(PDF_VARIANTS, "PDF flavour passed to WeasyPrint")),
        "cases": Field(Text("Folder of case files, relative to this file"), default="cases"),
        "output": Field(Text("Folder outputs are written to, relative to this file"), default="build"),
        "allow_network": Field(
            Flag("Let briefs load images and stylesheets over http(s); off by default"),
            default=False,
        ),
        "trust_html": Field(
            Flag(
                "Case authors are trusted: raw HTML in Markdown is kept as written instead of "
                "sanitised (files outside the project and the network stay out of reach)"
            ),
            default=False,
        ),
        "max_image_pixels": Field(
            # Pillow refuses more than 2 x 89,478,485 pixels itself; stay below its warning.
            Integer(
                "Largest image (width x height) a brief may embed", minimum=1, maximum=89_000_000
            ),
            default=DEFAULT_MAX_IMAGE_PIXELS,
        ),
        "max_elements": Field(
            Integer(
                "Most HTML elements one PDF brief may have: bounds layout time and memory",
                minimum=100,
            ),
            default=DEFAULT_MAX_ELEMENTS,
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
    language: str = "en"
    page_size: str = "A4"
    pdf_variant: str | None = None
    cases_dir: Path = field(default=Path("cases"))
    output_dir: Path = field(default=Path("build"))
    allow_network: bool = False
    trust_html: bool = False
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    max_elements: int = DEFAULT_MAX_ELEMENTS

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
    if config.exists():
        document = read_yaml(config)
        ctx = Context(document.shown, list(document.problems))
        if document.root is not None and not ctx.problems:
            result = PROJECT_SPEC.validate(document.root, ctx, "")
            if result is not INVALID:
                values = result
        if ctx.problems:
            raise InputError(ctx.problems)
    else:
        config = None
        values = {name: f.default for name, f in PROJECT_SPEC.fields.items()}
    settings = {
        "title": values.get("title"),
        "organisation": values.get("organisation"),
        "language": values.get("language") or "en",
        "page_size": values.get("page_size") or "A4",
        "pdf_variant": values.get("pdf_variant"),
        "cases_dir": root / (values.get("cases") or "cases"),
        "output_dir": root / (values.get("output") or "build"),
        "allow_network": bool(values.get("allow_network")),
        "trust_html": bool(values.get("trust_html")),
        "max_image_pixels": values.get("max_image_pixels") or DEFAULT_MAX_IMAGE_PIXELS,
        "max_elements": values.get("max_elements") or DEFAULT_MAX_ELEMENTS,
    }
    for name, value in overrides.items():
        if value is not None:
            settings[name] = Path(value).resolve() if name.endswith("_dir") else value
    return Project(root=root, config_path=config, **settings)
