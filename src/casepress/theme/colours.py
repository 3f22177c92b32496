"""Colours and their contrast: CSS colour values, WCAG 2.1 contrast ratios, the palette pairs.

The built-in look names its colours as CSS custom properties in ``styles/base.css``
(``--colour-ink``, ``--colour-primary``, ...). ``PAIRS`` says which colour is set on which
background, so a palette — the built-in one, a project's ``styles/base.css`` override, or a
theme's colours mapped to the same names — can be checked pair by pair against WCAG 2.1
success criteria 1.4.3 (text, 4.5:1) and 1.4.11 (focus outline, 3:1).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import tinycss2
from tinycss2.color5 import parse_color  # the parser WeasyPrint itself uses

from .. import files

TEXT_MINIMUM = 4.5
"""WCAG 2.1 SC 1.4.3 (AA), normal-size text."""
NON_TEXT_MINIMUM = 3.0
"""WCAG 2.1 SC 1.4.11 (AA), user-interface components such as a focus outline."""

PAGE = "#ffffff"
"""The page: white paper in PDF, a white background in HTML (screen.css)."""


@dataclass(frozen=True)
class Pair:
    """A foreground set on a background somewhere in the built-in templates."""

    foreground: str
    """A custom property ('--colour-ink') or a CSS colour ('#fff', 'rgba(...)')."""
    background: str
    used_for: str
    minimum: float = TEXT_MINIMUM


PAIRS: tuple[Pair, ...] = (
    Pair("--colour-ink", PAGE, "body text"),
    Pair("--colour-muted", PAGE, "subtitles, dates, sources, notes, page headers and tags"),
    Pair("--colour-primary", PAGE, "headings and titles"),
    Pair("--colour-accent", PAGE, "the small label above the title"),
    Pair("--colour-link", PAGE, "links"),
    Pair("--colour-ink", "--colour-panel", "text in the box of regions, countries and themes"),
    Pair("--colour-primary", "--colour-panel", "headings in the box of regions, countries and themes"),
    Pair("#ffffff", "--colour-primary", "lesson numbers and the handbook cover's title"),
    Pair("rgba(255, 255, 255, 0.85)", "--colour-primary", "the handbook cover's subtitle and edition"),
    Pair("rgba(255, 255, 255, 0.9)", "--colour-primary", "the organisation on the handbook cover"),
    Pair("--colour-accent", PAGE, "the outline that shows keyboard focus on web pages",
         NON_TEXT_MINIMUM),
)  # fmt: skip
"""Where the built-in templates set a palette colour on a background, each use said in plain
words (messages name it: "the small label above the title", not "kicker")."""

BUILTIN_COLOURS = (
    "ink",
    "muted",
    "primary",
    "on-primary",
    "accent",
    "rule",
    "tag",
    "panel",
    "link",
)
"""The colour names the built-in look uses (``--colour-<name>`` in styles/base.css): a theme
sets them under ``colours:``; any other name is a colour of the theme's own stylesheets."""


@dataclass(frozen=True)
class Contrast:
    """One pair measured: the colours as resolved, the ratio, and whether it passes."""

    foreground: str
    background: str
    used_for: str
    ratio: float
    minimum: float

    @property
    def passed(self) -> bool:
        return self.ratio >= self.minimum

    def as_dict(self) -> dict:
        return {**self.__dict__, "ratio": round(self.ratio, 2), "passed": self.passed}


def parse_colour(value: str) -> tuple[float, float, float, float]:
    """Any CSS colour WeasyPrint reads → (r, g, b, alpha), r/g/b the sRGB it draws, in 0–255.

    Read by ``tinycss2.color5``, the parser WeasyPrint itself uses (and the schema checks
    theme.yaml colours with): '#1d2329', 'rgb(31 78 121)', 'rgba(0, 0, 0, .5)', 'hsl(…)',
    'color(srgb …)', 'lab(…)', 'device-cmyk(…)', 'teal', 'transparent'. Raises ValueError for
    anything else ('currentcolor' included: it has no value of its own).
    """
    parsed = None if re.search(r"[;{}<>]", value) else parse_color(value.strip())
    if parsed is None or isinstance(parsed, str):
        raise ValueError(f"expected a colour like '#1a5276' or 'rgb(26 82 118)', got {value!r}")
    r, g, b = (min(1.0, max(0.0, c)) * 255 for c in _srgb(parsed))
    return (r, g, b, parsed.alpha)


# CSS Color 4, §18 (sample code): linear-light XYZ (D65) → linear sRGB, and the Bradford
# adaptation from D50 (lab(), lch(), xyz-d50) to D65.
_XYZ_D65_TO_LINEAR_SRGB = (
    (3.2409699419045226, -1.537383177570094, -0.4986107602930034),
    (-0.9692436362808796, 1.8759675015077202, 0.04155505740717559),
    (0.05563007969699366, -0.20397695888897652, 1.0569715142428786),
)
_D50_TO_D65 = (
    (0.955473421488075, -0.02309845494876471, 0.06325924320057072),
    (-0.0283697093338637, 1.0099953980813041, 0.021041441191917323),
    (0.012314014864481998, -0.020507649298898964, 1.330365926242124),
)


def _times(matrix, vector) -> tuple[float, ...]:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)


def _encoded(linear: float) -> float:
    """sRGB transfer function (linear light → the 0–1 channel value)."""
    sign, c = (-1 if linear < 0 else 1), abs(linear)
    return sign * (1.055 * c ** (1 / 2.4) - 0.055 if c > 0.0031308 else 12.92 * c)


def _srgb(colour) -> tuple[float, float, float]:
    """A tinycss2 colour as the sRGB channels (0–1, not clipped) WeasyPrint 70 paints it in."""
    space = colour.space
    coordinates = tuple(c or 0.0 for c in colour.coordinates)
    if space in ("srgb", "hsl", "hwb"):
        return colour.to("srgb").coordinates
    if space == "srgb-linear":
        return tuple(_encoded(c) for c in coordinates)
    if space in ("xyz", "xyz-d65", "oklab", "oklch", "xyz-d50", "lab", "lch"):
        if space in ("oklab", "oklch"):
            coordinates = colour.to("xyz-d65").coordinates
        elif space in ("lab", "lch"):
            coordinates = colour.to("xyz-d50").coordinates
        if space in ("xyz-d50", "lab", "lch"):
            coordinates = _times(_D50_TO_D65, coordinates)
        return tuple(_encoded(c) for c in _times(_XYZ_D65_TO_LINEAR_SRGB, coordinates))
    if space == "device-cmyk":  # CSS Color 5's naive conversion (no colour profile)
        c, m, y, k = coordinates
        return tuple(1 - min(1.0, ink * (1 - k) + k) for ink in (c, m, y))
    # display-p3, rec2020, ...: WeasyPrint 70 warns and paints the channels as sRGB
    return (*coordinates[:3], *(0.0,) * (3 - len(coordinates[:3])))


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (channels 0–255)."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio (1–21) of two CSS colours.

    A translucent colour is measured as it shows: the background laid over the white page,
    then the foreground over that background ('transparent' text thus measures 1:1).
    """
    fr, fg, fb, alpha = parse_colour(foreground)
    below = _over(parse_colour(background), _WHITE)
    over = _over((fr, fg, fb, alpha), below)
    lighter, darker = sorted((relative_luminance(over), relative_luminance(below)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


_WHITE = (255.0, 255.0, 255.0)


def _over(colour: tuple[float, float, float, float], below: tuple[float, ...]) -> tuple:
    """Source-over compositing of a colour (with its alpha) on an opaque one."""
    *rgb, alpha = colour
    return tuple(c * alpha + b * (1 - alpha) for c, b in zip(rgb, below, strict=True))


def custom_properties(css_texts: Iterable[str]) -> dict[str, str]:
    """``--colour-*`` values declared in style sheets, later sheets winning (the cascade).

    Read with tinycss2 (WeasyPrint's CSS parser), in any rule, @media blocks included."""
    return {name: value for text in css_texts for name, value, *_ in _colour_declarations(text)}


@functools.lru_cache(maxsize=64)
def _colour_declarations(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """Every ``--colour-*`` declaration of a sheet in order: name, value, line, column. A
    build asks twice of each sheet (the contrast it reports, the places its messages name),
    and parsing the built-in sheets costs it about 0.05 s each time."""
    found: list[tuple[str, str, int, int]] = []

    def walk(nodes: Iterable) -> None:
        for node in nodes:
            if node.type == "declaration" and node.name.startswith("--colour-"):
                value = tinycss2.serialize(node.value).strip()
                found.append((node.name, value, node.source_line, node.source_column))
            elif node.type in ("qualified-rule", "at-rule") and node.content is not None:
                walk(tinycss2.parse_blocks_contents(node.content, True, True))

    walk(tinycss2.parse_stylesheet(text, True, True))
    return tuple(found)


def check_palette(colours: Mapping[str, str], pairs: Iterable[Pair] = PAIRS) -> list[Contrast]:
    """Measure every pair whose colours the palette defines (or that are literal colours)."""
    results = []
    for pair in pairs:
        foreground = colours.get(pair.foreground, pair.foreground)
        background = colours.get(pair.background, pair.background)
        if foreground.startswith("--") or background.startswith("--"):
            continue  # a theme without that colour
        if not (_readable(foreground) and _readable(background)):
            continue  # not a colour of its own (var(--x), a typo): nothing to measure
        ratio = contrast_ratio(foreground, background)
        results.append(Contrast(foreground, background, pair.used_for, ratio, pair.minimum))
    return results


def _readable(value: str) -> bool:
    try:
        parse_colour(value)
    except ValueError:
        return False
    return True


def _sheet_text(path: Path, roots: files.Roots) -> str:
    """A sheet read through ``files``; one it refuses counts as empty (``theme check`` and
    the build report the refusal itself)."""
    try:
        return files.read_text(path, roots, limit=files.TEXT_BYTES, what="stylesheet")
    except files.FileRefusedError:
        return ""


def check_stylesheets(sheets: Iterable, roots: files.Roots = None) -> list[Contrast]:
    """The palette pairs of the colours these sheets declare, in cascade order.

    ``sheets`` are files or generated sheets (anything with a ``css`` attribute, such as a
    theme.yaml palette turned into custom properties)."""
    texts = (s.css if hasattr(s, "css") else _sheet_text(s, roots) for s in sheets)
    return check_palette(custom_properties(texts))


# ---------------------------------------------------------------------------------------------
# Where a colour was set, and the nearest shade that passes


@dataclass(frozen=True)
class Declared:
    """A ``--colour-*`` custom property's value and the sheet (and place in it) it came from."""

    value: str
    sheet: object
    """The Path of a stylesheet, or a generated sheet (with ``css`` and ``origin``)."""
    line: int = 0
    column: int = 0


def declared_colours(sheets: Iterable, roots: files.Roots = None) -> dict[str, Declared]:
    """``--colour-*`` values in cascade order (the last declaration wins), with where each
    was declared: the place a message about the colour should point at."""
    found: dict[str, Declared] = {}
    for sheet in sheets:
        text = sheet.css if hasattr(sheet, "css") else _sheet_text(sheet, roots)
        for name, value, line, column in _colour_declarations(text):
            found[name] = Declared(value, sheet, line, column)
    return found


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _cube_root(x: float) -> float:
    return math.copysign(abs(x) ** (1 / 3), x)


def oklch(value: str) -> tuple[float, float, float]:
    """A CSS colour as OKLCH (lightness 0–1, chroma, hue in degrees): a perceptual space, in
    which changing the lightness alone keeps a colour's hue and looks like a shade of it
    (Björn Ottosson's OKLab, https://bottosson.github.io/posts/oklab/)."""
    r, g, b = (_linear(c) for c in parse_colour(value)[:3])
    l_ = _cube_root(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
    m_ = _cube_root(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
    s_ = _cube_root(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
    lightness = 0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_
    a = 1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_
    b_ = 0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_
    return lightness, math.hypot(a, b_), math.degrees(math.atan2(b_, a)) % 360


def hex_colour(value: str) -> str:
    """A CSS colour as the ``#rrggbb`` WeasyPrint paints (opaque)."""
    r, g, b, _ = parse_colour(value)
    return "#{:02x}{:02x}{:02x}".format(*(round(c) for c in (r, g, b)))


Constraint = tuple[str, bool, float]
"""(the other colour, whether the colour tried is the foreground, the minimum ratio)."""


def worst_ratio(value: str, constraints: Iterable[Constraint]) -> float:
    """How far the weakest of a colour's pairs gets: its lowest ratio over its minimum
    (1 or more: every pair passes), and that ratio."""
    return min(
        (contrast_ratio(value, other) if on_top else contrast_ratio(other, value)) / minimum
        for other, on_top, minimum in constraints
    )


def nearest_passing(value: str, constraints: list[Constraint]) -> tuple[str, str] | None:
    """The nearest shade of ``value`` with which every pair in ``constraints`` passes, found
    by changing only its OKLCH lightness (darker or lighter, whichever needs less), as
    (``#rrggbb``, 'darker' or 'lighter'); None when no shade of its hue passes."""
    if not constraints:
        return None
    lightness, chroma, hue = oklch(value)
    found = []
    for direction, step in (("darker", -0.0025), ("lighter", 0.0025)):
        level = lightness
        while 0 <= level <= 1:
            candidate = hex_colour(f"oklch({level:.4f} {chroma:.4f} {hue:.2f})")
            if worst_ratio(candidate, constraints) >= 1:
                found.append((abs(level - lightness), direction, candidate))
                break
            level += step
    if not found:
        return None
    _, direction, candidate = min(found)
    return candidate, direction
