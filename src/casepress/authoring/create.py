"""New projects, cases and themes: the files ``casepress init``, ``new`` and ``theme new`` make.

Each command plans its files as ``{path: text}`` first, then ``writing.create_files`` (the
one writer) creates them all or, when any already exists, none. The files themselves are in
``skeleton/`` beside this module: a commented ``casepress.yaml`` with a handbook, a sample
case with every field explained, ``.gitignore``, and the editor set-up (``.vscode/`` and the
JSON Schemas in ``.casepress/``, which exist from the start so that case files are checked
and completed as they are typed).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from ..build.writing import confined_root, create_files, write_atomic
from ..errors import InputError, Problem, display_path
from ..model.cases import case_schema, find_case_files, theme_key
from ..model.labels import known_language
from ..model.places import check_region, normalise_country
from ..model.project import CONFIG_NAME, LANGUAGE_PATTERN, Project, project_schema
from ..model.schema import suggest
from ..model.yamlwriter import scalar
from ..text import SLUG, slugify
from ..theme.chain import BASE, THEMES_DIR, find_theme, theme_search_places

SKELETON = Path(__file__).resolve().parent / "skeleton"
SCHEMA_FOLDER = ".casepress"
CASE_SCHEMA = f"{SCHEMA_FOLDER}/case.schema.json"
PROJECT_SCHEMA = f"{SCHEMA_FOLDER}/project.schema.json"
SAMPLE_ID = "truth-seeking-and-ssr-in-peru"
COMMAND_LINE = "command line"
COMMENT_COLUMN = 33
"""Column where the comments of a new case file start."""


def plan_project(folder: Path) -> dict[Path, str]:
    """The files of a new project in ``folder``, by path."""
    folder = Path(folder)
    return {
        folder / CONFIG_NAME: _skeleton("casepress.yaml"),
        folder / "cases" / f"{SAMPLE_ID}.yaml": _skeleton("sample-case.yaml"),
        folder / ".gitignore": _skeleton("gitignore"),
        folder / ".vscode" / "settings.json": _skeleton("vscode-settings.json"),
        folder / ".vscode" / "extensions.json": _skeleton("vscode-extensions.json"),
        folder / CASE_SCHEMA: _json(case_schema()),
        folder / PROJECT_SCHEMA: _json(project_schema()),
    }


def init_project(folder: Path | str = ".") -> list[Path]:
    """Create a project; refuses (InputError naming each file) if any of its files exists."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError([Problem.error(display_path(folder), "is a file, not a folder")])
    return create_files(plan_project(folder), root=folder)


def case_id_from_title(title: str) -> str:
    """An id from a title, as ``casepress import`` makes it ('Réforme à Haïti' →
    'reforme-a-haiti'; see ``text.slugify``). An empty result means the title needs an
    explicit id."""
    return slugify(title)


def plan_case(
    project: Project,
    title: str,
    *,
    regions: Iterable[str] = (),
    countries: Iterable[str] = (),
    themes: Iterable[str] = (),
    case_id: str | None = None,
    language: str | None = None,
    translation_of: str | None = None,
) -> tuple[Path, str]:
    """The path and text of a new case; every problem with the arguments raises together.

    The file is valid at once (``casepress check`` passes) and lists every field with a
    note; text still to be written is marked TODO, which ``check`` warns about.
    """
    problems: list[Problem] = []

    def problem(flag: str, message: str) -> None:
        problems.append(Problem.error(COMMAND_LINE, message, field=flag))

    title = " ".join(title.split())
    if not title:
        problem("TITLE", "the title is empty")
    if case_id is None:
        case_id = case_id_from_title(title)
        if title and not case_id:
            problem("TITLE", f"cannot make an id from {title!r}; give one with --id")
    elif not re.fullmatch(SLUG, case_id):
        problem("--id", f"expected lowercase letters, digits and hyphens, got {case_id!r}")
    language = language or project.language  # None: the theme's, else English
    if language is not None and not re.fullmatch(LANGUAGE_PATTERN, language):
        problem("--language", f"expected a language tag such as 'en' or 'fr', got {language!r}")
    elif language is not None:
        try:
            known_language(language)
        except ValueError as exc:
            problem("--language", str(exc))
    original = _original(project, translation_of, language, problem) if translation_of else None
    if original is not None:  # what a translation shares with its original
        countries = list(countries) or list(original.countries)
    normalised = []
    for country in countries:
        try:
            normalised.append(normalise_country(country))
        except ValueError as exc:
            problem("--country", str(exc))
    regions = list(regions)
    for index, region in enumerate(regions):
        name, why = check_region(region, project.regions)
        if name is None:
            problem("--region", why)
        regions[index] = name or region
    themes = list(themes)
    if project.topics:  # a list of subject themes: the case must keep to it
        listed = {theme_key(topic): topic for topic in project.topics}
        for index, theme in enumerate(themes):
            if theme_key(theme) not in listed:
                problem("--topic", f"unknown theme {theme!r}{suggest(theme, project.topics)}; use "
                        "a theme listed under topics: in casepress.yaml, or add it there")  # fmt: skip
            themes[index] = listed.get(theme_key(theme), theme)
    path = project.cases_dir / f"{case_id}.yaml"
    if case_id and not problems:
        for existing in find_case_files(project.cases_dir):
            if existing.stem == case_id:
                message = "already exists; choose another title or an --id"
                problems.append(Problem.error(display_path(existing), message))
    if problems:
        raise InputError(problems)

    lists = [
        (
            "regions",
            _unique(regions),
            "built-in or in casepress.yaml's regions:, e.g. - Sub-Saharan Africa",
        ),
        ("countries", _unique(normalised), "ISO 3166 names or codes: Peru, PE or PER"),
        (
            "themes",
            _unique(themes),
            "free tags (or from topics: in casepress.yaml), e.g. - Police reform",
        ),
    ]
    template = _environment().get_template("new-case.yaml.j2")
    schema = _schema_reference(project, path.parent)
    text = template.render(
        title=title, id=case_id, language=language, lists=lists, schema=schema,
        translation_of=translation_of, period=original.period if original else None,
    )  # fmt: skip
    return path, text


def _original(project: Project, case_id: str, language: str | None, problem) -> Any:
    """The case ``--translation-of`` names, as ``check`` would judge the new file's
    ``translation_of`` (model/translations.py); None, with the problem said, if it cannot
    be one."""
    from ..model.cases import load_cases
    from ..model.translations import same_language

    catalogue = load_cases(project)
    original = catalogue.get(case_id)
    if original is None:
        ids = sorted({c.id for c in catalogue.cases} | {p.stem for p in find_case_files(
            project.cases_dir)})  # fmt: skip
        problem("--translation-of", f"no case has the id {case_id!r}{suggest(case_id, ids)}; "
                "give the id of the case this one translates")  # fmt: skip
        return None
    if original.translation_of:
        problem("--translation-of", f"{case_id!r} is itself a translation; give its original: "
                f"--translation-of {original.translation_of}")  # fmt: skip
        return None
    if same_language(original.language, language or "en"):
        problem("--language", f"{case_id!r} is in {original.language!r} too; give the "
                "translation's language, e.g. --language fr")  # fmt: skip
        return None
    return original


def new_case(project: Project, title: str, **options) -> Path:
    """Create a new case file in the project's cases folder; never overwrites one."""
    path, text = plan_case(project, title, **options)
    create_files({path: text}, root=confined_root(project.root, path.parent))
    return path


def _pad(text: str, width: int = COMMENT_COLUMN) -> str:
    return text.ljust(width - 1) + " "


def _schema_reference(project: Project, folder: Path) -> str:
    """Where the editor hint of a case in ``folder`` points: the project's schema file."""
    schema = project.root / CASE_SCHEMA
    if not schema.exists():  # a project made before `init` existed: the one `build` writes
        schema = project.output_dir / "case.schema.json"
    return Path(os.path.relpath(schema, folder)).as_posix()


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(item.split()) for item in items if item.strip()))


def _skeleton(name: str) -> str:
    return (SKELETON / name).read_text("utf-8")


def _json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _environment() -> jinja2.Environment:
    # The skeleton ships with casepress and writes YAML, not HTML: no sandbox, no escaping.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(SKELETON)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["yaml"] = scalar  # the YAML writer's own: `new` and `import` quote alike
    env.filters["pad"] = _pad
    return env


SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
"""Files ``casepress theme new`` copies; ``@NAME@`` and ``@EXTENDS@`` are filled in."""


def write_theme_scaffold(project_root: Path, name: str, extends: str = BASE) -> list[Path]:
    """Create ``themes/<name>/``: a commented theme.yaml, a logo, one block override, one
    stylesheet. Refuses to touch an existing folder."""
    folder = Path(project_root) / THEMES_DIR / name
    shown = display_path(folder)

    def refuse(message: str) -> InputError:
        return InputError([Problem.error(shown, message)])

    if name == BASE:
        raise refuse("'base' is the built-in theme; choose another name")
    if not re.fullmatch(SLUG, name):
        raise refuse(f"{name!r} cannot name a theme: use lowercase letters, digits and hyphens")
    if folder.exists():
        raise refuse("already exists; choose another name")
    if find_theme(extends, project_root) is None:
        where = theme_search_places(project_root, extends)
        raise refuse(f"cannot extend unknown theme {extends!r}; looked in {where}")
    written_files = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or source.name.startswith(".") or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(SCAFFOLD)
        text = source.read_text("utf-8").replace("@NAME@", name).replace("@EXTENDS@", extends)
        write_atomic(target, text, root=project_root)
        written_files.append(target)
    return written_files
