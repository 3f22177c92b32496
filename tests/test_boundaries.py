"""Escaping at every boundary, standalone outputs and no tracebacks (issue 18, points 4-6).

Each test builds a small project in tmp_path, runs the command as a user does and checks
what the user sees: the message (the file named, the rule, what to do next), the exit
code, that no traceback was printed, and what the outputs hold.
"""

from __future__ import annotations

import errno
import logging
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casepress.cli import main
from conftest import PROJECTS, write_png

TRACEBACK = "Traceback (most recent call last)"
FONT = Path(__file__).resolve().parents[1] / "styles" / "fonts" / "SourceSansPro-Regular.ttf"


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, as a user runs it."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "casepress", *args], capture_output=True, text=True,
        timeout=300, cwd=cwd, env={**os.environ, **(env or {})},
    )  # fmt: skip


def project_with_theme(tmp_path: Path, css: str, family: str = "Acme Serif") -> Path:
    """The minimal project with a theme 'evil' whose styles/theme.css is ``css``, a handbook
    whose introduction shows an image, and a web server address nobody listens on."""
    project = tmp_path / "project"
    shutil.copytree(PROJECTS / "minimal", project)
    (project / "casepress.yaml").write_text(
        "title: Boundaries\ntheme: evil\nhandbooks:\n  book:\n    title: Book\n"
        "    introduction: intro.md\n",
        encoding="utf-8",
    )
    (project / "intro.md").write_text("# Welcome\n\n![A map](images/map.png)\n", "utf-8")
    write_png(project / "images" / "map.png", 8, 8, "RGB")
    theme = project / "themes" / "evil"
    (theme / "styles").mkdir(parents=True)
    (theme / "fonts").mkdir()
    shutil.copy(FONT, theme / "fonts" / "face.ttf")
    write_png(theme / "paper.png", 4, 4, "RGB")
    (theme / "theme.yaml").write_text(
        f'name: evil\nfonts:\n  body:\n    family: "{family}"\n    regular: fonts/face.ttf\n',
        encoding="utf-8",
    )
    (theme / "styles" / "theme.css").write_text(css, encoding="utf-8")
    return project


class _Loaded(HTMLParser):
    """Every address an HTML page loads or links to, and the CSS it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.addresses.append((tag, name, value))
            if name == "style" and value:
                self.css.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def css_urls(css: str) -> list[str]:
    """Every address in CSS, found by the parser browsers follow (tinycss2)."""
    import tinycss2

    found = []

    def walk(nodes, importing=False):
        for node in nodes:
            if node.type == "url":
                found.append(node.value)
            elif node.type == "function":
                if node.lower_name in ("url", "image-set", "image", "-webkit-image-set"):
                    found.extend(a.value for a in node.arguments if a.type == "string")
                walk(node.arguments)
            elif node.type in ("() block", "[] block", "{} block"):
                walk(node.content)
            elif node.type == "string" and importing:
                found.append(node.value)
            if node.type == "at-keyword":
                importing = node.lower_value == "import"
            elif node.type not in ("whitespace", "comment"):
                importing = False

    walk(tinycss2.parse_component_value_list(css))
    return found


def assert_standalone(page: Path, siblings: set[str]) -> None:
    """Nothing the page loads comes from outside it: every src and every url() is data:;
    links are fragments, sibling outputs, or https links written in case text."""
    parser = _Loaded()
    parser.feed(page.read_text("utf-8"))
    for tag, name, value in parser.addresses:
        if tag == "a" and name == "href":
            ok = value.startswith(("#", "https://", "mailto:")) or value.split("#")[0] in siblings
            assert ok, (page.name, value)
        else:
            assert value.startswith("data:"), (page.name, tag, name, value[:80])
    for css in parser.css:
        assert "</style" not in css.lower()
        for url in css_urls(css):
            assert url.startswith("data:"), (page.name, url[:80])


# -- point 4: standalone means standalone -------------------------------------------------

HOSTILE_CSS = """\
body { background: url(../paper.png) repeat; }
h1 { background-image: url(/etc/passwd); }
@font-face { font-family: "Acme Web"; src: url(../fonts/face.ttf) format("truetype"); }
@font-face { font-family: "Far Away"; src: url("http://127.0.0.1:9/font.ttf"); }
h2::after { content: "</style><script>alert('css')</script>"; }
.a { background: \\75 rl(../../../../outside.png); }
.b { background-image: image-set("../paper.png" 1x); }
"""


@pytest.mark.slow
def test_html_outputs_load_nothing_from_outside_and_css_refusals_name_the_sheet(tmp_path):
    project = project_with_theme(tmp_path, HOSTILE_CSS)
    write_png(tmp_path / "outside.png", 4, 4, "RGB")
    done = run("build", "-j", "1", cwd=project)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert TRACEBACK not in output
    sheet = "themes/evil/styles/theme.css"
    # refused in the PDF and left out of the HTML: one warning, at the sheet's line
    assert f"{sheet}:2:24: warning: refused file:///etc/passwd: outside the project" in output
    assert (
        f"{sheet}:4:44: warning: refused http://127.0.0.1:9/font.ttf: network access is off"
        in output
    )
    assert f"{sheet}:6:18: warning: refused file://" in output
    assert "/outside.png: outside the project and its theme folders" in output
    assert not re.search(r"(cases/\S+|stylesheets): warning: refused", output)
    build = project / "build"
    pages = [*build.rglob("*.html")]
    assert len(pages) >= 5  # two briefs, the handbook, the site's index and case pages
    siblings = {p.name for p in build.rglob("*") if p.is_file()} | {
        str(p.relative_to(q.parent)) for q in pages for p in build.rglob("*") if p.is_file()
        if p.is_relative_to(q.parent)
    }  # fmt: skip
    siblings |= {"../index.html", "../handbooks/book.pdf", "../handbooks/book.html"}
    for page in pages:
        assert_standalone(page, siblings)
    brief = (build / "briefs" / "minimal-case.html").read_text("utf-8")
    assert "alert('css')" in brief  # the CSS string itself reads the same
    assert "<script>alert" not in brief.replace("<\\/style><script>", "")
    handbook = (build / "handbooks" / "book.html").read_text("utf-8")
    assert 'alt="A map" src="data:image/png;base64,' in handbook or (
        'src="data:image/png;base64,' in handbook and 'alt="A map"' in handbook
    )


def _renderer(project: Path):
    from casepress import load_project
    from casepress.model.cases import load_cases
    from casepress.render.renderer import Renderer
    from casepress.theme.chain import theme_for

    loaded = load_project(project)
    return loaded, load_cases(loaded), Renderer(loaded, theme_for(loaded))


def test_introduction_image_outside_the_project_is_refused_in_the_html(tmp_path, monkeypatch):
    from casepress.model.editions import plan_handbook

    project = project_with_theme(tmp_path, "")
    (project / "intro.md").write_text("![secret](../outside.png) and ![map](images/map.png)\n")
    write_png(tmp_path / "outside.png", 4, 4, "RGB")
    monkeypatch.chdir(project)
    loaded, catalogue, renderer = _renderer(project)
    plan = plan_handbook(loaded.handbooks["book"], catalogue, loaded)
    problems: list = []
    html = renderer.render_handbook(plan, target="html", problems=problems)
    assert "outside.png" not in html
    assert 'src="data:image/png;base64,' in html
    assert [str(p) for p in problems] == [
        "intro.md:1:1: warning: introduction: image '../outside.png' refused: outside the "
        "project and its theme folders"
    ]


def test_inlined_css_cannot_close_its_style_element(tmp_path, monkeypatch):
    css = (
        'h1::after { content: "</STYLE><script>alert(1)</script>"; }\n'
        "/* </style ><img src=x onerror=alert(2)> <!-- */\n"
        ".x { background: url(../paper.png); }\n"
    )
    project = project_with_theme(tmp_path, css)
    monkeypatch.chdir(project)
    _, catalogue, renderer = _renderer(project)
    problems: list = []
    html = renderer.render_brief(catalogue.cases[0], target="html", problems=problems)
    assert problems == []
    style = html[html.index("<style") : html.index("</style>")]
    assert "</style" not in style.lower() and "<!--" not in style
    assert '"<\\/STYLE><script>alert(1)</script>"' in style  # the same CSS string
    assert html.lower().count("</style") == html.lower().count("<style")
    assert_standalone_text(html)


def assert_standalone_text(html: str) -> None:
    parser = _Loaded()
    parser.feed(html)
    assert [v for t, n, v in parser.addresses if n != "href" and not v.startswith("data:")] == []
    assert [u for css in parser.css for u in css_urls(css) if not u.startswith("data:")] == []


# -- point 5: escaping at every boundary ---------------------------------------------------


def test_theme_yaml_font_family_with_markup_is_an_error_in_theme_check(
    tmp_path, monkeypatch, capsys
):
    project = project_with_theme(tmp_path, "", family="Acme</style><script>alert(1)</script>")
    monkeypatch.chdir(project)
    assert main(["theme", "check"]) == 2
    err = capsys.readouterr().err
    assert (
        "themes/evil/theme.yaml:4:13: fonts.body.family: expected a family name such as "
        "'Caladea', without ( ) < > [ ] { } / % # or control characters" in err
    )


@pytest.mark.parametrize("family", ["Acme Serif (Web)", "Acme/Serif", "Acme\\28 Web\\29"])
def test_css_font_face_family_with_pdf_delimiters_is_refused(tmp_path, monkeypatch, capsys, family):
    css = f'@font-face {{\n  font-family: "{family}";\n  src: url(../fonts/face.ttf);\n}}\n'
    project = project_with_theme(tmp_path, css)
    monkeypatch.chdir(project)
    assert main(["theme", "check"]) == 2
    err = capsys.readouterr().err
    rule = "use a family name without ( ) < > [ ] { } / % # or control characters"
    assert "themes/evil/styles/theme.css:2:3: @font-face: font family " in err and rule in err
    assert main(["build", "-j", "1"]) == 2  # refused before any PDF is written
    out, err = capsys.readouterr()
    assert "themes/evil/styles/theme.css:2:3: @font-face: font family " in err and rule in err
    assert not (project / "build" / "briefs").exists()


@pytest.mark.slow
def test_a_css_font_face_family_names_a_valid_pdf_font(tmp_path):
    css = (
        '@font-face { font-family: "Acme Serif Web"; src: url(../fonts/face.ttf); }\n'
        'body { font-family: "Acme Serif Web"; }\n'
    )
    project = project_with_theme(tmp_path, css)
    done = run("build", "-j", "1", cwd=project)
    assert done.returncode == 0, done.stderr
    pdf = project / "build" / "briefs" / "minimal-case.pdf"
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING" not in check.stdout + check.stderr
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True)
    assert "+Acme-Serif-Web" in fonts.stdout, fonts.stdout
    assert "Syntax Error" not in fonts.stderr


def test_control_characters_written_as_escapes_are_refused_in_every_yaml_file(
    tmp_path, monkeypatch, capsys
):
    project = project_with_theme(tmp_path, "")
    (project / "casepress.yaml").write_text(
        'title: "Library\\x07"\ntheme: evil\n', encoding="utf-8"
    )
    monkeypatch.chdir(project)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert (
        "casepress.yaml:1:8: control character U+0007 (written as the escape \\x07 or "
        "similar) is not allowed in a value; remove it"
    ) in err
    (project / "casepress.yaml").write_text("title: Library\ntheme: evil\n", encoding="utf-8")
    theme_yaml = project / "themes" / "evil" / "theme.yaml"
    theme_yaml.write_text('name: evil\norganisation: "Acme\\e[2J\\0"\n', encoding="utf-8")
    assert main(["theme", "check"]) == 2
    err = capsys.readouterr().err
    assert "themes/evil/theme.yaml:2:15: control character U+001B" in err
    # tab, line feed and carriage return stay text, written raw or as escapes
    theme_yaml.write_text(
        'name: evil\norganisation: "Acme\\tLtd\\r\\n"\nfooter: |\n  one\n  \ttwo\n', "utf-8"
    )
    assert main(["theme", "check"]) == 0, capsys.readouterr().err


def test_file_names_with_control_characters_are_shown_escaped(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    shutil.copytree(PROJECTS / "minimal", project)
    evil = "evil\x1b[31m\nfake: line.yaml"
    (project / "cases" / evil).write_text("title: x\ncontext: [\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert not any(line.startswith("fake: line") for line in err.splitlines())
    assert "cases/evil\\x1b[31m\\nfake: line.yaml:2:10: context: this [ starts a list" in err


# -- point 6: no tracebacks ---------------------------------------------------------------


def _word(path: Path, change=None) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(path.stem.replace("-", " ").title(), 0)
    document.add_heading("Context", 1)
    document.add_paragraph("The context.")
    document.add_heading("Lessons learnt", 1)
    document.add_paragraph("A lesson.")
    document.save(path)
    if change is not None:
        data = {}
        with zipfile.ZipFile(path) as archive:
            for item in archive.infolist():
                data[item] = archive.read(item.filename)
        with zipfile.ZipFile(path, "w") as archive:
            for item, content in data.items():
                if item.filename == "word/document.xml":
                    content = change(content)
                archive.writestr(item, content)
    return path


def test_import_reports_each_damaged_word_file_and_imports_the_others(tmp_path):
    project = tmp_path / "project"
    (project / "cases").mkdir(parents=True)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _word(inputs / "a-damaged.docx", lambda xml: xml[: len(xml) // 2])
    _word(
        inputs / "b-with-dtd.docx",
        lambda xml: xml.replace(
            b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1
        ),
    )
    _word(inputs / "c-fine-case.docx")
    done = run("import", str(inputs), cwd=project)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert TRACEBACK not in output
    again = "open it in Word or LibreOffice and save it again as .docx"
    assert "a-damaged.docx: the document's XML is damaged (" in output and again in output
    assert (
        "b-with-dtd.docx: word/document.xml declares a DTD (<!DOCTYPE>), which Word never "
        f"writes; {again}"
    ) in output
    assert (project / "cases" / "c-fine-case.yaml").is_file()


def test_an_internal_error_while_importing_one_file_does_not_stop_the_batch(
    tmp_path, monkeypatch, capsys
):
    from casepress.importers import importer

    real = importer.read_source

    def flaky(path, project=None):
        if path.name.startswith("a-"):
            raise AttributeError("'NoneType' object has no attribute 'get'")
        return real(path, project)

    monkeypatch.setattr(importer, "read_source", flaky)
    project = tmp_path / "project"
    (project / "cases").mkdir(parents=True)
    for name in ("a-first.md", "b-second.md"):
        (tmp_path / name).write_text(
            "# A title\n\nThe context.\n\n## Lessons learnt\n\nA lesson.\n", "utf-8"
        )
    monkeypatch.chdir(project)
    assert main(["import", str(tmp_path / "a-first.md"), str(tmp_path / "b-second.md")]) == 2
    out, err = capsys.readouterr()
    assert (
        "internal error in casepress while reading this file (AttributeError: 'NoneType' "
        "object has no attribute 'get'); please report it with the file" in out + err
    )
    assert (project / "cases" / "a-title.yaml").is_file()


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, "the disk is full while writing cases/a-title.yaml; free some space "
                       "and run the command again"),
        (errno.EDQUOT, "the disk is full while writing cases/a-title.yaml"),
        (errno.EROFS, "cannot write cases/a-title.yaml: the file system is read-only; choose "
                      "a folder you can write to"),
        (errno.EACCES, "cannot write cases/a-title.yaml: permission denied"),
    ],
)  # fmt: skip
def test_a_full_or_read_only_disk_is_a_message_not_a_traceback(
    tmp_path, monkeypatch, capsys, code, said
):
    from casepress.build import writing

    def full(fd):
        raise OSError(code, "simulated")

    project = tmp_path / "project"
    (project / "cases").mkdir(parents=True)
    (project / "cases" / "kept.yaml").write_text("previous\n", encoding="utf-8")
    source = tmp_path / "a.md"
    source.write_text(
        "# A title\n\nThe context.\n\n## Lessons learnt\n\nA lesson.\n", encoding="utf-8"
    )
    monkeypatch.setattr(writing.os, "fsync", full)
    monkeypatch.chdir(project)
    assert main(["import", str(source)]) == 1
    out, err = capsys.readouterr()
    assert f"casepress: error: {said}" in err
    assert TRACEBACK not in out + err
    assert sorted(p.name for p in (project / "cases").iterdir()) == ["kept.yaml"]  # no temp file


def test_an_internal_error_says_so_and_shows_a_traceback_only_when_debugging(
    tmp_path, monkeypatch, capsys
):
    from casepress.cli import commands

    def broken(args):
        raise AttributeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setitem(commands._COMMANDS, "check", broken)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEPRESS_DEBUG", raising=False)
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "casepress: error: internal error in casepress while running 'check' (AttributeError: "
        "'NoneType' object has no attribute 'get'); please report it with the file(s) involved\n"
    )
    monkeypatch.setenv("CASEPRESS_DEBUG", "1")
    with pytest.raises(AttributeError):
        main(["check"])


def test_an_image_that_fails_to_load_says_why(caplog):
    from weasyprint.images import ImageLoadingError

    from casepress.pdf.writer import _captured_warnings

    with _captured_warnings() as messages:
        try:
            try:
                raise SyntaxError("mismatched tag: line 1, column 45")
            except SyntaxError as cause:
                raise ImageLoadingError from cause
        except ImageLoadingError as exc:
            logging.getLogger("weasyprint").error("Failed to load image at %r: %s", "x.svg", exc)
    assert messages == [
        "Failed to load image at 'x.svg': SyntaxError: mismatched tag: line 1, column 45"
    ]
