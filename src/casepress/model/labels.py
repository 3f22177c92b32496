"""Label catalogues: the built-in languages, and how themes and projects override them.

Built-in catalogues are ``labels/<language>.yaml`` beside this module (English, French,
Spanish, Portuguese, Russian, Ukrainian), each with every key of English (tests/
test_languages.py). A theme's ``labels:`` and a project's ``labels:`` override them per
language and may add a language; a label missing in a language falls back to English.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from .schema import MapOf, Text

LABELS_DIR = Path(__file__).resolve().parent / "labels"
LANGUAGE_PATTERN = r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*"


@cache
def builtin_labels(language: str) -> dict[str, str]:
    path = LABELS_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text("utf-8")).items()}


def builtin_languages() -> list[str]:
    return sorted(p.stem for p in LABELS_DIR.glob("*.yaml"))


def shipped_languages() -> str:
    """'English (en), Spanish (es), French (fr), …': the built-in catalogues, for messages."""
    return ", ".join(f"{language_name(tag)} ({tag})" for tag in builtin_languages())


LABEL_KEYS = tuple(builtin_labels("en"))


def known_language(tag: str) -> str:
    """The tag, when its language is one the world's locale data (CLDR, through Babel) knows;
    ValueError otherwise, for a message: 'xx' is refused, 'ar' and 'es-419' are not."""
    from babel import localedata  # a look-up of one file name; loaded only when asked

    primary = tag.split("-")[0].lower()
    if localedata.exists(primary):
        return tag
    raise ValueError(
        f"{tag!r} is not a language casepress knows; use a BCP 47 language tag such as "
        "'en', 'fr', 'es', 'ar' or 'es-419'"
    )


def has_labels(language: str, overrides: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether headings can be shown in the language: a built-in catalogue, or labels of the
    theme's or the project's for it (``label_set`` falls back to English otherwise)."""
    primary = language.split("-")[0].lower()
    return any(builtin_labels(lang) or overrides.get(lang) for lang in {primary, language})


def language_name(tag: str) -> str:
    """'Arabic' for 'ar' (CLDR's English name), or the tag itself when unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag.replace("-", "_")).english_name or tag
    except (UnknownLocaleError, ValueError):
        return tag


def labels_type(description: str) -> MapOf:
    """``{language: {label: text}}``, for theme.yaml and casepress.yaml alike.

    A label name that casepress does not know is a warning, not an error: a theme's own
    templates may use labels of their own.
    """
    return MapOf(
        MapOf(
            Text(),
            "Labels of one language",
            key_pattern=r"[a-z][a-z0-9_]*",
            key_hint="a label name such as 'lessons'",
            keys=LABEL_KEYS,
            unknown_key="warning",
        ),
        description,
        key_pattern=LANGUAGE_PATTERN,
        key_hint="a language tag such as 'fr' or 'es-419'",
    )


def merge_labels(*layers: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Label overrides, later layers winning, language by language."""
    merged: dict[str, dict[str, str]] = {}
    for layer in layers:
        for language, labels in layer.items():
            merged.setdefault(language, {}).update(labels)
    return merged


def label_set(language: str, overrides: dict[str, dict[str, str]]) -> dict[str, str]:
    """Labels for a language: English, then the primary language, then the full tag, each
    built-in catalogue followed by its overrides."""
    primary = language.split("-")[0].lower()
    labels: dict[str, str] = {}
    for lang in dict.fromkeys(("en", primary, language)):
        labels.update(builtin_labels(lang))
        labels.update(overrides.get(lang, {}))
    return labels
