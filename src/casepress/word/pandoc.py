"""The pandoc program: found, versioned and run sandboxed (no network, no files but its own).

casepress hands pandoc everything on standard input as its JSON document (images inside as
``data:`` URIs, read through ``files`` beforehand) and, on the command line, only the
reference document it made itself. ``--sandbox`` limits pandoc's reading to the files named
on its command line and forbids fetching URLs, so a case's text cannot make it read
anything else or go on the network.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import CasepressError

TIMEOUT = 120
"""Seconds a pandoc run may take: a handbook of a thousand cases converts in well under."""
EPOCH = "315532800"
"""1980-01-01: the date pandoc puts in the package (``SOURCE_DATE_EPOCH``), the same for
every build, so the same case gives the same bytes."""


class PandocError(CasepressError):
    """pandoc is missing or failed; the message says what to do next."""


@cache
def pandoc_path() -> str:
    """The pandoc shipped with pypandoc-binary (a dependency), else one on PATH."""
    try:
        import pypandoc

        found = pypandoc.get_pandoc_path()
        if found:
            return str(found)
    except (ImportError, OSError):
        pass
    from shutil import which

    found = which("pandoc")
    if found is None:
        raise PandocError(
            "pandoc is not installed, which Word documents need; install casepress again "
            "(pip install --force-reinstall casepress) or install pandoc"
        )
    return found


def _run(arguments: list[str], data: bytes) -> bytes:
    command = [pandoc_path(), *arguments]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "SOURCE_DATE_EPOCH": EPOCH,
        "LANG": "C.UTF-8",
    }
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=TIMEOUT, env=environment, check=False
        )
    except subprocess.TimeoutExpired:
        raise PandocError(
            f"pandoc took longer than {TIMEOUT} s; build fewer cases at once"
        ) from None
    except OSError as exc:
        raise PandocError(f"pandoc could not be started ({exc}); install casepress again") from None
    if done.returncode:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PandocError(
            f"pandoc failed ({said[-1] if said else f'exit code {done.returncode}'}); "
            "please report it with the case file"
        )
    return done.stdout


def markdown_to_ast(text: str, reader: str) -> dict[str, Any]:
    """Markdown → pandoc's document (JSON), read with ``reader`` ('markdown-citations...')."""
    out = _run(["--sandbox", "-f", reader, "-t", "json"], text.encode("utf-8"))
    return json.loads(out)


def ast_to_docx(document: dict[str, Any], reference: Path) -> bytes:
    """pandoc's document → the bytes of a .docx styled by ``reference``."""
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return _run(
        ["--sandbox", "-f", "json", "-t", "docx", "--reference-doc", str(reference), "-o", "-"],
        data,
    )


def docx_to_ast(data: bytes) -> dict[str, Any]:
    """A .docx → pandoc's document, paragraph and character styles kept (``+styles``)."""
    return json.loads(_run(["--sandbox", "-f", "docx+styles", "-t", "json"], data))


def ast_to_markdown(document: dict[str, Any], writer: str) -> str:
    """pandoc's document → Markdown text, one line per paragraph."""
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    out = _run(["--sandbox", "-f", "json", "-t", writer, "--wrap=none"], data)
    return out.decode("utf-8")


def default_reference() -> bytes:
    """pandoc's own reference.docx, the base of every theme's styles."""
    return _run(["--sandbox", "--print-default-data-file", "reference.docx"], b"")
