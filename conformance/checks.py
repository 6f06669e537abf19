"""The two names a check needs: ``@check(id)`` and ``inconclusive(reason)``.

A check is a pytest test that names its catalogue id; the decorator validates the id against
``conformance/catalogue.yaml`` at import time (an unknown id is a collection error) and applies the capability
and service markers from the catalogue entry, so ``-m storage`` or ``-m idempotency`` select checks by data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import pytest

from conformance.catalogue import catalogue

__all__ = ["CHECK_MARKER", "Inconclusive", "check", "inconclusive"]

F = TypeVar("F", bound=Callable[..., object])

#: Marker carrying the check id; the plugin reads it to attribute outcomes to catalogue entries.
CHECK_MARKER = "cnx_check"


class Inconclusive(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The check could not decide (e.g. the suite offered too little load): verdict `inconclusive`.

    It derives from pytest's skip outcome so that plain pytest (and JUnit) show it as skipped, never as passed;
    the plugin turns it into the `inconclusive` verdict.
    """


def check(check_id: str) -> Callable[[F], F]:
    """Mark a test as (part of) the catalogue check ``check_id``.

    Several tests may share one id; the check's verdict is the worst of them.
    """
    entry = catalogue().get(check_id)  # raises CatalogueError for an unknown id -> collection error

    def decorate(func: F) -> F:
        marks = [getattr(pytest.mark, CHECK_MARKER)(entry.id), getattr(pytest.mark, entry.capability)]
        marks += [getattr(pytest.mark, service) for service in entry.services]
        for mark in marks:
            func = mark(func)
        return func

    return decorate


def inconclusive(reason: str) -> NoReturn:
    """End the current check with verdict `inconclusive` (never `passed`), saying why."""
    raise Inconclusive(msg=f"inconclusive: {reason}", allow_module_level=False)
