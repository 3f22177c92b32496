"""The command line: parse → call the library → print. The only place that exits."""

from .commands import main

__all__ = ["main"]
