"""Writing outputs: atomic replacement, nothing half-written, the previous file kept."""

import os

import pytest

from casepress import write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "deep" / "x.pdf"
    write_atomic(target, b"first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["x.pdf"]


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "x.pdf"
    write_atomic(target, b"good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"partial")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pdf"]
