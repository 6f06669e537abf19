"""Fixtures of the load tests (helpers in ``harness``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .harness import serving


@pytest.fixture
def serve() -> Iterator[Callable[[list[str]], str]]:
    """Start a target command (it binds its own loopback port) and return its base URL; stopped at teardown."""
    with serving() as start:
        yield start
