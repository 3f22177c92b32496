"""Theme: where templates, stylesheets and labels are found, in one lookup chain.

The chain runs: the project's own ``templates/`` and ``styles/`` → the selected theme →
its parents → the built-in ``base`` theme. The built-in layouts and sheets ship inside the
package; in a source checkout they are read from the repository's top-level folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

_PACKAGE = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    """An installed wheel carries ``casepress/<name>``; a checkout has it at the top level."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parents[1] / name


BUILTIN_TEMPLATES = _builtin("templates")
BUILTIN_STYLES = _builtin("styles")
LABELS_DIR = _PACKAGE / "labels"

PDF_STYLESHEETS = ("fonts.css", "base.css", "print.css")
"""Sheets for PDF output, in cascade order; a theme's ``styles/`` may replace or add to them."""
HTML_STYLESHEETS = ("base.css", "screen.css")
"""Sheets inlined into standalone HTML output."""
HANDBOOK_PDF_STYLESHEETS = (*PDF_STYLESHEETS, "handbook.css")
HANDBOOK_HTML_STYLESHEETS = (*HTML_STYLESHEETS, "handbook.css")
PRINT_PRODUCTION_STYLESHEET = "print-production.css"
"""Added after the PDF sheets for the `print` profile: bleed, marks, mirrored margins."""


def pdf_stylesheets(sheets: tuple[str, ...], profile: str = "screen") -> tuple[str, ...]:
    """The PDF sheets for a profile: the `print` profile adds print-production.css last."""
    return (*sheets, PRINT_PRODUCTION_STYLESHEET) if profile == "print" else sheets


@dataclass(frozen=True)
class Theme:
    """A resolved theme: folders in lookup order (most specific first)."""

    name: str
    template_dirs: tuple[Path, ...]
    style_dirs: tuple[Path, ...]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders resources may be read from (used by the sandboxed fetcher)."""
        return tuple(dict.fromkeys(d.parent for d in (*self.template_dirs, *self.style_dirs)))

    def stylesheets(self, names: tuple[str, ...]) -> list[Path]:
        """Every existing sheet of those names, built-in first so a theme's rules win."""
        found = []
        for name in names:
            for folder in reversed(self.style_dirs):
                path = folder / name
                if path.is_file():
                    found.append(path)
        return found

    def label_set(self, language: str) -> dict[str, str]:
        """Labels for a language: English, then the language, then the theme's overrides."""
        primary = language.split("-")[0].lower()
        labels = dict(builtin_labels("en"))
        labels.update(builtin_labels(primary))
        for lang in ("en", primary, language):
            labels.update(self.labels.get(lang, {}))
        return labels


@cache
def builtin_labels(language: str) -> dict[str, str]:
    path = LABELS_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text("utf-8")).items()}


def builtin_languages() -> list[str]:
    return sorted(p.stem for p in LABELS_DIR.glob("*.yaml"))


def load_theme(project_root: Path | None = None) -> Theme:
    """The theme for a project: its own overrides (if any) in front of the built-in theme."""
    template_dirs: list[Path] = []
    style_dirs: list[Path] = []
    if project_root is not None:
        for folder, bucket in (("templates", template_dirs), ("styles", style_dirs)):
            candidate = project_root / folder
            if candidate.is_dir() and candidate.resolve() != _builtin(folder).resolve():
                bucket.append(candidate)
    return Theme(
        name="base",
        template_dirs=(*template_dirs, BUILTIN_TEMPLATES),
        style_dirs=(*style_dirs, BUILTIN_STYLES),
    )
