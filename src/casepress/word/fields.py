"""A case's fields as Word shows them, read from the case schema's declarations.

Nothing here names a field: the "About this case" table has a row for every field of the
``about`` section (``declare(..., section=ABOUT)`` in model/cases.py) but the title and
subtitle (the document's Title and Subtitle paragraphs), in declaration order; the
narrative sections follow in theirs. A field added to the case model later is written and
read back without a change here.

A cell holds what an editor would type: a text as it is, a list as items separated by
"; ", a date as YYYY-MM-DD (or YYYY-MM), a nested object as one row per field
(``source.publisher``); anything else (a list of structured entries) as YAML's one-line
form, ``[{given: Ana, family: Ruiz}]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..model.cases import ABOUT, CASE_SPEC
from ..model.schema import Field, ListOf, Object, Text

HEADING_FIELDS = ("title", "subtitle")
"""Fields shown as the document's Title and Subtitle paragraphs, not in the table."""
SEPARATOR = "; "


def ordered() -> list[tuple[str, Field]]:
    """Every declared field of a case, in the order the case file lays them out."""
    return sorted(CASE_SPEC.fields.items(), key=lambda item: item[1].order)


def about_fields() -> list[tuple[str, Field]]:
    return [(n, f) for n, f in ordered() if f.section == ABOUT and n not in HEADING_FIELDS]


def sections() -> list[tuple[str, list[tuple[str, Field]]]]:
    """The narrative sections after the table, each with its fields, in order."""
    found: dict[str, list[tuple[str, Field]]] = {}
    for name, spec in ordered():
        if spec.section != ABOUT:
            found.setdefault(spec.section or name, []).append((name, spec))
    return list(found.items())


def is_markdown(kind: Any) -> bool:
    return isinstance(kind, Text) and bool(kind.markdown)


def holds_markdown(kind: Any) -> bool:
    """A list of objects with a Markdown field (lessons): written as paragraphs, not a table."""
    return (isinstance(kind, ListOf) and isinstance(kind.item, Object)
            and any(is_markdown(f.type) for f in kind.item.fields.values()))  # fmt: skip


def plain(value: Any) -> Any:
    """A model value as YAML would hold it: dataclasses as mappings, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.init and getattr(value, f.name) not in (None, (), "")}  # fmt: skip
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _flat(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def cell_text(kind: Any, value: Any) -> str:
    """How one value is typed in a cell (see the module's docstring)."""
    value = plain(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) and SEPARATOR.strip() not in v
                                       for v in value):  # fmt: skip
        return SEPARATOR.join(value)
    if _flat(value):
        return "" if value is None else str(value)
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip()


def about_rows(case) -> Iterator[tuple[str, str]]:
    """(field path, cell text) for every field of the table, an object one row per field;
    a field not set has an empty cell, for an editor to fill in."""
    for name, spec in about_fields():
        value = getattr(case, name, None)
        if isinstance(spec.type, Object):
            for sub, sub_spec in spec.type.fields.items():
                inner = getattr(value, sub, None) if value is not None else None
                yield f"{name}.{sub}", _text_of(sub_spec.type, inner)
        else:
            yield name, _text_of(spec.type, value)


def _text_of(kind: Any, value: Any) -> str:
    return "" if value in (None, (), "") else cell_text(kind, value)


def cell_value(kind: Any, text: str) -> Any:
    """What an edited cell holds, for the case file (validation judges it afterwards)."""
    text = text.strip()
    if isinstance(kind, ListOf) and not isinstance(kind.item, (Object, ListOf)):
        if text.startswith("["):
            loaded = _yaml(text)
            if isinstance(loaded, list):
                return loaded
        return [part.strip() for part in text.split(SEPARATOR.strip()) if part.strip()]
    if isinstance(kind, Text):
        return text
    loaded = _yaml(text)
    return text if loaded is None else loaded


def _yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def read_rows(rows: list[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    """Case values from (field path, cell text) rows; unknown field names are returned."""
    values: dict[str, Any] = {}
    unknown: list[str] = []
    known = dict(about_fields())
    for key, text in rows:
        name, _, sub = key.strip().partition(".")
        spec = known.get(name)
        if spec is None or (sub and not isinstance(spec.type, Object)):
            unknown.append(key)
            continue
        if not text.strip():
            continue
        if sub:
            inner = spec.type.fields.get(sub)
            if inner is None:
                unknown.append(key)
                continue
            values.setdefault(name, {})[sub] = cell_value(inner.type, text)
        else:
            values[name] = cell_value(spec.type, text)
    return values, unknown


# -- What the editor reads: labels -------------------------------------------------------


def label(key: str, labels: dict[str, str], language: str) -> str:
    """What a field is called in the case's language ('source.publisher' → 'Source:
    publisher', 'Source : éditeur'); a field no catalogue names yet is its name, readable."""
    parts = key.split(".")
    names = [_name(part, labels, language) for part in parts]
    if len(names) == 1:
        return names[0]
    colon = "\u00a0: " if language.split("-")[0].lower() == "fr" else ": "
    return names[0] + colon + " ".join(n[:1].lower() + n[1:] for n in names[1:])


def _name(part: str, labels: dict[str, str], language: str) -> str:
    found = labels.get(f"field_{part}") or labels.get(part)
    text = (found or part.replace("_", " ")).strip().rstrip(":").strip()
    return text[:1].upper() + text[1:]


@cache
def _all_label_names() -> dict[str, str]:
    """Every label any built-in catalogue gives a table key → the key."""
    from ..model.labels import LABELS_DIR, builtin_labels

    keys = [k for k, _ in _every_key()]
    found: dict[str, str] = {}
    for language in sorted(p.stem for p in Path(LABELS_DIR).glob("*.yaml")):
        labels = builtin_labels(language)
        for key in keys:
            found.setdefault(_fold(label(key, labels, language)), key)
    for key in keys:
        found.setdefault(_fold(key), key)
    return found


def _every_key() -> list[tuple[str, Any]]:
    keys: list[tuple[str, Any]] = []
    for name, spec in about_fields():
        if isinstance(spec.type, Object):
            keys += [(f"{name}.{sub}", s) for sub, s in spec.type.fields.items()]
        else:
            keys.append((name, spec))
        item = getattr(spec.type, "item", None)
        if isinstance(item, Object):
            keys += [(sub, s) for sub, s in item.fields.items()]
    for _, members in sections():
        for _, spec in members:
            item = getattr(spec.type, "item", None)
            if isinstance(item, Object):
                keys += [(sub, s) for sub, s in item.fields.items()]
    return keys


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("\u00a0", " ").split())


def key_of_label(text: str) -> str:
    """The field a row's label names, when its hidden key was deleted; the text itself
    when it names none (``read_rows`` then reports it)."""
    return _all_label_names().get(_fold(text), text.strip())
