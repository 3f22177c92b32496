"""Writing direction of a language: right to left for Arabic, Persian, Urdu, Hebrew, ...

From the world's locale data (CLDR's ``characterOrder``, through Babel), so every language
CLDR knows as right-to-left is, without a list of our own: ``ar``, ``fa``, ``ur``, ``he``,
``ps``, ``ckb``, ``sd``, ``yi``, ``dv``, ``ug`` and script variants such as ``pa-Arab``.
"""

from __future__ import annotations

from functools import cache

RTL = "rtl"
LTR = "ltr"

RTL_SCRIPTS = frozenset(
    ("Arab", "Aran", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr", "Mend")
)
"""ISO 15924 scripts written right to left: a tag that names its script (``ar-Latn``,
``pa-Arab``) is read by the script, not by the language."""


@cache
def text_direction(language: str | None) -> str:
    """``"rtl"`` for a language written right to left, ``"ltr"`` otherwise (also for a tag
    Babel does not know: left to right is what a reader gets without ``dir``)."""
    if not language:
        return LTR
    from babel import Locale, UnknownLocaleError  # loaded only when a document asks

    script = next((s for s in language.split("-")[1:] if len(s) == 4 and s.isalpha()), None)
    if script:  # the tag names its script: Serbian in Latin, Punjabi in Arabic script
        return RTL if script.title() in RTL_SCRIPTS else LTR
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return LTR
    return RTL if locale.character_order == "right-to-left" else LTR
