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
  casepress build --theme azimut        in the theme themes/azimut/ (or an installed one)
  casepress build --explain-templates   also print where each template was found
  casepress build --pdf-variant pdf/ua-1
  casepress build --pdf-variant pdf/a-3b --embed-source
                                        archival PDFs carrying their case files
  casepress build --profile print       bleed, crop marks and mirrored margins for a printer

Writes build/report.json: per output its pages, fonts, images and their resolution, file
size, missing alt text, refused resources, warnings and the PDF/UA checks made.
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
  casepress brief cases/verite-et-rss-au-perou.yaml --theme azimut --page-size A4
""",
    "theme": """\
examples:
  casepress theme new acme              scaffold themes/acme/ (theme.yaml, a block, a sheet)
  casepress theme new acme-es --extends acme
  casepress theme list                  every theme this project can use, and where it is
  casepress theme check acme            validate theme.yaml, templates and styles
""",
    "theme new": """\
examples:
  casepress theme new acme              themes/acme/ extending the built-in theme
  casepress theme new acme-es --extends acme
""",
    "theme list": """\
examples:
  casepress theme list
  casepress theme list -C path/to/project
""",
    "theme check": """\
examples:
  casepress theme check acme            every problem as path:line:col: field: message
  casepress theme check                 the theme casepress.yaml names
  casepress theme check acme --strict   warnings (an unknown label name) fail too
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
    "import": """\
Reads .txt, .md and .docx case studies and writes one cases/<id>.yaml each (the id comes
from the title), then validates what it wrote. Never overwrites a case file unless --force.
Every repair and every guess is reported as FILE:LINE: repaired|check: ...; for a Word
document, LINE counts paragraphs.

examples:
  casepress import library/                  every .txt, .md and .docx under library/
  casepress import peru.txt --dry-run        print the case file instead of writing it
  casepress import old/*.docx --output drafts/ --force
""",
    "schema": """\
examples:
  casepress schema > case.schema.json   JSON Schema for editors (first line of a case file:
                                        # yaml-language-server: $schema=case.schema.json)
  casepress schema --config             the schema of casepress.yaml instead
  casepress schema --theme-file         the schema of a theme's theme.yaml
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

    imports = command("import", "Turn existing case studies (.txt, .md, .docx) into case files.")
    imports.add_argument(
        "paths",
        metavar="FILE_OR_DIR",
        nargs="+",
        type=Path,
        help="case studies, or folders of them",
    )
    imports.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="folder for the case files (default: the project's cases/)",
    )
    imports.add_argument("--force", action="store_true", help="overwrite case files that exist")
    imports.add_argument(
        "--dry-run",
        action="store_true",
        help="print the case files to standard output; write nothing",
    )
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
    serve.add_argument(
        "--theme", metavar="NAME",
        help="theme: a folder in themes/, an installed theme, or base (default: casepress.yaml's)",
    )  # fmt: skip

    schema = command("schema", "Print the JSON Schema of the case file format.")
    which = schema.add_mutually_exclusive_group()
    which.add_argument(
        "--config", action="store_true", help="print the schema of casepress.yaml instead"
    )
    which.add_argument(
        "--theme-file", action="store_true", help="print the schema of theme.yaml instead"
    )

    theme = commands.add_parser(
        "theme", help="Create, list and check themes.", description="Create, list and check "
        "themes: an organisation's logo, colours, fonts, page, labels and templates.",
        epilog=EXAMPLES["theme"], formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    theme.set_defaults(print_theme_help=theme.print_help)
    actions = theme.add_subparsers(dest="theme_command", metavar="ACTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        return actions.add_parser(
            name, help=help, description=help, parents=[common],
            epilog=EXAMPLES[f"theme {name}"], formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip

    new = action("new", "Scaffold themes/NAME/: a commented theme.yaml, a logo, one block "
                 "override and one stylesheet.")  # fmt: skip
    new.add_argument("name", metavar="NAME", help="theme name (lowercase, digits, hyphens)")
    new.add_argument(
        "--extends", metavar="THEME", default="base", help="parent theme (default: base)"
    )
    action("list", "List the themes this project can use: its themes/, installed, built-in.")
    check = action("check", "Validate a theme and its parents; report every problem.")
    check.add_argument(
        "name", metavar="NAME", nargs="?", help="theme to check (default: casepress.yaml's)"
    )
    return parser


def _render_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that renders: build, brief, handbook."""
    from .project import PAGE_SIZES, PDF_VARIANTS, PROFILES

    parser.add_argument(
        "--pdf-variant", choices=PDF_VARIANTS, metavar="VARIANT",
        help="PDF flavour: pdf/ua-1 (default), pdf/ua-2, pdf/a-1b ... pdf/a-4f; "
        "pdf/a-2* and pdf/a-3* files are identified as PDF/UA-1 too",
    )  # fmt: skip
    parser.add_argument(
        "--page-size", choices=PAGE_SIZES,
        help="paper size (default: casepress.yaml's, else the theme's, else A4)",
    )  # fmt: skip
    parser.add_argument(
        "--theme", metavar="NAME",
        help="theme: a folder in themes/, an installed theme, or base (default: casepress.yaml's)",
    )  # fmt: skip
    parser.add_argument(
        "--explain-templates", action="store_true",
        help="print, for each template used, every place tried and which one won",
    )  # fmt: skip
    parser.add_argument(
        "--profile", choices=PROFILES,
        help="print: 3 mm bleed, crop marks, mirrored margins, handbook chapters on "
        "right-hand pages (default: screen or casepress.yaml)",
    )  # fmt: skip
    parser.add_argument(
        "--embed-source", action="store_true", default=None,
        help="attach each case's YAML file to its PDF (needs pdf/a-3* when archiving)",
    )  # fmt: skip


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
        theme=getattr(args, "theme", None),
        profile=getattr(args, "profile", None),
        embed_source=getattr(args, "embed_source", None),
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_project

    project = _project(args)
    _warn_slow_pdf(args)
    report = build_project(project, output_dir=args.output, progress=_progress(args))
    _explain(report, args)
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
    _explain(report, args)
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
    _explain(report, args)
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
    from .authoring import init_project

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
    from .authoring import new_case

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
    loader = default_loader(args.project, theme=args.theme)
    server = PreviewServer(loader, host=args.host, port=args.port)
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
    from .themes import theme_schema

    if args.config:
        schema = project_schema()
    elif args.theme_file:
        schema = theme_schema()
    else:
        schema = case_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .errors import display_path
    from .importer import FAILED, IMPORTED, SKIPPED, import_files

    report = import_files(
        _project(args), args.paths, output_dir=args.output, force=args.force, dry_run=args.dry_run
    )
    verb = "would write" if args.dry_run else "imported"
    checks = repairs = 0
    for result in report.results:
        shown = display_path(result.source)
        target = display_path(result.target) if result.target else ""
        if args.dry_run and result.text is not None:
            print(f"==> {target} <==\n{result.text}")
        if result.status == FAILED:
            for problem in result.problems:
                print(f"failed {problem}", file=sys.stderr)
            continue
        if result.status == SKIPPED:
            if not args.quiet:
                print(f"skipped {target} (exists; use --force)", file=sys.stderr)
            continue
        if not args.quiet or result.problems:
            invalid = ", which does not validate:" if result.problems else ""
            print(f"{verb} {target}{invalid}", file=sys.stderr)
        for note in result.notes:
            checks += note.kind == "check"
            repairs += note.kind != "check"
            if not args.quiet or note.kind == "check":
                print(note.format(shown), file=sys.stderr)
        _print_problems(result.problems)
    code = report.exit_code
    if args.strict and code == EXIT_OK and checks:
        code = EXIT_INPUT
    if not args.quiet:
        for path in report.ignored:
            print(f"ignored {display_path(path)} (not .txt, .md or .docx)", file=sys.stderr)
        invalid = f" ({len(report.invalid)} not valid)" if report.invalid else ""
        print(
            f"{verb} {report.count(IMPORTED)} case file(s){invalid}, skipped "
            f"{report.count(SKIPPED)}, failed {report.count(FAILED)} in {report.seconds:.1f} s; "
            f"{repairs} repair(s), {checks} note(s) to check",
            file=sys.stderr,
        )
    return code


def _cmd_theme(args: argparse.Namespace) -> int:
    if args.theme_command is None:
        args.print_theme_help()
        return EXIT_INPUT
    from .project import load_project

    project = load_project(args.project)
    if args.theme_command == "new":
        from .build import write_theme_scaffold

        written = write_theme_scaffold(project.root, args.name, args.extends)
        if not args.quiet:
            for path in written:
                print(_rel(path))
            print(
                f"created theme {args.name!r}; check it with: casepress theme check {args.name}",
                file=sys.stderr,
            )
        return EXIT_OK
    if args.theme_command == "list":
        from .themes import theme_listing

        for row in theme_listing(project.root):
            print("  ".join(row).rstrip())
        return EXIT_OK
    from .themes import check_theme

    name = args.name or project.theme
    if name is None:
        print("casepress: error: name a theme (casepress.yaml names none)", file=sys.stderr)
        return EXIT_INPUT
    summary, problems = check_theme(project.root, name)
    _print_problems(problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    failed = bool(errors) or (args.strict and warnings > 0)
    if not args.quiet:
        verdict = "invalid" if failed else "valid"
        print(
            f"checked theme {summary}: {len(errors)} error(s), {warnings} warning(s) — {verdict}",
            file=sys.stderr,
        )
    return EXIT_INPUT if failed else EXIT_OK


_COMMANDS = {
    "build": _cmd_build,
    "brief": _cmd_brief,
    "handbook": _cmd_handbook,
    "check": _cmd_check,
    "import": _cmd_import,
    "init": _cmd_init,
    "new": _cmd_new,
    "serve": _cmd_serve,
    "schema": _cmd_schema,
    "theme": _cmd_theme,
}


def _explain(report, args: argparse.Namespace) -> None:
    """--explain-templates: every template used, every place tried, the one that won."""
    if getattr(args, "explain_templates", False):
        for lookup in report.templates:
            print(lookup.explain())


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
    if report.quality and not args.quiet:
        _print_quality(report)
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


SUMMARY_LINES = 20
"""Up to this many outputs get a line each in the printed summary; beyond, only totals."""


def _print_quality(report) -> None:
    """The quality summary: a line per output (for small builds), then the totals."""
    from .quality import PRINT_MIN_DPI, summary

    results = report.quality
    for result in results if len(results) <= SUMMARY_LINES else []:
        size = f"{result.bytes / 1024:,.0f} KB"
        if result.format == "pdf":
            embedded = sum(f["embedded"] for f in result.fonts)
            passed = len(result.checks) - len(result.failed_checks)
            budget = f" of {result.page_budget}" if result.page_budget else ""
            line = (
                f"{result.pages} pages{budget}, {size}, {embedded}/{len(result.fonts)} fonts "
                f"embedded, {len(result.images)} image(s), PDF/UA checks {passed}/{len(result.checks)}"
            )
        else:
            line = f"{size}, {len(result.images)} image(s), lang {result.language}"
        print(f"  {_rel(Path(result.path))}: {line}", file=sys.stderr)
    totals = summary(results)
    report_path = next((p for p in report.outputs if p.name == "report.json"), None)
    print(
        f"quality: {totals['pdf']} PDF(s) with {totals['pages']} pages, {totals['html']} HTML; "
        f"{totals['images']} image(s), {totals['low_resolution_images']} under {PRINT_MIN_DPI} dpi; "
        f"{totals['missing_alt']} missing alt text(s); {totals['refused']} refused resource(s); "
        f"{len(totals['over_budget'])} over page budget; PDF/UA checks "
        f"{totals['checks_passed']} passed, {totals['checks_failed']} failed"
        + (f"; details in {_rel(report_path)}" if report_path else ""),
        file=sys.stderr,
    )


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
