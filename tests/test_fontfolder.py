"""A build leaves no copies of its fonts in the temporary directory (WeasyPrint copies every
@font-face file into a folder of its own there; builds used to leave 2.6 MB a process)."""

import os
import subprocess
import sys

import pytest

from casepress.pdf import fontfolder
from conftest import ROOT, copy_project


def test_folders_of_ended_processes_are_swept_and_others_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    names = [f"casepress-fonts-{ended}-abc", f"casepress-fonts-{os.getpid()}-abc",
             "casepress-fonts-1-abc", "weasyprint-abc", "casepress-fonts-x-abc"]  # fmt: skip
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "font").write_bytes(b"0" * 10)
    assert fontfolder.sweep(str(tmp_path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def test_the_folder_goes_when_the_configuration_is_freed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    config = fontfolder.font_configuration()
    folder = config._folder
    assert folder.parent == tmp_path and folder.name.startswith(f"casepress-fonts-{os.getpid()}-")
    del config
    assert not folder.exists()


def _left(tmp: str) -> list[str]:
    return sorted(n for n in os.listdir(tmp) if n.startswith(("weasyprint-", "casepress-fonts-")))


@pytest.mark.slow
@pytest.mark.parametrize("command", ["brief", "build"])
def test_a_build_leaves_no_font_folder_behind(tmp_path, command):
    """``brief`` lays out in this process; ``build`` of the sample with two jobs in workers."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT / "src")}
    if command == "brief":
        project = copy_project("minimal", tmp_path)
        args = ["brief", str(project / "cases" / "minimal-case.yaml")]
    else:
        args = ["-C", str(ROOT), "build", "--jobs", "2"]
    result = subprocess.run(
        [sys.executable, "-m", "casepress", *args, "--force", "-q", "--output", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Exception ignored" not in result.stderr
    assert _left(str(tmp)) == []
