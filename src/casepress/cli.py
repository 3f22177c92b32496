"""Commands only: parse → call the library → print the report. The only place that exits."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import CasepressError, InputError, Problem

EXIT_OK, EXIT_RENDER, EXIT_INPUT = 0, 1, 2

DESCRIPTION = """\
Turn structured case studies (YAML with Markdown text) into print-ready PDF and HTML briefs.

A project is a folder with cases/ and an optional casepress.yaml. Run commands from that
folder, or point at it with --project.
"""
EXAMPLES = {
    "build": """\
examples:
  casepress build                       every case in cases/ -> build/briefs/<id>.pdf and .html
  casepress build --output /tmp/out     write somewhere else
  casepress build --pdf-variant pdf/ua-1
""",
    "brief": """\
examples:
  casepress brief cases/police-reform-in-sierra-leone.yaml
  casepress brief cases/*.yaml --format html --output preview/
""",
    "check": """\
examples:
  casepress check                       validate every case; exit 0 when all are valid
  casepress check cases/peru.yaml --strict
""",
    "schema": """\
examples:
  casepress schema > case.schema.json   JSON Schema for editors (first line of a case file:
                                        # yaml-language-server: $schema=case.schema.json)
  casepress schema --config             the schema of casepress.yaml instead
""",
}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C", "--project", metavar="DIR", type=Path, default=None,
        help="project folder (default: the current folder)",
    )  # fmt: skip
    common.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")

    parser = argparse.ArgumentParser(
        prog="casepress",
        description=DESCRIPTION,
        epilog="Run 'casepress COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"casepress {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help, description=help, parents=[common], epilog=EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip

    build = command("build", "Build a brief (PDF and HTML) for every case in the project.")
    build.add_argument("--cases", metavar="DIR", type=Path, help="folder of case files")
    build.add_argument("--output", metavar="DIR", type=Path, help="output folder (default: build/)")
    _render_options(build)

    brief = command("brief", "Build briefs for the given case files only.")
    brief.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="case files or folders")
    brief.add_argument("--output", metavar="DIR", type=Path, help="folder for the briefs (default: build/briefs/)")
    brief.add_argument("--format", choices=("pdf", "html", "both"), default="both", help="what to write (default: both)")
    _render_options(brief)

    check = command("check", "Validate case files and report every problem; render nothing.")
    check.add_argument("paths", metavar="PATH", nargs="*", type=Path, help="case files or folders (default: the project's cases)")
    check.add_argument("--cases", metavar="DIR", type=Path, help="folder of case files")

    schema = command("schema", "Print the JSON Schema of the case file format.")
    schema.add_argument("--config", action="store_true", help="print the schema of casepress.yaml instead")
    return parser


def _render_options(parser: argparse.ArgumentParser) -> None:
    from .project import PAGE_SIZES, PDF_VARIANTS

    parser.add_argument(
        "--pdf-variant", choices=PDF_VARIANTS, metavar="VARIANT",
        help="PDF flavour passed to WeasyPrint, e.g. pdf/ua-1 or pdf/a-3b",
    )  # fmt: skip
    parser.add_argument("--page-size", choices=PAGE_SIZES, help="paper size (default: A4 or casepress.yaml)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a render failed, 2 invalid input or usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    _show_library_messages()
    try:
        return _COMMANDS[args.command](args)
    except InputError as exc:
        _print_problems(exc.problems)
        return EXIT_INPUT
    except CasepressError as exc:
        print(f"casepress: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("casepress: interrupted; finished outputs were kept", file=sys.stderr)
        return 130


def _show_library_messages() -> None:
    """The library logs what a person should see while it works (waiting for a lock)."""
    logger = logging.getLogger("casepress")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.setLevel(logging.INFO)


class _StderrHandler(logging.Handler):
    """Prints to whatever ``sys.stderr`` is at the time (tests swap it per test)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"casepress: {record.getMessage()}", file=sys.stderr)


def _project(args: argparse.Namespace):
    from .project import load_project

    return load_project(
        args.project,
        cases_dir=getattr(args, "cases", None),
        page_size=getattr(args, "page_size", None),
        pdf_variant=getattr(args, "pdf_variant", None),
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_briefs, write_schema

    project = _project(args)
    briefs = (args.output / "briefs") if args.output else None
    _warn_slow_pdf(args)
    report = build_briefs(project, output_dir=briefs, progress=_progress(args))
    write_schema(args.output or project.output_dir)
    return _finish(report, args, what="brief")


def _cmd_brief(args: argparse.Namespace) -> int:
    from .build import build_briefs

    project = _project(args)
    formats = ("pdf", "html") if args.format == "both" else (args.format,)
    if "pdf" in formats:
        _warn_slow_pdf(args)
    report = build_briefs(
        project, paths=args.paths, formats=formats, output_dir=args.output, progress=_progress(args)
    )
    return _finish(report, args, what="brief")


def _cmd_check(args: argparse.Namespace) -> int:
    from .cases import load_cases

    project = _project(args)
    catalogue = load_cases(project, args.paths or None)
    _print_problems(catalogue.problems)
    failed = bool(catalogue.errors) or (args.strict and bool(catalogue.warnings))
    if not args.quiet:
        total = len(catalogue.cases) + len({p.path for p in catalogue.errors})
        verdict = "invalid" if failed else "valid"
        print(
            f"checked {total} case file(s): {len(catalogue.cases)} valid, "
            f"{len(catalogue.errors)} error(s), {len(catalogue.warnings)} warning(s) — {verdict}",
            file=sys.stderr,
        )
    return EXIT_INPUT if failed else EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from .cases import case_schema
    from .project import project_schema

    schema = project_schema() if args.config else case_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


_COMMANDS = {"build": _cmd_build, "brief": _cmd_brief, "check": _cmd_check, "schema": _cmd_schema}


def _progress(args: argparse.Namespace):
    if args.quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, label: str) -> None:
        end = "\n" if done == total else ""
        print(f"\r\033[K[{done}/{total}] {label}", end=end, file=sys.stderr, flush=True)

    return show


def _warn_slow_pdf(args: argparse.Namespace) -> None:
    from .pdf import harfbuzz_subset_available

    if not harfbuzz_subset_available() and not args.quiet:
        print(
            "casepress: warning: HarfBuzz font subsetting is unavailable, so PDFs take ~10x "
            "longer to write; install it with: apt-get install libharfbuzz-subset0",
            file=sys.stderr,
        )


def _finish(report, args: argparse.Namespace, *, what: str) -> int:
    _print_problems(report.problems + report.failures)
    code = report.exit_code
    strict_failure = args.strict and code == EXIT_OK and bool(report.warnings)
    if strict_failure:
        code = EXIT_INPUT
    if not args.quiet:
        files = len(report.outputs)
        folders = sorted({str(_rel(p.parent)) for p in report.outputs})
        where = f" in {', '.join(folders)}" if folders else ""
        verdict = " — failed: --strict treats warnings as errors" if strict_failure else ""
        print(
            f"wrote {files} file(s){where} in {report.seconds:.1f} s; "
            f"{len(report.errors)} error(s), {len(report.failures)} failed, "
            f"{len(report.warnings)} warning(s){verdict}",
            file=sys.stderr,
        )
    return code


def _rel(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
