"""The Typst anchor of the benchmark: the same synthetic cases as one book, compiled by Typst.

    python benchmarks/typst_book.py /tmp/bench-project /tmp/typst-book   # writes book.json, book.pdf

benchmarks/typst/book.typ has the casepress handbook's shape (cover, contents with page
numbers, a part per region, chapters with title block, context, entry point, numbered lessons,
outcome and tags panel, running heads, "Page N of M", an index by country). Its data is the
cases' YAML as JSON, grouped as the handbook groups them (by region, in the order
``casepress.yaml`` lists the regions); Markdown fields become plain paragraphs. Typst 0.15 is a
benchmark-only extra: ``pip install '.[bench]'``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "typst" / "book.typ"
FONTS = HERE.parent / "styles" / "fonts"  # the fonts casepress's briefs and handbooks use


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in str(text or "").split("\n\n") if p.strip()]


def book_data(project: Path) -> dict:
    """The cases of ``project`` as the book's parts: one per region, cases in file order."""
    config = yaml.safe_load((project / "casepress.yaml").read_text("utf-8")) or {}
    handbook = next(iter((config.get("handbooks") or {"all": {}}).values()))
    regions = list(handbook.get("regions") or [])
    parts: dict[str, list] = {region: [] for region in regions}
    for path in sorted((project / "cases").glob("*.yaml")):
        case = yaml.safe_load(path.read_text("utf-8"))
        region = case["regions"][0]
        parts.setdefault(region, []).append({
            "id": path.stem,
            "title": case["title"],
            "summary": case.get("summary", ""),
            "period": str(case.get("period", "")),
            "regions": case.get("regions", []),
            "countries": case.get("countries", []),
            "themes": case.get("themes", []),
            "context": paragraphs(case.get("context")),
            "entry_point": paragraphs(case.get("entry_point")),
            "lessons": [{"title": x["title"], "text": " ".join(x["text"].split())}
                        for x in case.get("lessons", [])],  # fmt: skip
            "outcome": paragraphs(case.get("outcome")),
        })  # fmt: skip
    return {
        "title": handbook.get("title", "All cases"),
        "organisation": config.get("organisation", ""),
        "parts": [{"region": r, "cases": cases} for r, cases in parts.items() if cases],
    }


def prepare(project: Path, folder: Path) -> Path:
    """Writes book.typ and book.json into ``folder`` (Typst's root); returns book.typ."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.json").write_text(json.dumps(book_data(project), ensure_ascii=False), "utf-8")
    return Path(shutil.copy(TEMPLATE, folder / "book.typ"))


# Run in a fresh process by benchmarks/run.py, so the time includes Typst's start-up and fonts.
COMPILE = """
import sys, typst
source, pdf = sys.argv[1], sys.argv[2]
typst.compile(source, output=pdf, font_paths=[sys.argv[3]], ignore_system_fonts=True)
"""


def compile_command(source: Path, pdf: Path) -> list[str]:
    return [sys.executable, "-c", COMPILE, str(source), str(pdf), str(FONTS)]


if __name__ == "__main__":
    import subprocess

    source = prepare(Path(sys.argv[1]), Path(sys.argv[2]))
    subprocess.run(compile_command(source, source.with_suffix(".pdf")), check=True)
    print(source.with_suffix(".pdf"))
