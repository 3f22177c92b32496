"""The exception tree and the positioned problem every error report is made of.

    CasepressError            anything casepress raises on purpose; the CLI prints it, no traceback
     ├── InputError           one or more Problems in the user's files (exit code 2)
     ├── MarkupError          case text could not be converted safely (too complex, too deep);
     │                        the renderer reports it as an InputError at the field
     ├── TemplateError        a template is missing, broken or used an undefined value (exit 1)
     ├── RenderError          WeasyPrint failed to (or may not) lay out or write a document (exit 1)
     └── BuildLockedError     another build kept the output folder locked too long (exit 1)

A ``Problem`` is one line of a report, ``path:line:col: field: message``; the library collects
every problem it can find before raising, so the user fixes them in one pass.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
"""An error stops the output it is found in (exit 2); a warning is counted, and fails
``--strict``."""


@dataclass(frozen=True, order=True)
class Problem:
    """One positioned complaint about an input file (1-based line and column, 0 = unknown)."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = "error"

    @classmethod
    def error(
        cls, path: str | Path, message: str, *, line: int = 0, column: int = 0, field: str = ""
    ) -> Problem:
        """An error in ``path`` (a path is shown as ``display_path`` shows it)."""
        return cls(_shown(path), line, column, field, message, "error")

    @classmethod
    def warning(
        cls, path: str | Path, message: str, *, line: int = 0, column: int = 0, field: str = ""
    ) -> Problem:
        """A warning: suspect but renderable (``--strict`` fails on it)."""
        return cls(_shown(path), line, column, field, message, "warning")

    def __str__(self) -> str:
        """One line, whatever the file's name or the text quoted holds (``shown_text``)."""
        where = shown_text(self.path)
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        prefix = "warning: " if self.severity == "warning" else ""
        if self.field:
            field = shown_text(human_field(self.field))
            return f"{where}: {prefix}{field}: {shown_text(self.message)}"
        return f"{where}: {prefix}{shown_text(self.message)}"


_INDEX = re.compile(r"(?<=[\w\]])\[(\d+)\]")


def human_field(path: str) -> str:
    """A field path as people count: the machine path ``lessons[2].title`` (list items
    counted from 0, as ``Problem.field`` and the build manifest keep it) is shown as
    ``lessons #3.title``, the third lesson."""
    return _INDEX.sub(lambda m: f" #{int(m[1]) + 1}", path)


# C0 and C1 controls, DEL, the Unicode line separators and the bidirectional controls: in a
# terminal they move the cursor, recolour, or start what reads as another line of output.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown_text(text: str) -> str:
    """Text to print with its control characters written as escapes (``\\x1b``, ``\\n``):
    a file named ``evil\\x1b[31m\\nfake: line.yaml`` cannot recolour the terminal or
    forge a line of the report."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m[0]) or _escape(ord(m[0])), text)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _shown(path: str | Path) -> str:
    return display_path(path) if isinstance(path, Path) else path


_SHOWN_FROM: str | None = None
"""The folder paths are shown relative to, when not this process's working folder."""


def show_paths_from(folder: str | None) -> None:
    """Show paths relative to ``folder`` (None: the working folder). A worker process, forked
    from a server started in another folder, shows them as the command that started the
    build does, without changing its own working folder."""
    global _SHOWN_FROM
    _SHOWN_FROM = folder


def display_path(path: Path | str) -> str:
    """A path as the user should read it: relative to the working directory when inside it,
    control characters in its names written as escapes (``shown_text``)."""
    return shown_text(_display_path(str(path), _SHOWN_FROM or os.getcwd()))


@lru_cache(maxsize=4096)
def _display_path(path: str, cwd: str) -> str:  # resolving costs a system call per folder
    # as written first: a symbolic link is named where it lies (cases/evil.yaml), not by
    # the place outside the project it leads to
    written = Path(os.path.abspath(path))
    if written.is_relative_to(cwd):
        return str(written.relative_to(cwd))
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return str(Path(path))


class Findings:
    """Something that holds ``problems`` (a list of ``Problem``): its errors and warnings."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def internal_error(doing: str, exc: BaseException) -> str:
    """A failure casepress did not foresee (a bug, or a library failing on odd input), in
    words a user can pass on: what casepress was doing, the exception's type and text."""
    said = str(exc)
    what = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
    return (
        f"internal error in casepress while {doing} ({shown_text(what)}); please report it "
        "with the file(s) involved"
    )


class CasepressError(Exception):
    """Base class: a failure casepress explains itself (the CLI never shows a traceback)."""

    exit_code = 1


class InputError(CasepressError):
    """Invalid input files; carries every problem found, sorted by file and position."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class MarkupError(CasepressError):
    """Markdown or HTML in case text could not be converted within casepress's limits."""


class TemplateError(CasepressError):
    """A template could not be found, compiled or rendered."""


class RenderError(CasepressError):
    """WeasyPrint could not produce a document."""


class BuildLockedError(CasepressError):
    """Another build of the same output folder did not finish in time."""


class UsageError(CasepressError):
    """The command cannot run as typed (no project here, a port in use); exit 2, as for
    invalid input: the person can fix it and run the command again."""

    exit_code = 2


class Interrupted(KeyboardInterrupt):
    """A command stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): a ``KeyboardInterrupt``, so
    that nothing that catches ``Exception`` swallows it. A build it passes through adds
    what it had written (``written``) of what it had found to make (``planned``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.written = 0
        self.planned = 0
        self.counted = False
        """Whether a build added its counts (False: it stopped before or after one)."""

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a command a signal ended."""
        return 128 + self.signum
