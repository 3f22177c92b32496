"""A build never corrupts or loses outputs, and reports what it refused where it was asked for."""

import os
import subprocess
import sys
import threading
import time

import pytest
from pypdf import PdfReader

from casepress import build_briefs, load_project
from casepress.build.writing import output_lock
from casepress.cli import main
from casepress.errors import BuildLockedError, RenderError
from conftest import ROOT, copy_project, pdf_inventory, pdf_text, write_png


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = copy_project("minimal", tmp_path)
    monkeypatch.chdir(root)
    return root


def write_case(project, name, text):
    (project / "cases" / f"{name}.yaml").write_text(text, encoding="utf-8")


def run(capsys, *argv):
    code = main(["--quiet" if a == "-q" else a for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.slow
def test_refused_images_are_warnings_at_their_field_and_strict_fails(project, capsys):
    write_png(project / "images" / "map.png", 30, 20, "RGB")
    write_case(
        project,
        "images",
        "title: Images\ncontext: Fine.\nlessons:\n  - text: x\n  - title: Second\n"
        "    text: |\n      ![map](../images/map.png) and ![leak](/etc/passwd)\n",
    )
    code, err = run(capsys, "brief", "cases/images.yaml", "-q")
    assert code == 0
    assert err == (
        "cases/images.yaml:7:37: warning: lessons #2.text: image '/etc/passwd' refused: "
        "outside the project and its theme folders\n"
    )
    assert pdf_inventory(project / "build" / "briefs" / "images.pdf").images == 1
    html = (project / "build" / "briefs" / "images.html").read_text()
    assert "passwd" not in html and '<span class="image-refused">leak</span>' in html

    code, err = run(capsys, "brief", "cases/images.yaml", "--strict")
    assert code == 2
    assert err.endswith("1 warning(s) — failed: --strict treats warnings as errors\n")


@pytest.mark.slow
def test_an_image_over_the_pixel_limit_is_an_error_and_keeps_the_old_outputs(project, capsys):
    write_png(project / "images" / "photo.png", 1200, 1000, "RGB")
    (project / "casepress.yaml").write_text("max_image_pixels: 1_000_000\n")
    write_case(
        project,
        "photo",
        "title: Photo\ncontext: '![p](../images/photo.png)'\nlessons: [{text: x}]\n",
    )
    briefs = project / "build" / "briefs"
    briefs.mkdir(parents=True)
    (briefs / "photo.pdf").write_bytes(b"%PDF previous good output")
    code, err = run(capsys, "brief", "cases/photo.yaml", "-q")
    assert code == 2
    assert err == (
        "cases/photo.yaml:2:11: context: image '../images/photo.png' refused: image is "
        "1,200 × 1,000 pixels (1.2 megapixels), more than the limit of 1.0 megapixels "
        "(max_image_pixels in casepress.yaml)\n"
    )
    assert (briefs / "photo.pdf").read_bytes() == b"%PDF previous good output"
    assert not (briefs / "photo.html").exists()


@pytest.mark.slow
def test_characters_no_font_can_draw_are_reported_by_case_field_and_character(project, capsys):
    write_case(
        project,
        "scripts",
        "title: Scripts\ncontext: Plain text, Ελληνικά and Кириллица are fine.\n"
        "lessons:\n  - text: 'Hindi: नमस्ते'\n  - text: 'Chinese: 中文'\n",
    )
    code, err = run(capsys, "brief", "cases/scripts.yaml", "--format", "pdf", "-q")
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(
        "cases/scripts.yaml:4:11: warning: lessons #1.text: characters U+0928 'न', U+092E 'म', "
    )
    assert lines[1].startswith(
        "cases/scripts.yaml:5:11: warning: lessons #2.text: characters U+4E2D '中', U+6587 '文' "
        "cannot be drawn by font(s) Source Serif Pro, Noto Naskh Arabic, Source Serif 4, Georgia, DejaVu Serif, serif"
    )
    assert lines[1].endswith(
        "or any installed fallback; they print as empty boxes (use a theme with a font that covers them)"
    )
    code, err = run(capsys, "brief", "cases/scripts.yaml", "--format", "pdf", "--strict", "-q")
    assert code == 2


@pytest.mark.slow
def test_trusted_html_is_kept_but_resources_stay_sandboxed(project, capsys, loopback):
    (project / "casepress.yaml").write_text("trust_html: true\n")
    url = f"http://127.0.0.1:{loopback.server_port}/track.png"
    write_case(
        project,
        "trusted",
        "title: Trusted\ncontext: |\n  <script>var x = 1;</script>\n\n"
        '  <a rel="attachment" href="file:///etc/passwd">passwd</a>\n'
        f'lessons:\n  - text: <img src="{url}" alt="pixel">\n',
    )
    code, err = run(capsys, "brief", "cases/trusted.yaml", "-q")
    assert code == 0
    assert err.splitlines() == [
        "cases/trusted.yaml:2:10: warning: context: refused file:///etc/passwd: "
        "outside the project and its theme folders",
        f"cases/trusted.yaml:7:11: warning: lessons #1.text: image '{url}' refused: "
        "network access is off (set allow_network: true to allow it)",
    ]
    assert loopback.requests == []
    briefs = project / "build" / "briefs"
    assert "<script>var x = 1;</script>" in (briefs / "trusted.html").read_text()
    inventory = pdf_inventory(briefs / "trusted.pdf")
    assert inventory.attachments == 0 and b"root:x:0:0" not in inventory.content


@pytest.mark.slow
def test_allow_network_fetches_remote_images(project, capsys, loopback):
    (project / "casepress.yaml").write_text("allow_network: true\n")
    url = f"http://127.0.0.1:{loopback.server_port}/remote.png"
    write_case(
        project, "remote", f"title: Remote\ncontext: '![r]({url})'\nlessons: [{{text: x}}]\n"
    )
    code, err = run(capsys, "brief", "cases/remote.yaml", "--format", "pdf", "-q")
    assert (code, err) == (0, "")
    assert loopback.requests == ["/remote.png"]
    assert pdf_inventory(project / "build" / "briefs" / "remote.pdf").images == 1


@pytest.mark.slow
def test_a_failed_render_keeps_the_previous_output_and_leaves_no_temporary_file(
    project, monkeypatch
):
    from casepress.pdf.writer import PdfRenderer

    build_briefs(load_project(project))
    briefs = project / "build" / "briefs"
    before = {p.name: p.read_bytes() for p in briefs.iterdir()}

    def broken(self, document, *args, **kwargs):
        raise RenderError("writing the PDF failed: simulated")

    monkeypatch.setattr(PdfRenderer, "write", broken)
    # rendered again although nothing changed (force), in this process where the patch is
    # (jobs=0: no worker processes)
    report = build_briefs(load_project(project), force=True, jobs=0)
    assert report.exit_code == 1
    assert [str(p) for p in report.failures] == [
        "cases/minimal-case.yaml: PDF not written: writing the PDF failed: simulated",
        "cases/second-case.yaml: PDF not written: writing the PDF failed: simulated",
    ]
    after = {p.name: p.read_bytes() for p in briefs.iterdir()}
    assert after == before


def test_leftovers_of_a_killed_build_are_removed_by_the_next(project):
    briefs = project / "build" / "briefs"
    briefs.mkdir(parents=True)
    (briefs / ".minimal-case.pdf.k1ll3d.tmp").write_bytes(b"half a PDF")
    build_briefs(load_project(project), formats=("html",))
    assert sorted(p.name for p in briefs.iterdir()) == ["minimal-case.html", "second-case.html"]


@pytest.mark.slow
def test_a_build_waits_for_another_build_of_the_same_folder(project, capsys):
    briefs = project / "build" / "briefs"
    held, released = threading.Event(), threading.Event()

    def hold():
        with output_lock(briefs):
            held.set()
            time.sleep(0.5)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    code, err = run(capsys, "build", "-q")
    holder.join()
    assert code == 0
    assert released.is_set()
    assert (
        "casepress: another casepress build is writing to build/briefs; waiting for it to finish"
        in err
    )


def test_a_build_gives_up_with_a_clear_message_when_the_lock_is_held_too_long(project):
    briefs = project / "build" / "briefs"
    with output_lock(briefs), pytest.raises(BuildLockedError) as caught:
        build_briefs(load_project(project), lock_timeout=0.3)
    assert str(caught.value) == (
        "another casepress build has been writing to build/briefs for more than 0.3 s; "
        "try again when it has finished"
    )
    assert list(briefs.iterdir()) == []  # the lock is on the folder: no lock file


@pytest.mark.slow
def test_two_concurrent_builds_of_one_project_both_succeed_with_valid_pdfs(project):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "casepress", "build", "--quiet"]
    runs = [
        subprocess.Popen(command, cwd=project, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in runs]
    for process in runs:
        process.stderr.close()
    assert [code for code, _ in results] == [0, 0], results
    assert all("Traceback" not in err for _, err in results)
    briefs = project / "build" / "briefs"
    assert sorted(p.name for p in briefs.iterdir()) == [
        "minimal-case.html", "minimal-case.pdf", "second-case.html", "second-case.pdf",
    ]  # fmt: skip
    for pdf in briefs.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1
        assert "Context" in pdf_text(pdf)


def test_a_refusal_is_attributed_to_the_field_that_names_the_resource():
    from casepress.pdf.problems import field_naming as _field_naming

    texts = [
        ("title", "On the secret.txt policy"),  # prose that happens to say the file name
        ("context", 'see <a rel="attachment" href="../../outside/secret.txt">x</a>'),
        ("outcome", "<img src='file:///etc/passwd'>"),
    ]
    assert _field_naming("file:///tmp/p/outside/secret.txt", texts) == "context"
    assert _field_naming("file:///etc/passwd", texts) == "outcome"
    assert _field_naming("file:///theme/styles/paper.png", texts) == ""
