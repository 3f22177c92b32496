"""The benchmark's Typst anchor and its command line, so neither rots between benchmark runs.

benchmarks/run.py times Typst compiling benchmarks/typst/book.typ over the synthetic cases;
a template that stopped compiling, or compiled to a book without its contents, chapters or
index, would make the benchmark's first target meaningless without anyone noticing.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, page_texts

sys.path.insert(0, str(ROOT / "benchmarks"))
import typst_book  # noqa: E402
from synthetic import make_project  # noqa: E402


def test_typst_book_has_the_handbook_shape(tmp_path):
    typst = pytest.importorskip("typst", reason="the benchmark's extra: pip install '.[bench]'")
    project = make_project(3, tmp_path / "library")
    source = typst_book.prepare(project, tmp_path / "book")
    pdf = source.with_suffix(".pdf")
    typst.compile(str(source), output=str(pdf), font_paths=[str(typst_book.FONTS)],
                  ignore_system_fonts=True)  # fmt: skip
    data = typst_book.book_data(project)
    cases = [case for part in data["parts"] for case in part["cases"]]
    assert len(cases) == 3
    pages = page_texts(pdf)
    total = len(pages)
    assert "All 3 cases" in pages[0] and "Benchmark Institute" in pages[0]  # the cover
    assert "Contents" in pages[1]
    first = cases[0]
    # the first chapter: listed in the contents with the page it starts on, which shows its
    # title twice (running head and heading), its sections and "Page N of M"
    start = next(n for n, text in enumerate(pages, 1) if text.count(first["title"]) >= 2)
    listed = re.search(re.escape(first["title"]) + r"[\s.\u2060]*(\d+)", pages[1])
    assert listed and listed.group(1) == str(start)
    chapter = " ".join(pages[start - 1 : start + 1])
    for heading in ("Context", "Entry point", "Lessons learned", "Outcome", "Country(ies)"):
        assert heading in chapter
    assert f"Page {start} of {total}" in pages[start - 1]
    index = pages[-1]
    assert "Index by country" in index
    assert first["countries"][0] in index


def test_run_help_lists_the_options(monkeypatch):
    import run

    monkeypatch.setattr(sys, "argv", ["run.py", "--help"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        run.main()
    assert exit_.value.code == 0
    for option in ("--quick", "--large", "--rounds", "--cold-rounds"):
        assert option in out.getvalue()


def test_bare_anchor_lays_out_what_the_writer_hands_weasyprint(tmp_path):
    """Target 3 compares `casepress brief` with bare WeasyPrint "on the same HTML": the bare
    loops get the string casepress's writer gives WeasyPrint (with its soft hyphens) and the
    writer's stylesheets; the HTML before the writer is kept for the extra, plain line."""
    import run

    from casepress.pdf.hyphenation import prehyphenate

    project = make_project(2, tmp_path / "library")
    sheets, files, plain = run.bare_inputs(project, tmp_path / "html")
    assert len(files) == len(plain) == 2
    for handed, before in zip(files, plain, strict=True):
        text, html = (Path(handed).read_text("utf-8"), Path(before).read_text("utf-8"))
        assert "\u00ad" in text and "\u00ad" not in html
        assert text == prehyphenate(html)
    names = [Path(s).name for s in sheets.split(",")]
    assert names[:3] == ["fonts.css", "base.css", "print.css"]
    assert all(Path(s).is_file() for s in sheets.split(","))
