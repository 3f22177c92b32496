"""Sharded builds (``build --shard I/N``) and their final step (``build --merge DIR...``): a
shard never removes another shard's outputs; the merge assembles the site and report.json
from the shards' folders, equal byte for byte to an unsharded build, and refuses shards that
are missing, stale or built from other inputs.

The project: three cases and one handbook. ``alpha`` and ``charlie`` fall in shard 1 of 2,
``bravo`` and the handbook ``reader`` in shard 2 (``cache.shard_of``, a stable hash).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casepress import build_project, load_project
from casepress.build.cache import shard_of
from casepress.build.driver import merge_shards
from casepress.cli import main
from casepress.errors import InputError
from conftest import ROOT, write_png

TEXT = " ".join(["Reform began with a review of the mandate, the budget and oversight."] * 4)
CASES = {
    "alpha": (
        "Police vetting in Liberia",
        "Liberia",
        "Sub-Saharan Africa",
        "![A bar chart of the budget](chart.png)",
    ),
    "bravo": ("Truth-seeking in Peru", "Peru", "Latin America and the Caribbean", ""),
    "charlie": ("Defence oversight in Ghana", "Ghana", "Sub-Saharan Africa", ""),
}
CONFIG = """\
title: Shard library
organisation: Shard Institute
handbooks:
  reader:
    title: Course reader
    regions: [Sub-Saharan Africa, Latin America and the Caribbean]
    group_by: region
    max_pages: 2
"""


def make_project(root: Path) -> Path:
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text(CONFIG, encoding="utf-8")
    for case_id, (title, country, region, extra) in CASES.items():
        (root / "cases" / f"{case_id}.yaml").write_text(
            f"title: {title}\n"
            f"summary: A short summary of {title.lower()}.\n"
            f"period: 2004–2010\n"
            f"regions: [{region}]\n"
            f"countries: [{country}]\n"
            f"themes: [Police reform]\n"
            f"context: |\n  {TEXT}\n\n  {extra}\n"
            "lessons:\n"
            "  - title: Sequencing matters\n"
            "    text: Reforms in the wrong order created new problems.\n",
            encoding="utf-8",
        )
    write_png(root / "cases" / "chart.png", 40, 20, "RGB")
    return root


def test_the_fixture_puts_outputs_in_both_shards():
    assert [shard_of(f"brief:{c}", 2) for c in CASES] == [1, 2, 1]
    assert shard_of("handbook:reader", 2) == 2


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file a build leaves, but its cache folder (manifests name their own folder)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".casepress-cache" not in p.relative_to(folder).parts
    }


def err_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


# -- the result equals an unsharded build ----------------------------------------------------
@pytest.mark.slow
def test_merged_shards_equal_an_unsharded_build_byte_for_byte(tmp_path, monkeypatch, capsys):
    """Two shards into their own folders (as a CI matrix leaves them), merged into a third:
    every file but the cache folder is the unsharded build's, and the merge renders nothing."""
    root = make_project(tmp_path / "lib")
    monkeypatch.chdir(root)
    assert main(["build", "--output", "whole", "-j", "1"]) == 0
    whole = [line for line in err_lines(capsys) if ": warning: " in line]
    assert whole  # the handbook over its page budget: a warning the merge must say too
    for index in (1, 2):
        assert (
            main(["build", "--shard", f"{index}/2", "--output", f"shard-{index}", "-j", "1"]) == 0
        )
    assert (
        "casepress: shard 2/2 built: its briefs and handbooks, with a record of them "
        "(shard-2-of-2.json); the site and report.json span every shard: when all are built, "
        "run 'casepress build --merge' with each shard's output folder"
    ) in err_lines(capsys)
    assert (
        not (root / "shard-1" / "site").exists() and not (root / "shard-1" / "report.json").exists()
    )
    assert sorted(p.name for p in (root / "shard-1" / "briefs").iterdir()) == [
        "alpha.html", "alpha.pdf", "charlie.html", "charlie.pdf"]  # fmt: skip
    assert sorted(files_of(root / "shard-2")) == [
        "briefs/bravo.html", "briefs/bravo.pdf", "case.schema.json", "handbooks/reader.html",
        "handbooks/reader.pdf", "shard-2-of-2.json", "theme.schema.json"]  # fmt: skip

    code = (
        "import sys; from casepress.cli import main; "
        "code = main(['build', '--merge', 'shard-1', 'shard-2', '--output', 'merged']); "
        "print(code, 'weasyprint' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    merge = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert merge.stdout.split() == ["0", "False"], merge.stderr  # rendering nothing
    out = merge.stderr.splitlines()
    assert "casepress: merged 8 file(s) the shards built" in out
    assert [line for line in out if ": warning: " in line] == whole
    merged, unsharded = files_of(root / "merged"), files_of(root / "whole")
    assert sorted(merged) == sorted(unsharded)
    assert [name for name in merged if merged[name] != unsharded[name]] == []
    assert "site/cases/bravo.pdf" in merged and "site/handbooks/reader.pdf" in merged
    report = json.loads((root / "merged" / "report.json").read_text())
    assert len(report["outputs"]) == 8

    # the merged folder is an ordinary build folder: a build there finds everything fresh
    assert main(["build", "--output", "merged", "-j", "1"]) == 0
    assert "wrote 0 file(s), 12 up to date" in capsys.readouterr().err


@pytest.mark.slow
def test_shards_in_one_folder_never_remove_each_others_outputs(tmp_path, monkeypatch, capsys):
    """The issue's case: after a whole build, shard 1/2 then 2/2 into the same folder left the
    site with only the second shard's PDFs. Now a shard touches nothing outside its share,
    and ``--merge`` with no folder assembles the folder the shards shared."""
    root = make_project(tmp_path / "lib")
    monkeypatch.chdir(root)
    assert main(["build", "-q", "-j", "1"]) == 0
    before = files_of(root / "build")
    assert main(["build", "-q", "--shard", "1/2", "-j", "1"]) == 0
    assert main(["build", "-q", "--shard", "2/2", "-j", "1"]) == 0
    after = files_of(root / "build")
    assert sorted(after) == sorted([*before, "shard-1-of-2.json", "shard-2-of-2.json"])
    assert [name for name in before if after[name] != before[name]] == []
    capsys.readouterr()
    assert main(["build", "--merge"]) == 0
    assert "casepress: merged 8 file(s) the shards built" in capsys.readouterr().err
    merged = files_of(root / "build")
    assert {name: merged[name] for name in before} == before


# -- a shard's record ------------------------------------------------------------------------
def html_shards(root: Path, count: int = 2, **options) -> list[Path]:
    """The project's shards, HTML only (quick), each into its own folder."""
    project = load_project(root)
    folders = []
    for index in range(1, count + 1):
        folder = root / f"shard-{index}"
        report = build_project(project, formats=("html",), output_dir=folder, shard=(index, count),
                               jobs=0, **options)  # fmt: skip
        assert report.exit_code == 0, report.problems
        folders.append(folder)
    return folders


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The project with its two HTML shards built, once for the module."""
    root = make_project(tmp_path_factory.mktemp("built") / "lib")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        html_shards(root)
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture
def sharded(built, tmp_path, monkeypatch) -> Path:
    """A copy of ``built`` elsewhere (the merge runs in another checkout), as working folder."""
    root = tmp_path / "lib"
    shutil.copytree(built, root)
    monkeypatch.chdir(root)
    return root


def merge_problems(root: Path, folders: list[Path], **options) -> list[str]:
    with pytest.raises(InputError) as caught:
        merge_shards(load_project(root), folders, formats=("html",), jobs=0, **options)
    return [str(p) for p in caught.value.problems]


def test_html_shards_merge_into_the_unsharded_build(sharded):
    root = sharded
    folders = [root / "shard-1", root / "shard-2"]
    record = json.loads((root / "shard-2" / "shard-2-of-2.json").read_text())
    assert record["shard"] == [2, 2]
    assert sorted(record["outputs"]) == ["briefs/bravo.html", "handbooks/reader.html"]
    report = merge_shards(load_project(root), folders, formats=("html",), output_dir="merged")
    assert report.exit_code == 0
    rendered = {p.relative_to(root / "merged").as_posix() for p in report.rendered}
    assert rendered == {
        "site/index.html",
        "site/cases/alpha.html",
        "site/cases/bravo.html",
        "site/cases/charlie.html",
        "case.schema.json",
        "theme.schema.json",
        "report.json",
        "site/catalogue.json",
        *(
            f"site/cases/{c}{suffix}"
            for c in ("alpha", "bravo", "charlie")
            for suffix in (".bib", ".csl.json")
        ),  # each case's citation files
    }  # fmt: skip  (nothing rendered but the site)
    whole = build_project(load_project(root), formats=("html",), output_dir="whole", jobs=0)
    assert whole.exit_code == 0
    assert files_of(root / "merged") == files_of(root / "whole")


def test_a_shard_of_another_split_removes_the_old_split_s_record(tmp_path, monkeypatch):
    root = make_project(tmp_path / "lib")
    monkeypatch.chdir(root)
    project = load_project(root)
    for shard in ((3, 3), (1, 2)):
        build_project(project, formats=("html",), output_dir="out", shard=shard, jobs=0)
    assert sorted(p.name for p in (root / "out").glob("shard-*")) == ["shard-1-of-2.json"]


def test_a_failure_a_shard_recorded_is_reported_and_the_last_good_copy_stays(sharded):
    root = sharded
    one, two = root / "shard-1", root / "shard-2"
    record = two / "shard-2-of-2.json"
    data = json.loads(record.read_text())
    data["outputs"]["briefs/bravo.html"] = {"key": data["outputs"]["briefs/bravo.html"]["key"],
                                            "written": False}  # fmt: skip
    data["failures"] = [["./cases/bravo.yaml", 0, 0, "", "HTML not written: boom", "error"]]
    record.write_text(json.dumps(data))
    (root / "merged" / "briefs").mkdir(parents=True)
    (root / "merged" / "briefs" / "bravo.html").write_text("last good")
    report = merge_shards(load_project(root), [one, two], formats=("html",), output_dir="merged")
    assert [str(p) for p in report.failures] == ["cases/bravo.yaml: HTML not written: boom"]
    assert report.exit_code == 1
    assert (root / "merged" / "briefs" / "bravo.html").read_text() == "last good"
    assert (root / "merged" / "briefs" / "alpha.html").exists()


# -- refusals: nothing merged, and why --------------------------------------------------------
def test_a_missing_shard_is_refused(sharded):
    root = sharded
    one = root / "shard-1"
    assert merge_problems(root, [one]) == [
        "command line: --merge: shard 2 of 2 is missing: no folder given holds "
        "shard-2-of-2.json; build it with 'casepress build --shard 2/2 --output DIR' and add "
        "DIR to --merge"
    ]
    assert not (root / "build").exists()  # nothing written


def test_folders_that_are_not_shards_are_refused(sharded):
    root = sharded
    one, two = root / "shard-1", root / "shard-2"
    (root / "empty").mkdir()
    assert merge_problems(root, [one, two, root / "empty", root / "nowhere"]) == [
        "empty: holds no shard record (shard-I-of-N.json): it is not the output folder of a "
        "finished 'casepress build --shard I/N'; give --merge the folder each shard wrote "
        "(when a CI job uploads it, upload the whole folder)",
        "nowhere: no such folder; give --merge the output folder of each 'casepress build "
        "--shard I/N' (its --output, or build/)",
    ]


def test_a_shard_given_twice_or_split_differently_is_refused(tmp_path, monkeypatch):
    root = make_project(tmp_path / "lib")
    monkeypatch.chdir(root)
    one, two = html_shards(root)
    (third,) = html_shards(root, count=1)  # shard-1: now 1 of 1
    assert merge_problems(root, [one, two]) == [
        "command line: --merge: the shards split the library in different numbers of shares "
        "(shard-1/shard-1-of-1.json: 1 of 1; shard-2/shard-2-of-2.json: 2 of 2); build every "
        "shard with the same N in --shard I/N, then merge"
    ]
    assert third == one and not (one / "shard-1-of-2.json").exists()
    html_shards(root)
    (root / "copy").mkdir()
    (root / "copy" / "shard-2-of-2.json").write_bytes((two / "shard-2-of-2.json").read_bytes())
    assert merge_problems(root, [one, two, root / "copy"]) == [
        "copy/shard-2-of-2.json: shard 2 of 2 is also in shard-2/shard-2-of-2.json; give "
        "--merge each shard's folder once"
    ]


def test_shards_built_from_other_sources_are_refused(sharded):
    root = sharded
    folders = [root / "shard-1", root / "shard-2"]
    case = root / "cases" / "bravo.yaml"
    case.write_text(case.read_text().replace("Truth-seeking", "Truth seeking"))  # a new title
    assert merge_problems(root, folders) == [  # the handbook holds bravo
        "shard-2/briefs/bravo.html: built from another version of cases/bravo.yaml (or of a "
        "case it names); build it again with 'casepress build --shard 2/2' from these sources",
        "shard-2/handbooks/reader.html: built from another version of handbook 'reader' (its "
        "definition, its introduction or one of its cases); build it again with 'casepress "
        "build --shard 2/2' from these sources",
    ]
    folders = html_shards(root)
    (root / "cases" / "echo.yaml").write_text(case.read_text())  # added: shard 1 of 2
    (root / "cases" / "alpha.yaml").unlink()
    assert merge_problems(root, folders) == [
        "shard-1/shard-1-of-2.json: shard 1 of 2 has no briefs/echo.html (from "
        "cases/echo.yaml): it was built before that was added or renamed; build it again "
        "with 'casepress build --shard 1/2' from these sources",
        "shard-1/shard-1-of-2.json: shard 1 of 2 holds briefs/alpha.html, which these sources "
        "do not make in that shard (a case or handbook deleted, renamed or now invalid "
        "since); build it again with 'casepress build --shard 1/2' from these sources",
        "shard-2/handbooks/reader.html: built from another version of handbook 'reader' (its "
        "definition, its introduction or one of its cases); build it again with 'casepress "
        "build --shard 2/2' from these sources",
    ]


def test_shards_built_with_other_options_are_refused(sharded):
    root = sharded
    folders = [root / "shard-1", root / "shard-2"]
    project = load_project(root, page_size="Letter")  # as --page-size Letter
    with pytest.raises(InputError) as caught:
        merge_shards(project, folders, formats=("html",))
    assert [str(p) for p in caught.value.problems] == [
        f"shard-{i}/shard-{i}-of-2.json: shard {i} of 2 was built with other settings, another "
        "theme or another casepress version than these sources (casepress.yaml, the options "
        "given to build, themes/, SOURCE_DATE_EPOCH); build every shard from these sources "
        "with the same options, then merge"
        for i in (1, 2)
    ]


def test_a_file_changed_or_lost_since_the_shard_wrote_it_is_refused(sharded):
    root = sharded
    one, two = root / "shard-1", root / "shard-2"
    with (one / "briefs" / "alpha.html").open("a") as handle:
        handle.write("<!-- edited -->")
    (two / "handbooks" / "reader.html").unlink()
    again = "copy that shard's whole output folder again, or build it again with 'casepress build"
    assert merge_problems(root, [one, two]) == [
        "shard-1/briefs/alpha.html: not the file shard 1 of 2 wrote (changed or damaged since: "
        f"its SHA-256 differs); {again} --shard 1/2'",
        "shard-2/handbooks/reader.html: missing, but shard 2 of 2 wrote it "
        f"(shard-2/shard-2-of-2.json); {again} --shard 2/2'",
    ]


def test_a_damaged_record_is_refused(sharded):
    root = sharded
    one, two = root / "shard-1", root / "shard-2"
    (two / "shard-2-of-2.json").write_text('{"format": 1, "outputs": []}')
    assert merge_problems(root, [one, two]) == [
        "shard-2/shard-2-of-2.json: is not a shard record this casepress can read (damaged, or "
        "written by another version); build it again with 'casepress build --shard 2/2'"
    ]


# -- the command line ------------------------------------------------------------------------
def test_merge_refusals_on_the_command_line(tmp_path, monkeypatch, capsys):
    root = make_project(tmp_path / "lib")
    monkeypatch.chdir(root)
    assert main(["build", "--merge", "shard-9"]) == 2
    assert err_lines(capsys) == [
        "shard-9: no such folder; give --merge the output folder of each 'casepress build "
        "--shard I/N' (its --output, or build/)",
        "casepress: nothing was merged",
    ]
    assert not (root / "build").exists()
    assert main(["build", "--merge", "--force"]) == 2
    assert err_lines(capsys) == [
        "command line: --force: --merge renders nothing, it assembles what the shards built: "
        "leave --force out (to render everything again, build the shards with --force)"
    ]
    with pytest.raises(SystemExit) as exited:
        main(["build", "--merge", "a", "--shard", "1/2"])
    assert exited.value.code == 2
    assert "argument --shard: not allowed with argument --merge" in capsys.readouterr().err


def test_build_help_shows_the_final_step(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = capsys.readouterr().out
    assert "--merge [DIR ...]" in out and "casepress build --merge shards/*" in out
