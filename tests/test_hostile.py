"""The hostile corpus: every file in tests/hostile/ tries one attack or breakage on a build.

Each file says, in its leading comments, what it tries and what must happen::

    # tries: what the file attempts
    # exit: the exit code of `casepress build` (default 0)
    # expect: a line (or part of one) the build must print; {case} is the file's path
    # expect-trusted: the same, when the project sets trust_html: true (the file is then
    #   built that way too: the sanitiser is off, the fetcher must hold on its own)
    # absent: text that must appear in neither the PDF nor the HTML (sanitised builds)
    # present: text that must appear, as written, in both (sanitised builds)
    # images: how many images the PDF may embed (default 0)
    # outputs: written | kept | html-only (default: written when exit is 0, else kept)

Each runs in a copy of a project whose other cases were already built, beside a folder of
secrets outside it, with a web server on 127.0.0.1 that must receive no request. Checked
every time: the messages, the exit code, no traceback, nothing of /etc/passwd or the
secrets in any output (no attachment, no image from outside), the other cases' outputs
byte-identical, and the hostile case's previous outputs kept when it fails.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from casepress import build_briefs, load_project
from casepress.cli import main
from conftest import PROJECTS, ROOT, pdf_inventory, pdf_text, squash, write_png

HOSTILE = Path(__file__).resolve().parent / "hostile"
SECRET = "casepress-secret-d41c"
PASSWD = "root:x:0:0"
PREVIOUS = b"previous good output\n"


@dataclass
class Expectation:
    name: str
    tries: str = ""
    exit: int = 0
    expect: list[str] = field(default_factory=list)
    expect_trusted: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    images: int = 0
    outputs: str = ""

    @classmethod
    def read(cls, path: Path) -> Expectation:
        found = cls(path.stem)
        header = path.read_bytes().decode("utf-8", "replace")
        for line in header.splitlines():
            match = re.match(r"# ([a-z-]+): (.*)$", line)
            if not match:
                if line.startswith("#"):
                    continue
                break
            key, value = match[1].replace("-", "_"), match[2]
            if key in ("expect", "expect_trusted", "absent", "present"):
                getattr(found, key).append(value)
            elif key in ("exit", "images"):
                setattr(found, key, int(value))
            elif key in ("tries", "outputs"):
                setattr(found, key, value)
            else:
                raise ValueError(f"{path.name}: unknown header {key!r}")
        found.outputs = found.outputs or ("written" if found.exit == 0 else "kept")
        return found


CORPUS = sorted(HOSTILE.glob("*.yaml"))


def test_every_corpus_file_says_what_it_tries_and_expects():
    assert len(CORPUS) >= 30
    for path in CORPUS:
        expectation = Expectation.read(path)
        assert expectation.tries, path.name
        assert expectation.expect or expectation.absent or expectation.exit, path.name
        if expectation.absent or expectation.present:  # there must be an output to look in
            assert expectation.outputs != "kept", path.name


# Files too big (or too odd) to keep in the repository are completed here.


def _append(text: str):
    def setup(case: Path, project: Path) -> None:
        with case.open("a", encoding="utf-8") as handle:
            handle.write(text)

    return setup


def _symlink(case: Path, project: Path) -> None:
    (project / "images" / "innocent.png").symlink_to(project.parent / "outside" / "secret.png")


def _bomb(case: Path, project: Path) -> None:
    write_png(project / "images" / "bomb.png", 20_000, 20_000)


SETUP = {
    "oversized-file": _append("  " + "lorem ipsum " * 440_000 + "\n"),
    "five-thousand-lessons": _append(
        "".join(
            f"  - title: Lesson {i}\n    text: This is lesson number {i}. It says little.\n"
            for i in range(1, 5001)
        )
    ),
    "huge-table": _append("".join(f"  | {1900 + i % 100} | event {i} |\n" for i in range(20_000))),
    "markdown-quadratic-brackets": _append("  " + "[" * 20_000 + "\n"),
    "deeply-nested-html": _append("  " + "<div>" * 1_500 + "\n"),
    "markdown-html-tag-openers": _append("  " + "<a " * 20_000 + "\n"),
    "markdown-escaped-tag-openers": _append("  " + "\\<a " * 20_000 + "\n"),
    "markdown-brackets-in-twelve-lessons": _append(('  - text: "' + "[" * 6_000 + '"\n') * 12),
    "markdown-brackets-across-fields": _append(('  - text: "' + "[" * 900 + '"\n') * 12),
    "image-symlink-pointing-outside": _symlink,
    "decompression-bomb-image": _bomb,
}


GOOD_CASE = """\
title: A good case
context: |
  A context with a footnote[^1] and a [link](https://example.org).

  [^1]: The note.
lessons:
  - title: First
    text: A lesson.
"""


@pytest.fixture(scope="session")
def built_base(tmp_path_factory):
    """project/ (a small project, built) and outside/ (secrets) beside it; a second copy
    with trust_html: true, since raw HTML kept as written changes every brief's bytes."""
    bases = {}
    for trusted in (False, True):
        base = tmp_path_factory.mktemp("hostile-trusted" if trusted else "hostile")
        project = base / "project"
        shutil.copytree(PROJECTS / "minimal", project)
        # case: links become absolute file:// URIs in a PDF, and image names hash their
        # absolute URL, so both differ between copies of a project: the neighbours here have
        # neither, so their outputs compare byte for byte
        (project / "cases" / "minimal-case.yaml").unlink()
        (project / "cases" / "good-case.yaml").write_text(GOOD_CASE, encoding="utf-8")
        if trusted:
            (project / "casepress.yaml").write_text("trust_html: true\n")
        write_png(project / "images" / "inside.png", 8, 8, "RGB")
        outside = base / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_text(SECRET + "\n")
        write_png(outside / "secret.png", 8, 8, "RGB")
        report = build_briefs(load_project(project))
        assert report.exit_code == 0, [str(p) for p in report.problems]
        bases[trusted] = base
    return bases


def run_case(
    source: Path, base: Path, tmp_path: Path, monkeypatch, capsys, loopback, *, trusted: bool
):
    root = tmp_path / "base"
    shutil.copytree(base[trusted], root, symlinks=True)
    project = root / "project"
    case = project / "cases" / source.name
    data = source.read_bytes().replace(b"{loopback}", f"127.0.0.1:{loopback.server_port}".encode())
    case.write_bytes(data)
    if source.stem in SETUP:
        SETUP[source.stem](case, project)
    briefs = project / "build" / "briefs"
    for ext in ("pdf", "html"):
        (briefs / f"{source.stem}.{ext}").write_bytes(PREVIOUS)
    others = {p.name: p.read_bytes() for p in briefs.iterdir()}
    monkeypatch.chdir(project)
    code = main(["build"])
    out, err = capsys.readouterr()
    return project, briefs, others, code, out + err


@pytest.mark.slow
@pytest.mark.parametrize("source", CORPUS, ids=[p.stem for p in CORPUS])
def test_hostile_input(source, built_base, tmp_path, monkeypatch, capsys, loopback):
    expected = Expectation.read(source)
    project, briefs, before, code, output = run_case(
        source, built_base, tmp_path, monkeypatch, capsys, loopback, trusted=False
    )
    check(expected, expected.expect, project, briefs, before, code, output, loopback)
    html, pdf = briefs / f"{source.stem}.html", briefs / f"{source.stem}.pdf"
    shown = [html.read_text("utf-8")] if html.read_bytes() != PREVIOUS else []
    shown += [pdf_text(pdf)] if pdf.read_bytes() != PREVIOUS else []
    assert len(shown) == {"written": 2, "html-only": 1, "kept": 0}[expected.outputs]
    for text in expected.absent:
        for output in shown:
            assert text not in output, text
    for text in expected.present:
        for output in shown:
            assert squash(text) in squash(htmllib.unescape(output)), text


TRUSTED = [p for p in CORPUS if Expectation.read(p).expect_trusted]


@pytest.mark.slow
@pytest.mark.parametrize("source", TRUSTED, ids=[p.stem for p in TRUSTED])
def test_hostile_input_with_trusted_html(
    source, built_base, tmp_path, monkeypatch, capsys, loopback
):
    """Raw HTML kept as written: only the fetcher stands between it and the files."""
    expected = Expectation.read(source)
    project, briefs, before, code, output = run_case(
        source, built_base, tmp_path, monkeypatch, capsys, loopback, trusted=True
    )
    check(expected, expected.expect_trusted, project, briefs, before, code, output, loopback)


def check(expected, messages, project, briefs, before, code, output, loopback):
    name = expected.name
    shown = f"cases/{name}.yaml"
    assert "Traceback" not in output
    for message in messages:
        wanted = message.replace("{case}", shown)
        wanted = wanted.replace("{loopback}", f"127.0.0.1:{loopback.server_port}")
        assert wanted in output, f"{wanted!r} not in:\n{output}"
    assert code == expected.exit, output
    assert loopback.requests == []

    # other cases: rebuilt byte for byte (outputs are reproducible), nothing else touched
    after = {p.name: p.read_bytes() for p in briefs.iterdir()}
    own = {f"{name}.pdf", f"{name}.html"}
    assert {k: v for k, v in after.items() if k not in own} == {
        k: v for k, v in before.items() if k not in own
    }
    pdf, html = briefs / f"{name}.pdf", briefs / f"{name}.html"
    written = {"written": {pdf, html}, "kept": set(), "html-only": {html}}[expected.outputs]
    for path in (pdf, html):
        if path in written:
            assert path.read_bytes() != PREVIOUS, f"{path.name} was not written:\n{output}"
        else:
            assert path.read_bytes() == PREVIOUS, f"{path.name} was overwritten"
    assert not list(briefs.glob(".*.tmp"))
    assert not (project.parent / "outside" / "overwritten.pdf").exists()
    assert not list(project.rglob("pwned*"))

    for path in written:
        data = path.read_bytes()
        assert PASSWD.encode() not in data and SECRET.encode() not in data
    if pdf in written:
        inventory = pdf_inventory(pdf)
        assert inventory.attachments == 0
        assert inventory.images <= expected.images
        assert PASSWD.encode() not in inventory.content
        assert SECRET.encode() not in inventory.content
        text = pdf_text(pdf)
        assert PASSWD not in text and SECRET not in text
        for uri in inventory.uris:
            assert not uri.startswith("javascript:"), uri


@pytest.mark.slow
def test_the_whole_corpus_in_one_build_has_no_traceback(built_base, tmp_path, loopback):
    """All hostile files at once, in a fresh process: one report, the good cases still built."""
    root = tmp_path / "base"
    shutil.copytree(built_base[False], root, symlinks=True)
    project = root / "project"
    shutil.rmtree(project / "build")
    for source in CORPUS:
        case = project / "cases" / source.name
        data = source.read_bytes().replace(
            b"{loopback}", f"127.0.0.1:{loopback.server_port}".encode()
        )
        case.write_bytes(data)
        if source.stem in SETUP:
            SETUP[source.stem](case, project)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "casepress", "build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == 2
    assert loopback.requests == []
    briefs = project / "build" / "briefs"
    for good in ("good-case", "second-case"):
        assert "Context" in pdf_text(briefs / f"{good}.pdf")
    pdfs = sorted(briefs.glob("*.pdf"))
    written = {f"{p.stem}.pdf" for p in CORPUS if Expectation.read(p).outputs == "written"}
    assert {"good-case.pdf", "second-case.pdf"} | written <= {p.name for p in pdfs}
    assert len(written) >= 10  # the hostile PDFs are inspected too, not only the good ones
    for pdf in pdfs:
        inventory = pdf_inventory(pdf)
        assert inventory.attachments == 0
        assert PASSWD.encode() not in inventory.content and SECRET.encode() not in inventory.content
    summary = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"wrote \d+ file\(s\) in build, .* in [\d.]+ s; .*", summary), summary
    failed = [line for line in done.stderr.splitlines() if "not written" in line]
    assert len(failed) == 1, failed  # five-thousand-lessons: its PDF is over the element limit
