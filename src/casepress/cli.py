"""Commands only: parse → call the library → print the report. The only place that exits."""

from __future__ import annotations

import argparse
import json
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
    "handbook": """\
examples:
  casepress handbook                    every handbook defined in casepress.yaml
  casepress handbook ssr-casebook       one of them -> build/handbooks/ssr-casebook.pdf and .html
  casepress handbook --title "Transitional justice in Latin America and Africa" \\
      --region "Latin America and the Caribbean" --region "Sub-Saharan Africa" \\
      --topic "Transitional justice" --group-by region
                                        an ad hoc edition, selected by tags (name from the title)
  casepress handbook --title "Two cases" --id peru --id sierra-leone --name two-cases

Selection: --id keeps that order; otherwise filters combine as any-of within one flag and
all-of across flags. --topic filters on a case's themes (its subject tags); --theme is kept
for the visual theme.
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
    "init": """\
examples:
  casepress init my-cases               a new project in my-cases/ (made if missing)
  casepress init                        a new project in the current folder

Writes casepress.yaml (commented, with a handbook), cases/ with a sample case, .gitignore,
and the editor set-up: .casepress/*.schema.json, which .vscode/settings.json and the first
line of each case file point at, so editors check and complete files as they are typed.
Nothing is overwritten: if any of these files exists, none is written.
""",
    "new": """\
examples:
  casepress new "Police reform in Liberia"
                                        -> cases/police-reform-in-liberia.yaml
  casepress new "Réforme de la police en Haïti" --country HT --theme "Police reform" \\
      --region "Latin America and the Caribbean" --language fr
  casepress new "Defence oversight" --id defence-oversight-2004

The file lists every field with a note. It is valid at once; the text still to write is
marked TODO, which 'casepress check' warns about (and '--strict' fails on). --theme and
--topic both add a theme tag (on 'new' there is no visual theme to choose).
""",
    "serve": """\
examples:
  casepress serve                       preview at http://127.0.0.1:8000/
  casepress serve --port 8080 --open    another port, and open it in the browser
  casepress serve --port 0              any free port

Edit a case, a template, a style or casepress.yaml and save: what changed is rebuilt and
the open page reloads. A case with errors shows them in the browser (file, line, message)
until it is fixed; the last good page stays available. PDFs are made when you open them.
Nothing is written to build/: the preview lives in a temporary folder.
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

    build = command(
        "build", "Build every brief (PDF and HTML) and every handbook defined in casepress.yaml."
    )
    build.add_argument("--cases", metavar="DIR", type=Path, help="folder of case files")
    build.add_argument("--output", metavar="DIR", type=Path, help="output folder (default: build/)")
    _render_options(build)

    brief = command("brief", "Build briefs for the given case files only.")
    brief.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="case files or folders")
    brief.add_argument(
        "--output", metavar="DIR", type=Path, help="folder for the briefs (default: build/briefs/)"
    )
    brief.add_argument(
        "--format",
        choices=("pdf", "html", "both"),
        default="both",
        help="what to write (default: both)",
    )
    _render_options(brief)

    from .project import GROUP_BY, ORDER_BY

    handbook = command("handbook", "Build handbooks: defined ones by name, or an ad hoc edition.")
    handbook.add_argument(
        "names",
        metavar="NAME",
        nargs="*",
        help="handbooks defined in casepress.yaml (default: all)",
    )
    handbook.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="folder for handbooks (default: build/handbooks/)",
    )
    handbook.add_argument(
        "--format",
        choices=("pdf", "html", "both"),
        default="both",
        help="what to write (default: both)",
    )
    adhoc = handbook.add_argument_group("an ad hoc edition (instead of NAME)")
    adhoc.add_argument("--title", help="title on the cover; makes an ad hoc edition")
    adhoc.add_argument("--subtitle", help="subtitle on the cover")
    adhoc.add_argument("--name", help="output file name (default: from the title)")
    adhoc.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID",
        help="a case to include, in this order (repeatable)",
    )
    adhoc.add_argument(
        "--region",
        dest="regions",
        action="append",
        default=[],
        metavar="R",
        help="cases tagged with this region (repeatable)",
    )
    adhoc.add_argument(
        "--country",
        dest="countries",
        action="append",
        default=[],
        metavar="C",
        help="cases tagged with this country (repeatable)",
    )
    adhoc.add_argument(
        "--topic",
        dest="topics",
        action="append",
        default=[],
        metavar="T",
        help="cases tagged with this theme (repeatable)",
    )
    adhoc.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="ID",
        help="a case to leave out (repeatable)",
    )
    adhoc.add_argument("--group-by", choices=GROUP_BY, help="one part per region, country or theme")
    adhoc.add_argument("--order-by", choices=ORDER_BY, help="order of cases within a part")
    adhoc.add_argument("--duplex", action="store_true", help="chapters start on right-hand pages")
    _render_options(handbook)

    check = command("check", "Validate case files and report every problem; render nothing.")
    check.add_argument(
        "paths",
        metavar="PATH",
        nargs="*",
        type=Path,
        help="case files or folders (default: the project's cases)",
    )
    check.add_argument("--cases", metavar="DIR", type=Path, help="folder of case files")

    init = command("init", "Make a new project: casepress.yaml, a sample case, editor set-up.")
    init.add_argument(
        "folder", metavar="DIR", nargs="?", type=Path, default=Path("."),
        help="folder of the new project (default: the current folder)",
    )  # fmt: skip

    new = command("new", "Make a new case file with every field, ready to fill in.")
    new.add_argument("title", metavar="TITLE", help="title of the case; the id is made from it")
    new.add_argument("--id", dest="case_id", metavar="ID", help="id (and file name) instead")
    for flag, dest, what in (
        ("--region", "regions", "a region tag"),
        ("--country", "countries", "a country: ISO 3166 name or code"),
        ("--theme", "topics", "a theme tag (same as --topic)"),
        ("--topic", "topics", "a theme tag"),
    ):
        new.add_argument(
            flag, dest=dest, action="append", default=[], metavar=flag[2].upper(),
            help=f"{what} (repeatable)",
        )  # fmt: skip
    new.add_argument("--language", metavar="LANG", help="language of the case (default: project's)")

    serve = command("serve", "Preview the project in a browser, rebuilt as files are saved.")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    serve.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )  # fmt: skip
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")

    schema = command("schema", "Print the JSON Schema of the case file format.")
    schema.add_argument(
        "--config", action="store_true", help="print the schema of casepress.yaml instead"
    )
    return parser


def _render_options(parser: argparse.ArgumentParser) -> None:
    from .project import PAGE_SIZES, PDF_VARIANTS

    parser.add_argument(
        "--pdf-variant", choices=PDF_VARIANTS, metavar="VARIANT",
        help="PDF flavour passed to WeasyPrint, e.g. pdf/ua-1 or pdf/a-3b",
    )  # fmt: skip
    parser.add_argument(
        "--page-size", choices=PAGE_SIZES, help="paper size (default: A4 or casepress.yaml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a render failed, 2 invalid input or usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
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


def _project(args: argparse.Namespace):
    from .project import load_project

    return load_project(
        args.project,
        cases_dir=getattr(args, "cases", None),
        page_size=getattr(args, "page_size", None),
        pdf_variant=getattr(args, "pdf_variant", None),
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_project

    project = _project(args)
    _warn_slow_pdf(args)
    report = build_project(project, output_dir=args.output, progress=_progress(args))
    return _finish(report, args)


def _cmd_handbook(args: argparse.Namespace) -> int:
    import re

    from .build import build_handbooks
    from .project import make_edition

    project = _project(args)
    formats = ("pdf", "html") if args.format == "both" else (args.format,)
    editions = []
    filters = args.ids or args.regions or args.countries or args.topics or args.exclude
    if args.title is None and (filters or args.name):
        raise InputError(
            [Problem("command line", 0, 0, "--title", "an ad hoc edition needs a --title")]
        )
    if args.title is not None:
        if args.names:
            raise InputError(
                [Problem("command line", 0, 0, "NAME", "give handbook names or --title, not both")]
            )
        name = args.name or re.sub(r"[^a-z0-9]+", "-", args.title.lower()).strip("-") or "handbook"
        values = {
            "title": args.title, "subtitle": args.subtitle, "ids": args.ids,
            "regions": args.regions, "countries": args.countries, "themes": args.topics,
            "exclude": args.exclude, "group_by": args.group_by, "order_by": args.order_by,
            "duplex": args.duplex,
        }  # fmt: skip
        editions.append(make_edition(name, values, project.root))
    names = args.names or ([] if editions else None)
    if names is None and not project.handbooks:
        raise InputError(
            [
                Problem(
                    "casepress.yaml",
                    0,
                    0,
                    "handbooks",
                    "no handbook is defined; add one under "
                    "'handbooks:' or make an ad hoc edition with --title",
                )
            ]  # fmt: skip
        )
    if "pdf" in formats:
        _warn_slow_pdf(args)
    report = build_handbooks(
        project, names=names, editions=editions, formats=formats, output_dir=args.output,
        progress=_progress(args),
    )  # fmt: skip
    return _finish(report, args)


def _cmd_brief(args: argparse.Namespace) -> int:
    from .build import build_briefs

    project = _project(args)
    formats = ("pdf", "html") if args.format == "both" else (args.format,)
    if "pdf" in formats:
        _warn_slow_pdf(args)
    report = build_briefs(
        project, paths=args.paths, formats=formats, output_dir=args.output, progress=_progress(args)
    )
    return _finish(report, args)


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


def _cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import init_project

    try:
        created = init_project(args.folder)
    except InputError as exc:
        _print_problems(exc.problems)
        print("casepress: nothing was written", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        folder = args.folder
        print(f"made a casepress project in {_rel(folder.resolve())}:", file=sys.stderr)
        for path in created:
            print(f"  {path.relative_to(folder).as_posix()}", file=sys.stderr)
        step = "" if folder.resolve() == Path.cwd().resolve() else f"  cd {folder}\n"
        print(
            f"next:\n{step}"
            '  casepress new "A case title"    a new case file to fill in\n'
            "  casepress serve                 preview it in your browser as you save\n"
            "  casepress build                 PDFs, HTML and the site in build/",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_case

    project = _project(args)
    path = new_case(
        project, args.title, regions=args.regions, countries=args.countries,
        themes=args.topics, case_id=args.case_id, language=args.language,
    )  # fmt: skip
    if not args.quiet:
        print(f"made {_rel(path)}: fill in the TODOs, then 'casepress check'", file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging
    import webbrowser

    from .preview import default_loader
    from .serve import PreviewServer, is_loopback

    logger = logging.getLogger("casepress.serve")
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.WARNING if args.quiet else logging.INFO)
    if not is_loopback(args.host):
        print(
            f"casepress: warning: listening on {args.host}: anyone who can reach this machine "
            "can read the cases, drafts included",
            file=sys.stderr,
        )
    server = PreviewServer(default_loader(args.project), host=args.host, port=args.port)
    result = server.start()
    try:
        _print_problems([p for p in result.problems if p.severity == "error"])
        print(
            f"casepress: serving a preview at {server.url} (Ctrl-C to stop); "
            "it rebuilds as you save",
            file=sys.stderr,
        )
        if args.open:
            webbrowser.open(server.url)
        server.wait()
    except KeyboardInterrupt:
        print("\ncasepress: stopped", file=sys.stderr)
    finally:
        server.stop()
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from .cases import case_schema
    from .project import project_schema

    schema = project_schema() if args.config else case_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


_COMMANDS = {
    "build": _cmd_build,
    "brief": _cmd_brief,
    "handbook": _cmd_handbook,
    "check": _cmd_check,
    "init": _cmd_init,
    "new": _cmd_new,
    "serve": _cmd_serve,
    "schema": _cmd_schema,
}


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


def _finish(report, args: argparse.Namespace) -> int:
    _print_problems(report.problems + report.failures)
    code = report.exit_code
    if args.strict and code == EXIT_OK and report.warnings:
        code = EXIT_INPUT
    if not args.quiet:
        files = len(report.outputs)
        folders = sorted({str(_rel(p.parent)) for p in report.outputs})
        where = f" in {', '.join(folders)}" if folders else ""
        print(
            f"wrote {files} file(s){where} in {report.seconds:.1f} s; "
            f"{len(report.errors)} error(s), {len(report.failures)} failed, "
            f"{len(report.warnings)} warning(s)",
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
