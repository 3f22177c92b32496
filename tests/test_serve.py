"""`casepress serve`: a saved case shows up in the browser, a broken one as a page of errors,
and the server stays up throughout. Each test runs a real server on a free port."""

import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from browser import Browser, chromium_path
from casepress import load_project
from casepress.authoring.create import SAMPLE_ID, init_project
from casepress.errors import UsageError
from casepress.serve.server import PreviewServer, is_loopback

pytestmark = pytest.mark.slow  # every test renders PDFs or starts processes

PAGE = f"cases/{SAMPLE_ID}.html"
TITLE = "title: Truth-seeking and SSR in Peru"
WAIT = 15.0
"""Longest wait for a rebuild to show (it takes well under a second)."""


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


def text(url: str) -> str:
    return get(url)[2].decode("utf-8")


def wait_for_text(url: str, needle: str) -> str:
    """The page at ``url`` once it contains ``needle`` (a rebuild takes a moment)."""
    return wait_until(lambda: (page := text(url)) and needle in page and page, repr(needle))


def wait_until(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"after {WAIT} s, still no {what}")


@pytest.fixture
def project(tmp_path) -> Path:
    init_project(tmp_path / "library")
    return tmp_path / "library"


@pytest.fixture
def server(project):
    with PreviewServer(lambda: load_project(project), port=0) as running:
        yield running


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text("utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), "utf-8")


def test_a_saved_case_shows_in_the_served_page(server, project):
    assert server.url.startswith("http://127.0.0.1:")
    status, kind, body = get(server.url + PAGE)
    assert status == 200 and kind == "text/html; charset=utf-8"
    page = body.decode()
    assert "Truth-seeking and SSR in Peru</h1>" in page
    assert 'href="truth-seeking-and-ssr-in-peru.pdf"' in page  # the link to its fresh PDF
    assert "new EventSource(" in page  # the live-reload script, added when served ...
    assert not (project / "build").exists()  # build/ stays what `casepress build` made

    edit(project / "cases" / f"{SAMPLE_ID}.yaml", TITLE, "title: Truth & reconciliation in Peru")
    page = wait_for_text(server.url + PAGE, "Truth &amp; reconciliation")
    assert ">Truth &amp; reconciliation in Peru</h1>" in page
    assert "Truth &amp; reconciliation in Peru" in text(server.url)  # the index too
    # ... but never written into a file
    served_files = list(Path(server.preview.out).glob("**/*.html"))
    assert served_files and not any("EventSource" in p.read_text() for p in served_files)


def test_a_broken_case_shows_its_errors_and_the_server_stays_up(server, project):
    case = project / "cases" / f"{SAMPLE_ID}.yaml"
    good = case.read_text("utf-8")
    edit(case, "lessons:", "<lessons>:")
    page = wait_for_text(server.url + PAGE, "problems in")
    shown = f"cases/{SAMPLE_ID}.yaml"
    assert "<h1>2 problems in " in page
    line = good.splitlines().index(next(x for x in good.splitlines() if x.startswith("lessons:")))
    unknown = f"{line + 1}:1: &lt;lessons&gt;: unknown field"
    assert unknown in page, page  # file:line:col: field: message, escaped
    assert "<lessons>" not in page  # never as markup
    assert f"{shown}:" in page and "required field is missing" in page
    assert "<mark>" in page  # the offending line, among the lines around it
    assert 'href="?last-good"' in page

    # The server is still up: other pages, the last good version, the PDF of the last good case
    assert get(server.url)[0] == 200
    last_good = text(server.url + PAGE + "?last-good")
    assert "Truth-seeking and SSR in Peru</h1>" in last_good
    assert "This is the last good version" in last_good
    assert get(server.url + f"cases/{SAMPLE_ID}.pdf")[2].startswith(b"%PDF-")
    problems = text(server.url + "__casepress/problems")
    assert "unknown field" in problems

    # Invalid YAML, with markup in it: still a readable, escaped page
    case.write_text('title: "<script>alert(1)</script>\n', "utf-8")
    page = wait_for_text(server.url + PAGE, "never closed")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    case.write_text(good, "utf-8")
    wait_for_text(server.url + PAGE, "case-title")


def test_the_pdf_is_made_when_asked_for_and_again_after_a_change(server, project):
    status, kind, body = get(server.url + f"cases/{SAMPLE_ID}.pdf")
    assert status == 200 and kind == "application/pdf"
    assert "Truth-seeking and SSR in Peru" in PdfReader(io.BytesIO(body)).pages[0].extract_text()
    version = server.preview.version
    edit(project / "cases" / f"{SAMPLE_ID}.yaml", TITLE, "title: A fresh title")
    wait_until(lambda: server.preview.version > version, "rebuild")
    body = get(server.url + f"cases/{SAMPLE_ID}.pdf")[2]
    assert "A fresh title" in PdfReader(io.BytesIO(body)).pages[0].extract_text()


def test_open_pages_are_told_to_reload_after_a_rebuild(server, project):
    version = json.loads(text(server.url + "__casepress/version"))["version"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as connection:
        connection.sendall(f"GET /__casepress/events?since={version} HTTP/1.0\r\n\r\n".encode())
        stream = connection.makefile("rb")
        assert b"text/event-stream" in b"".join(iter(stream.readline, b"\r\n"))
        assert stream.readline() == b"retry: 1000\n"
        (project / "templates").mkdir()  # a new template folder: everything is rebuilt
        (project / "templates" / "case.html.j2").write_text(
            '{% extends "base:case.html.j2" %}{% block summary %}<p>OVERRIDDEN</p>{% endblock %}'
        )
        deadline = time.monotonic() + WAIT
        while not (line := stream.readline()).startswith(b"data:"):
            assert line and time.monotonic() < deadline, "no event after the rebuild"
        assert int(line.split(b":")[1]) > version
        stream.close()
    wait_for_text(server.url + PAGE, "OVERRIDDEN")


def test_a_template_error_is_shown_and_fixed_without_a_restart(server, project):
    (project / "templates").mkdir()
    template = project / "templates" / "case.html.j2"
    template.write_text(
        '{% extends "base:case.html.j2" %}{% block summary %}{{ case.nope }}{% endblock %}'
    )
    page = wait_for_text(server.url + PAGE, "nope")
    assert "templates/case.html.j2:1" in page
    template.write_text('{% extends "base:case.html.j2" %}')
    wait_for_text(server.url + PAGE, "case-title")


def test_a_new_case_file_appears_and_a_deleted_one_goes(server, project):
    new = project / "cases" / "second.yaml"
    new.write_text("title: A second case\ncontext: Text.\nlessons:\n  - text: One.\n", "utf-8")
    wait_for_text(server.url, "A second case")
    assert get(server.url + "cases/second.html")[0] == 200
    new.unlink()
    wait_until(lambda: get(server.url + "cases/second.html")[0] == 404, "page gone")
    assert "A second case" not in text(server.url)


def test_only_files_of_the_preview_are_served(server):
    for path in ("../casepress.yaml", "%2e%2e/casepress.yaml", "cases/.hidden.html", "nope.html"):
        assert get(server.url + path)[0] == 404, path
    assert "Page not found" in text(server.url + "nope.html")
    assert get(server.url + "cases/")[0] == 404
    # A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) reads nothing
    request = urllib.request.Request(server.url, headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    refused.value.close()
    assert refused.value.code == 403
    for host in ("localhost", f"127.0.0.1:{server.port}", "[::1]:80", "casepress.localhost"):
        request = urllib.request.Request(server.url, headers={"Host": host})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, host


def test_loopback_is_the_default_and_a_busy_port_is_a_clear_error(project):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    with PreviewServer(lambda: load_project(project), port=0, watch=False) as first:
        assert first.host == "127.0.0.1"
        second = PreviewServer(lambda: load_project(project), port=first.port, watch=False)
        with pytest.raises(UsageError, match=f"port {first.port} is in use on 127.0.0.1.*--port"):
            second.start()
        second.stop()


def test_an_invalid_project_file_is_shown_on_every_page(project):
    (project / "casepress.yaml").write_text("page_size: B5\n", "utf-8")
    with PreviewServer(lambda: load_project(project), port=0, watch=False) as server:
        page = text(server.url)
        assert "casepress.yaml:1:12: page_size: expected one of A4, Letter, A5" in page


def test_the_command_reports_rebuilds_and_serves_until_interrupted(project):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "casepress", "serve", "--port", "0", "-C", str(project)],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True)
    reader.start()
    try:
        line = lines.get(timeout=WAIT)
        assert "serving a preview at http://127.0.0.1:" in line, line
        url = line.split(" at ", 1)[1].split()[0]
        assert "Truth-seeking" in text(url)
        edit(project / "cases" / f"{SAMPLE_ID}.yaml", "lessons:", "lesson:")
        line = lines.get(timeout=WAIT)
        # its page (now the errors) and its French translation's (no more "Also available in")
        assert f"{SAMPLE_ID}.yaml changed: rebuilt 2 page(s)" in line and "2 error(s)" in line
        assert "lessons: required field is missing" in lines.get(timeout=WAIT)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT) == 0
        reader.join(timeout=WAIT)
        assert "stopped" in "".join(lines.queue)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()


def test_casepress_yaml_and_a_cases_folder_made_later_are_watched(tmp_path):
    (tmp_path / "casepress.yaml").write_text("title: First title\n", "utf-8")
    with PreviewServer(lambda: load_project(tmp_path), port=0) as server:
        assert "First title" in text(server.url)
        (tmp_path / "casepress.yaml").write_text("title: Second title\n", "utf-8")
        wait_for_text(server.url, "Second title")
        (tmp_path / "cases").mkdir()
        (tmp_path / "cases" / "late.yaml").write_text(
            "title: A late case\ncontext: Text.\nlessons:\n  - text: One.\n", "utf-8"
        )
        wait_for_text(server.url, "A late case")


@pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")
def test_the_open_page_reloads_itself_in_a_real_browser(server, project):
    case = project / "cases" / f"{SAMPLE_ID}.yaml"
    with Browser(chromium_path()) as browser:
        browser.open(server.url + PAGE)
        browser.evaluate("window.notReloaded = true")
        edit(case, TITLE, "title: Reloaded by itself")
        browser.wait_until(
            "document.querySelector('h1').textContent === 'Reloaded by itself'", WAIT
        )
        assert browser.evaluate("window.notReloaded === undefined")
        edit(case, "lessons:", "lesson:")  # broken: the error page replaces the brief ...
        browser.wait_until("document.title.startsWith('casepress: 2 problems')", WAIT)
        edit(case, "lesson:", "lessons:")  # ... until the file is fixed
        browser.wait_until("document.querySelector('h1.case-title') !== null", WAIT)


def test_handbooks_are_made_when_opened_and_follow_their_cases(server, project):
    book = server.url + "handbooks/casebook.html"
    assert "Truth-seeking and SSR in Peru" in text(book)
    edit(project / "cases" / f"{SAMPLE_ID}.yaml", TITLE, "title: In the handbook too")
    wait_for_text(book, "In the handbook too")
    assert get(server.url + "handbooks/casebook.pdf")[2].startswith(b"%PDF-")
    assert get(server.url + "handbooks/nope.html")[0] == 404
