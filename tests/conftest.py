"""Shared by all of the kit's own tests. Keep it minimal: fixtures belong next to the tests that use them."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root directory (where pyproject.toml lives)."""
    return REPO_ROOT
