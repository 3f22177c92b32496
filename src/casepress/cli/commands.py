"""Commands only: parse → call the library → print the report. The only place that exits."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import (
    CasepressError,
    InputError,
    Problem,
    UsageError,
    display_path,
    internal_error,
)
from ..text import slugify
from .arguments import make_parser
from .signals import interrupted_exit_code, interrupted_message, stop_on_signals

EXIT_OK, EXIT_RENDER, EXIT_INPUT = 0, 1, 2
_BUILDS = {"build", "brief", "handbook"}
"""Commands whose interruption leaves a build to finish by running them again."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a render failed, 2 invalid input or usage,
    128 + N stopped by signal N: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    _show_library_messages(quiet=getattr(args, "quiet", False))
    try:
        with stop_on_signals():
            return _COMMANDS[args.command](args)
    except InputError as exc:
        _print_problems(exc.problems)
        return EXIT_INPUT
    except CasepressError as exc:
        print(f"casepress: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (signals.py)
        print(interrupted_message(exc, args.command in _BUILDS), file=sys.stderr)
        return interrupted_exit_code(exc)
    except OSError as exc:  # the disk, not the input: full, read-only, gone
        if _debugging():
            raise
        print(f"casepress: error: {_system_error(exc)}", file=sys.stderr)
        return EXIT_RENDER
    except (Exception, RecursionError) as exc:  # a bug: say so, without a traceback
        if _debugging():
            raise
        print(f"casepress: error: {internal_error(f'running {args.command!r}', exc)}",
              file=sys.stderr)  # fmt: skip
        return EXIT_RENDER


DEBUG_VARIABLE = "CASEPRESS_DEBUG"
"""Set (to anything but 0 or empty) to see the traceback of an internal or system error."""


def _debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


_FULL = {errno.ENOSPC, errno.EDQUOT}
_REFUSED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _system_error(exc: OSError) -> str:
    """An operating-system failure in words, with the file it happened to and what to do."""
    name = exc.filename if exc.filename is not None else None
    shown = display_path(os.fsdecode(name)) if name is not None else "the outputs"
    if exc.errno in _FULL:
        return (
            f"the disk is full while writing {shown}; free some space and run the command "
            "again (finished outputs were kept)"
        )
    if exc.errno in _REFUSED:
        why = "the file system is read-only" if exc.errno == errno.EROFS else "permission denied"
        return (
            f"cannot write {shown}: {why}; choose a folder you can write to (--output) or "
            "change its permissions"
        )
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{shown}: {reason}; check the file and the disk, then run the command again"


def _show_library_messages(*, quiet: bool = False) -> None:
    """The library logs what a person should see while it works (waiting for a lock);
    how it renders (in this process or in workers) only without ``--quiet``."""
    logger = logging.getLogger("casepress")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.setLevel(logging.INFO)
    logging.getLogger("casepress.workers").setLevel(logging.WARNING if quiet else logging.NOTSET)


class _StderrHandler(logging.Handler):
    """Prints to whatever ``sys.stderr`` is at the time (tests swap it per test)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"casepress: {record.getMessage()}", file=sys.stderr)


def _given_folder(args: argparse.Namespace) -> Path | None:
    """``-C DIR`` before and after the command, as git reads it: each one relative to the
    one before (the last absolute one wins); None when none is given."""
    given = [*getattr(args, "global_project", ()), getattr(args, "project", None)]
    folders = [Path(g) for g in given if g is not None]
    if not folders:
        return None
    folder = Path()
    for part in folders:
        folder = folder / part
    return folder


def _project_root(args: argparse.Namespace) -> Path:
    """The project's folder (``-C DIR``, else found from the current folder upwards); a
    ``UsageError`` (exit 2) outside any project."""
    from ..model.project import locate_project

    return locate_project(_given_folder(args))


def _project(args: argparse.Namespace, root: Path | None = None):
    from ..model.project import load_project

    return load_project(
        root if root is not None else _project_root(args),
        cases_dir=getattr(args, "cases", None),
        page_size=getattr(args, "page_size", None),
        pdf_variant=getattr(args, "pdf_variant", None),
        theme=getattr(args, "theme", None),
        profile=getattr(args, "profile", None),
        embed_source=getattr(args, "embed_source", None),
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from ..build.driver import build_project

    project = _project(args)
    if args.merge is not None:
        return _merge(args, project)
    if "pdf" in args.format:
        _warn_slow_pdf(args)
    with _progress(args) as progress:
        report = build_project(
            project, output_dir=args.output, progress=progress, jobs=args.jobs, formats=args.format,
            shard=args.shard, force=args.force, explain_templates=args.explain_templates,
            allow_partial=args.allow_partial,
        )  # fmt: skip
    _explain(report, args)
    if args.shard and not args.quiet:
        index, count = args.shard
        print(
            f"casepress: shard {index}/{count} built: its briefs and handbooks, with a record of "
            f"them (shard-{index}-of-{count}.json); the site and report.json span every shard: "
            "when all are built, run 'casepress build --merge' with each shard's output folder",
            file=sys.stderr,
        )
    return _finish(report, args)


def _merge(args: argparse.Namespace, project) -> int:
    """``build --merge``: the final step of a sharded build (``build.shards``)."""
    from ..build.driver import merge_shards
    from ..build.outputs import OutputKind, State

    shared = (OutputKind.BRIEF, OutputKind.HANDBOOK)

    if args.force:
        raise InputError([Problem.error("command line", (
            "--merge renders nothing, it assembles what the shards built: leave --force out "
            "(to render everything again, build the shards with --force)"), field="--force")])  # fmt: skip
    try:
        with _progress(args) as progress:
            report = merge_shards(project, args.merge, output_dir=args.output, progress=progress)
    except InputError as exc:
        _print_problems(exc.problems)
        print("casepress: nothing was merged", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        merged = [o for o in report.entries if o.state is State.COPIED and o.kind in shared]
        print(f"casepress: merged {len(merged)} file(s) the shards built", file=sys.stderr)
    return _finish(report, args)


def _cmd_handbook(args: argparse.Namespace) -> int:
    from ..build.driver import build_handbooks
    from ..model.project import make_edition

    project = _project(args)
    formats = args.format
    editions = []
    filters = args.ids or args.regions or args.countries or args.topics or args.exclude
    if args.title is None and (filters or args.name):
        raise InputError(
            [Problem.error("command line", "an ad hoc edition needs a --title", field="--title")]
        )
    if args.title is not None:
        if args.names:
            raise InputError(
                [
                    Problem.error(
                        "command line", "give handbook names or --title, not both", field="NAME"
                    )
                ]
            )
        name = args.name or slugify(args.title) or "handbook"
        values = {
            "title": args.title, "subtitle": args.subtitle, "ids": args.ids,
            "regions": args.regions, "countries": args.countries, "themes": args.topics,
            "exclude": args.exclude, "group_by": args.group_by, "order_by": args.order_by,
            "duplex": args.duplex, "language": args.language, "fallback": args.fallback,
            "drafts": args.drafts,
        }  # fmt: skip
        editions.append(make_edition(name, values, project.root))
    names = args.names or ([] if editions else None)
    if names is None and not project.handbooks:
        raise InputError(
            [
                Problem.error(
                    "casepress.yaml",
                    "no handbook is defined; add one under "
                    "'handbooks:' or make an ad hoc edition with --title",
                    field="handbooks",
                )
            ]  # fmt: skip
        )
    if "pdf" in formats:
        _warn_slow_pdf(args)
    with _progress(args) as progress:
        report = build_handbooks(
            project, names=names, editions=editions, formats=formats, output_dir=args.output,
            progress=progress, jobs=args.jobs, force=args.force,
            explain_templates=args.explain_templates, allow_partial=args.allow_partial,
        )  # fmt: skip
    _explain(report, args)
    return _finish(report, args)


def _cmd_brief(args: argparse.Namespace) -> int:
    from ..build.driver import build_briefs

    project = _project(args, _project_of(args, [Path(p) for p in args.paths]))
    formats = args.format
    if "pdf" in formats:
        _warn_slow_pdf(args)
    with _progress(args) as progress:
        report = build_briefs(
            project, paths=args.paths, formats=formats, output_dir=args.output,
            progress=progress, jobs=args.jobs, force=args.force,
            explain_templates=args.explain_templates,
        )  # fmt: skip
    _explain(report, args)
    return _finish(report, args)


def _cmd_check(args: argparse.Namespace) -> int:
    from ..checks.inputs import check_project

    project, paths = _check_target(args)
    result = check_project(project, paths)
    _print_problems(result.problems)
    failed = bool(result.errors) or (args.strict and bool(result.warnings))
    if not args.quiet:
        verdict = "invalid" if failed else "valid"
        print(
            f"checked {result.files} case file(s): {len(result.catalogue.cases)} valid, "
            f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) — {verdict}",
            file=sys.stderr,
        )
    return EXIT_INPUT if failed else EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    """The catalogue to stdout or ``--output`` (written atomically); refused while case
    files have errors unless ``--allow-partial`` (build/export.py)."""
    from ..build.export import export_catalogue
    from ..build.writing import write_atomic

    project = _project(args)
    result = export_catalogue(project, args.format, allow_partial=args.allow_partial, bom=args.bom)
    _print_problems(result.problems)
    if result.text is None:
        files = ", ".join(result.invalid)
        print(
            f"casepress: nothing exported: {len(result.invalid)} case file(s) have errors "
            f"({files}); fix them (casepress check), or add --allow-partial to export the "
            f"{len(result.cases)} valid case(s) without them",
            file=sys.stderr,
        )
        return EXIT_INPUT
    if args.output is None:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    else:
        write_atomic(args.output, result.text)
    if not args.quiet:
        where = "" if args.output is None else f" to {_rel(Path(args.output))}"
        left_out = (
            f"; left out {len(result.invalid)} case file(s) with errors: {', '.join(result.invalid)}"
            if result.invalid else ""
        )  # fmt: skip
        print(f"exported {len(result.cases)} case(s) as {args.format}{where}{left_out}",
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _project_of(args: argparse.Namespace, paths: list[Path]) -> Path | None:
    """The project the named files lie in, found from them upwards as git finds a file's
    repository (``casepress brief ~/library/cases/x.yaml`` from anywhere); None when ``-C``
    is given or no path lies in a project: then the project is found from the current folder."""
    from ..model.project import find_project

    if not paths or _given_folder(args) is not None:
        return None
    roots = {find_project(p, named=True) for p in paths if p.exists()} - {None}
    if len(roots) > 1:
        shown = ", ".join(sorted(str(_rel(r)) for r in roots))
        raise UsageError(
            f"the paths given are in different projects ({shown}); name the files of one "
            "project at a time"
        )
    return next(iter(roots), None)


def _check_target(args: argparse.Namespace):
    """What ``check PATH...`` checks: the project the first PATH lies in (else the one
    found from ``-C`` or the current folder), and the files to check in it. A PATH that is
    that project's folder means all its cases; case files and folders of cases are
    checked as named."""
    paths = [Path(p) for p in args.paths]
    project = _project(args, _project_of(args, paths))
    if not paths:
        return project, None
    whole = {Path(os.path.abspath(project.root)), Path(os.path.abspath(project.cases_dir))}
    if all(Path(os.path.abspath(p)) in whole for p in paths):
        return project, None  # the project, or its cases/: exactly what a plain check checks
    return project, [project.cases_dir if Path(os.path.abspath(p)) in whole else p for p in paths]


def _cmd_init(args: argparse.Namespace) -> int:
    from ..authoring.create import init_project
    from ..model.project import CONFIG_NAME, find_project

    target = Path(os.path.abspath(args.folder))
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    around = find_project(existing)
    if around is not None and around != target and not args.nested:
        marker = CONFIG_NAME if (around / CONFIG_NAME).is_file() else "cases/"
        print(
            f"casepress: error: {_here_or(target)} is inside the project in {_rel(around)} "
            f"(it has "
            f"{marker}); a project inside another makes it unclear which one a command works "
            "on. Make the new project outside that folder, or add --nested if you mean it",
            file=sys.stderr,
        )
        print("casepress: nothing was written", file=sys.stderr)
        return EXIT_INPUT
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
    from ..authoring.create import new_case

    project = _project(args)
    path = new_case(
        project, args.title, regions=args.regions, countries=args.countries,
        themes=args.topics, case_id=args.case_id, language=args.language,
        translation_of=args.translation_of,
    )  # fmt: skip
    if not args.quiet:
        print(f"made {_rel(path)}: fill in the TODOs, then 'casepress check'", file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging
    import webbrowser

    from ..serve.preview import default_loader
    from ..serve.server import PreviewServer, is_loopback

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
    loader = default_loader(_project_root(args), theme=args.theme)
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
    from ..model.cases import case_schema
    from ..model.project import project_schema
    from ..theme.chain import theme_schema

    if args.config:
        schema = project_schema()
    elif args.theme_file:
        schema = theme_schema()
    else:
        schema = case_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from ..errors import display_path
    from ..importers.importer import FAILED, IMPORTED, SKIPPED, import_files
    from ..model.project import find_project, load_project

    if _given_folder(args) is None and (args.output or args.dry_run) and find_project() is None:
        project = load_project(None)  # outside a project: the default settings
    else:
        project = _project(args)
    report = import_files(
        project, args.paths, output_dir=args.output, force=args.force, dry_run=args.dry_run
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
    from ..model.project import load_project

    project = load_project(_project_root(args))
    if args.theme_command == "new":
        from ..authoring.create import write_theme_scaffold

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
        from ..theme.chain import theme_listing

        for row in theme_listing(project.root):
            print("  ".join(row).rstrip())
        return EXIT_OK
    from ..checks.theme import check_theme

    name = args.name or project.theme
    if name is None:
        from ..theme.chain import theme_names

        print(
            "casepress: error: name a theme, e.g. 'casepress theme check acme' (casepress.yaml "
            f"names none); the themes you can use: {theme_names(project.root)}",
            file=sys.stderr,
        )
        return EXIT_INPUT
    summary, problems = check_theme(project.root, name, project=project)
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
    "export": _cmd_export,
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


@contextlib.contextmanager
def _progress(args: argparse.Namespace):
    """A progress bar in a terminal, plain lines otherwise, nothing with --quiet."""
    if args.quiet:
        yield None
    elif sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, transient=True, console=_console()) as bar:
            task = None

            def show(done: int, total: int, label: str) -> None:
                nonlocal task
                if task is None or done == 1:
                    task = bar.add_task(label, total=total)
                bar.update(task, completed=done, total=total, description=label)

            yield show
    else:

        def lines(done: int, total: int, label: str) -> None:
            print(f"[{done}/{total}] {label}", file=sys.stderr, flush=True)

        yield lines


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _warn_slow_pdf(args: argparse.Namespace) -> None:
    from ..build.workers import harfbuzz_subset_available  # checked without importing WeasyPrint

    if not harfbuzz_subset_available() and not args.quiet:
        print(
            "casepress: warning: HarfBuzz font subsetting is unavailable, so PDFs take ~10x "
            "longer to write; install it with: apt-get install libharfbuzz-subset0",
            file=sys.stderr,
        )


def _finish(report, args: argparse.Namespace) -> int:
    _print_problems(report.problems + report.failures)
    if not args.quiet:
        for path, reason in report.removed:
            print(f"removed {_rel(path).as_posix()} ({reason})", file=sys.stderr)
    if report.quality and not args.quiet:
        _print_quality(report)
    code = report.exit_code
    strict_failure = args.strict and code == EXIT_OK and bool(report.warnings)
    if strict_failure:
        code = EXIT_INPUT
    if not args.quiet:
        files = len(report.rendered)
        folders = sorted({str(_rel(p.parent)) for p in report.rendered})
        where = f" in {', '.join(folders)}" if folders else ""
        fresh = len({p for p in report.skipped if p.suffix in (".pdf", ".html")})
        verdict = " — failed: --strict treats warnings as errors" if strict_failure else ""
        print(
            f"wrote {files} file(s){where}, {fresh} up to date, in {report.seconds:.1f} s; "
            f"{len(report.errors)} error(s), {len(report.failures)} failed, "
            f"{len(report.warnings)} warning(s){verdict}",
            file=sys.stderr,
        )
    return code


SUMMARY_LINES = 20
"""Up to this many outputs get a line each in the printed summary; beyond, only totals."""


def _print_quality(report) -> None:
    """The quality summary: a line per output (for small builds), then the totals."""
    from ..checks.layout import summary_line
    from ..checks.quality import PRINT_MIN_DPI, font_line, summary

    results = report.quality
    for result in results if len(results) <= SUMMARY_LINES else []:
        size = f"{result.bytes / 1024:,.0f} KB"
        if result.format == "pdf":
            passed = len(result.checks) - len(result.failed_checks)
            budget = f" of {result.page_budget}" if result.page_budget else ""
            line = (
                f"{result.pages} pages{budget}, {size}, {font_line(result)}, "
                f"{len(result.images)} image(s), PDF/UA checks {passed}/{len(result.checks)}"
            )
        else:
            line = f"{size}, {len(result.images)} image(s), lang {result.language}"
        print(f"  {_rel(Path(result.path))}: {line}", file=sys.stderr)
    totals = summary(results, report.problems)  # counted from the problems printed above
    report_path = next((p for p in report.outputs if p.name == "report.json"), None)
    print(
        f"quality: {totals['pdf']} PDF(s) with {totals['pages']} pages, {totals['html']} HTML"
        f"{', ' + str(totals['docx']) + ' Word' if totals.get('docx') else ''}; "
        f"{totals['images']} image(s), {totals['low_resolution_images']} under {PRINT_MIN_DPI} dpi; "
        f"{totals['missing_alt']} missing alt text(s); {totals['refused']} refused and "
        f"{totals['missing']} missing resource(s); "
        f"{len(totals['over_budget'])} over page budget; PDF/UA checks "
        f"{totals['checks_passed']} passed, {totals['checks_failed']} failed"
        + (f"; details in {_rel(report_path)}" if report_path else ""),
        file=sys.stderr,
    )
    layout = summary_line(totals["layout"], lambda path: _rel(Path(path)).as_posix())
    if layout:
        print(layout, file=sys.stderr)


def _here_or(path: Path) -> str:
    """A folder for a message: "the current folder (/its/path)", else relative if inside."""
    here = Path.cwd().resolve()
    return f"the current folder ({here})" if path.resolve() == here else str(_rel(path))


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
