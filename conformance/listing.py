"""``run --list``: what a run would judge (checks, tests, operations) under its profile and selection; sends nothing.

Hand-written tests are found by importing the suite's modules and reading their check markers (the module of the
property-based part is not imported: it binds to a live run); the property-based part is one test per operation
of the spec that the selection keeps, each running every schemathesis check the selection keeps.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.catalogue import CheckEntry, catalogue
from conformance.checks import CHECK_MARKER
from conformance.contract import contract
from conformance.settings import Settings

__all__ = ["Plan", "plan", "render_plan"]

SUITE = Path(__file__).with_name("suite")
_PROPERTY_MODULE = "test_properties"


@dataclass
class Plan:
    profile: str
    checks: list[CheckEntry] = field(default_factory=list)
    tests: dict[str, list[str]] = field(default_factory=dict)  # check id -> hand-written test names
    property_checks: set[str] = field(default_factory=set)
    operations: list[str] = field(default_factory=list)  # of the property-based part
    left_out: int = 0  # checks of the profile the selection leaves out


@dataclass
class _Marked:
    pytestmark: list[Any]


def hand_written_tests() -> dict[str, list[str]]:
    """Check id -> ``module::test`` names carrying its marker."""
    found: dict[str, list[str]] = {}
    for path in sorted(SUITE.glob("test_*.py")):
        if path.stem == _PROPERTY_MODULE:
            continue
        module = importlib.import_module(f"conformance.suite.{path.stem}")
        for name, obj in vars(module).items():
            if not name.startswith(("test", "Test")) or getattr(obj, "__module__", None) != module.__name__:
                continue
            candidates = [(name, obj)]
            if inspect.isclass(obj):
                inherited = list(getattr(obj, "pytestmark", []))
                candidates = [
                    (f"{name}::{m}", _Marked(inherited + list(getattr(f, "pytestmark", []))))
                    for m, f in inspect.getmembers(obj)
                    if m.startswith("test")
                ]
            for test_name, func in candidates:
                for mark in getattr(func, "pytestmark", []):
                    if mark.name == CHECK_MARKER:
                        found.setdefault(mark.args[0], []).append(f"{path.stem}::{test_name}")
    return {k: sorted(set(v)) for k, v in found.items()}


def plan(settings: Settings) -> Plan:
    selection = settings.selection
    result = Plan(settings.profile)
    in_profile = [e for e in catalogue() if e.in_profile(settings.profile)]
    result.checks = [e for e in in_profile if selection.wants_check(e)]
    result.left_out = len(in_profile) - len(result.checks)
    tests = hand_written_tests()
    wanted = {e.id for e in result.checks}
    result.tests = {} if selection.narrows_operations else {k: v for k, v in tests.items() if k in wanted}
    result.operations = [o.operation_id for o in contract().operations() if selection.wants_operation(o.operation_id)]
    result.property_checks = set(catalogue().schemathesis_checks().values()) & wanted if result.operations else set()
    if selection.narrows_operations:  # hand-written checks are left out: only property-based ones remain
        result.checks = [e for e in result.checks if e.id in result.property_checks]
        result.left_out = len(in_profile) - len(result.checks)
    if not result.property_checks:
        result.operations = []
    return result


def render_plan(p: Plan) -> list[str]:
    width = max((len(e.id) for e in p.checks), default=10)
    lines = [
        f"cloudnx-conformance: profile {p.profile} would judge {len(p.checks)} checks"
        + (f" ({p.left_out} of the profile left out by --include/--exclude)" if p.left_out else "")
        + "; nothing is sent"
    ]
    for entry in p.checks:
        parts = []
        if entry.id in p.property_checks and p.operations:
            parts.append(f"property-based on {len(p.operations)} operations")
        tests = p.tests.get(entry.id, [])
        if tests:
            parts.append(f"{len(tests)} hand-written: {', '.join(tests)}")
        what = "; ".join(parts) or "no test found by the listing (it runs if a test of the suite names it)"
        lines.append(f"  {entry.id:<{width}}  {entry.level:<6} {entry.capability:<11} {what}")
    if p.operations:
        lines.append(f"  operations of the property-based part ({len(p.operations)}): {', '.join(p.operations)}")
    return lines
