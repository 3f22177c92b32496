"""Templates run sandboxed and autoescaped; whatever goes wrong is reported with file:line."""

import pytest

from casepress.cli import main
from conftest import copy_project

pytestmark = pytest.mark.slow  # every test renders PDFs or starts processes


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = copy_project("minimal", tmp_path)
    (root / "templates").mkdir()
    monkeypatch.chdir(root)
    return root


def build_with(project, capsys, template: str, name: str = "case.html.j2"):
    (project / "templates" / name).write_text(template, encoding="utf-8")
    code = main(["build", "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "<article>\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n</article>\n",
            "templates/case.html.j2:2: unsafe template code refused by the sandbox: "
            "access to attribute '__class__' of 'str' object is unsafe.",
        ),
        (
            "<article>\n\n{{ case.title.format.__globals__['os'] }}\n</article>\n",
            "templates/case.html.j2:3: unsafe template code refused by the sandbox: "
            "access to attribute '__globals__' of 'function' object is unsafe.",
        ),
        (
            "<article>\n{{ cycler.__init__.__globals__.os.popen('id').read() }}\n</article>\n",
            "templates/case.html.j2:2: unsafe template code refused by the sandbox",
        ),
        (
            "<article>\n{{ case.nonexistent }}\n</article>\n",
            "templates/case.html.j2:2: 'dict object' has no attribute 'nonexistent'",
        ),
        (
            "<article>\n<p>\n{{ nothing_here }}</p></article>\n",
            "templates/case.html.j2:3: 'nothing_here' is undefined",
        ),
        (
            "<article>\n{{ 1 / 0 }}\n</article>\n",
            "templates/case.html.j2:2: ZeroDivisionError: division by zero",
        ),
        (
            "<article>\n{{ range(10**9) | list }}\n</article>\n",
            "templates/case.html.j2:2: OverflowError: Range too big.",
        ),
        (
            '<article>{% include "case.html.j2" %}</article>\n',
            "templates/case.html.j2:1: templates include or call each other endlessly",
        ),
        (
            '<article>{% include "../../../../../etc/passwd" %}</article>\n',
            "template '../../../../../etc/passwd' not found; searched: templates/ (project), ",
        ),
        (
            "<article>{% if %}</article>\n",
            "templates/case.html.j2:1: template syntax error: Expected an expression",
        ),
    ],
    ids=[
        "subclasses-payload",
        "globals-payload",
        "cycler-payload",
        "undefined-attribute",
        "undefined-variable",
        "exception-in-expression",
        "huge-range",
        "endless-include",
        "include-outside",
        "syntax-error",
    ],
)
def test_template_failures_are_clear_errors_with_file_and_line(project, capsys, template, message):
    code, err = build_with(project, capsys, template)
    assert code == 1
    assert f"cases/minimal-case.yaml: PDF not written: {message}" in err
    assert "root:" not in err and "uid=" not in err


def test_case_data_is_escaped_in_a_j2_override(project, capsys):
    (project / "cases" / "second-case.yaml").write_text(
        "title: <script>alert(1)</script>\ncontext: x\nlessons:\n  - text: y\n"
        "subtitle: \"{{ ''.__class__ }} {% if true %}x{% endif %}\"\n",
        encoding="utf-8",
    )
    template = "<article><h1>{{ case.title }}</h1><p>{{ case.subtitle }}</p></article>\n"
    code, err = build_with(project, capsys, template)
    assert code == 0, err
    html = (project / "build" / "briefs" / "second-case.html").read_text("utf-8")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "<p>{{ &#39;&#39;.__class__ }} {% if true %}x{% endif %}</p>" in html


def test_a_theme_can_still_extend_the_builtin_template(project, capsys):
    template = '{% extends "base:case.html.j2" %}{% block summary %}<p>Custom</p>{% endblock %}'
    code, err = build_with(project, capsys, template)
    assert code == 0, err
    assert "<p>Custom</p>" in (project / "build" / "briefs" / "minimal-case.html").read_text()
