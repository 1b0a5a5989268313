"""The codebase keeps its shape: no import cycle between packages, and every module imports in
a fresh interpreter (so importing dpse touches no database, file or index)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dpse"


# Modules that import nothing from dpse and sit in a domain for readers' sake: the permission
# predicates (one floor below every domain) use Role, which accounts owns.
LEAVES = {"dpse.accounts.roles": "permissions"}


def _package_of(module: str) -> str:
    """'dpse.forum.views.posting' -> 'forum'; top-level modules ('dpse.urls') are their own."""
    if module in LEAVES:
        return LEAVES[module]
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "dpse"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def package_graph() -> dict[str, set[str]]:
    """Which dpse package imports which (at module level or in a function; not for typing)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        source = _package_of(module)
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            imported: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from dpse.forum import queries` imports the module dpse.forum.queries
                imported = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                imported = [a.name for a in node.names]
            for name in imported:
                if name.startswith("dpse.") and (target := _package_of(name)) != source:
                    graph.setdefault(source, set()).add(target)
    return graph


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only, never imported)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the graph as a path [a, b, …, a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_no_package_imports_cycle_back_to_itself():
    graph = package_graph()
    assert graph, "no imports found: the scan is broken"
    cycle = find_cycle(graph)
    assert cycle is None, "package import cycle: " + " -> ".join(cycle or [])


@pytest.mark.slow
def test_every_module_imports_alone_without_touching_anything(tmp_path):
    # wsgi builds the app and __main__ runs the CLI on import: that is their job.
    modules = [m for m in _modules() if m not in {"dpse.wsgi", "dpse.__main__"}]
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [sys.executable, "-c", script, *modules],
        cwd=tmp_path,  # an empty folder: nothing may be created in it
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
