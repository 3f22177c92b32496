"""Benchmark casepress at library scale, against a bare WeasyPrint loop measured in the same run.

    python benchmarks/run.py                 # N = 50 and 200 (about 15 minutes on 2 cores)
    python benchmarks/run.py --cases 50      # one size
    python benchmarks/run.py --large         # adds N = 1000 (about 30 minutes more on 2 cores)

For every N it generates a synthetic library (benchmarks/synthetic.py), then times each step
in a fresh process and samples the memory of that process and all its children (psutil).
Machines differ and are shared, so the verdicts compare ratios taken in the same run:

- bare-1:   one process, one FontConfiguration and pre-parsed stylesheets, over the briefs'
            HTML (rendered beforehand), tagged PDF/UA-1 as casepress writes by default:
            WeasyPrint's own cost, the floor for one worker; also run on one brief, so that
            start-up (process, imports, fonts) and the cost per brief are told apart
- bare-P:   P such processes on 1/P of the files each (P = CPUs): the machine's real ceiling
- briefs-1 / briefs-P: ``casepress brief --format pdf`` with 1 and P workers, cold
- build cold / no change / one case edited: ``casepress build`` (briefs and handbook)
- handbook single / split: the same handbook laid out in one pass, or split and merged,
            then compared: page count, outline and the text of every page (pdftotext)
- check: ``casepress check``

Per brief = (time for N briefs - time for one) / (N - 1): what each further brief costs once
the process is up. The cold totals are printed too, and their ratio with them. The brief steps,
which those two targets compare, run 3 times (up to 200 cases; ``--repeat``), interleaved, each
of ours right after its bare twin; the targets judge the median of each round's ratios (the
same run of a step varies by up to 30% on a shared machine; a ratio within a round much less).
"""

from __future__ import annotations

import argparse
import contextlib
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


def bench(count: int, jobs: int, work: Path, repeat: int = 1) -> list[tuple]:
    root = make_project(count, work / f"lib{count}")
    m = Measure(root)
    rows = []

    def row(name, result, note=""):
        seconds, total, one, _ = result
        rows.append((name, seconds, total, one, note))
        print(f"  {name:<28} {seconds:8.2f} s {total:8.0f} MB {one:8.0f} MB  {note}", flush=True)

    print(f"\nN = {count} cases, P = {jobs} CPUs", flush=True)
    print(f"  {'step':<28} {'time':>10} {'peak all':>11} {'peak 1 proc':>11}", flush=True)
    # The same HTML the briefs are made from, for the bare WeasyPrint loop.
    from casepress import load_cases, load_project
    from casepress.build.driver import with_theme_defaults
    from casepress.render.renderer import Renderer
    from casepress.theme.chain import Sheet, theme_for

    theme = theme_for(load_project(root))
    project = with_theme_defaults(load_project(root), theme)
    catalogue = load_cases(project)
    renderer = Renderer(project, theme, titles={c.id: c.title for c in catalogue.cases})
    html_dir = work / f"html{count}"
    html_dir.mkdir()
    files = []
    for case in catalogue.cases:
        path = html_dir / f"{case.id}.html"
        path.write_text(renderer.render_brief(case, target="pdf"), "utf-8")
        files.append(str(path))
    sheets = []
    for index, sheet in enumerate(theme.stylesheets("pdf", page_size=project.page_size)):
        if isinstance(sheet, Sheet):  # generated from settings: the bare loop reads files
            path = html_dir / f"generated-{index}.css"
            path.write_text(sheet.css, "utf-8")
            sheet = path
        sheets.append(str(sheet))
    sheets = ",".join(sheets)
    bare_out = work / f"bare{count}"
    bare_out.mkdir()

    def bare(parts: int) -> list[list[str]]:
        return [[sys.executable, "-c", BARE, sheets, ",".join(files[i::parts]), str(bare_out)]
                for i in range(parts)]  # fmt: skip

    one = str(root / "cases" / Path(files[0]).with_suffix(".yaml").name)
    briefs = ("brief", "--format", "pdf", "-q", "--force")  # --force: every run is cold
    steps = {
        "bare-one": ("bare WeasyPrint, one brief",
                     [[sys.executable, "-c", BARE, sheets, files[0], str(bare_out)]]),
        "briefs-one": ("briefs, one brief (cold)",
                       [casepress(*briefs, one, "--jobs", "1", "--output", str(work / f"b0-{count}"))]),
        "bare1": ("bare WeasyPrint, 1 process", bare(1)),
        "briefs1": ("briefs, 1 worker (cold)",
                    [casepress(*briefs, "cases", "--jobs", "1", "--output", str(work / f"b1-{count}"))]),
        "bareP": (f"bare WeasyPrint, {jobs} processes", bare(jobs)),
        "briefsP": (f"briefs, {jobs} workers (cold)",
                    [casepress(*briefs, "cases", "--jobs", str(jobs), "--output", str(work / f"bP-{count}"))]),
    }  # fmt: skip
    # The steps the per-brief and pool targets compare run `repeat` times, interleaved so a
    # busy spell of the machine hits them alike, each of ours right after its bare twin. Each
    # step shows its fastest run (as timeit does) and the highest memory of all its runs; the
    # targets take the median of the ratios of each round (see ratios()).
    runs: dict[str, list] = {key: [] for key in steps}
    for _ in range(repeat):
        for key, (_, commands) in steps.items():
            runs[key].append(m.run(*commands))
    results = {}
    for key, (name, _) in steps.items():
        fastest = min(runs[key])
        results[key] = (fastest[0], *(max(r[i] for r in runs[key]) for i in (1, 2, 3)))
        note = (
            f"fastest of {repeat}: " + ", ".join(f"{r[0]:.2f}" for r in runs[key])
            if repeat > 1
            else ""
        )
        row(name, results[key], note)
    results["rounds"] = {key: [r[0] for r in found] for key, found in runs.items()}
    results["cold"] = m.run(casepress("build", "-q"))
    row("build, cold (briefs+handbook)", results["cold"])
    results["nochange"] = m.run(casepress("build", "-q"))
    row("build, no change", results["nochange"])
    case = root / "cases" / "case-0002.yaml"
    # an edit of the text (a new title would also move the chapter and change the indexes)
    text = case.read_text("utf-8").replace("context: |\n  ", "context: |\n  Edited. ", 1)
    case.write_text(text, "utf-8")
    results["edit"] = m.run(casepress("build", "-q"))
    row("build, one case edited", results["edit"], "its brief + the handbook")
    results["check"] = m.run(casepress("check", "-q"))
    row("check", results["check"])
    single = (
        "from casepress import build_handbooks, load_project; "
        "r = build_handbooks(load_project('.'), formats=('pdf',), output_dir='hb-single', "
        "split=False, jobs=1, force=True); assert r.exit_code == 0"
    )
    results["single"] = m.run(library(single))
    row("handbook, single HTML", results["single"])
    results["split"] = m.run(casepress("handbook", "all", "--format", "pdf", "--force", "-q"))
    row(f"handbook, split, {jobs} workers", results["split"], "cold: no chapter reused")
    results["same"] = same_handbook(root / "hb-single" / "all.pdf", root / "build" / "handbooks" / "all.pdf")  # fmt: skip
    print(f"  split = single: {results['same'][1]}", flush=True)
    return results


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

    def pages(path: Path) -> list[str]:
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        # each chapter PDF has its own font subsets: a hyphen may map to U+2010 in one
        return [" ".join(page.replace("\u2010", "-").split()) for page in text.split("\f")]

    a, b = pages(single), pages(split)
    differ = [n for n, (x, y) in enumerate(zip(a, b, strict=False), 1) if x != y]
    if len(a) != len(b):
        return False, f"NO: {len(a) - 1} pages single, {len(b) - 1} split"
    if differ:
        return False, f"NO: the text differs on {len(differ)} page(s), first page {differ[0]}"
    if outline(single) != outline(split):
        return False, "NO: the outlines differ"
    return True, f"yes: {len(a) - 1} pages, same text on every page, same outline"


def ratios(rounds: dict[str, list[float]]) -> tuple[list[float], list[float]]:
    """Per round: our cost per brief over the bare loop's, and the pool's speed-up over the
    bare processes'. A round's steps ran minutes apart at most, so a slow spell of a shared
    machine weighs on both sides of its ratios; the median of the rounds then drops the
    rounds it hit unevenly (min-of-each-side pairs two different rounds' luck)."""
    per_brief, pool = [], []
    for i in range(len(rounds["bare1"])):
        t = {key: times[i] for key, times in rounds.items()}
        per_brief.append((t["briefs1"] - t["briefs-one"]) / (t["bare1"] - t["bare-one"]))
        pool.append((t["briefs1"] / t["briefsP"]) / (t["bare1"] / t["bareP"]))
    return per_brief, pool


def verdicts(count: int, r: dict, jobs: int) -> list[tuple[str, str, bool]]:
    cost = r["briefs1"][0] / r["bare1"][0]
    start = r["briefs-one"][0] - r["bare-one"][0]
    ceiling = r["bare1"][0] / r["bareP"][0]
    speedup = r["briefs1"][0] / r["briefsP"][0]
    each_brief, each_pool = ratios(r["rounds"])
    per_brief, pool = statistics.median(each_brief), statistics.median(each_pool)
    rounds = len(each_brief)
    split_speed = r["single"][0] / r["split"][0]
    split_mem = r["split"][2] / r["single"][2]
    edit_speed = r["single"][0] / r["edit"][0]
    median = f"median of {rounds} rounds" if rounds > 1 else "one round"
    found = [
        ("briefs: per brief, 1 worker / bare loop <= 1.10", f"{per_brief:.2f}", per_brief <= 1.10),
        (f"  ({median}: {', '.join(f'{x:.2f}' for x in each_brief)})", "", None),
        (f"  (cold totals {cost:.2f}; start-up {start:+.2f} s over bare)", "", None),
        ("pool speed-up / bare ceiling >= 0.90", f"{pool:.2f}", pool >= 0.90),
        (f"  ({median}: {', '.join(f'{x:.2f}' for x in each_pool)};", "", None),
        (f"  fastest runs: {speedup:.2f} / {ceiling:.2f} = {speedup / ceiling:.2f})", "", None),
        (
            f"no-change rebuild of {count} <= 1 s",
            f"{r['nochange'][0]:.2f} s",
            r["nochange"][0] <= 1,
        ),
        (f"check of {count} <= 1 s", f"{r['check'][0]:.2f} s", r["check"][0] <= 1),
    ]
    found.append(("handbook: split = single (pages, text, outline)", r["same"][1].split(":")[0], r["same"][0]))  # fmt: skip
    if count > 200:  # the 1 s targets name 200 cases; larger libraries are shown, not judged
        found = [(t, v, None if t.endswith("<= 1 s") else ok) for t, v, ok in found]
    if count >= 200:
        found += [
            (
                "handbook split: speed-up over single >= 1.3",
                f"{split_speed:.2f}",
                split_speed >= 1.3,
            ),
            (
                "handbook split: peak process / single <= 0.60",
                f"{split_mem:.2f}",
                split_mem <= 0.60,
            ),
            ("one case edited: speed-up over single >= 4", f"{edit_speed:.1f}", edit_speed >= 4),
        ]
    if count >= 1000:
        found.append(("1000-case handbook: no process > 1 GB", f"{r['split'][2]:.0f} MB", r["split"][2] <= 1024))  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="*", default=[50, 200])
    parser.add_argument("--large", action="store_true", help="also N = 1000")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--repeat", type=int, default=None,
        help="runs of each brief step, the fastest kept (default: 3 up to 200 cases, else 1)",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = args.cases + ([1000] if args.large else [])
    load = os.getloadavg()[0]
    print(f"casepress benchmark: {os.cpu_count()} CPUs, load average {load:.2f} at start")
    work = Path(tempfile.mkdtemp(prefix="casepress-bench-"))
    try:
        outcomes = {
            count: bench(count, args.jobs, work, args.repeat or (3 if count <= 200 else 1))
            for count in sizes
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\ntargets (ratios from this run)")
    failed = 0
    for count, results in outcomes.items():
        for text, value, ok in verdicts(count, results, args.jobs):
            failed += ok is False
            verdict = "" if ok is None else "PASS" if ok else "FAIL"
            print(f"  N={count:<5} {text:<60} {value:>9}  {verdict}")
    if len(outcomes) > 1:
        small, large = min(outcomes), max(outcomes)
        workers = [outcomes[n]["briefsP"][3] for n in (small, large)]
        flat = workers[1] / workers[0]
        ok = flat <= 1.15
        failed += not ok
        text = f"briefs, largest worker: N={large} / N={small} <= 1.15 (flat)"
        print(f"  {'all':<7} {text:<60} {flat:>9.2f}  {'PASS' if ok else 'FAIL'}")
        print(f"  {'':<7}   (largest worker {workers[0]:.0f} MB -> {workers[1]:.0f} MB; the build "
              f"process {outcomes[small]['briefsP'][2]:.0f} MB -> {outcomes[large]['briefsP'][2]:.0f} "
              "MB, holding the catalogue and the report)")  # fmt: skip
    print(f"\n{failed} target(s) missed")


if __name__ == "__main__":
    main()
