"""Each protocol check passes on the clean reference server and fails, with its id, on the variant breaking it.

The broken targets are killmatrix variants (``killmatrix.variants.VARIANTS``); a variant's ``catches`` names the
check ids that must fire. Only protocol checks are run here (the property-based ones belong to the kill matrix).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from killmatrix.variants import VARIANTS
from tests.checks.harness import SERVER_DEFECTS, check_tests, run_checks, serve

pytestmark = pytest.mark.suite

CHECKS = check_tests()
# Variants whose rule needs seconds of load or waiting: outside the quick CI selection (-m "not slow").
SLOW_AREAS = {"ratelimit"}
SLOW_CHECKS = {"STATUS-GONE-410", "S3-PRESIGN-EXPIRY", "ISO-FOREIGN-404", "AUDIT-MUTATIONS"}
# CI runs a representative slice: the first variant of each area (by name). Every variant runs with
# CNX_FULL_MATRIX=1, and `python -m killmatrix.matrix` judges all of them with the whole suite (a benchmark).
FULL_MATRIX = os.environ.get("CNX_FULL_MATRIX") == "1"
_SAMPLE_REASON = "outside the kill-matrix sample (one variant per area); CNX_FULL_MATRIX=1 runs every variant"


def _protocol_variants() -> list[object]:
    params: list[object] = []
    sampled_areas: set[str] = set()
    for name, fault in sorted(VARIANTS.items()):
        caught = [c for c in fault.catches if c in CHECKS]
        if name == "none" or not caught:
            continue
        slow = fault.area in SLOW_AREAS or any(c in SLOW_CHECKS for c in caught)
        marks: list[pytest.MarkDecorator] = [pytest.mark.slow] if slow else []
        if fault.area in sampled_areas:
            marks.append(pytest.mark.skipif(not FULL_MATRIX, reason=_SAMPLE_REASON))
        sampled_areas.add(fault.area)
        params.append(pytest.param(name, caught, id=name, marks=marks))
    return params


@pytest.mark.slow
def test_every_protocol_check_passes_on_the_clean_server(tmp_path: Path) -> None:
    nodes = sorted({node for group in CHECKS.values() for node in group})
    with serve("none") as base:
        verdicts = run_checks(base, nodes, tmp_path)
    # A known server defect is expected to fail, and is judged by tests/checks/test_hostile_battery.py.
    wrong = {
        check: verdict
        for check, verdict in verdicts.items()
        if check in CHECKS and verdict != "passed" and check not in SERVER_DEFECTS
    }
    assert not wrong, f"protocol checks not passing on the clean reference server: {wrong}"


@pytest.mark.killmatrix
@pytest.mark.parametrize(("variant", "caught"), _protocol_variants())
def test_check_fails_on_the_variant_breaking_its_rule(variant: str, caught: list[str], tmp_path: Path) -> None:
    nodes = sorted({node for check in caught for node in CHECKS[check]})
    with serve(variant) as base:
        verdicts = run_checks(base, nodes, tmp_path)
    missed = {check: verdicts.get(check, "not-run") for check in caught if verdicts.get(check) != "failed"}
    assert not missed, f"variant {variant} ({VARIANTS[variant].description}) was not caught: {missed}"


def test_every_variant_names_known_checks() -> None:
    from conformance.catalogue import catalogue

    known = catalogue()
    for name, fault in VARIANTS.items():
        if fault.legal:
            assert not fault.catches, f"legal variant {name} breaks no rule, so no check may catch it"
            continue
        assert name == "none" or fault.catches, f"variant {name} names no check that must catch it"
        for check_id in fault.catches:
            known.get(check_id)  # raises CatalogueError for an unknown id
    assert len([f for f in VARIANTS.values() if not f.legal]) - 1 >= 25, "at least 25 fault variants"
