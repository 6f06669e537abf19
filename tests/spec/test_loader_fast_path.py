"""The contract parsed with libyaml (the fast path cloudnx_spec takes when PyYAML has it) is the very document
the pure-Python parser reads: same values, dates kept as strings; and the opt-in parse cache (the CLI's) returns
that document, keyed by the spec's bytes."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_the_parse_cache_is_keyed_by_the_spec_bytes_and_never_trusted_when_damaged(tmp_path: Path) -> None:
    path = cloudnx_spec.spec_path()
    first = loading._read(path, tmp_path)
    (cached,) = tmp_path.iterdir()
    assert cached.name == f"openapi-{cloudnx_spec.digest()}.json"
    assert first == cloudnx_spec.load()
    # Read from the cache next time (a marked copy proves it is the cache that answered) ...
    marked = {**first, "x-cache-probe": True}
    cached.write_text(json.dumps(marked))
    assert loading._read(path, tmp_path) == marked
    # ... and a damaged or foreign cache file is parsed afresh and replaced.
    for damage in ("{not json", json.dumps({"openapi": "2.0"}), json.dumps([1])):
        cached.write_text(damage)
        assert loading._read(path, tmp_path) == first
        assert json.loads(cached.read_text()) == first
