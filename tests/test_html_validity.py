"""Valid HTML everywhere: every HTML page casepress writes passes the W3C Nu HTML Checker
(vnu.jar, from scripts/install-test-tools; Java from scripts/install-system-deps), and the CSS
only a print engine understands stays in the PDF (render/printonly.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import unquote

import pytest

from casepress import load_project
from casepress.render.printonly import screen_css
from casepress.render.renderer import Renderer, sheet_text
from casepress.theme.chain import BUILTIN_STYLES, Sheet, theme_for
from conftest import ROOT

VNU_JAR = ROOT / ".cache" / "vnu-jar" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PRINT_ONLY = re.compile(
    r"string-set|bookmark-|string\(|leader\(|target-counter|target-text|element\(|running\("
    r"|@page|footnote-call|footnote-marker|float:\s*footnote",
    re.IGNORECASE,
)
"""What a browser's stylesheet must never hold (the Nu checker reports each as an error)."""


def vnu() -> list[str]:
    """The command that runs the Nu HTML Checker, or a skip saying what is missing."""
    java = os.environ.get("JAVA") or shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed (scripts/install-system-deps installs it)")
    jar = Path(os.environ.get("VNU_JAR", VNU_JAR))
    if not jar.is_file():
        pytest.skip("vnu.jar is not installed (scripts/install-test-tools installs it)")
    return [java, "-jar", str(jar), "--errors-only", "--format", "json"]


def vnu_errors(paths: list[Path]) -> dict[Path, list[str]]:
    """The checker's errors in every file (one Java process for all), by file."""
    run = subprocess.run([*vnu(), *map(str, paths)], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr)["messages"]
    found: dict[Path, list[str]] = {path: [] for path in paths}
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        path = Path(unquote(message.get("url", "").removeprefix("file:")))
        where = f"{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}"
        found.setdefault(path, []).append(f"{where} {message['message']}")
    return found


# The Nu HTML Checker over every output --------------------------------------------------


@pytest.mark.slow
def test_every_html_output_passes_the_nu_html_checker(
    sample_project_build, azimut_project_build, tmp_path
):
    """Briefs, the handbook, the site's index, case and handbook pages, in the built-in look
    and the example theme: zero errors. A page with print-only CSS goes in the same run and
    must fail, so a checker that reports nothing cannot pass the test."""
    pages = sorted(sample_project_build.rglob("*.html")) + sorted(
        azimut_project_build.rglob("*.html")
    )
    names = {p.relative_to(p.parents[1]).as_posix() for p in pages}
    assert {"briefs/police-reform-in-sierra-leone.html", "handbooks/ssr-casebook.html",
            "site/index.html", "cases/verite-et-rss-au-perou.html"} <= names  # fmt: skip
    canary = tmp_path / "canary.html"
    canary.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title><style>'
        "h1 { string-set: title content(text); }</style></head><body><h1>T</h1></body></html>",
        encoding="utf-8",
    )
    errors = vnu_errors([*pages, canary])
    assert any("string-set" in error for error in errors.pop(canary))
    assert {str(path): found for path, found in errors.items() if found} == {}


# Print-only CSS stays in the PDF --------------------------------------------------------


def test_the_handbook_sheet_loses_its_print_rules_in_html_only():
    css = (BUILTIN_STYLES / "handbook.css").read_text("utf-8")
    assert PRINT_ONLY.search(css)  # the PDF's rules: running heads, leaders, bookmarks
    html = screen_css(css, shared=True)
    assert not PRINT_ONLY.search(html)
    assert "@media print" not in html
    assert ".index-entries { columns: 16rem 2; }" in html  # the screen rules stay
    assert html.count("\n") == css.count("\n")  # line numbers of messages stay right


def test_an_html_only_sheet_keeps_its_rules_for_a_browser_print():
    css = (BUILTIN_STYLES / "site.css").read_text("utf-8")
    assert "@media print" in css
    assert screen_css(css, shared=False) == css  # byte for byte
    assert screen_css(css, shared=True) != css  # in a shared sheet it would be the PDF's


def test_what_only_a_print_engine_understands_is_left_out_and_the_rest_kept():
    css = textwrap.dedent("""\
        @page { margin: 1cm; @top-left { content: string(title); color: red } }
        @page :nth(1 of main) { counter-reset: page 1 }
        .call::footnote-call { color: red }
        .note { float: footnote; color: red !important; -weasy-link: url(x) }
        .toc a::after { content: leader(". ") target-counter(attr(href), page); }
        @media screen { @media print { .x { color: blue } } h2 { bookmark-level: 1; margin: 0 } }
        @media print, screen { .both { color: green } }
        @import url(print.css) print;
        .plain { color: black }
    """)
    assert screen_css(css, shared=False) == textwrap.dedent("""\
        @page { margin: 1cm; @top-left {  color: red; } }


        .note {  color: red !important; }
        .toc a::after {  }
        @media screen { @media print { .x { color: blue } } h2 {  margin: 0; } }
        @media print, screen { .both { color: green } }
        @import url(print.css) print;
        .plain { color: black }
    """)
    shared = screen_css(css, shared=True)
    assert "@page" not in shared and "@import" not in shared and ".x" not in shared
    assert "@media print, screen { .both { color: green } }" in shared
    assert shared.count("\n") == css.count("\n")


@pytest.fixture
def themed(tmp_path) -> Path:
    """A project whose theme's own sheet carries print rules, and an HTML-only sheet."""
    root = tmp_path / "project"
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text("title: Library\ntheme: acme\n", encoding="utf-8")
    styles = root / "themes" / "acme" / "styles"
    styles.mkdir(parents=True)
    (root / "themes" / "acme" / "theme.yaml").write_text("name: acme\n", encoding="utf-8")
    (styles / "acme.css").write_text(
        ".case-title { string-set: title content(text); color: rebeccapurple; }\n"
        "@media print { .kicker { bookmark-level: 1; color: teal; } }\n"
        "@page { @top-center { content: string(title); } }\n",
        encoding="utf-8",
    )
    (styles / "screen.css").write_text(
        "@media print { .skip-link { display: none; } }\n", encoding="utf-8"
    )
    return root


def test_a_themes_print_rules_reach_the_pdf_and_not_the_html(themed):
    project = load_project(themed)
    theme = theme_for(project)
    renderer = Renderer(project, theme)
    for document in ("brief", "handbook", "site"):
        html = str(renderer.inline_css(document))
        assert not PRINT_ONLY.search(html), document
        assert "color: rebeccapurple;" in html and "teal" not in html
        assert "@media print { .skip-link { display: none; } }" in html  # a browser's print
    pdf = "\n".join(
        sheet_text(s, theme.roots) for s in theme.stylesheets("pdf", document="handbook")
    )
    assert "string-set: title content(text)" in pdf and "bookmark-level: 1" in pdf
    assert "content: string(title)" in pdf and "string-set: handbook-title" in pdf
    assert not any(isinstance(s, Sheet) and PRINT_ONLY.search(s.css) for s in
                   theme.stylesheets("html", document="handbook"))  # fmt: skip
