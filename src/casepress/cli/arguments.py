"""The command line: every command's options, help and examples (``cli.py`` runs them)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__

DESCRIPTION = """\
Turn structured case studies (YAML with Markdown text) into print-ready PDF and HTML briefs.

A project is a folder with cases/ and an optional casepress.yaml. Run commands in that
folder or any folder inside it: casepress looks upward for the nearest casepress.yaml (or,
when there is none, the nearest cases/ folder), as git does. Or name the project's folder
with -C DIR, before or after the command.
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
  casepress build --jobs 4              four worker processes (default: one per CPU)
  casepress build --shard 2/8 --output shards/2
                                        the second of eight shares of the briefs and handbooks
                                        (one machine of a CI matrix)
  casepress build --merge shards/*      then, once every shard is built: their outputs into
                                        build/, with the site and report.json spanning them all
  casepress build --force               render everything, even what is up to date

Writes build/report.json: per output its pages, fonts, images and their resolution, file
size, missing alt text, refused resources, warnings and the PDF/UA checks made.

Only outputs whose inputs changed since the last build are rendered again; the record of
what was built is kept in build/.casepress-cache/.
""",
    "handbook": """\
examples:
  casepress handbook                    every handbook defined in casepress.yaml
  casepress handbook ssr-casebook       one of them -> build/handbooks/ssr-casebook.pdf and .html
  casepress handbook --title "Transitional justice in Latin America and Africa" \\
      --region "Latin America and the Caribbean" --region "Sub-Saharan Africa" \\
      --topic "Transitional justice" --group-by region
                                        an ad hoc edition, selected by tags (name from the title)
  casepress handbook --title "Two cases" --id truth-seeking-and-ssr-in-peru \\
      --id police-reform-in-sierra-leone --name two-cases

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
  casepress check cases/truth-seeking-and-ssr-in-peru.yaml --strict
""",
    "export": """\
examples:
  casepress export --format csv --bom --output catalogue.csv     a spreadsheet (Excel, LibreOffice)
  casepress export --format json > catalogue.json                for a website or CMS
  casepress export --format bibtex --output cases.bib            for LaTeX; csl-json for Zotero

One entry per valid case, by id. While a case file has errors nothing is exported (exit 2);
--allow-partial exports the others and names the files left out.
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


PROJECT_HELP = (
    "the project's folder, or a folder inside it (default: the current folder; casepress "
    "looks upward for casepress.yaml, else cases/)"
)


def make_parser() -> argparse.ArgumentParser:
    """The parser of ``casepress``: one subcommand per command, each with examples."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C", "--project", metavar="DIR", type=Path, default=None, help=PROJECT_HELP
    )
    common.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")

    parser = argparse.ArgumentParser(
        prog="casepress",
        description=DESCRIPTION,
        epilog="Run 'casepress COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"casepress {__version__}")
    parser.add_argument(
        "-C", "--project", dest="global_project", metavar="DIR", type=Path, action="append",
        default=[], help=PROJECT_HELP,
    )  # fmt: skip
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
    _format_option(build)
    _render_options(build)
    _allow_partial(build)
    shares = build.add_mutually_exclusive_group()
    shares.add_argument(
        "--shard", metavar="I/N", type=_shard,
        help="build only the I-th of N deterministic shares of the briefs and handbooks "
        "(1 <= I <= N), and no site or report.json; then --merge assembles them",
    )  # fmt: skip
    shares.add_argument(
        "--merge", metavar="DIR", type=Path, nargs="*",
        help="the final step of a sharded build: copy what every shard built from the shards' "
        "output folders (default: the output folder itself) into the output folder and write "
        "the site and report.json, rendering nothing; refused if a shard is missing, stale or "
        "built from other sources",
    )  # fmt: skip

    brief = command("brief", "Build briefs for the given case files only.")
    brief.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="case files or folders")
    brief.add_argument(
        "--output", metavar="DIR", type=Path, help="folder for the briefs (default: build/briefs/)"
    )
    _format_option(brief)
    _render_options(brief)

    from ..model.project import GROUP_BY, ORDER_BY

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
    _format_option(handbook)
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
    adhoc.add_argument(
        "--language", type=_language, metavar="TAG",
        help="each case in this language where it has a version in it (translation_of)",
    )  # fmt: skip
    adhoc.add_argument(
        "--fallback", choices=("original", "skip"),
        help="with --language: a case with no version in it is printed in its original "
        "(default) or left out",
    )  # fmt: skip
    adhoc.add_argument(
        "--drafts", action="store_true",
        help="include the cases whose status is draft (left out by default, and said so)",
    )  # fmt: skip
    _allow_partial(handbook)
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

    export = command(
        "export", "Write the library's catalogue (every case's metadata and output paths)."
    )
    export.add_argument(
        "--format", required=True, choices=("csv", "json", "csl-json", "bibtex"),
        help="csv (a spreadsheet), json (a website or CMS; the site's catalogue.json), "
        "csl-json or bibtex (reference managers: Zotero, EndNote, LaTeX)",
    )  # fmt: skip
    export.add_argument(
        "--output", metavar="FILE", type=Path, help="write to FILE (default: standard output)"
    )
    export.add_argument("--cases", metavar="DIR", type=Path, help="folder of case files")
    export.add_argument(
        "--bom", action="store_true",
        help="csv for a spreadsheet: start with a UTF-8 byte order mark, so that Excel shows "
        "accented letters correctly when the file is double-clicked, and put an apostrophe "
        "before a cell a spreadsheet would run as a formula (=, +, -, @)",
    )  # fmt: skip
    export.add_argument(
        "--allow-partial", action="store_true",
        help="export the valid cases when some case files have errors (by default nothing is "
        "exported, so that a catalogue never lacks cases without saying so)",
    )  # fmt: skip

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
    init.add_argument(
        "--nested", action="store_true",
        help="make the project even inside another project's folder (refused by default)",
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
    new.add_argument(
        "--translation-of", metavar="ID",
        help="a translation of that case (with --language): its countries and period are copied",
    )  # fmt: skip

    serve = command("serve", "Preview the project in a browser, rebuilt as files are saved.")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any free)")
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


OUTPUT_FORMATS = ("pdf", "html", "docx")


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", metavar="FORMATS", type=output_formats, default=("pdf", "html"),
        help="what to write: pdf, html, docx (Word), both (pdf and html), or a list such as "
        "pdf,html,docx (default: both)",
    )  # fmt: skip


def output_formats(text: str) -> tuple[str, ...]:
    """``--format``: one format, 'both' (PDF and HTML) or a comma list ('pdf,docx')."""
    found: list[str] = []
    for part in (p.strip().lower() for p in text.split(",")):
        names = ("pdf", "html") if part == "both" else (part,)
        for name in names:
            if name not in OUTPUT_FORMATS:
                raise argparse.ArgumentTypeError(
                    f"unknown format {part!r}: use pdf, html, docx, both, or a list such as "
                    "pdf,html,docx"
                )
            if name not in found:
                found.append(name)
    if not found:
        raise argparse.ArgumentTypeError("no format given: use pdf, html, docx or both")
    return tuple(f for f in OUTPUT_FORMATS if f in found)


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N such as 1/4, got {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 1 to 65535 (or 0: any free port), got {text!r}"
        )
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes >= 1, got {text!r}")
    return value


def _allow_partial(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-partial", action="store_true",
        help="publish handbooks without the cases they select that have errors (their "
        "contents page names them); by default such a handbook is not built and its last "
        "good file stays",
    )  # fmt: skip


def _render_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that renders: build, brief, handbook."""
    from ..model.project import PAGE_SIZES, PDF_VARIANTS, PROFILES

    parser.add_argument(
        "-j", "--jobs", metavar="N", type=_jobs,
        help="worker processes that render (default: the number of CPUs); one or two "
        "documents to render are laid out in this process, with no worker started",
    )  # fmt: skip
    parser.add_argument(
        "--force", action="store_true", help="render everything, even outputs that are up to date"
    )
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


def _language(tag: str) -> str:
    """--language: a language tag the locale data knows ('fr', 'es-419')."""
    from ..model.labels import known_language

    try:
        return known_language(tag)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
