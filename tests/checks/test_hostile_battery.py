"""The hostile-input battery judges the bundled reference server: each HOSTILE-* check's verdict, run once.

Every check must pass. A server defect the battery finds would be named in ``harness.SERVER_DEFECTS`` and
expected here with a strict xfail, so that the day the server is fixed the expectation has to be flipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import catalogue
from tests.checks.harness import SERVER_DEFECTS, check_tests, run_checks, serve

pytestmark = pytest.mark.suite

HOSTILE = [entry.id for entry in catalogue() if entry.capability == "hostile"]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    nodes = sorted({node for check in HOSTILE for node in check_tests().get(check, [])})
    report: Path = tmp_path_factory.mktemp("hostile")
    with serve("none") as base:
        return run_checks(base, nodes, report, profile="core")


def _param(check_id: str) -> object:
    defect = SERVER_DEFECTS.get(check_id)
    marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
    return pytest.param(check_id, id=check_id, marks=marks)


def test_every_hostile_check_is_in_the_battery() -> None:
    assert set(SERVER_DEFECTS) <= set(HOSTILE), "the known server defects are hostile-input checks"
    assert all(check_tests().get(check) for check in HOSTILE), "every HOSTILE-* check has a test"


@pytest.mark.parametrize("check_id", [_param(c) for c in HOSTILE])
def test_bundled_server_passes_the_hostile_battery(verdicts: dict[str, str], check_id: str) -> None:
    assert verdicts.get(check_id) == "passed", f"{check_id}: {verdicts.get(check_id, 'not-run')}"
