"""A stopped build leaves nothing running and nothing half-written (issue 19).

Each test starts the real command (``python -m casepress``) on a library with one slow
document (a case whose 1,200-row table takes WeasyPrint several seconds to lay out, well
under every limit), waits until the fast ones are written and the slow one is being
rendered, records the whole process tree (forkserver, resource tracker, workers), and sends
one signal to the ``casepress`` process alone, as a CI time-out or ``kill`` does. Then: no
process of that tree is left, the exit code says how the build ended, no temporary or
partial file is left, and the next build finishes the job, byte for byte what an
uninterrupted build of a copy of the library makes.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pikepdf
import pytest

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
FAST = ("case-a", "case-b", "case-c")
SLOW = "zz-slow"
WAIT = 120.0
GONE_WITHIN = 10.0
"""Seconds every process of a stopped build has to end."""


def make_library(root: Path) -> Path:
    cases = root / "cases"
    cases.mkdir(parents=True)
    for name in FAST:
        (cases / f"{name}.yaml").write_text(
            f"title: Case {name[-1]}\ncontext: Short context of {name}.\n"
            "lessons:\n  - text: One lesson.\n",
            "utf-8",
        )
    rows = "\n".join(f"  | Row {i} | Value {i * 7} | Note about row {i} |" for i in range(1200))
    (cases / f"{SLOW}.yaml").write_text(
        "title: A slow case\ncontext: |\n  | Item | Value | Note |\n  |---|---|---|\n"
        f"{rows}\nlessons:\n  - text: One lesson.\n",
        "utf-8",
    )
    return root


def build(project: Path, stderr) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "casepress", "build", "--jobs", "2"],
        cwd=project, env=ENV, stdout=subprocess.DEVNULL, stderr=stderr,
        start_new_session=True,  # a process group of its own, as in a terminal
    )  # fmt: skip


def wait_until(predicate, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def alive(tree: list) -> list:
    left = []
    for process in tree:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    return left


def assert_all_gone(tree: list) -> None:
    deadline = time.monotonic() + GONE_WITHIN
    while alive(tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive(tree)
    described = [(p.pid, " ".join(p.cmdline())[-80:]) for p in left]
    for process in left:  # do not leave them to the next test
        process.kill()
    assert not left, f"still running {GONE_WITHIN:g} s after the build was stopped: {described}"


def stop(process: subprocess.Popen) -> None:
    """Whatever a failed test left running of a command's process tree."""
    try:
        left = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        left = []
    for child in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    if process.poll() is None:
        process.kill()
        process.wait()


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file of a build but the cache's record (it names the folder it describes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".casepress-cache" not in p.parts
    }


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, bytes]:
    """What a build of the library makes when nothing stops it."""
    project = make_library(tmp_path_factory.mktemp("uninterrupted"))
    process = build(project, subprocess.PIPE)
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err.decode()
    return outputs(project / "build")


@pytest.mark.parametrize(
    ("signum", "code", "group"),
    [
        (signal.SIGINT, 130, False),
        (signal.SIGTERM, 143, False),
        (signal.SIGKILL, -signal.SIGKILL, False),
        (signal.SIGHUP, 129, True),  # a terminal that closes hangs up the whole group
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP-to-the-group"],
)
def test_a_stopped_build_leaves_no_process_and_the_next_one_finishes_it(
    tmp_path, uninterrupted, signum, code, group
):
    project = make_library(tmp_path / "library")
    briefs = project / "build" / "briefs"
    fast = [briefs / f"{name}.{fmt}" for name in FAST for fmt in ("pdf", "html")]
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:  # a file: orphans holding a pipe would block a read
        process = build(project, stderr)
    try:
        wait_until(lambda: all(p.exists() for p in fast), "the fast briefs")
        time.sleep(0.5)  # the slow one is being laid out now (it takes seconds)
        assert process.poll() is None, "the build ended before it could be stopped"
        tree = psutil.Process(process.pid).children(recursive=True)
        assert len(tree) >= 3, tree  # forkserver, resource tracker, worker(s)
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)  # the casepress process alone, as a CI time-out does
        ended = process.wait(timeout=GONE_WITHIN)
        assert_all_gone(tree)
    finally:
        stop(process)
    assert ended == code

    said = log.read_text("utf-8")
    assert "Traceback" not in said
    if signum != signal.SIGKILL:
        assert re.search(
            r"^casepress: build interrupted: 6 of 8 output\(s\) written; "
            r"run the same command again to finish$",
            said,
            re.MULTILINE,
        ), said
    assert not (briefs / f"{SLOW}.pdf").exists()  # stopped while it was being laid out
    leftovers = [p.name for p in (project / "build").rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers
    for pdf in (project / "build").rglob("*.pdf"):
        with pikepdf.open(pdf):  # every PDF there is whole
            pass
    kept = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in fast}

    again = build(project, subprocess.PIPE)
    _, err = again.communicate(timeout=WAIT)
    assert again.returncode == 0, err.decode()
    assert outputs(project / "build") == uninterrupted
    if signum != signal.SIGKILL:  # recorded as finished: not rendered again
        assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in fast} == kept


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_the_preview_server_stops_its_workers(tmp_path, signum):
    project = make_library(tmp_path / "library")
    process = subprocess.Popen(
        [sys.executable, "-m", "casepress", "serve", "--port", "0", "-C", str(project)],
        stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True)
    reader.start()
    try:
        line = lines.get(timeout=WAIT)
        assert "serving a preview at http://127.0.0.1:" in line, line
        url = line.split(" at ", 1)[1].split()[0]

        def ask() -> None:  # the slow PDF, made on request by the server's workers
            with contextlib.suppress(OSError):  # the server stopped first (URLError too)
                urllib.request.urlopen(f"{url}cases/{SLOW}.pdf", timeout=WAIT).read()

        threading.Thread(target=ask, daemon=True).start()
        server = psutil.Process(process.pid)

        def rendering() -> bool:
            for child in server.children(recursive=True):
                try:  # a worker: forked by the forkserver, busy for a while
                    if child.ppid() != process.pid and child.cpu_times().user > 0.5:
                        return True
                except psutil.NoSuchProcess:
                    pass
            return False

        wait_until(rendering, "a worker rendering the slow PDF")
        tree = server.children(recursive=True)
        process.send_signal(signum)
        code = process.wait(timeout=GONE_WITHIN)
        assert_all_gone(tree)
    finally:
        stop(process)
    reader.join(timeout=GONE_WITHIN)
    said = "".join(lines.queue)
    if signum == signal.SIGTERM:
        assert code == 0 and "stopped" in said, said
        assert "Traceback" not in said, said
    else:
        assert code == -signal.SIGKILL
    process.stderr.close()
    shutil.rmtree(project)


def test_a_worker_watching_its_parent_ends_when_the_parent_is_killed_without_prctl():
    """The portable tie alone (macOS has no PR_SET_PDEATHSIG): a child that runs
    ``lifeline.watch_parent`` ends as soon as the process that started it is killed."""
    script = (
        "import multiprocessing, time\n"
        "from casepress.build.lifeline import watch_parent\n"
        "def child():\n"
        "    watch_parent()\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    process = multiprocessing.get_context('fork').Process(target=child)\n"
        "    process.start()\n"
        "    print(process.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], env=ENV, stdout=subprocess.PIPE, text=True
    )
    try:
        child = psutil.Process(int(parent.stdout.readline()))
        time.sleep(0.5)
        assert alive([child])
        parent.kill()
        parent.wait(timeout=GONE_WITHIN)
        assert_all_gone([child])
    finally:
        stop(parent)
        parent.stdout.close()
