"""The command line: exit codes, reports without tracebacks, atomic outputs."""

import json
import subprocess
import sys

import pytest

from casepress import __version__
from casepress.cli import main
from conftest import PROJECTS, copy_project


def run(*args: str) -> subprocess.CompletedProcess:
    """The real command, as a user runs it (checks that nothing prints a traceback)."""
    return subprocess.run(
        [sys.executable, "-m", "casepress", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help_with_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"casepress {__version__}"
    for command in ("build", "brief", "check", "schema", "theme", "theme new", "theme list",
                    "theme check"):  # fmt: skip
        with pytest.raises(SystemExit):
            main([*command.split(), "--help"])
        assert "examples:\n  casepress " in capsys.readouterr().out, command
    assert main(["theme"]) == 2  # no action: the actions are listed
    assert "casepress theme new acme" in capsys.readouterr().out


@pytest.mark.slow
def test_help_check_and_the_package_start_without_importing_the_renderers():
    """Fast start: WeasyPrint (and Jinja for the package itself) load only when used."""
    probe = (
        "import sys, contextlib, io\n"
        "import casepress\n"
        "print(sorted(m for m in ('weasyprint', 'jinja2', 'markdown') if m in sys.modules))\n"
        "from casepress.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "    main(['check', '-C', sys.argv[1], '-q'])\n"
        "print('weasyprint' in sys.modules)\n"
        "print(callable(casepress.build_project), sorted(casepress.__all__) == casepress.__all__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(PROJECTS / "handbook")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["[]", "False", "True True"]
    import casepress

    assert all(getattr(casepress, name) is not None for name in casepress.__all__)


def test_check_valid_project_exits_0(capsys):
    assert main(["check", "-C", str(PROJECTS / "minimal")]) == 0
    assert "2 valid, 0 error(s)" in capsys.readouterr().err


@pytest.mark.slow
def test_check_broken_project_lists_every_problem_and_exits_2():
    result = run("check", "-C", str(PROJECTS / "broken"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if ".yaml:" in line]
    assert len(lines) == 12
    assert (
        "missing-fields.yaml:2:1: entry-point: unknown field (did you mean 'entry_point'?)"
        in result.stderr
    )
    assert "1 valid, 12 error(s)" in result.stderr


@pytest.mark.slow
def test_build_with_invalid_cases_still_builds_the_valid_ones_and_exits_2(tmp_path):
    project = copy_project("broken", tmp_path)
    result = run("build", "-C", str(project))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    built = sorted(p.name for p in (project / "build" / "briefs").iterdir())
    assert built == ["valid-one.html", "valid-one.pdf"]
    assert json.loads((project / "build" / "case.schema.json").read_text())["required"]


def test_brief_writes_only_the_format_asked_for(tmp_path):
    out = tmp_path / "out"
    case = PROJECTS / "minimal" / "cases" / "second-case.yaml"
    code = main(["brief", str(case), "--format", "html", "--output", str(out), "-q"])
    assert code == 0
    # (the build's record, .casepress-cache/, is hidden beside the outputs)
    assert sorted(p.name for p in out.iterdir() if p.name[0] != ".") == ["second-case.html"]


def test_schema_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["title", "context", "lessons"]
    assert main(["schema", "--config"]) == 0
    assert "page_size" in json.loads(capsys.readouterr().out)["properties"]


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--format", "nope"])
    assert exit_info.value.code == 2
    assert main([]) == 2


@pytest.mark.slow
def test_a_failed_render_keeps_the_previous_output_and_exits_1(tmp_path, capsys):
    project = copy_project("minimal", tmp_path)
    assert main(["build", "-C", str(project), "-q"]) == 0
    previous = (project / "build" / "briefs" / "second-case.pdf").read_bytes()
    # A project template that uses an undefined value breaks every render.
    (project / "templates").mkdir()
    (project / "templates" / "case.html.j2").write_text(
        '{% extends "base:case.html.j2" %}\n{% block summary %}{{ case.no_such_field }}{% endblock %}\n'
    )
    assert main(["build", "-C", str(project), "-q"]) == 1
    err = capsys.readouterr().err
    assert "templates/case.html.j2:2" in err and "no_such_field" in err
    assert (project / "build" / "briefs" / "second-case.pdf").read_bytes() == previous
    leftovers = [p.name for p in (project / "build" / "briefs").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_invalid_project_file_is_reported_with_position(tmp_path, capsys):
    (tmp_path / "casepress.yaml").write_text("page_size: B5\nlangauge: fr\n")
    assert main(["check", "-C", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "casepress.yaml:1:12: page_size: expected one of A4, Letter, A5, got 'B5'" in err
    assert "casepress.yaml:2:1: langauge: unknown field (did you mean 'language'?)" in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variant", "part"), [("pdf/a-3b", 'pdfaid:part="3"'), ("pdf/ua-1", "pdfuaid:part")]
)
def test_pdf_variant_is_passed_to_weasyprint(tmp_path, variant, part):
    from pypdf import PdfReader

    case = PROJECTS / "minimal" / "cases" / "second-case.yaml"
    code = main(
        [
            "brief",
            str(case),
            "--format",
            "pdf",
            "--pdf-variant",
            variant,
            "--output",
            str(tmp_path),
            "-q",
        ]
    )
    assert code == 0
    root = PdfReader(tmp_path / "second-case.pdf").trailer["/Root"]
    assert part in root["/Metadata"].get_object().get_data().decode()


@pytest.mark.slow
def test_a_missing_font_subsetter_is_named_with_the_package_to_install(
    tmp_path, monkeypatch, capsys
):
    from casepress.build import workers

    case = str(PROJECTS / "minimal" / "cases" / "minimal-case.yaml")
    monkeypatch.setattr(workers, "harfbuzz_subset_available", lambda: False)
    # HTML only: nothing to subset; --quiet: nothing printed; a PDF: the warning
    for extra, warned in ((["--format", "html"], False), (["-q"], False), ([], True)):
        args = ["brief", case, "-C", str(PROJECTS / "minimal"), "--output", str(tmp_path)]
        assert main([*args, "--jobs", "1", *extra]) == 0
        err = capsys.readouterr().err
        assert ("apt-get install libharfbuzz-subset0" in err) is warned, extra


def test_the_subsetter_check_sees_what_weasyprint_sees():
    """Checked without importing WeasyPrint, so it must agree with WeasyPrint's own lookup
    (this machine has Debian's libharfbuzz-subset0: make setup installs it)."""
    from weasyprint.text.ffi import harfbuzz_subset

    from casepress.build.workers import harfbuzz_subset_available

    assert harfbuzz_subset_available() is bool(harfbuzz_subset) is True


def test_a_terminal_gets_a_progress_bar_with_counts_and_the_current_case(
    tmp_path, monkeypatch, capsys
):
    import io

    from rich.console import Console

    from casepress.cli import commands as cli

    screen = io.StringIO()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(
        cli, "_console", lambda: Console(file=screen, force_terminal=True, width=100)
    )
    cases = [str(p) for p in sorted((PROJECTS / "handbook" / "cases").glob("*.yaml"))]
    args = ["brief", *cases, "-C", str(PROJECTS / "handbook"), "--output", str(tmp_path)]
    assert main([*args, "--format", "html", "--jobs", "1"]) == 0
    drawn = screen.getvalue()
    assert "5/5" in drawn and "gamma-defence" in drawn and "━" in drawn  # counts, case, bar
    assert "[1/5]" not in capsys.readouterr().err  # no plain lines as well


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_stops_a_command_with_one_line_and_the_signal_s_exit_code(
    monkeypatch, capsys, name, code
):
    import os
    import signal
    import time

    from casepress.cli import commands

    def stopped_while_building(args):
        os.kill(os.getpid(), getattr(signal, name))
        time.sleep(5)  # the handler raises before this ends
        return 0

    monkeypatch.setitem(commands._COMMANDS, "build", stopped_while_building)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["build"]) == code
    err = capsys.readouterr().err
    assert err == (
        "casepress: build interrupted: the outputs finished so far were kept; "
        "run the same command again to finish\n"
    )
    assert signal.getsignal(signal.SIGTERM) is before  # handlers put back
