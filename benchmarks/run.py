"""Benchmark casepress against Typst and bare WeasyPrint, all measured in the same run.

    python benchmarks/run.py            # N = 200, and `check` at N = 1,000 (about 10 min on 2 cores)
    python benchmarks/run.py --large    # adds a 1,000-case library built cold (about 15 min more)
    python benchmarks/run.py --quick    # N = 50, one round: a smoke run (about 2 minutes)
    python benchmarks/run.py --cases 500 --large --large-cases 5000   # other sizes

It generates a synthetic library (benchmarks/synthetic.py), then times each step in a fresh
process and samples the memory of that process and all its children (psutil). Machines differ
and are shared, so the targets judge ratios taken in the same run, against two anchors:

- typst:    Typst 0.15 (``pip install '.[bench]'``) compiling the same cases as one book of the
            handbook's shape (benchmarks/typst/book.typ): its full compile, in a fresh process
- bare-one: WeasyPrint laying out one brief in a fresh process, tagged PDF/UA-1 as casepress
            writes by default: start-up plus one brief. Its input is exactly what casepress's
            writer hands WeasyPrint (``bare_inputs`` takes it there, before the first layout):
            the HTML string with the soft hyphens of pdf/hyphenation.py, and the writer's
            stylesheets. The same without soft hyphens (the HTML before the writer, the
            anchor of earlier runs) is printed on an extra line, not a target: the difference
            is what hyphenation costs WeasyPrint.
- bare-P:   P processes (P = CPUs), one FontConfiguration and pre-parsed stylesheets each, over
            1/P of the 200 briefs, given as to bare-one: the machine's floor for laying the
            briefs out (again without soft hyphens on an extra line, one round)

and ours: ``casepress brief`` of one case (a fresh process, its output folder as an earlier
run left it: one untimed run first), ``casepress build`` cold (briefs, handbook, site),
after editing one case, with no change, and ``casepress check``. Steps that a target compares
run in rounds, interleaved (each of ours right after its anchor) so a busy spell of the machine
hits both sides alike; a target judges the median of each round's ratio.

casepress runs from compiled bytecode, as an installed package does (pip compiles it; WeasyPrint
comes compiled from its wheel): the run compiles src/ first (``compiled``), because a checkout
run with PYTHONDONTWRITEBYTECODE would make every casepress process compile its modules again
(about 0.2 s of a one-brief run).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRC))

import typst_book  # noqa: E402
from synthetic import make_project  # noqa: E402

BARE = """
import sys, time
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
sheets, files, out = sys.argv[1].split(","), sys.argv[2].split(","), Path(sys.argv[3])
fonts = FontConfiguration()
css = [CSS(filename=s, font_config=fonts) for s in sheets]
for name in files:
    path = Path(name)
    document = HTML(string=path.read_text("utf-8"), base_url=str(path.parent)).render(
        font_config=fonts, stylesheets=css, pdf_tags=True, pdf_variant="pdf/ua-1")
    pdf = document.write_pdf(pdf_identifier=None, pdf_tags=True, pdf_variant="pdf/ua-1")
    (out / (path.stem + ".pdf")).write_bytes(pdf)
"""

FLOOR = (
    BARE
    + """
import pikepdf
with pikepdf.open(sys.argv[4]) as book:
    book.save(out / "floor-book.pdf")
"""
)
"""The least any WeasyPrint tool does after one case of a book is edited, if the book must be
the bytes a cold build gives: start, lay out and write two documents (the case's brief and
its chapter), and rewrite the book's file (pikepdf opening and saving the merged handbook,
nothing merged). Target 1 cannot pass while this is slower than Typst's full compile."""

# Not outputs a reader gets: timings in the report, and the cache's own records.
NOT_COMPARED = {"report.json", ".casepress-cache"}


class Measure:
    """Runs commands in fresh processes; wall time, peak RSS summed and per process."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        }

    def run(self, *commands: list[str]) -> tuple[float, float, float, float]:
        """(seconds, peak MB of all processes together, of the largest one, of the largest
        process the commands started: a worker, not the command itself)."""
        started = time.perf_counter()
        procs = [
            psutil.Popen(
                c, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )  # fmt: skip
            for c in commands
        ]
        peak_total, peak_one, peak_child, stop = [0.0], [0.0], [0.0], threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss, children = [], []
                for proc in procs:
                    try:
                        tree = [proc, *proc.children(recursive=True)]
                    except psutil.Error:
                        continue
                    for p in tree:
                        with contextlib.suppress(psutil.Error):
                            rss.append(p.memory_info().rss)
                            if p is not proc:
                                children.append(rss[-1])
                if rss:
                    peak_total[0] = max(peak_total[0], sum(rss))
                    peak_one[0] = max(peak_one[0], max(rss))
                    peak_child[0] = max(peak_child[0], max(children, default=0))
                stop.wait(0.05)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        for proc, command in zip(procs, commands, strict=True):
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}\n{err.decode()}")
        stop.set()
        thread.join()
        mb = 2**20
        return (time.perf_counter() - started, peak_total[0] / mb, peak_one[0] / mb,
                peak_child[0] / mb)  # fmt: skip


def casepress(*args: str) -> list[str]:
    return [sys.executable, "-m", "casepress", *args]


def library(code: str) -> list[str]:
    return [sys.executable, "-c", f"if __name__ == '__main__':\n    {code}"]


def show(name: str, result: tuple, note: str = "") -> None:
    seconds, total, one, _ = result
    print(f"  {name:<40} {seconds:8.2f} s {total:8.0f} MB {one:8.0f} MB  {note}", flush=True)


def header(text: str) -> None:
    print(f"\n{text}", flush=True)
    print(f"  {'step':<40} {'time':>10} {'peak all':>11} {'peak 1 proc':>11}", flush=True)


def pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every output file under ``folder`` by its relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not NOT_COMPARED & set(relative.parts):
            found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def identical(a: dict[str, str], b: dict[str, str]) -> tuple[bool, str]:
    if a.keys() != b.keys():
        return False, f"NO: {len(a.keys() ^ b.keys())} file(s) in one build only"
    differ = sorted(name for name in a if a[name] != b[name])
    if differ:
        return False, f"NO: {len(differ)} of {len(a)} files differ, e.g. {differ[0]}"
    return True, f"yes: {len(a)} files"


class _Handed(BaseException):  # not an Exception: the writer's error handling lets it by
    """Stops casepress's writer where it hands a document to WeasyPrint."""


def bare_inputs(root: Path, folder: Path) -> tuple[str, list[str], list[str]]:
    """What casepress's writer hands WeasyPrint for each brief, for the bare loops.

    Each brief's HTML is rendered by casepress, then given to the writer of a build
    (``build.workers.pdf_renderer``), which stops where it calls WeasyPrint's ``HTML``: the
    string taken there is what WeasyPrint lays out (soft hyphens in, pdf/hyphenation.py),
    and the writer's stylesheets are the ones it was made with. Returns the stylesheets,
    those HTML files, and the HTML before the writer (no soft hyphens: the old anchor,
    printed on its own line to show what hyphenation costs).
    """
    from casepress import load_cases, load_project
    from casepress.build.driver import with_theme_defaults
    from casepress.build.workers import pdf_renderer
    from casepress.pdf import writer
    from casepress.render.renderer import Renderer
    from casepress.theme.chain import Sheet, theme_for

    theme = theme_for(load_project(root))
    project = with_theme_defaults(load_project(root), theme)
    catalogue = load_cases(project)
    renderer = Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})
    pdf = pdf_renderer(project, theme, "brief")
    handed: list[str] = []

    class Recorder:
        def __init__(self, *, string: str, **_):
            handed.append(string)

        def render(self, *, stylesheets, **_):
            if len(stylesheets) != len(pdf.sheets):
                raise SystemExit("the writer gave WeasyPrint stylesheets the benchmark lacks")
            raise _Handed

    folder.mkdir()
    files, plain = [], []
    real, writer.HTML = writer.HTML, Recorder
    try:
        for case in catalogue.cases:
            html = renderer.render_brief(case, target="pdf")
            with contextlib.suppress(_Handed):
                pdf.pdf(html, base_url=case.path.parent)
            for name, text, found in ((case.id, handed[-1], files),
                                      (f"{case.id}.plain", html, plain)):  # fmt: skip
                path = folder / f"{name}.html"
                path.write_text(text, "utf-8")
                found.append(str(path))
    finally:
        writer.HTML = real
    sheets = []
    for index, sheet in enumerate(pdf.sheets):
        if isinstance(sheet, Sheet):  # generated from settings: the bare loop reads files
            path = folder / f"generated-{index}.css"
            path.write_text(sheet.css, "utf-8")
            sheet = path
        sheets.append(str(sheet))
    return ",".join(sheets), files, plain


def compiled() -> None:
    """casepress's bytecode, written as by an installed package (into src/'s __pycache__,
    which git ignores): compileall writes it even under PYTHONDONTWRITEBYTECODE."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC / "casepress")],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def edit(case: Path, mark: str) -> None:
    """An edit of the text (a new title would also move the chapter and change the indexes)."""
    text = case.read_text("utf-8")
    case.write_text(text.replace("context: |\n  ", f"context: |\n  {mark} ", 1), "utf-8")


def bench(count: int, jobs: int, work: Path, rounds: int, heavy: int) -> dict:
    """Every step at N = ``count``: the anchors, ours, and the outputs compared."""
    root = make_project(count, work / f"lib{count}")
    m = Measure(root)
    r: dict = {"count": count}
    sheets, files, plain = bare_inputs(root, work / f"html{count}")
    bare_out = work / f"bare{count}"
    bare_out.mkdir()
    book = typst_book.prepare(root, work / f"typst{count}")
    typst_pdf = book.with_suffix(".pdf")

    def bare(parts: int, given: list[str] = files) -> list[list[str]]:
        return [[sys.executable, "-c", BARE, sheets, ",".join(given[i::parts]), str(bare_out)]
                for i in range(parts)]  # fmt: skip

    one = f"cases/{Path(files[0]).stem}.yaml"
    header(f"N = {count} cases, P = {jobs} CPUs")
    # One brief, cold, against bare WeasyPrint on the same HTML; Typst's compile alongside.
    quick = {
        "typst": ("typst: the whole book", [typst_book.compile_command(book, typst_pdf)]),
        "bare-plain": ("  the same without soft hyphens", bare(1, plain[:1])),
        "bare-one": ("bare WeasyPrint, one brief", bare(1, files[:1])),
        "brief-one": ("casepress brief, one case (cold)",
                      [casepress("brief", one, "--format", "pdf", "-q", "--force", "--output", str(work / f"one{count}"))]),
    }  # fmt: skip
    runs: dict[str, list] = {key: [] for key in quick}
    # Once untimed, as an author's second run finds things: the brief's output folder holds
    # what casepress keeps between runs (compiled templates, converted text, the catalogue
    # memo), and the files both sides read are in the OS's cache. Every round is then alike
    # (a fresh process each time), not the first apart.
    m.run(*quick["bare-one"][1])
    m.run(*quick["brief-one"][1])
    for _ in range(rounds):
        for key, (_, commands) in quick.items():
            runs[key].append(m.run(*commands))
    for key in ("typst", "bare-one", "bare-plain", "brief-one"):  # the anchor, then its note
        name = quick[key][0]
        r[key] = runs[key]
        show(name, min(runs[key]), note=rounds_note(runs[key]))
    r["typst-pages"] = pages(typst_pdf)

    # The full cold build against P bare processes laying out the briefs alone. The first
    # cold build's output is then edited and rebuilt incrementally; a later cold build (of the
    # edited library) must give the same bytes.
    r["bareP"], r["cold"] = [], []
    edits: list[tuple] = []

    def cold_round(i: int) -> None:
        r["bareP"].append(m.run(*bare(jobs)))
        r["cold"].append(m.run(casepress("build", "-q", "--output", f"cold-{i}")))

    cold_round(0)
    r["bareP-plain"] = m.run(*bare(jobs, plain))
    out = root / "cold-0"
    r["handbook-pages"] = pages(out / "handbooks" / "all.pdf")
    r["nochange-first"] = m.run(casepress("build", "-q", "--output", "cold-0"))
    case = root / one
    floor = [sys.executable, "-c", FLOOR, sheets, ",".join(files[:2]), str(bare_out),
             str(out / "handbooks" / "all.pdf")]  # fmt: skip
    for i in range(rounds):  # an edit, then Typst's full compile and the floor, in each round
        edit(case, f"Edited {i}.")
        edits.append((m.run(casepress("build", "-q", "--output", "cold-0")),
                      m.run(*quick["typst"][1]), m.run(floor)))  # fmt: skip
    r["edit"] = [e[0] for e in edits]
    r["edit-typst"] = [e[1] for e in edits]
    r["edit-floor"] = [e[2] for e in edits]
    r["nochange"] = m.run(casepress("build", "-q", "--output", "cold-0"))
    for i in range(1, max(heavy, 2)):  # at least one cold build of the edited library
        cold_round(i)
    for name, key in ((f"bare WeasyPrint, {jobs} processes, {count} briefs", "bareP"),
                      ("build, cold (briefs+handbook+site)", "cold")):  # fmt: skip
        show(name, min(r[key]), note=rounds_note(r[key]))
        if key == "bareP":
            show("  the same without soft hyphens", r["bareP-plain"], note="one round")
    show("build, no change (after the cold build)", r["nochange-first"])
    show("build, one case edited", min(r["edit"]), note=rounds_note(r["edit"]))
    show("  typst, in the same rounds", min(r["edit-typst"]), note=rounds_note(r["edit-typst"]))
    show("  floor: 2 documents + the book rewritten", min(r["edit-floor"]),
         note=rounds_note(r["edit-floor"]))  # fmt: skip
    show("build, no change", r["nochange"])
    r["check"] = m.run(casepress("check", "-q"))
    show("check", r["check"])
    r["incremental"] = identical(digests(out), digests(root / f"cold-{max(heavy, 2) - 1}"))
    # --jobs 1 against the parallel cold build, on a few briefs (the whole build would double
    # the run's time; tests/test_incremental.py and tests/test_split*.py cover the rest).
    subset = [f"cases/{Path(f).stem}.yaml" for f in files[:: max(1, count // 8)]]
    r["jobs1"] = m.run(casepress("brief", *subset, "--format", "pdf", "-q", "--jobs", "1",
                                 "--output", "jobs-1"))  # fmt: skip
    show(f"briefs, {len(subset)} cases, --jobs 1", r["jobs1"], "compared with the cold build")
    serial, parallel = digests(root / "jobs-1"), digests(root / f"cold-{max(heavy, 2) - 1}")
    by_name = {Path(k).name: v for k, v in parallel.items() if k.endswith(".pdf")}
    mine = {Path(k).name: v for k, v in serial.items() if k.endswith(".pdf")}
    r["serial"] = identical(mine, {k: by_name.get(k, "missing") for k in mine})
    if r["serial"][0] and not mine:
        r["serial"] = (False, "NO: --jobs 1 wrote no PDF")
    if count <= 200:  # the single pass needs 2.75 GB at 1,000 cases
        single = (
            "from casepress import build_handbooks, load_project; "
            "r = build_handbooks(load_project('.'), formats=('pdf',), output_dir='hb-single', "
            "split=False, jobs=1, force=True); assert r.exit_code == 0"
        )
        r["single"] = m.run(library(single))
        show("handbook, single pass", r["single"], "for split = single")
        r["same"] = same_handbook(root / "hb-single" / "all.pdf",
                                  root / f"cold-{max(heavy, 2) - 1}" / "handbooks" / "all.pdf")  # fmt: skip
        print(f"  split = single: {r['same'][1]}", flush=True)
    print(f"  pages: casepress handbook {r['handbook-pages']}, Typst book {r['typst-pages']}")
    return r


def bench_large(count: int, jobs: int, work: Path) -> dict:
    """A library built cold with P workers: its largest process, then no change and check."""
    root = make_project(count, work / f"lib{count}")
    m = Measure(root)
    header(f"N = {count} cases, P = {jobs} CPUs (--large)")
    r = {"count": count, "cold": [m.run(casepress("build", "-q", "--jobs", str(jobs)))]}
    show("build, cold (briefs+handbook+site)", r["cold"][0])
    r["nochange"] = m.run(casepress("build", "-q"))
    show("build, no change", r["nochange"])
    r["check"] = m.run(casepress("check", "-q"))
    show("check", r["check"])
    print(f"  pages: casepress handbook {pages(root / 'build' / 'handbooks' / 'all.pdf')}")
    return r


def check_only(count: int, work: Path) -> dict:
    """``casepress check`` of a generated library: no build needed, so cheap at any size."""
    root = make_project(count, work / f"check{count}")
    m = Measure(root)
    header(f"N = {count} cases: check only (a cold build of {count} is in --large)")
    first = m.run(casepress("check", "-q"))
    again = m.run(casepress("check", "-q"))
    show("check", first)
    show("check, again", again)
    return {"count": count, "check": again, "check-first": first}


def rounds_note(results: list) -> str:
    if len(results) < 2:
        return ""
    return f"fastest of {len(results)}: " + ", ".join(f"{x[0]:.2f}" for x in results)


def same_handbook(single: Path, split: Path) -> tuple[bool, str]:
    """Whether the split handbook reads as the single pass: pages, outline, every page's text."""
    import pypdf

    def outline(path: Path) -> list:
        reader = pypdf.PdfReader(path)

        def walk(items):
            for item in items:
                if isinstance(item, list):
                    yield list(walk(item))
                else:
                    yield (item.title, reader.get_destination_page_number(item))

        return list(walk(reader.outline))

    def texts(path: Path) -> list[str]:
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        # each chapter PDF has its own font subsets: a hyphen may map to U+2010 in one
        return [" ".join(page.replace("\u2010", "-").split()) for page in text.split("\f")]

    a, b = texts(single), texts(split)
    differ = [n for n, (x, y) in enumerate(zip(a, b, strict=False), 1) if x != y]
    if len(a) != len(b):
        return False, f"NO: {len(a) - 1} pages single, {len(b) - 1} split"
    if differ:
        return False, f"NO: the text differs on {len(differ)} page(s), first page {differ[0]}"
    if outline(single) != outline(split):
        return False, "NO: the outlines differ"
    return True, f"yes: {len(a) - 1} pages, same text on every page, same outline"


def median_ratio(ours: list, anchor: list) -> tuple[float, str]:
    each = [a[0] / b[0] for a, b in zip(ours, anchor, strict=True)]
    detail = ", ".join(f"{x:.2f}" for x in each)
    return statistics.median(each), (f"median of {len(each)} rounds: {detail}" if len(each) > 1
                                     else "one round")  # fmt: skip


Verdict = tuple[str, str, str, "bool | None"]  # (N, target, value, PASS/FAIL/shown)


def verdicts(main: dict, jobs: int, check: dict | None, large: dict | None) -> list[Verdict]:
    n = f"N={main['count']}"
    found: list[Verdict] = []
    ratio, detail = median_ratio(main["edit"], main["edit-typst"])
    found += [
        (n, "1. one case edited: build / Typst full compile <= 1.0", f"{ratio:.2f}", ratio <= 1.0),
        ("", f"  ({detail}; build {min(main['edit'])[0]:.2f} s, Typst "
             f"{min(main['edit-typst'])[0]:.2f} s, fastest)", "", None),
    ]  # fmt: skip
    if main.get("edit-floor"):
        floor, floor_detail = median_ratio(main["edit-floor"], main["edit-typst"])
        found.append(("", f"  (WeasyPrint's floor for it: {floor:.2f} × Typst, {floor_detail}: "
                          "2 documents laid out, the book rewritten)", "", None))  # fmt: skip
    ratio, detail = median_ratio(main["cold"], main["bareP"])
    found += [
        (n, f"2. cold build / bare WeasyPrint, {jobs} processes <= 1.3", f"{ratio:.2f}",
         ratio <= 1.3),
        ("", f"  ({detail}; build {min(main['cold'])[0]:.2f} s, bare "
             f"{min(main['bareP'])[0]:.2f} s, fastest)", "", None),
    ]  # fmt: skip
    ratio, detail = median_ratio(main["brief-one"], main["bare-one"])
    start = min(main["brief-one"])[0] - min(main["bare-one"])[0]
    found += [
        (n, "3. casepress brief, one case, cold / bare WeasyPrint <= 1.1", f"{ratio:.2f}",
         ratio <= 1.1),
        ("", f"  ({detail}; {start:+.2f} s over bare, fastest)", "", None),
    ]  # fmt: skip
    nochange = large or main
    found.append((f"N={nochange['count']}", "4. no-change build <= 1 s",
                  f"{nochange['nochange'][0]:.2f} s", nochange["nochange"][0] <= 1))  # fmt: skip
    if not large:
        found.append(
            ("", "  (measured at the N above: a 1,000-case build is in --large)", "", None)
        )
    checked = large or check or main
    found.append((f"N={checked['count']}", "4. check <= 1 s", f"{checked['check'][0]:.2f} s",
                  checked["check"][0] <= 1))  # fmt: skip
    if large:
        peak = max(x[2] for x in large["cold"])
        found.append((f"N={large['count']}", "5. cold build: no process > 1 GB",
                      f"{peak:.0f} MB", peak <= 1024))  # fmt: skip
        small, big = min(x[3] for x in main["cold"]), max(x[3] for x in large["cold"])
        found.append((f"N={large['count']}",
                      f"5. largest worker: N={large['count']} / N={main['count']} <= 1.15 (flat)",
                      f"{big / small:.2f}", big / small <= 1.15))  # fmt: skip
        found.append(("", f"  (largest worker {small:.0f} MB -> {big:.0f} MB)", "", None))
    else:
        found.append(("", "5. no process > 1 GB and flat worker memory: run --large", "", None))
    for r in (main,):
        label = f"N={r['count']}"
        found.append((label, "5. incremental (edited) = cold build, every file",
                      r["incremental"][1].split(":")[0], r["incremental"][0]))  # fmt: skip
        found.append(("", f"  ({r['incremental'][1]})", "", None))
        found.append((label, "5. --jobs 1 = parallel build (a subset of briefs)",
                      r["serial"][1].split(":")[0], r["serial"][0]))  # fmt: skip
        if "same" in r:
            found.append((label, "5. handbook: split = single (pages, text, outline)",
                          r["same"][1].split(":")[0], r["same"][0]))  # fmt: skip
    return found


def estimate(count: int, jobs: int, rounds: int, heavy: int, check: int, large: int) -> float:
    """Seconds, from the figures of a 2-core machine: ~0.4 s per brief and CPU."""
    per = 0.4
    base = per * count * (2.4 * max(heavy, 2) / jobs + 0.9) + rounds * (12 + per * count / 20)
    base += 0.004 * check + 20
    if large:
        base += per * large * 2.4 * 2 / jobs + 60
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="N (default 200; 50 with --quick)")
    parser.add_argument("--large", action="store_true",
                        help="also build a 1,000-case library: memory and no-change targets")  # fmt: skip
    parser.add_argument("--large-cases", type=int, default=1000, help="N of --large (1000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: N = 50, one round, no 1,000-case check")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of the one-brief, edit and Typst steps (default 3)")  # fmt: skip
    parser.add_argument("--cold-rounds", type=int, default=None,
                        help="rounds of the cold build and bare-P pair (default 2)")  # fmt: skip
    args = parser.parse_args()
    count = args.cases or (50 if args.quick else 200)
    rounds = args.rounds or (1 if args.quick else 3)
    heavy = args.cold_rounds or 2  # two cold builds: the second also checks the incremental one
    check = 0 if args.quick else 1000
    load = os.getloadavg()[0]
    minutes = (
        estimate(count, args.jobs, rounds, heavy, check, args.large_cases if args.large else 0) / 60
    )
    print(f"casepress benchmark: {os.cpu_count()} CPUs, load average {load:.2f} at start; "
          f"about {minutes:.0f} minutes on an idle machine with {args.jobs} CPUs")  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="casepress-bench-"))
    compiled()
    started = time.perf_counter()
    try:
        result = bench(count, args.jobs, work, rounds, heavy)
        checked = check_only(check, work) if check and not args.large else None
        large = bench_large(args.large_cases, args.jobs, work) if args.large else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\ntargets (ratios from this run)")
    failed = 0
    for label, text, value, ok in verdicts(result, args.jobs, checked, large):
        failed += ok is False
        verdict = "" if ok is None else "PASS" if ok else "FAIL"
        line = f"  {label:<7} {text:<62} {value:>9}  {verdict}" if value else f"  {label:<7} {text}"
        print(line)
    print(
        f"\n{failed} target(s) missed (the run took {(time.perf_counter() - started) / 60:.0f} min)"
    )


if __name__ == "__main__":
    main()
