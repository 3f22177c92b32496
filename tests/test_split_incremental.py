"""A split handbook after one edit: only the units that changed are laid out again (the
manifest says which), the merged book's report is that of a clean build, and the merged
book's pages are not read again for it (each unit's were when it was laid out)."""

import logging
import shutil
import sys

import pytest

from casepress import build_handbooks, load_project
from casepress.build import cache, cssfacts, split, workers
from casepress.checks import pdfua, quality
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import make_project  # noqa: E402

pytestmark = pytest.mark.slow  # every test lays out a handbook

EDITED = "case-0005"


def record(out):
    return cache.Manifest.load(out, out / cache.CACHE_DIR).records["all.pdf"]


def build(root, out, **options):
    report = build_handbooks(load_project(root), output_dir=out, formats=("pdf",), split=True,
                             jobs=2, **options)  # fmt: skip
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return report


def entry(report) -> dict:
    """The handbook's entry in report.json, its paths left out (the builds' folders differ)."""
    [found] = [q for q in report.quality if q.path.endswith("all.pdf")]
    return {k: v for k, v in found.as_dict().items() if k not in ("path", "source")}


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A 12-case library and its split handbook, built once."""
    tmp = tmp_path_factory.mktemp("splitedit")
    root = make_project(12, tmp / "lib")
    out = tmp / "lib" / "build" / "handbooks"
    build(root, out)
    return root


@pytest.fixture(scope="module")
def edited(cold, tmp_path_factory, request):
    """The library copied after its build, one case's context given one more sentence, and
    the handbook built again; with the page count of each PDF whose pages were read for
    the PDF/UA content checks (``pdfua._read_marks``), what the build logged, and the CSS
    readings it made (``pdf.units.css_facts``). No worker process may start: the build
    fails if one does (``workers.ProcessPoolExecutor`` refuses)."""
    root = tmp_path_factory.mktemp("edited") / "lib"
    shutil.copytree(cold, root, copy_function=shutil.copy2)
    path = root / "cases" / f"{EDITED}.yaml"
    path.write_text(path.read_text().replace("context: |\n", "context: |\n  Edited.\n", 1))
    calls = []
    real = pdfua._read_marks
    patch = pytest.MonkeyPatch()
    patch.setattr(pdfua, "_read_marks", lambda pdf: calls.append(len(pdf.pages)) or real(pdf))
    parsed = []
    for module in (cssfacts, split):
        real_facts = module.css_facts
        patch.setattr(module, "css_facts",
                      lambda texts, real=real_facts: parsed.append(len(texts)) or real(texts))  # fmt: skip
    patch.setattr(workers, "ProcessPoolExecutor", _Refuse)
    patch.setattr(workers, "_IN_PROCESS_DONE", 0)  # what the test session laid out before
    request.addfinalizer(patch.undo)
    handler = _Collect()
    logging.getLogger("casepress").addHandler(handler)
    logging.getLogger("casepress").setLevel(logging.INFO)
    try:
        report = build(root, root / "build" / "handbooks")
    finally:
        logging.getLogger("casepress").removeHandler(handler)
        patch.undo()
    return root, report, calls, handler.messages, parsed


class _Refuse:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a worker process was started")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, message):
        self.messages.append(message.getMessage())


def test_a_cold_split_build_records_every_unit_as_laid_out(cold):
    facts = record(cold / "build" / "handbooks")
    assert sorted(set(facts["laid_out"])) == sorted(facts["units"])
    assert facts["reused"] == 0 and len(facts["units"]) > 12


def test_editing_a_cases_text_lays_out_exactly_its_chapter_and_reuses_the_rest(cold, edited):
    root = edited[0]
    before, after = record(cold / "build" / "handbooks"), record(root / "build" / "handbooks")
    # the sentence did not change the chapter's page count, so no number moved
    assert [after["units"][n]["pages"] for n in sorted(after["units"])] == [
        before["units"][n]["pages"] for n in sorted(before["units"])
    ]
    assert after["laid_out"] == [f"case-{EDITED}"]
    assert after["reused"] == len(after["units"]) - 1
    total = len(after["units"])
    said = f"all: 1 of {total} units laid out, {total - 1} reused"
    # the log also says that chapters are laid out apart from their briefs (issue 16, item 2)
    assert f"{said} (chapters laid out on their own, not from their briefs' pages)" in edited[3]


def test_an_edit_lays_out_its_chapter_in_this_process_and_starts_no_worker(edited):
    """Starting workers costs more than the one chapter an edit changes: it is laid out in
    the build's own process (the fixture's build fails if a worker starts), and said so."""
    assert f"case-{EDITED}: laid out in this process" in " ".join(edited[3])


def test_an_edit_does_not_read_the_style_sheets_again(cold, edited):
    """What the CSS asks of a split was read by the cold build and kept by its digest."""
    assert edited[4] == []
    assert (cold / "build" / "handbooks" / cache.CACHE_DIR / cssfacts.FILE).is_file()


def test_only_the_new_units_pages_are_read_for_the_report(edited):
    """One reading, of the laid-out unit: the merged book's pages are not parsed again."""
    root = edited[0]
    facts = record(root / "build" / "handbooks")
    assert edited[2] == [facts["units"][f"case-{EDITED}"]["pages"]]


def test_the_report_after_an_edit_is_that_of_a_forced_build_and_of_a_full_check(edited):
    root, report = edited[0], edited[1]
    forced_root = root.parent / "forced"
    shutil.copytree(root, forced_root, copy_function=shutil.copy2)
    forced = build(forced_root, forced_root / "build" / "handbooks", force=True)
    assert entry(report) == entry(forced)
    book = root / "build" / "handbooks" / "all.pdf"
    assert book.read_bytes() == (forced_root / "build" / "handbooks" / "all.pdf").read_bytes()
    # and what reading every page of the merged book finds
    full = quality.inspect_pdf(book).as_dict()
    kept = entry(report)
    for key in ("pages", "fonts", "font_programs", "images", "checks", "title", "language"):
        assert kept[key] == full[key], key
    assert len(kept["checks"]) == 21 and not [c for c in kept["checks"] if not c["passed"]]


def test_marks_given_and_marks_read_give_the_same_checks_where_some_fail(edited, tmp_path):
    """A page drawing untagged content: the checks from kept marks say what reading says."""
    import pikepdf

    book = edited[0] / "build" / "handbooks" / "all.pdf"
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(book) as pdf:
        page = pdf.pages[3]
        page.contents_add(pikepdf.Stream(pdf, b"0 0 m 10 10 l S"), prepend=False)
        pdf.save(broken)
    with pikepdf.open(broken) as pdf:
        marks = pdfua.page_marks(pdf)["pages"]
    read = quality.inspect_pdf(broken)
    given = quality.inspect_pdf(broken, marks=marks)
    assert [vars(c) for c in given.checks] == [vars(c) for c in read.checks]
    assert [c.id for c in read.failed_checks] == ["content-marked"]
    assert read.failed_checks[0].detail == "page 4: 1"


def test_quiet_says_nothing_of_how_the_handbook_was_laid_out(cold, tmp_path, capsys):
    """``--quiet``: the units laid out and reused, and where, are not said (only problems)."""
    from casepress.cli.commands import _show_library_messages

    root = tmp_path / "lib"
    shutil.copytree(cold, root, copy_function=shutil.copy2)
    path = root / "cases" / f"{EDITED}.yaml"
    path.write_text(path.read_text().replace("context: |\n", "context: |\n  Quiet.\n", 1))
    _show_library_messages(quiet=True)
    try:
        capsys.readouterr()
        build(root, root / "build" / "handbooks")
        assert capsys.readouterr().err == ""
    finally:
        _show_library_messages(quiet=False)
