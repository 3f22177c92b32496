"""Budgets that are deterministic and total: what would exhaust the machine is refused by
counting before the slow code runs (Markdown input limits, SVG elements and ``<use>``
expansion, template results), and the one time budget left is a case's, reported once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from casepress import build_briefs, load_project
from casepress.cli import main
from conftest import ROOT

CASE = """\
title: {title}
context: |
{context}
lessons:
  - text: A lesson.
  - text: Another lesson.
"""


def write_case(project: Path, name: str, context: str, title: str = "A case") -> Path:
    path = project / "cases" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"  {line}\n" for line in context.splitlines())
    path.write_text(CASE.format(title=title, context=body.rstrip("\n")), encoding="utf-8")
    return path


def run_cli(project: Path, *args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """(exit code, output, seconds, peak MB) of `casepress ...` in a fresh process. Memory is
    the most any one process of its tree held (sampled: rendering happens in workers, which
    ``RUSAGE_CHILDREN`` does not see)."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.monotonic()
    peak = 0
    with (
        subprocess.Popen(
            [sys.executable, "-m", "casepress", *args],
            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ) as process,
        ThreadPoolExecutor(1) as reader,
    ):  # fmt: skip
        output = reader.submit(process.stdout.read)
        tree = psutil.Process(process.pid)
        while process.poll() is None:
            if time.monotonic() - started > timeout:
                process.kill()
                raise AssertionError(f"casepress {' '.join(args)} ran past {timeout} s")
            try:
                processes = [tree, *tree.children(recursive=True)]
                peak = max(peak, *(p.memory_info().rss for p in processes))
            except psutil.Error:
                pass
            time.sleep(0.05)
        text = output.result()
    return process.returncode, text, time.monotonic() - started, peak / 2**20


# Markdown: the time budget is the case's, and it is the last resort


def test_a_case_out_of_time_is_one_error_naming_the_case_not_emptied_fields(tmp_path, monkeypatch):
    project = tmp_path / "project"
    table = "| Year | Event |\n|--|--|\n" + "".join(f"| {1900 + i} | e{i} |\n" for i in range(2000))
    write_case(project, "slow", table)
    monkeypatch.setattr("casepress.model.markup.MARKDOWN_SECONDS", 0.001)
    monkeypatch.chdir(project)
    report = build_briefs(load_project(project), formats=("html",), jobs=0)
    shown = [str(p) for p in report.problems]
    assert shown == [
        "cases/slow.yaml: the case's Markdown, all fields together, took more than 0.001 s "
        "to convert and was abandoned; very long tables or paragraphs crowded with links or "
        "markup are the usual causes: split the text"
    ]
    assert report.exit_code == 2
    assert not (project / "build" / "briefs" / "slow.html").exists()


@pytest.mark.slow  # a whole build in a fresh process
def test_the_same_case_builds_within_the_real_budget(tmp_path):
    project = tmp_path / "project"
    table = "| Year | Event |\n|--|--|\n" + "".join(f"| {1900 + i} | e{i} |\n" for i in range(2000))
    write_case(project, "slow", table)
    report = build_briefs(load_project(project), formats=("html",), jobs=0)
    assert report.exit_code == 0, [str(p) for p in report.problems]
    assert "e1999" in (project / "build" / "briefs" / "slow.html").read_text("utf-8")


def test_check_refuses_what_the_build_would_find_too_slow_without_converting(
    tmp_path, capsys, monkeypatch
):
    project = tmp_path / "project"
    write_case(project, "tags", "<a " * 20_000)
    write_case(project, "fine", "A [link](https://example.org) and <b>bold</b> text.")
    monkeypatch.chdir(project)
    started = time.process_time()
    code = main(["check"])
    output = capsys.readouterr()
    assert time.process_time() - started < 5  # unguarded: 21 s and more
    assert code == 2
    assert (
        "cases/tags.yaml:2:10: context: the text has 20,000 HTML tags; at most 2,000 are "
        "allowed in one field" in output.out + output.err
    )
    assert "fine.yaml" not in output.out + output.err


# SVG: elements and <use> expansion are counted before WeasyPrint parses the file


def use_bomb(levels: int = 10, fan: int = 10) -> bytes:
    """2.6 KB: each group draws the one below it ten times; 10 levels ask for 10^10."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        uses = f'<use xlink:href="#l{level - 1}"/>' * fan
        groups.append(f'<g id="l{level}">{uses}</g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="100" height="100"><defs>{"".join(groups)}</defs>'
        f'<use xlink:href="#l{levels}"/></svg>'
    ).encode()


def many_elements(count: int = 400_000) -> bytes:
    """About 16 MB, under the 50 MB resource limit (69 s and 2.9 GB unguarded)."""
    body = b'<rect x="1" y="1" width="2" height="2"/>\n' * count
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">' + body + b"</svg>"


def svg_project(tmp_path: Path, data: bytes, *, casepress_yaml: str = "") -> Path:
    project = tmp_path / "project"
    (project / "images").mkdir(parents=True)
    (project / "images" / "map.svg").write_bytes(data)
    if casepress_yaml:
        (project / "casepress.yaml").write_text(casepress_yaml)
    write_case(project, "mapped", "The provinces:\n\n![A map of the provinces](../images/map.svg)")
    return project


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (
            use_bomb(),
            "the SVG's 115 elements would draw more than 50,000 once its <use>, url(#...) and "
            "<image> references are expanded",
        ),
        (many_elements(), "the SVG has 400,001 elements, more than the limit of 20,000"),
    ],
    ids=["use-bomb", "400000-elements"],
)
@pytest.mark.slow  # a whole build in a fresh process
def test_an_svg_too_costly_to_draw_is_refused_at_the_case_field_that_shows_it(
    tmp_path, data, refusal
):
    project = svg_project(tmp_path, data)
    code, output, seconds, peak_mb = run_cli(project, "build")
    assert "Traceback" not in output
    assert f"cases/mapped.yaml:5:3: context: image '../images/map.svg' refused: {refusal}" in output
    assert code == 2, output
    assert not list((project / "build" / "briefs").glob("mapped.*"))  # the case is not built
    assert seconds < 30  # unguarded: 1,202 s (the bomb), 69 s (400,000 elements)
    assert peak_mb < 1024  # unguarded: 1.86 GB, 2.9 GB


def test_a_reference_cycle_in_an_svg_is_refused():
    from casepress.render.svgcheck import measure_svg

    loop = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><defs><g id="a"><use href="#b"/></g>'
        b'<g id="b"><rect fill="url(#a)"/></g></defs><use href="#a"/></svg>'
    )
    size = measure_svg(loop)
    assert size.cycle in {"a", "b"}
    assert "lead back to themselves" in size.refusal()


def test_an_ordinary_svg_with_uses_and_patterns_passes():
    from casepress.render.svgcheck import measure_svg

    ordinary = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<defs><pattern id="hatch"><path d="M0 0L4 4"/></pattern>'
        b'<symbol id="pin"><circle r="2"/><path d="M0 0L0 5"/></symbol></defs>'
        + b'<path d="M0 0L9 9" fill="url(#hatch)"/><use xlink:href="#pin"/>' * 2_000
        + b"</svg>"
    )
    size = measure_svg(ordinary)
    assert size.refusal() is None
    # each path draws itself and the pattern (2); each use itself and the symbol (3)
    assert size.elements == 7 + 4_000 and size.drawn == 7 + 2_000 * (1 + 2 + 1 + 3)


def test_the_fetcher_refuses_an_svg_bomb_named_by_a_stylesheet_or_a_logo(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    from casepress.pdf.writer import SandboxFetcher

    (tmp_path / "logo.svg").write_bytes(use_bomb())
    fetcher = SandboxFetcher([tmp_path])
    with pytest.raises(FatalURLFetchingError, match="would draw more than 50,000"):
        fetcher.fetch((tmp_path / "logo.svg").as_uri())
    assert fetcher.refusals and fetcher.refusals[0].fatal


@pytest.mark.slow  # a whole build in a fresh process
def test_an_inline_svg_bomb_in_trusted_html_is_refused_before_layout(tmp_path):
    project = svg_project(tmp_path, b"<svg/>", casepress_yaml="trust_html: true\n")
    write_case(project, "mapped", "Inline:\n\n" + use_bomb().decode())
    code, output, seconds, peak_mb = run_cli(project, "build")
    assert "Traceback" not in output
    assert (
        "cases/mapped.yaml: PDF not written: an <svg> written in the page's HTML is refused: "
        "the SVG's 115 elements would draw more than 50,000" in output
    )
    assert code != 0
    assert not (project / "build" / "briefs" / "mapped.pdf").exists()
    assert seconds < 30 and peak_mb < 1024


# Templates: values a template computes are bounded in the sandbox


def theme_project(tmp_path: Path, template: str) -> Path:
    project = tmp_path / "project"
    write_case(project, "plain", "Plain text.")
    theme = project / "themes" / "heavy"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text("name: heavy\n")
    (theme / "templates" / "case.html.j2").write_text(template, encoding="utf-8")
    (project / "casepress.yaml").write_text("theme: heavy\n")
    return project


@pytest.mark.slow  # a whole build in a fresh process
def test_a_theme_template_that_multiplies_a_string_to_gigabytes_is_refused_at_its_line(
    tmp_path,
):
    project = theme_project(tmp_path, "<article>\n<h1>{{ case.title }}</h1>\n{{ 'A' * 10**10 }}\n")
    code, output, seconds, peak_mb = run_cli(project, "build")
    assert "Traceback" not in output
    assert (
        "cases/plain.yaml: PDF not written: themes/heavy/templates/case.html.j2:3: unsafe "
        "template code refused by the sandbox: '*' (repeating a text or list 10,000,000,000 "
        "times) would make a value of 10,000,000,000 characters or items, more than the "
        "10,000,000 a template may make in one value" in output
    )
    assert code == 1, output
    assert "cases/plain.yaml: HTML not written: themes/heavy/templates/case.html.j2:3:" in output
    assert not list((project / "build" / "briefs").glob("plain.*"))
    assert seconds < 30 and peak_mb < 1024  # unguarded: over 4 GB


@pytest.mark.parametrize(
    ("expression", "refusal"),
    [
        ("10 ** (10 ** 10)", "'**' would make an integer of about 33,219,280,949 bits"),
        ("[1] * 10**9", "'*' (repeating a text or list 1,000,000,000 times)"),
        ("'A' | center(10**10)", "the center filter would make a value of 10,000,000,000"),
        ("'A'.ljust(10**10)", "ljust() would make a value of 10,000,000,000"),
        ("'{:>{}}'.format(1, 10**10)", "format() would make a value of 10,000,000,000"),
        ("'%*s' % (10**10, 'x')", "'%' would make a value of 10,000,000,000"),
        ("'%*s' | format(10**10, 'x')", "the format filter would make a value"),
        ("('A' * 10**6) | replace('A', 'AAAAAAAAAAAA')", "the replace filter would make a value"),
        ("','.join([('A' * 10**6)] * 9 + [('A' * 10**6)] * 2)", "'+' would make a value"),
        ("([('A' * 10**6)] * 9) | join('' * 2 ~ 'xx') | length", None),
        ("'a\\nb' | indent(10**9)", "the indent filter would make a value of 2,000,000,003"),
        ("[1] | batch(10**9, 'x') | list", "the batch filter would make a value"),
        ("lipsum(10**6)", "lipsum() would make a value"),
        ("'ab' * 3 ~ (2 ** 10) ~ ('%5.1f' % 3.14159) ~ ('x' | center(9))", None),
    ],
)
def test_every_cheap_way_to_a_huge_value_is_bounded(expression, refusal):
    from jinja2.sandbox import SecurityError

    from casepress.render.sandbox import BoundedSandbox

    env = BoundedSandbox(autoescape=True)
    template = env.from_string("{{ " + expression + " }}")
    started = time.process_time()
    if refusal is None:
        template.render()
    else:
        with pytest.raises(SecurityError, match=re.escape(refusal)):
            template.render()
    assert time.process_time() - started < 5


def test_doubling_a_string_in_a_loop_stops_at_the_bound():
    from jinja2.sandbox import SecurityError

    from casepress.render.sandbox import BoundedSandbox

    env = BoundedSandbox()
    for operator in ("~", "+"):
        template = env.from_string(
            "{% set ns = namespace(s='A') %}{% for i in range(60) %}"
            f"{{% set ns.s = ns.s {operator} ns.s %}}{{% endfor %}}{{{{ ns.s | length }}}}"
        )
        with pytest.raises(SecurityError, match="would make a value of 16,777,216 characters"):
            template.render()


def test_a_small_svg_shown_many_times_is_refused_once_the_case_would_draw_too_much(
    tmp_path, monkeypatch
):
    """Each <img> of an SVG draws it again: 10,001 elements shown 11 times pass every
    per-file limit, and 5,000 such images (a case's '[' limit) would draw 50 million."""
    project = svg_project(tmp_path, many_elements(10_000))
    images = "\n\n".join(f"![Map {i}](../images/map.svg)" for i in range(1, 12))
    write_case(project, "mapped", images)
    monkeypatch.chdir(project)
    started = time.monotonic()
    report = build_briefs(load_project(project), formats=("html",), jobs=0)
    shown = [str(p) for p in report.problems]
    assert shown == [  # the 10th and the 11th image each, at its own line
        f"cases/mapped.yaml:{line}:3: context: image '../images/map.svg' refused: with it, the "
        "SVG images of this case would draw 100,010 elements in all (each time an image is "
        "shown it is drawn again), more than the limit of 100,000; show fewer or simpler SVGs, "
        "or PNGs of them"
        for line in (21, 23)
    ]
    assert report.exit_code == 2
    assert not (project / "build" / "briefs" / "mapped.html").exists()
    assert time.monotonic() - started < 10


def test_theme_check_finds_a_constant_expression_the_sandbox_would_refuse(
    tmp_path, monkeypatch, capsys
):
    template = (
        "<article>\n{{ case.title }}\n{{ 'A' * 10**10 }}\n"
        "{{ 'ok' * 3 }} {{ 'x' | center(10**10) }}\n{{ case.title * 10**10 }}\n"
    )
    project = theme_project(tmp_path, template)
    monkeypatch.chdir(project)
    code = main(["theme", "check", "heavy"])
    output = capsys.readouterr()
    shown = output.out + output.err
    assert code == 2, shown
    prefix = "themes/heavy/templates/case.html.j2"
    assert f"{prefix}:3:1: unsafe template code refused by the sandbox: '*' (repeating" in shown
    assert f"{prefix}:4:1: unsafe template code refused by the sandbox: the center filter" in shown
    assert ":5:" not in shown  # not made of constants: the render refuses it at its line


def test_an_svg_drawing_another_svg_file_many_times_is_weighed_with_it(tmp_path):
    """An <image> of an SVG file draws the whole file again each time (250 draws of a
    2,001-element file took 34 s and 715 MB); a raster <image> costs one element."""
    from casepress.render.resources import RefusedError, ResourcePolicy

    def svg(body: str) -> str:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' width="9" height="9">{body}</svg>'
        )

    images = tmp_path / "images"
    images.mkdir()
    (images / "b.svg").write_bytes(many_elements(2_000))
    (images / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    drawn = '<g id="g">' + '<image xlink:href="b.svg"/>' * 10 + "</g>"
    (images / "a.svg").write_text(svg(f"<defs>{drawn}</defs>" + '<use xlink:href="#g"/>' * 25))
    (images / "self.svg").write_text(svg('<image href="self.svg"/>'))
    (images / "icons.svg").write_text(svg('<image href="icon.png"/>' * 1_000))
    (images / "once.svg").write_text(svg('<image href="b.svg"/>'))
    policy = ResourcePolicy.of([tmp_path])
    with pytest.raises(RefusedError, match="would draw more than 50,000"):
        policy.check_image(images / "a.svg", (images / "a.svg").as_uri())
    with pytest.raises(RefusedError, match="would draw more than 50,000"):
        policy.check_image(images / "self.svg", (images / "self.svg").as_uri())
    policy.check_image(images / "icons.svg", (images / "icons.svg").as_uri())
    size = policy.svg_size(images / "once.svg", (images / "once.svg").as_uri())
    assert (size.elements, size.drawn) == (2, 2 + 2_001)


@pytest.mark.slow  # a whole build in a fresh process
def test_an_inline_svg_drawing_an_svg_file_many_times_is_weighed_with_it(tmp_path):
    project = svg_project(tmp_path, many_elements(2_000), casepress_yaml="trust_html: true\n")
    inline = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><defs><g id="g">'
        + '<image href="../images/map.svg" width="9" height="9"/>' * 10
        + "</g></defs>"
        + '<use href="#g"/>' * 25
        + "</svg>"
    )
    write_case(project, "mapped", "Inline:\n\n" + inline)
    code, output, seconds, peak_mb = run_cli(project, "build")
    assert (
        "cases/mapped.yaml: PDF not written: an <svg> written in the page's HTML is refused: "
        "the SVG's 38 elements would draw more than 50,000" in output
    ), output
    assert seconds < 30 and peak_mb < 1024  # unguarded: 34 s and 715 MB
