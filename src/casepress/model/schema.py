"""Field types: the one definition from which values are validated and JSON Schema is made.

Each type turns a positioned ``Node`` into a Python value, or records a ``Problem`` at the
node's position and returns ``INVALID``. The same objects describe themselves as JSON
Schema (``json_schema()``), so what ``casepress check`` accepts and what an editor
validates while a case is typed cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from ..errors import Problem
from ..text import SLUG
from .markup import markdown_limit_problem
from .source import Node
from .yamlerrors import curly_inner, curly_quotes_message, quoted_value


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
"""Returned by a type that has reported a problem; the caller keeps going to find more."""

_AUTO: Any = object()


@dataclass
class Context:
    """Where problems go while one file is validated, and where values were found."""

    shown: str
    problems: list[Problem] = field(default_factory=list)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    folder: Path | None = None
    """The folder relative file paths are resolved against (``File`` fields)."""

    def error(self, node: Node, path: str, message: str) -> Any:
        self.problems.append(
            Problem.error(self.shown, message, line=node.line, column=node.column, field=path)
        )
        return INVALID

    def warn(self, node: Node, path: str, message: str) -> None:
        self.problems.append(
            Problem.warning(self.shown, message, line=node.line, column=node.column, field=path)
        )


@dataclass(frozen=True)
class Noted:
    """What a ``Text`` field's ``convert`` returns to keep a value and warn about it at the
    value's position ('Congo' is taken as one of two countries)."""

    value: Any
    warning: str | None = None


class Type:
    """A field type; subclasses implement ``check`` and ``schema``."""

    description = ""

    def validate(self, node: Node, ctx: Context, path: str) -> Any:
        ctx.positions[path] = (node.line, node.column)
        return self.check(node, ctx, path)

    def check(self, node: Node, ctx: Context, path: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        result = self.schema()
        if self.description:
            result = {"description": self.description, **result}
        return result


class Text(Type):
    """A string written as the author wrote it; ``markdown`` marks fields rendered as Markdown."""

    def __init__(
        self,
        description: str = "",
        *,
        markdown: bool = False,
        pattern: str | None = None,
        hint: str = "",
        convert: Callable[[str], Any] | None = None,
        examples: Sequence[str] = (),
    ):
        self.description = description
        self.examples = list(examples)
        """Values an editor offers as completions (JSON Schema ``examples``); not a limit."""
        self.markdown = markdown
        self.pattern = re.compile(pattern) if pattern else None
        self.hint = hint
        self.convert = convert

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.kind != "scalar":
            return ctx.error(node, path, f"expected text, got {node.describe()}")
        if node.text is None:
            return None
        text = node.text
        if not node.quoted:
            _warn_curly_quotes(node, ctx, path)
            _warn_cut(node, ctx, path)
        if not self.markdown:
            text = " ".join(text.split())  # one-line values: folded lines and stray spaces go
        else:
            refused = markdown_limit_problem(text)
            if refused:
                return ctx.error(node, path, refused)
        if self.pattern and not self.pattern.fullmatch(text):
            return ctx.error(node, path, f"expected {self.hint}, got {text!r}")
        if self.convert:
            try:
                converted = self.convert(text)
            except ValueError as exc:
                return ctx.error(node, path, str(exc))
            if isinstance(converted, Noted):
                if converted.warning:
                    ctx.warn(node, path, converted.warning)
                return converted.value
            return converted
        return text

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "string"}
        if self.pattern:
            result["pattern"] = f"^(?:{self.pattern.pattern})$"
        if self.markdown:
            result["contentMediaType"] = "text/markdown"
        if self.examples:
            result["examples"] = self.examples
        return result


def _warn_curly_quotes(node: Node, ctx: Context, path: str) -> None:
    """A one-line value wrapped in curly quotes, as pasted from a word processor where they
    were quotes: YAML keeps them as part of the text, so they would be printed."""
    inner = curly_inner(node.text or "")
    if inner is None or "\n" in (node.text or ""):
        return
    key = path.rsplit(".", 1)[-1] if path and not path.endswith("]") else ""
    message = curly_quotes_message(f"{key}:" if key else "", inner)
    ctx.warn(node, path, f"{message} (or leave them, if they are to be printed)")


def _warn_cut(node: Node, ctx: Context, path: str) -> None:
    """``title: Lesson #3 of the war``: YAML reads '#3 of the war' as a comment."""
    if node.cut is None:
        return
    column, meant = node.cut
    key = path.rsplit(".", 1)[-1] if path and not path.endswith("]") else ""
    head = f"{key}: " if key else ""
    ctx.problems.append(
        Problem.warning(
            ctx.shown,
            "the text from # on is read as a comment and left out; put the whole value in "
            f"quotes: {head}{quoted_value(meant)}",
            line=node.line,
            column=column,
            field=path,
        )
    )


def Slug(description: str = "", *, hint: str = "") -> Text:  # noqa: N802 - reads like a type
    """Lowercase letters, digits and hyphens; ``hint`` says what kind of name (a theme's ...)."""
    return Text(
        description,
        pattern=SLUG,
        hint=hint or "a lowercase slug such as 'police-reform-in-sierra-leone'",
    )


def Url(description: str = "") -> Text:  # noqa: N802
    return Text(description, pattern=r"https?://\S+", hint="a web address starting with https://")


class Month(dt.date):
    """A date known to the month ('May 2024', '2024-05'): the 1st of the month, written
    back and shown without a day (``isoformat`` is '2024-05'; templates show 'May 2024')."""

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month})"


@functools.cache
def _month_names() -> dict[str, int]:
    """Month names, full and short, in the languages casepress has labels for (CLDR data
    through Babel, loaded only when a date is not written as digits) → month number.

    Both of CLDR's forms: the one inside a date ('17 мая', 'травня') and the stand-alone
    one ('май 2024', 'травень 2024'), which differ in Russian and Ukrainian."""
    from babel import Locale

    names: dict[str, int] = {}
    # the languages of the built-in label catalogues (labels.py, which imports this module)
    for language in sorted(p.stem for p in (Path(__file__).parent / "labels").glob("*.yaml")):
        months = Locale.parse(language.replace("-", "_")).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names.setdefault(_plain(name).rstrip("."), number)
    return names


def _plain(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


_MONTH_YEAR = re.compile(r"([^\W\d_][\w.]*)(?:,| de)?\s+(\d{4})(?:\s*(?:г|р|года|року)\.?)?")
"""'May 2024', 'maio de 2024', 'май 2024 г.', 'травень 2024 р.': a month's name, its year
(and the abbreviation for 'year' Russian and Ukrainian print after it)."""


def _parse_date(text: str) -> dt.date:
    """A calendar date (2024-05-17), or a month: 2024-05, 'May 2024', 'mai 2024', 'mayo de
    2024' (a ``Month``)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{text!r} is not a date in the calendar")
    found = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if found:
        year, month = int(found[1]), int(found[2])
    else:
        found = _MONTH_YEAR.fullmatch(text.strip())
        year = int(found[2]) if found else 0
        month = _month_names().get(_plain(found[1]).rstrip(".")) if found else None
        if month is None:
            raise ValueError(
                f"expected a date written YYYY-MM-DD, or a month written YYYY-MM or "
                f"'May 2024', got {text!r}"
            )
    if not 1 <= month <= 12 or year < 1:
        raise ValueError(f"{text!r} is not a month in the calendar")
    return Month(year, month, 1)


class Date(Text):
    """An ISO 8601 calendar date, kept as ``datetime.date``; or a month ('2024-05', 'May
    2024'), kept as a ``Month`` (a date that knows it is only known to the month)."""

    def __init__(self, description: str = ""):
        super().__init__(description, convert=_parse_date)

    def schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
                {"type": "string", "pattern": r"^\D+ \d{4}$"},
            ],
            "examples": ["2024-05-17", "2024-05", "May 2024"],
        }


class Year(Text):
    """A four-digit year; YAML editors see 2003 as a number, casepress as the text '2003'."""

    def __init__(self, description: str = ""):
        super().__init__(description, pattern=r"\d{4}", hint="a four-digit year such as 2003")

    def schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "integer", "minimum": 1000, "maximum": 9999},
                {"type": "string", "pattern": r"^\d{4}$"},
            ]
        }


class Count(Text):
    """A whole number of at least 1, such as a page budget."""

    def __init__(self, description: str = ""):
        super().__init__(
            description, pattern=r"[1-9][0-9]{0,5}", hint="a whole number such as 2", convert=int
        )

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1}


class Choice(Text):
    """One of a fixed set of words, matched without regard to case."""

    def __init__(self, choices: Sequence[str], description: str = ""):
        super().__init__(description)
        self.choices = list(choices)

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        value = super().check(node, ctx, path)
        if value is None or value is INVALID:
            return value
        for choice in self.choices:
            if choice.lower() == value.lower():
                return choice
        return ctx.error(node, path, f"expected one of {', '.join(self.choices)}, got {value!r}")

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": self.choices}


class Flag(Type):
    """true or false (YAML 1.2 spelling only: 'yes', 'no', 'on', 'off' are refused)."""

    def __init__(self, description: str = ""):
        self.description = description

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        text = (node.text or "").lower() if node.kind == "scalar" else None
        if text == "true":
            return True
        if text == "false":
            return False
        if node.is_null:
            return None
        return ctx.error(node, path, f"expected true or false, got {node.describe()}")

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class Integer(Type):
    """A whole number within bounds; ``_`` may group digits (``40_000_000``)."""

    def __init__(self, description: str = "", *, minimum: int = 0, maximum: int | None = None):
        self.description = description
        self.minimum = minimum
        self.maximum = maximum

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return None
        text = (node.text or "").replace("_", "") if node.kind == "scalar" else ""
        if not re.fullmatch(r"\d{1,15}", text):
            return ctx.error(node, path, f"expected a whole number, got {node.describe()}")
        value = int(text)
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            upper = f" and {self.maximum:,}" if self.maximum is not None else ""
            return ctx.error(
                node, path, f"expected a number between {self.minimum:,}{upper}, got {value:,}"
            )
        return value

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "integer", "minimum": self.minimum}
        if self.maximum is not None:
            result["maximum"] = self.maximum
        return result


class ListOf(Type):
    """A YAML list of one item type."""

    def __init__(
        self,
        item: Type,
        description: str = "",
        *,
        min_items: int = 0,
        example: str = "",
        unique: bool = False,
    ):
        self.item = item
        self.description = description
        self.min_items = min_items
        self.example = example
        self.unique = unique
        """Repeated items are kept once in the model object (``to_model``); not an error."""

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return [] if not self.min_items else ctx.error(node, path, "must not be empty")
        if node.kind != "seq":
            example = f" such as [{self.example}]" if self.example else ""
            return ctx.error(node, path, f"expected a list{example}, got {node.describe()}")
        if len(node.items) < self.min_items:
            wanted = "one item" if self.min_items == 1 else f"{self.min_items} items"
            return ctx.error(node, path, f"must list at least {wanted}")
        values = [
            self.item.validate(item, ctx, f"{path}[{i}]") for i, item in enumerate(node.items)
        ]
        if any(v is INVALID for v in values):
            return INVALID
        return [v for v in values if v is not None]

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            result["minItems"] = self.min_items
        return result


@dataclass
class Field:
    """One named field of an object type.

    Besides what validation needs, a field may say how it is written to YAML and shown in
    templates, so that one declaration serves the validator, the JSON Schema, the model
    object, the YAML writer and the template context (see ``declare``).
    """

    type: Type
    required: bool = False
    default: Any = None
    order: int = 0
    """Position of the field in a file the YAML writer lays out (lowest first)."""
    section: str = ""
    """Fields of one section are written together; each section after a blank line."""
    anchor: str = ""
    """For Markdown: what its HTML ids start with after the case id (default: the name)."""
    show: str = ""
    """How templates see the value when its type does not say it (e.g. 'countries')."""


class Object(Type):
    """A mapping with known fields; unknown ones get a 'did you mean' suggestion."""

    def __init__(
        self,
        fields: dict[str, Field],
        description: str = "",
        *,
        title: str = "",
        hints: dict[str, str] | None = None,
    ):
        self.fields = fields
        self.description = description
        self.title = title
        self.hints = hints or {}
        """Unknown field names people are likely to write → what to write instead."""
        self.model: type | None = None
        """The class ``to_model`` makes of validated values (set by ``object_of``)."""

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.kind != "map":
            return ctx.error(node, path, f"expected a mapping of fields, got {node.describe()}")
        values: dict[str, Any] = {}
        ok = True
        given: dict[str, Node] = {}
        for key, value in node.entries:
            name = key.text or ""
            spec = self.fields.get(name)
            where = f"{path}.{name}" if path else name
            if spec is None:
                ok = False
                hint = f"; {self.hints[name]}" if name in self.hints else ""
                ctx.error(key, where, f"unknown field{hint or suggest(name, self.fields)}")
                continue
            given[name] = value
            if value.is_null and not spec.required and isinstance(spec.type, Object):
                # An optional section left empty (`source:` with its keys commented out) is as
                # if it were absent, like any other empty optional field, so a new case can
                # list every field for the author to fill in.
                ctx.positions[where] = (value.line, value.column)
                values[name] = None
                continue
            result = spec.type.validate(value, ctx, where)
            if result is INVALID:
                ok = False
            values[name] = result
        for name, spec in self.fields.items():
            where = f"{path}.{name}" if path else name
            if spec.required and (values.get(name) in (None, "", [])):
                ok = False
                target = given.get(name, node)
                reason = "must not be empty" if name in given else "required field is missing"
                ctx.error(target, where, reason)
            if values.get(name) is None:
                values[name] = spec.default() if callable(spec.default) else spec.default
        return values if ok else INVALID

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "type": "object",
            "properties": {
                name: f.type.json_schema() if f.required else _nullable(f.type.json_schema())
                for name, f in self.fields.items()
            },
            "additionalProperties": False,
        }
        if self.title:
            result = {"title": self.title, **result}
        required = [name for name, f in self.fields.items() if f.required]
        if required:
            result["required"] = required
        return result


def declare(kind: Type, *, required: bool = False, default: Any = _AUTO, **how: Any) -> Any:
    """A dataclass field that is also a schema field: ``title: str = declare(Text(...))``.

    The model class is then the one declaration of its fields: ``object_of`` makes the
    ``Object`` type (validation, JSON Schema) from it and ``to_model`` fills it from the
    validated values. ``default`` is the object's value when the file leaves the field out:
    None, or () for a list, unless given; ``dataclasses.MISSING`` makes the attribute
    required when the object is made although the file may leave it out (a case's id).
    ``how`` is ``Field``'s layout metadata (order, section, anchor, show).
    """
    spec = Field(kind, required=required, **how)
    if default is _AUTO:
        default = dataclasses.MISSING if required else () if isinstance(kind, ListOf) else None
    return dataclasses.field(default=default, metadata={"spec": spec})


def object_of(model: type, description: str = "", *, title: str = "") -> Object:
    """The ``Object`` type of a dataclass whose fields were made by ``declare``, in order."""
    fields = {f.name: f.metadata["spec"] for f in dataclasses.fields(model) if "spec" in f.metadata}
    spec = Object(fields, description, title=title)
    spec.model = model
    return spec


def to_model(spec: Object, values: dict[str, Any], **given: Any) -> Any:
    """The model object of validated ``values`` (``given`` overrides): lists become tuples,
    repeated items of a ``unique`` list go, a nested object with nothing in it is None."""
    model = spec.model
    assert model is not None, "to_model needs an Object made by object_of"
    has_default = {
        f.name
        for f in dataclasses.fields(model)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    }
    kwargs = {}
    for name, field_spec in spec.fields.items():
        value = _model_value(field_spec.type, values.get(name))
        if value is not None or name not in has_default:  # None: the model's default
            kwargs[name] = value
    return model(**{**kwargs, **given})


def _model_value(kind: Type, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, ListOf):
        items = [_model_value(kind.item, item) for item in value]
        return tuple(dict.fromkeys(items) if kind.unique else items)
    if isinstance(kind, Object) and kind.model is not None:
        return to_model(kind, value) if any(value.values()) else None
    return value


class MapOf(Type):
    """A mapping whose keys the author chooses (a palette, languages, label names)."""

    def __init__(
        self,
        value: Type,
        description: str = "",
        *,
        key_pattern: str = r"[a-z][a-z0-9_-]*",
        key_hint: str = "a lowercase name such as 'primary'",
        keys: Sequence[str] = (),
        unknown_key: str = "error",
    ):
        self.value = value
        self.description = description
        self.key_pattern = re.compile(key_pattern)
        self.key_hint = key_hint
        self.keys = list(keys)
        """Known keys: a key outside them gets a 'did you mean' (an error, or a warning)."""
        self.unknown_key = unknown_key

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return {}
        if node.kind != "map":
            return ctx.error(node, path, f"expected a mapping of names, got {node.describe()}")
        values: dict[str, Any] = {}
        ok = True
        for key, value in node.entries:
            name = key.text or ""
            where = f"{path}.{name}" if path else name
            if not self.key_pattern.fullmatch(name):
                ctx.error(key, where, f"expected {self.key_hint} as the name, got {name!r}")
                ok = False
                continue
            if self.keys and name not in self.keys:
                message = f"unknown name{suggest(name, self.keys)}"
                if self.unknown_key == "error":
                    ctx.error(key, where, message)
                    ok = False
                    continue
                ctx.warn(key, where, f"{message}; templates can still use it")
            result = self.value.validate(value, ctx, where)
            if result is INVALID:
                ok = False
            elif result is not None:
                values[name] = result
        return values if ok else INVALID

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "type": "object",
            "propertyNames": {"pattern": f"^(?:{self.key_pattern.pattern})$"},
            "additionalProperties": self.value.json_schema(),
        }
        if self.keys and self.unknown_key == "error":
            result["propertyNames"] = {"enum": self.keys}
        return result


def _colour_names() -> list[str]:
    from tinycss2 import color3  # the CSS colour keywords, for 'did you mean'

    return sorted(getattr(color3, "_COLOR_KEYWORDS", {}))


class Colour(Text):
    """A CSS colour as WeasyPrint reads it: #rgb, #rrggbb, rgb(), hsl(), device-cmyk(), a name."""

    def __init__(self, description: str = ""):
        super().__init__(description)

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        value = super().check(node, ctx, path)
        if value is None or value is INVALID:
            return value
        from tinycss2.color5 import parse_color  # the parser WeasyPrint itself uses

        parsed = None if re.search(r"[;{}<>]", value) else parse_color(value)
        if parsed is None or parsed == "currentcolor":
            hint = suggest(value, _colour_names()) if value.isalpha() else ""
            return ctx.error(node, path, f"expected a colour like '#1a5276', got {value!r}{hint}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "examples": ["#1a5276", "rgb(26 82 118)", "teal"]}


Sniffer = Callable[[bytes, Path], "str | None"]
"""Given a file's first bytes and its path, an error message, or None when the file is fine."""


class File(Text):
    """A file inside ``ctx.folder`` (a theme folder), given relative to it; kept as a Path.

    Absolute paths and paths that leave the folder (``../``, or a symbolic link pointing
    outside) are refused, so a theme only ever hands its own files to the renderer.
    """

    def __init__(self, description: str = "", *, sniff: Sniffer | None = None):
        super().__init__(description)
        self.sniff = sniff

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        value = super().check(node, ctx, path)
        if value is None or value is INVALID:
            return value
        folder = (ctx.folder or Path.cwd()).resolve()
        if Path(value).is_absolute() or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value):
            return ctx.error(node, path, f"give a path relative to the theme folder, not {value!r}")
        try:
            # read through ``files``: inside the theme folder, a regular file, within the limit
            head = files.read_bytes(
                folder / value, [folder], limit=files.RESOURCE_BYTES, what="file", head=2048
            )
        except files.FileRefusedError as refusal:
            if refusal.missing:
                return ctx.error(
                    node, path, f"file {value!r} does not exist{_nearby(folder, value)}"
                )
            if refusal.rule.startswith(files.OUTSIDE) or "symbolic link" in refusal.rule:
                return ctx.error(node, path, f"{value!r} is outside the theme folder")
            return ctx.error(node, path, f"{value!r}: {refusal.message}")
        target = (folder / value).resolve()
        message = self.sniff(head, target) if self.sniff else None
        if message:
            return ctx.error(node, path, f"{value!r}: {message}")
        return target

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": "a path relative to the theme folder"}


def _nearby(folder: Path, value: str) -> str:
    """' (did you mean 'logo.svg'?)' from the files that are there."""
    parent = (folder / value).parent
    if not parent.is_dir():
        return ""
    names = [
        os.path.relpath(p, folder).replace(os.sep, "/") for p in parent.iterdir() if p.is_file()
    ]
    return suggest(value, names)


def sniff_image(head: bytes, path: Path) -> str | None:
    """SVG, PNG or JPEG: what WeasyPrint draws without surprises in print."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return None
    if b"<svg" in head.lstrip(b"\xef\xbb\xbf")[:2048]:
        return None
    return "not an SVG, PNG or JPEG image"


FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"wOFF", b"wOF2")


def sniff_font(head: bytes, path: Path) -> str | None:
    """TrueType, OpenType or WOFF(2), judged by the file's signature rather than its name."""
    if head[:4] in FONT_SIGNATURES:
        return None
    if not head:
        return "cannot be read as a font: the file is empty"
    return "cannot be read as a font (expected a TrueType, OpenType or WOFF file)"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of an optional field: its type, or empty (YAML null), as the validator allows."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    if not isinstance(schema.get("type"), str):
        return {"anyOf": [schema, {"type": "null"}]}
    result = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def suggest(word: str, candidates: Iterable[str] | dict[str, Any], *, quote: str = "'") -> str:
    """' (did you mean 'x'?)' for the closest candidate, or '' when none is close.

    The one "did you mean" of casepress (fields, ids, tags, themes): a candidate spelt
    nearly alike ('primery' → 'primary'); else one that holds the word as whole words
    ('peru' → 'truth-seeking-and-ssr-in-peru', 'sierra-leone' → 'police-reform-in-sierra-
    leone'); else one that starts nearly alike ('Latin Amerika' → 'Latin America and the
    Caribbean'). Case, hyphens, underscores and spaces do not count.
    """
    lowered = {_folded(c): c for c in sorted(candidates)}
    key = _folded(word)
    match = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    if not match and len(key) >= 3:
        words = key.split("_")
        holding = [c for c in lowered if _holds(c.split("_"), words)]
        starting = [
            c for c in lowered if difflib.SequenceMatcher(None, key, c[: len(key)]).ratio() >= 0.8
        ]
        for found in (holding, starting):
            if found:  # the closest of them
                match = [max(found, key=lambda c: difflib.SequenceMatcher(None, key, c).ratio())]
                break
    return f" (did you mean {quote}{lowered[match[0]]}{quote}?)" if match else ""


def _folded(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.casefold().strip())


def _holds(parts: list[str], words: list[str]) -> bool:
    """Whether ``words`` appear in ``parts`` one after the other."""
    n = len(words)
    return any(parts[i : i + n] == words for i in range(len(parts) - n + 1))
