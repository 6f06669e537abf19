"""The contract parsed with libyaml (the fast path cloudnx_spec takes when PyYAML has it) is the very document
the pure-Python parser reads: same values, dates kept as strings."""

from __future__ import annotations

import json

import pytest
import yaml

import cloudnx_spec
from cloudnx_spec import loading

pytestmark = pytest.mark.spec


def test_libyaml_and_pure_python_parse_the_same_document() -> None:
    text = cloudnx_spec.spec_path().read_text(encoding="utf-8")
    pure = json.loads(json.dumps(yaml.load(text, Loader=loading._PureLoader)))  # noqa: S506 - a safe loader
    assert pure == cloudnx_spec.load()


def test_unquoted_dates_stay_strings() -> None:
    for loader in (loading._Loader, loading._PureLoader):
        assert yaml.load("d: 2026-11-26", Loader=loader) == {"d": "2026-11-26"}  # noqa: S506 - safe loaders
