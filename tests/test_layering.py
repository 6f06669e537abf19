"""The kit's layering holds: the import-linter contracts of pyproject.toml, no import cycle, every package layered.

CI runs only pytest, so the ``lint-imports`` command runs here too. The cycle test counts imports inside
functions (only ``if TYPE_CHECKING:`` imports are left out), so an import moved into a function to dodge a cycle
still fails it: the fix is to move the shared piece down a layer, not to hide the import.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
ROOTS: list[str] = CONFIG["root_packages"]


def test_import_contracts_hold() -> None:
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    run = subprocess.run(
        [*command, "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, f"an import breaks the layering in pyproject.toml:\n{run.stdout[-4000:]}{run.stderr}"


def test_every_top_level_package_is_in_the_contract() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} | {
        p.parent.name for p in REPO.glob("load/*/__init__.py")
    }
    missing = sorted(packages - {"tests"} - set(ROOTS))
    assert not missing, f"add {missing} to [tool.importlinter] root_packages and to a layer of pyproject.toml"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    graph = grimp.ImportGraph()
    graph.add_import(importer="kit.a", imported="kit.b")
    graph.add_import(importer="kit.b", imported="kit.c")
    graph.add_import(importer="kit.c", imported="kit.a")  # e.g. an import inside a function of kit.c
    graph.add_import(importer="kit.c", imported="kit.d")
    assert _cycles(graph) == [["kit.a", "kit.b", "kit.c"]]


def test_no_import_cycle_even_inside_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO))  # benchmarks/ is a package of the checkout, not of the wheel
    graph = grimp.build_graph(*ROOTS, exclude_type_checking_imports=True)
    cycles = _cycles(graph)
    assert not cycles, f"modules that import each other (directly or through others): {cycles}"
