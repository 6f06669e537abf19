"""The hostile-input battery judges the bundled reference server.

Every HOSTILE-* check must pass on it: the clean-server test (test_checks_catch_their_variant.py) runs them with
every other protocol check. A defect the battery finds in the server is named in ``harness.SERVER_DEFECTS``; the
clean-server test then leaves that check out, and this module expects its failure with a strict xfail, so the day
the server is fixed the expectation has to be flipped (the defect removed from the list).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import catalogue
from tests.checks.harness import SERVER_DEFECTS, check_tests, run_checks, serve

pytestmark = pytest.mark.suite

HOSTILE = [entry.id for entry in catalogue() if entry.capability == "hostile"]


def test_every_hostile_check_has_a_test_and_known_defects_are_hostile_checks() -> None:
    assert len(HOSTILE) >= 6
    assert all(check_tests().get(check) for check in HOSTILE), "every HOSTILE-* check has a test"
    assert set(SERVER_DEFECTS) <= set(HOSTILE), "the known server defects are hostile-input checks"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    nodes = sorted({node for check in SERVER_DEFECTS for node in check_tests().get(check, [])})
    report: Path = tmp_path_factory.mktemp("hostile")
    with serve("none") as base:
        return run_checks(base, nodes, report, profile="core")


@pytest.mark.parametrize(
    "check_id",
    [pytest.param(c, id=c, marks=pytest.mark.xfail(strict=True, reason=d)) for c, d in SERVER_DEFECTS.items()],
)
def test_bundled_server_passes_the_hostile_battery(verdicts: dict[str, str], check_id: str) -> None:
    assert verdicts.get(check_id) == "passed", f"{check_id}: {verdicts.get(check_id, 'not-run')}"
