"""Colours and their contrast: CSS colour values, WCAG 2.1 contrast ratios, the palette pairs.

The built-in look names its colours as CSS custom properties in ``styles/base.css``
(``--colour-ink``, ``--colour-primary``, ...). ``PAIRS`` says which colour is set on which
background, so a palette — the built-in one, a project's ``styles/base.css`` override, or a
theme's colours mapped to the same names — can be checked pair by pair against WCAG 2.1
success criteria 1.4.3 (text, 4.5:1) and 1.4.11 (focus outline, 3:1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import tinycss2.color3

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
    Pair("--colour-muted", PAGE, "subtitles, periods, sources, notes, running heads, tags"),
    Pair("--colour-primary", PAGE, "headings and titles"),
    Pair("--colour-accent", PAGE, "the kicker above the title"),
    Pair("--colour-link", PAGE, "links"),
    Pair("--colour-ink", "--colour-panel", "text in the tags panel"),
    Pair("--colour-primary", "--colour-panel", "labels in the tags panel"),
    Pair("#ffffff", "--colour-primary", "lesson numbers; handbook cover title"),
    Pair("rgba(255, 255, 255, 0.85)", "--colour-primary", "handbook cover subtitle and edition"),
    Pair("rgba(255, 255, 255, 0.9)", "--colour-primary", "handbook cover organisation"),
    Pair("--colour-accent", PAGE, "focus outline in HTML", NON_TEXT_MINIMUM),
)


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


_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_RGB = re.compile(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)")
_NAMES = {"white": "#ffffff", "black": "#000000"}


def parse_colour(value: str) -> tuple[float, float, float, float]:
    """'#1d2329', '#fff', 'rgb(…)', 'rgba(…, a)', 'white', 'black' → (r, g, b, alpha) in 0–255."""
    text = _NAMES.get(value.strip().lower(), value.strip())
    match = _HEX.fullmatch(text)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        return (r, g, b, 1.0)
    match = _RGB.fullmatch(text)
    if match:
        r, g, b = (float(match.group(i)) for i in (1, 2, 3))
        return (r, g, b, float(match.group(4)) if match.group(4) else 1.0)
    parsed = tinycss2.color3.parse_color(text)  # any other CSS colour: names, hsl(), …
    if parsed is not None and not isinstance(parsed, str):  # 'currentcolor' has no value
        return (parsed.red * 255, parsed.green * 255, parsed.blue * 255, parsed.alpha)
    raise ValueError(f"expected a colour like '#1a5276' or 'rgb(26, 82, 118)', got {value!r}")


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (channels 0–255)."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio (1–21); a translucent foreground is laid over the background."""
    fr, fg, fb, alpha = parse_colour(foreground)
    br, bg, bb, _ = parse_colour(background)
    over = (
        fr * alpha + br * (1 - alpha),
        fg * alpha + bg * (1 - alpha),
        fb * alpha + bb * (1 - alpha),
    )
    lighter, darker = sorted(
        (relative_luminance(over), relative_luminance((br, bg, bb))), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


_PROPERTY = re.compile(r"(--colour-[a-z0-9-]+)\s*:\s*([^;}]+)")


def custom_properties(css_texts: Iterable[str]) -> dict[str, str]:
    """``--colour-*`` values declared in style sheets, later sheets winning (the cascade)."""
    found: dict[str, str] = {}
    for text in css_texts:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for name, value in _PROPERTY.findall(text):
            found[name] = value.strip()
    return found


def check_palette(colours: Mapping[str, str], pairs: Iterable[Pair] = PAIRS) -> list[Contrast]:
    """Measure every pair whose colours the palette defines (or that are literal colours)."""
    results = []
    for pair in pairs:
        foreground = colours.get(pair.foreground, pair.foreground)
        background = colours.get(pair.background, pair.background)
        if foreground.startswith("--") or background.startswith("--"):
            continue  # a theme without that colour
        ratio = contrast_ratio(foreground, background)
        results.append(Contrast(foreground, background, pair.used_for, ratio, pair.minimum))
    return results


def check_stylesheets(sheets: Iterable) -> list[Contrast]:
    """The palette pairs of the colours these sheets declare, in cascade order.

    ``sheets`` are files or generated sheets (anything with a ``css`` attribute, such as a
    theme.yaml palette turned into custom properties)."""
    texts = (s.css if hasattr(s, "css") else Path(s).read_text("utf-8") for s in sheets)
    return check_palette(custom_properties(texts))
