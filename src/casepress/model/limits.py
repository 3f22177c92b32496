"""``layout_limits:`` in casepress.yaml: what page layout a build accepts without a warning.

The page layout figures of every PDF are always in the quality report (report.json and
the build summary); a limit set here turns a figure beyond it into a warning at the PDF,
which ``--strict`` makes a failure (``checks/layout.py`` measures against them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .schema import Context, Field, Integer, Object, Type
from .source import Node


class Percent(Type):
    """A share written as a percentage: ``25%`` (or the number ``25``), kept as 0.25."""

    def __init__(self, description: str = ""):
        self.description = description

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return None
        text = (node.text or "").strip() if node.kind == "scalar" else ""
        found = re.fullmatch(r"(\d{1,3}(?:\.\d+)?)\s*%?", text)
        if not found or float(found[1]) > 100:
            got = repr(text) if text else node.describe()
            return ctx.error(
                node, path, f"expected a percentage from 0% to 100% such as 25%, got {got}"
            )
        return float(found[1]) / 100

    def schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{1,3}(\.\d+)?\s*%$"},
                {"type": "number", "minimum": 0, "maximum": 100},
            ]
        }


class Between(Type):
    """Two whole numbers ``[lowest, highest]``, the first no larger than the second."""

    def __init__(self, description: str = "", *, example: str = "[60, 75]"):
        self.description = description
        self.example = example

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.is_null:
            return None
        wanted = f"expected two numbers [lowest, highest] such as {self.example}"
        items = node.items if node.kind == "seq" else []
        texts = [(item.text or "").strip() if item.kind == "scalar" else "" for item in items]
        if len(items) != 2 or not all(re.fullmatch(r"\d{1,4}", t) for t in texts):
            return ctx.error(node, path, f"{wanted}, got {node.describe()}")
        low, high = (int(t) for t in texts)
        if low > high:
            return ctx.error(node, path, f"{wanted}: {low} is more than {high}")
        return (low, high)

    def schema(self) -> dict[str, Any]:
        number = {"type": "integer", "minimum": 0}
        return {"type": "array", "items": number, "minItems": 2, "maxItems": 2}


LAYOUT_LIMITS_SPEC = Object(
    {
        "measure": Field(Between(
            "Characters per line of body text (the median of each PDF) must lie in this "
            "range; 60-75 reads comfortably"
        )),
        "max_empty_page": Field(Percent(
            "Most a page may be empty (below its last line) unless it is the last of its "
            "document, chapter or part, e.g. 25%"
        )),
        "max_consecutive_hyphens": Field(Integer(
            "Most lines in a row that may end in a hyphen, e.g. 2", minimum=0
        )),
        "max_hyphenated_lines": Field(Percent(
            "Most of the body lines that may end in a hyphen, e.g. 10%"
        )),
        "max_widows": Field(Integer(
            "Most paragraph last lines alone at the top of a page, e.g. 0", minimum=0
        )),
        "max_orphans": Field(Integer(
            "Most paragraph first lines alone at the foot of a page, e.g. 0", minimum=0
        )),
        "max_furniture_pages": Field(Integer(
            "Most pages holding only running heads, folios or a panel (no text), e.g. 0",
            minimum=0,
        )),
    },
    "Limits of the page layout figures in the quality report: a PDF beyond one gets a "
    "warning (and --strict fails)",
)  # fmt: skip


@dataclass(frozen=True)
class LayoutLimits:
    """The ``layout_limits:`` of a project; None: no limit on that figure."""

    measure: tuple[int, int] | None = None
    max_empty_page: float | None = None
    max_consecutive_hyphens: int | None = None
    max_hyphenated_lines: float | None = None
    max_widows: int | None = None
    max_orphans: int | None = None
    max_furniture_pages: int | None = None

    @classmethod
    def of(cls, values: dict[str, Any] | None) -> LayoutLimits | None:
        """From validated settings; None when none is set."""
        values = {k: v for k, v in (values or {}).items() if v is not None}
        return cls(**values) if values else None
