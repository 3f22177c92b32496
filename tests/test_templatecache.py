"""Compiled templates kept between builds (build/templatecache.py): a later process loads
them instead of compiling again, a changed template is compiled again, and a file in the
cache that this user's casepress did not sign (a project sent with its build folder) is
never run. HTML briefs only: nothing here lays out a page."""

import io
import marshal
import os
import pickle
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import bc_magic

from casepress import build_briefs, load_project
from casepress.build import templatecache
from casepress.render.sandbox import BoundedSandbox
from conftest import ROOT, copy_project

HTML = {"formats": ("html",), "jobs": 0, "force": True}


@pytest.fixture
def compiled(monkeypatch, tmp_path):
    """Names of the templates compiled (not loaded from the cache), build after build; the
    signing key in a folder of this test's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    made: list[str] = []
    compile_ = BoundedSandbox.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        made.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(BoundedSandbox, "compile", counted)
    return made


def build(project: Path) -> dict[str, bytes]:
    report = build_briefs(load_project(project), **HTML)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    out = project / "build" / "briefs"
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.html"))}


def kept(project: Path) -> list[Path]:
    return sorted((project / "build" / ".casepress-cache" / "templates").glob("*"))


def test_a_later_build_loads_the_compiled_templates(compiled, tmp_path):
    project = copy_project("minimal", tmp_path)
    first = build(project)
    assert "brief.html.j2" in compiled and kept(project)
    compiled.clear()
    assert build(project) == first  # same bytes, nothing compiled
    assert compiled == []
    key = tmp_path / "user-cache" / "casepress" / "template-cache.key"
    assert key.is_file() and key.stat().st_mode & 0o077 == 0  # the user's alone


def test_a_changed_template_is_compiled_again(compiled, tmp_path):
    project = copy_project("minimal", tmp_path)
    (project / "templates").mkdir(exist_ok=True)
    override = project / "templates" / "brief.html.j2"
    original = (ROOT / "templates" / "brief.html.j2").read_text("utf-8")
    override.write_text(
        original.replace("{% block case %}", "{% block case %}<!-- first -->", 1), "utf-8"
    )
    first = build(project)
    assert all(b"<!-- first -->" in html for html in first.values())
    override.write_text(
        original.replace("{% block case %}", "{% block case %}<!-- second -->", 1), "utf-8"
    )
    os.utime(override, (1, 1))  # the same modification time as a copy might have
    compiled.clear()
    second = build(project)
    assert "brief.html.j2" in compiled
    assert all(b"<!-- second -->" in h and b"<!-- first -->" not in h for h in second.values())


def _forged(genuine: bytes, marker: Path) -> bytes:
    """A cache file as Jinja writes it, for the template's real text (an attacker knows it),
    with code that would create ``marker``, signed with another key."""
    stream = io.BytesIO(genuine[32:])
    assert stream.read(len(bc_magic)) == bc_magic
    checksum = pickle.load(stream)
    code = compile(f"open({str(marker)!r}, 'w').close()", "forged", "exec")
    return os.urandom(32) + bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code)


def test_a_file_this_user_did_not_sign_is_never_run(compiled, tmp_path):
    project = copy_project("minimal", tmp_path)
    first = build(project)
    marker = tmp_path / "ran"
    for path in kept(project):  # the right names, another key
        path.write_bytes(_forged(path.read_bytes(), marker))
    compiled.clear()
    assert build(project) == first
    assert not marker.exists()
    assert "brief.html.j2" in compiled  # compiled again, and kept signed
    compiled.clear()
    assert build(project) == first and compiled == []


def test_a_damaged_file_is_compiled_again(compiled, tmp_path):
    project = copy_project("minimal", tmp_path)
    first = build(project)
    for path in kept(project):
        path.write_bytes(path.read_bytes()[:50])  # cut short, as by a full disk
    compiled.clear()
    assert build(project) == first
    assert "brief.html.j2" in compiled


def test_without_a_key_nothing_is_kept(compiled, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # no key can be made under it
    project = copy_project("minimal", tmp_path)
    first = build(project)
    assert not kept(project)
    compiled.clear()
    assert build(project) == first and "brief.html.j2" in compiled


def test_the_code_key_follows_jinja_and_the_settings():
    env = BoundedSandbox(trim_blocks=True)
    key = templatecache.code_key(env)
    assert key == templatecache.code_key(BoundedSandbox(trim_blocks=True))
    assert key != templatecache.code_key(BoundedSandbox(trim_blocks=False))
    assert key != templatecache.code_key(jinja2.sandbox.SandboxedEnvironment(trim_blocks=True))
    other = BoundedSandbox(trim_blocks=True)
    other.filters["extra"] = str
    assert key != templatecache.code_key(other)
    assert key != templatecache.code_key(BoundedSandbox(trim_blocks=True, finalize=str))
