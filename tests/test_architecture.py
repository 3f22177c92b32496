"""The shape of the package: sub-packages in pipeline order, imports only downwards, no cycles.

The import graph is read from the source with ``ast`` (every import, at module level or inside
a function, since a lazy import is still a dependency), so it holds whatever a test imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "casepress"

LAYERS = [
    "errors",  # the positioned Problem and the exception tree: everything reports with it
    "text",  # slugs, escaping, JSON lines: small pure helpers every stage shares
    "files",  # the one guarded way to read a file: allowed folders, regular, bounded
    "model",
    "theme",
    "render",
    "pdf",
    "word",  # cases → .docx through pandoc, and back: beside pdf, a writer of finished documents
    "checks",
    "build",
    "importers",
    "authoring",
    "serve",
    "cli",
]
"""Pipeline order: a module may import from its own layer and the layers before it only."""

TOP = {"casepress", "casepress.__main__"}
"""The public API (lazy, PEP 562) and ``python -m casepress`` stand above every layer."""


def _module_name(path: Path) -> str:
    parts = ["casepress", *path.relative_to(SRC).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The casepress modules that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # `from . import cache` names a module; `from .x import y` a name in x
            targets = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("casepress"):
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_every_module_belongs_to_a_layer():
    strays = [m for m in _graph() if m not in TOP and _layer(m) not in LAYERS]
    assert not strays, f"put these in one of the layers {LAYERS}: {strays}"


def test_imports_go_down_the_pipeline_only():
    upward = []
    for module, imported in _graph().items():
        if module in TOP:
            continue
        here = LAYERS.index(_layer(module))
        for target in imported:
            if target == "casepress":  # `from .. import __version__`
                continue
            if target in TOP or LAYERS.index(_layer(target)) > here:
                upward.append(f"{module} imports {target}")
    assert not upward, "imports that go up the pipeline:\n" + "\n".join(sorted(upward))


def test_there_is_no_import_cycle():
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if target == "casepress":
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_every_module_says_what_it_owns(module):
    tree = ast.parse(_modules()[module].read_text("utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring and docstring.strip(), f"{module}: open with a one-line docstring"


def test_the_graph_reader_sees_known_edges():
    """The checks above are only as good as the graph: it must see real imports."""
    graph = _graph()
    assert "casepress.model.cases" in graph["casepress.build.driver"]
    assert "casepress.errors" in graph["casepress.model.cases"]
    assert len(graph) > 30
