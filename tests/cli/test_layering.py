"""The CLI is a client of the contract only: it reads ``cloudnx_spec`` and never the kit's other packages (the
server it may talk to, the suite), so it installs and behaves the same against any target."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cloudnx_cli

pytestmark = pytest.mark.cli

KIT = {
    "cloudnx_spec",
    "cloudnx_cli",
    "reference_server",
    "conformance",
    "killmatrix",
    "load",
    "cloudnx_load",
    "tests",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_cli_imports_only_the_contract_from_the_kit() -> None:
    package = Path(cloudnx_cli.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 5
    for module in modules:
        assert _imports(module) & KIT <= {"cloudnx_spec", "cloudnx_cli"}, module.name
