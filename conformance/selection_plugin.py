"""Applies ``--include`` / ``--exclude`` to the collected tests (a pytest plugin the conformance plugin registers).

A hand-written test belongs to the one check its marker names; a property-based test runs every schemathesis
check the selection keeps (the rest are switched off in its config) on the one operation it is parametrized by.
"""

from __future__ import annotations

import re

import pytest

from conformance.catalogue import CheckEntry, catalogue
from conformance.checks import CHECK_MARKER
from conformance.contract import contract
from conformance.selection import Selection

__all__ = ["SelectionPlugin", "item_checks", "item_operation"]

_BRACKETS = re.compile(r"\[([^\[\]]+)\]$")


def item_operation(item: pytest.Item) -> str | None:
    """The operationId a property-based test is parametrized by (``[POST /path]`` or ``[operationId]``)."""
    label = getattr(item, "operation_label", None)
    if label is None:
        match = _BRACKETS.search(item.name)
        label = match.group(1) if match else None
    if not label:
        return None
    method, _, path = str(label).partition(" ")
    if path:
        return contract().match(method, path)
    known = {o.operation_id for o in contract().operations()}
    return label if label in known else None


def item_checks(item: pytest.Item) -> list[CheckEntry]:
    mark = item.get_closest_marker(CHECK_MARKER)
    if mark is not None:
        return [catalogue().get(mark.args[0])]
    if item.get_closest_marker("cnx_properties") is not None:
        return [catalogue().get(check_id) for check_id in sorted(set(catalogue().schemathesis_checks().values()))]
    return []


class SelectionPlugin:
    def __init__(self, selection: Selection) -> None:
        self.selection = selection

    @pytest.hookimpl(trylast=True)  # after the profile filter: only what the profile keeps is narrowed further
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if not self.selection.active:
            return
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            checks = item_checks(item)
            is_property = item.get_closest_marker("cnx_properties") is not None
            operation = item_operation(item) if is_property else None
            wanted = any(self.selection.wants_check(e) for e in checks) and self.selection.wants_operation(operation)
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
