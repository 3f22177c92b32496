"""Shared fixtures: real miniature projects, built once per test session and read back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from casepress import build_briefs, load_project

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).resolve().parent / "projects"
SEED = Path(__file__).resolve().parent / "data" / "seed-truth-seeking-and-ssr-in-peru.txt"


def copy_project(name: str, dest: Path) -> Path:
    """A writable copy of a fixture project (tests never touch the originals)."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target)
    return target


def pdf_text(path: Path) -> str:
    """Text a reader sees, one string: lines joined, hyphenation at line ends undone."""
    reader = PdfReader(path)
    return normalise("\n".join(page.extract_text() for page in reader.pages))


def page_texts(path: Path) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(path).pages]


def normalise(text: str) -> str:
    text = re.sub(r"[\u2010-]\n(?=[a-z])", "", text)  # hyphen at a line break
    return re.sub(r"\s+", " ", text.replace("\u2010", "-")).strip()


def squash(text: str) -> str:
    """Text without spaces or hyphens: compares prose whatever the hyphenation did to it."""
    return re.sub(r"[\s\u2010-]+", "", text)


def outline(path: Path) -> list[tuple[int, str, int]]:
    """The PDF bookmarks as (depth, title, 1-based page)."""
    reader = PdfReader(path)
    result: list[tuple[int, str, int]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                result.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return result


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The repository's sample project (cases/), built once into a temporary folder."""
    out = tmp_path_factory.mktemp("sample")
    project = load_project(ROOT, output_dir=out)
    report = build_briefs(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return out / "briefs"


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("minimal")
    project = load_project(PROJECTS / "minimal", output_dir=out)
    report = build_briefs(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return out / "briefs"
