"""Parallel builds: the worker pool gives the same bytes as one process, survives a dead
worker with a clear error, shards partition the outputs, and a split handbook reads exactly
like the single-pass one."""

import os
import re
import shutil
import subprocess
import sys
import time

import pikepdf
import pytest

from casepress import build_briefs, build_handbooks, build_project, load_project
from casepress.build import cache
from casepress.build.cache import shard_of
from casepress.build.workers import TaskFailure, WorkerPool
from casepress.checks import quality
from casepress.cli import main
from conftest import PROJECTS, ROOT, copy_project, outline

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import make_project  # noqa: E402


def files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
def test_parallel_and_sequential_builds_give_the_same_bytes(tmp_path):
    project = copy_project("handbook", tmp_path)
    one = build_project(load_project(project), output_dir=tmp_path / "one", jobs=1)
    two = build_project(load_project(project), output_dir=tmp_path / "two", jobs=2)
    assert one.exit_code == two.exit_code == 0
    for kind in ("briefs", "handbooks"):
        first, second = files(tmp_path / "one" / kind), files(tmp_path / "two" / kind)
        assert first.keys() == second.keys() and len(first) >= 4
        assert first == second, [n for n in first if first[n] != second[n]]


# -- the pool on its own: tasks defined here are imported by the workers -------------------
def _double_or_die(value):
    if value == "die":
        os._exit(3)  # what a segfault in a native library looks like from outside
    return value * 2


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


@pytest.mark.slow
def test_a_worker_that_dies_is_named_in_a_clear_error_and_the_rest_still_build():
    with WorkerPool(2) as pool:
        outcomes = dict(pool.map(_double_or_die, [(v, (v,)) for v in ("a", "b", "die", "c", "d")]))
    assert outcomes.pop("die") == TaskFailure(
        "a worker process died while rendering this (a crash in a native library, or the "
        "system ran out of memory); the other outputs were built"
    )
    assert outcomes == {"a": "aa", "b": "bb", "c": "cc", "d": "dd"}


@pytest.mark.slow
def test_a_document_past_its_timeout_is_stopped_and_reported():
    with WorkerPool(2, timeout=1.0) as pool:
        outcomes = dict(pool.map(_sleep, [("slow", (30,)), ("quick", (0,))]))
    assert outcomes["quick"] == 0
    assert outcomes["slow"] == TaskFailure("rendering took longer than 1 s and was stopped")


@pytest.mark.slow
def test_a_pool_left_by_an_exception_ends_its_workers_at_once():
    """Not after the document in flight: a stopped build does not wait ten minutes."""
    with pytest.raises(KeyboardInterrupt), WorkerPool(1) as pool:
        pool.submit("slow", _sleep, 60)
        workers = list(pool._executor._processes.values())
        time.sleep(1)  # the worker has the task
        started = time.monotonic()
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10
    assert workers and not any(worker.is_alive() for worker in workers)


# -- shards ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_shards_partition_the_outputs_exactly_and_deterministically(tmp_path):
    root = make_project(12, tmp_path / "lib")
    project = load_project(root)
    shares = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}"
        report = build_briefs(project, formats=("html",), output_dir=out, shard=(index, 3))
        assert report.exit_code == 0
        shares.append({p.name for p in out.glob("*.html")})
    everything = {f"case-{i:04d}.html" for i in range(1, 13)}
    assert set().union(*shares) == everything
    assert sum(len(share) for share in shares) == len(everything)  # pairwise disjoint
    assert all(shares)
    # the same on every machine and Python process: a stable hash, not hash()
    assert [shard_of(f"brief:case-{i:04d}", 3) for i in range(1, 7)] == [
        shard_of(f"brief:case-{i:04d}", 3) for i in range(1, 7)
    ]
    code = "from casepress.build.cache import shard_of; print(shard_of('brief:case-0001', 3))"
    env = {**os.environ, "PYTHONHASHSEED": "123", "PYTHONPATH": str(ROOT / "src")}
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert int(again.stdout) == shard_of("brief:case-0001", 3)


def test_shard_flag_is_validated(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--shard", "0/2"])
    assert "expected 1 <= I <= N" in capsys.readouterr().err


# -- fast start -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [["--help"], ["check", "-C", "{project}", "-q"], ["build", "-C", "{project}", "-q"]],
    ids=["help", "check", "no-change-build"],
)
def test_help_check_and_a_no_change_build_do_not_import_weasyprint(tmp_path, argv):
    project = copy_project("minimal", tmp_path)
    assert main(["build", "-C", str(project), "-q", "--jobs", "1"]) == 0
    argv = [a.format(project=project) for a in argv]
    code = (
        "import sys\nfrom casepress.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pikepdf')))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


# -- split handbooks ------------------------------------------------------------------------
def pdftotext_pages(path):
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]


def link_targets(path):
    """(page, destination page) of every internal link, resolved through named destinations."""
    pdf = pikepdf.open(path)
    names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    found = []
    for number, page in enumerate(pdf.pages):
        for annotation in page.get("/Annots", []):
            if "/Dest" in annotation:
                dest = names[str(annotation.Dest)]
                found.append((number, index[dest[0].objgen]))
    return found


def structure(path):
    """The structure tree as (depth, tag, number of elements below, /Lang, /Alt)."""
    found = []

    def walk(element, depth):
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        elements = [k for k in items if isinstance(k, pikepdf.Dictionary)
                    and k.get("/Type") not in ("/MCR", "/OBJR")]  # fmt: skip
        found.append((depth, str(element.S), len(elements), str(element.get("/Lang", "")),
                      str(element.get("/Alt", ""))))  # fmt: skip
        for kid in elements:
            walk(kid, depth + 1)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot.K[0], 0)
    return found


@pytest.fixture(scope="module")
def twelve(tmp_path_factory):
    """A 12-case library with See also lists and case: links, in a theme with a logo and a
    footer (running elements), built both ways."""
    tmp = tmp_path_factory.mktemp("twelve")
    root = make_project(12, tmp / "lib")
    theme = root / "themes" / "house"
    theme.mkdir(parents=True)
    shutil.copy(PROJECTS / "themes" / "themes" / "parent" / "logo.png", theme / "logo.png")
    (theme / "theme.yaml").write_text(
        "name: house\nlogo: logo.png\nfooter: The house footer on every page\n"
    )
    for source, other in (("case-0002", "case-0011"), ("case-0009", "case-0003")):
        path = root / "cases" / f"{source}.yaml"
        text = path.read_text().replace("outcome: |\n", f"related: [{other}]\noutcome: |\n")
        text = text.replace(
            "entry_point: |\n", f"entry_point: |\n  As in [the other case](case:{other}).\n", 1
        )
        path.write_text(text)
    project = load_project(root, theme="house")
    built = {}
    for split in (False, True):
        out = tmp / f"split-{split}"
        report = build_handbooks(project, output_dir=out, formats=("pdf",), split=split, jobs=2)
        assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
        records = cache.Manifest.load(out, out / cache.CACHE_DIR).records
        units = records["all.pdf"].get("units", {})
        assert len(units) > 12 if split else not units  # front, parts, chapters, indexes
        built[split] = out / "all.pdf"
    return built


@pytest.mark.slow
def test_split_handbook_has_the_same_text_on_every_page_as_the_single_pass(twelve):
    single, split = pdftotext_pages(twelve[False]), pdftotext_pages(twelve[True])
    assert len(single) == len(split) > 30
    assert [i for i, (a, b) in enumerate(zip(single, split, strict=True)) if a != b] == []
    refs = re.findall(r"\(p\.\s(\d+)\)", "".join(split))
    assert len(refs) == 4  # two See also entries, two case: links, all with page numbers
    # running heads (named strings) and the running footer reach every chapter page
    assert all("The house footer on every page" in page for page in split[4:])
    # (not on the pages that open a part, a chapter or the indexes: issue 14)
    assert sum("All 12 cases" in page for page in split) > 12


@pytest.mark.slow
def test_split_handbook_has_the_same_outline_and_links(twelve):
    assert outline(twelve[True]) == outline(twelve[False])
    assert len(outline(twelve[True])) > 60
    assert link_targets(twelve[True]) == link_targets(twelve[False])
    # still one tagged document, with as many structure elements and marked pages
    pdfs = [pikepdf.open(twelve[key]) for key in (True, False)]
    split, single = (pdf.Root for pdf in pdfs)
    assert split.MarkInfo.Marked
    for root in (split, single):
        assert len(root.StructTreeRoot.K) == 1
    assert len(split.StructTreeRoot.K[0].K) == len(single.StructTreeRoot.K[0].K)
    assert len(split.StructTreeRoot.ParentTree.Nums) == len(single.StructTreeRoot.ParentTree.Nums)
    # the same tree: the chapters' wrappers (main, .body-matter) joined into the book's
    assert structure(twelve[True]) == structure(twelve[False])


@pytest.mark.slow
def test_a_long_handbook_merged_in_groups_reads_the_same(twelve, tmp_path, monkeypatch):
    """Past merge.GROUP units the body is merged in groups first (memory): same book."""
    from casepress.pdf import merge

    monkeypatch.setattr(merge, "GROUP", 4)  # 12 chapters, 5 parts, 2 indexes: 5 groups
    project = load_project(twelve[True].parent.parent / "lib", theme="house")
    report = build_handbooks(project, output_dir=tmp_path, formats=("pdf",), split=True, jobs=2)
    assert report.exit_code == 0
    grouped = tmp_path / "all.pdf"
    assert pdftotext_pages(grouped) == pdftotext_pages(twelve[False])
    assert outline(grouped) == outline(twelve[False])
    assert link_targets(grouped) == link_targets(twelve[False])
    assert structure(grouped) == structure(twelve[False])
    result = quality.inspect_pdf(grouped)
    assert [(c.id, c.detail) for c in result.failed_checks] == []


@pytest.mark.slow
def test_split_handbook_passes_every_pdf_ua_check(twelve):
    for path in twelve.values():
        result = quality.inspect_pdf(path)
        assert [(c.id, c.detail) for c in result.failed_checks] == [], path
        assert len(result.checks) == 21


@pytest.mark.slow
def test_with_its_briefs_built_a_cold_split_lays_out_every_chapter_once(tmp_path):
    """Page counts are guessed from the briefs (one page more when a brief's last page
    would overflow as a chapter's) and from the parts and indexes laid out so far: right
    guesses, no second layout of any chapter -- full last pages included (synthetic
    case-0009's is full to the "Cite as" line and its chapter still fits; a full page that
    opens with a section does not, the section keeping in the chapter the top margin it
    loses at the brief's page top)."""
    root = make_project(12, tmp_path / "lib")
    project = load_project(root)
    assert build_briefs(project, formats=("pdf",), jobs=2).exit_code == 0
    records = cache.Manifest.load(project.briefs_dir, project.output_dir / cache.CACHE_DIR)
    briefs = {
        name.removesuffix(".pdf"): (record["pages"], record["fill"])
        for name, record in records.records.items()
        if name.endswith(".pdf")
    }
    assert len(briefs) == 12 and all(0 < fill < 1.2 for _, fill in briefs.values())
    assert max(fill for _, fill in briefs.values()) >= 0.999  # a full last page is among them
    laid_out = []
    report = build_handbooks(project, formats=("pdf",), split=True, jobs=2,
                             progress=lambda done, total, name: laid_out.append(name))  # fmt: skip
    assert report.exit_code == 0
    chapters = [name for name in laid_out if ": case-" in name]
    assert sorted(chapters) == sorted(set(chapters)) and len(chapters) == 12, (chapters, briefs)
    # the brief foretold each chapter's page count
    facts = cache.Manifest.load(project.handbooks_dir, project.output_dir / cache.CACHE_DIR)
    units = facts.records["all.pdf"]["units"]
    for case_id, (pages, fill) in briefs.items():
        assert units[f"case-{case_id}"]["pages"] == pages + (fill > 1), (case_id, pages, fill)
    # its running strings read from its HTML, the front matter is laid out once, last
    assert laid_out.count("all: front") == 1 and laid_out[-1] == "all: front"


def test_named_strings_are_read_from_the_html_where_the_rules_allow():
    from casepress.pdf.units import predict_strings

    html = (
        '<section class="cover"><h1 class="cover-title">The &amp; <em>book</em></h1></section>'
        '<nav class="contents"><h2>Contents</h2><p class="x">p<br>q</p></nav>'
        '<section class="introduction"><h2>\n  Introduction  </h2></section>'
    )
    css = [
        ".cover-title { string-set: book content(text) }",
        ".contents h2, .introduction h2 { string-set: chapter content(), other content() }",
        "aside h2 { string-set: chapter content() }",  # no aside: does not apply
        ".x { string-set: none }",
    ]
    assert predict_strings(html, css) == {
        "book": "The & book", "chapter": "Introduction", "other": "Introduction",
    }  # fmt: skip
    assert predict_strings(html, [".x { string-set: n attr(class) }"]) is None
    # a literal is its own value (the handbook's blank-head strings: book-title "…")
    assert predict_strings(html, ['.x { string-set: n "literal" }']) == {"n": "literal"}
    assert predict_strings(html, [".contents > h2 { string-set: n content() }"]) is None
    assert predict_strings(html, ["@media screen { h2 { string-set: n counter(x) } }"]) == {}


@pytest.mark.slow
def test_a_split_archival_handbook_keeps_its_sources_and_identification(tmp_path):
    project = load_project(PROJECTS / "a11y", pdf_variant="pdf/a-3b", embed_source=True)
    report = build_handbooks(project, output_dir=tmp_path, formats=("pdf",), split=True, jobs=2)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    assert cache.Manifest.load(tmp_path, tmp_path / cache.CACHE_DIR).records["reader.pdf"]["units"]
    pdf = pikepdf.open(tmp_path / "reader.pdf")
    assert sorted(pdf.attachments) == ["languages.yaml", "plain.yaml"]
    xmp = pdf.open_metadata()
    assert (xmp["pdfaid:part"], xmp["pdfuaid:part"]) == ("3", "1")
    assert quality.inspect_pdf(tmp_path / "reader.pdf").failed_checks == []


@pytest.mark.slow
def test_a_handbook_that_cannot_be_split_is_laid_out_in_one_pass(tmp_path, caplog):
    project = load_project(PROJECTS / "handbook", profile="print")
    with caplog.at_level("INFO", logger="casepress"):
        report = build_handbooks(project, names=["explicit"], output_dir=tmp_path,
                                 formats=("pdf",), split=True, jobs=1)  # fmt: skip
    assert report.exit_code == 0
    assert "explicit: laid out in one pass: it is printed on both sides" in caplog.text
    records = cache.Manifest.load(tmp_path, tmp_path / cache.CACHE_DIR).records
    assert "units" not in records["explicit.pdf"]
