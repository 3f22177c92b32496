"""One document, no pool: a batch too small to start workers for is laid out in this
process, with the pool's guarantees (a timeout, per-document errors, bounded memory) and
the same bytes as a pooled build."""

import time

import pytest

from casepress.build import workers
from casepress.build.workers import TaskFailure, WorkerPool
from casepress.cli import main
from casepress.errors import InputError, Problem
from conftest import copy_project


class WorkerStartedError(AssertionError):
    pass


@pytest.fixture
def no_workers(monkeypatch):
    """Starting a worker process (the forkserver, or a pool of them) fails the test."""

    def refuse(*args, **kwargs):
        raise WorkerStartedError("a worker process was started")

    monkeypatch.setattr(workers, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(workers, "start_server", refuse)
    monkeypatch.setattr(workers, "_IN_PROCESS_DONE", 0)


@pytest.fixture
def project(tmp_path):
    return copy_project("minimal", tmp_path)


def _brief(project, out, *extra):
    case = project / "cases" / "minimal-case.yaml"
    return main(["brief", str(case), "--force", "--output", str(out), *extra])


def _twice(value):
    return value * 2


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


# -- the pool's rule ------------------------------------------------------------------------
def test_one_task_runs_in_this_process_with_no_worker_started(no_workers):
    pool = WorkerPool(2)
    assert list(pool.map(_twice, [("a", ("a",))], count=1)) == [("a", "aa")]
    assert (pool.started, pool.in_process) == (0, 1)


def test_a_task_in_this_process_past_its_timeout_is_stopped_and_reported(no_workers):
    pool = WorkerPool(2, timeout=0.2)
    assert dict(pool.map(_sleep, [("slow", (30,))], count=1)) == {
        "slow": TaskFailure("rendering took longer than 0.2 s and was stopped")
    }
    # the document was abandoned half-way: whatever comes next goes to workers
    assert not workers.in_process_suits(1, 2)


def test_memory_stays_bounded_workers_take_over_after_max_tasks(monkeypatch):
    monkeypatch.setattr(workers, "_IN_PROCESS_DONE", 0)
    assert workers.in_process_suits(1, 2)
    assert not workers.in_process_suits(workers.IN_PROCESS_MAX + 1, 2)
    monkeypatch.setattr(workers, "_IN_PROCESS_DONE", workers.DEFAULT_MAX_TASKS)
    assert not workers.in_process_suits(1, 2)


@pytest.mark.slow
def test_more_tasks_than_the_rule_allows_start_workers():
    with WorkerPool(2) as pool:
        items = [(v, (v,)) for v in "abc"[: workers.IN_PROCESS_MAX + 1]]
        outcomes = dict(pool.map(_twice, items, count=len(items)))
    assert outcomes == {v: v * 2 for v, _ in items}
    assert (pool.started, pool.in_process) == (1, 0)


# -- casepress brief of one case --------------------------------------------------------------
def test_an_error_in_the_case_text_is_reported_at_its_place(project, tmp_path, no_workers,
                                                            monkeypatch, capsys):  # fmt: skip
    """In this process the renderer is this module's (a worker would not see the patch)."""
    from casepress.render.renderer import Renderer

    def broken(self, case, target="pdf", problems=None):
        raise InputError([Problem.error("cases/minimal-case.yaml", "an unclosed note call",
                                        line=7, column=3, field="context")])  # fmt: skip

    monkeypatch.setattr(Renderer, "render_brief", broken)
    assert _brief(project, tmp_path / "out", "--format", "pdf") != 0
    err = capsys.readouterr().err
    assert "cases/minimal-case.yaml:7:3: context: an unclosed note call" in err
    assert not (tmp_path / "out" / "minimal-case.pdf").exists()


def test_a_failing_pdf_is_that_cases_error_and_its_html_is_still_written(
    project, tmp_path, no_workers, monkeypatch, capsys
):
    from casepress.pdf.writer import PdfRenderer

    def crash(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(PdfRenderer, "pdf", crash)
    assert _brief(project, tmp_path / "out", "--format", "both") == 1
    err = capsys.readouterr().err
    assert "minimal-case.yaml: PDF not written: internal error" in err and "boom" in err
    assert "Traceback" not in err
    assert (tmp_path / "out" / "minimal-case.html").is_file()
    assert not (tmp_path / "out" / "minimal-case.pdf").exists()


@pytest.mark.slow
def test_one_brief_is_laid_out_here_and_equals_a_pooled_one_byte_for_byte(
    project, tmp_path, monkeypatch, capsys
):
    import gc
    import tempfile

    with monkeypatch.context() as patch:  # no worker may start
        patch.setattr(workers, "ProcessPoolExecutor", WorkerStartedError)
        patch.setattr(workers, "start_server", WorkerStartedError)
        patch.setattr(workers, "_IN_PROCESS_DONE", 0)
        (tmp_path / "tmp").mkdir()
        patch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
        assert _brief(project, tmp_path / "here", "--format", "both") == 0
        # WeasyPrint's folder of the theme's fonts goes with the build's renderer (a killed
        # worker leaves it behind); the renderer holds a reference cycle: collect it
        gc.collect()
        assert list((tmp_path / "tmp").iterdir()) == []
    assert "1 document to render: laid out in this process" in capsys.readouterr().err
    monkeypatch.setattr(workers, "IN_PROCESS_MAX", 0)  # the pool, as before
    assert _brief(project, tmp_path / "pool", "--format", "both", "--jobs", "1") == 0
    for name in ("minimal-case.pdf", "minimal-case.html"):
        here, pooled = (tmp_path / d / name for d in ("here", "pool"))
        assert here.read_bytes() == pooled.read_bytes(), name
