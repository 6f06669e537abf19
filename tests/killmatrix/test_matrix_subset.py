"""A fast slice of the kill matrix for CI: a few representative variants and ``none``, the ``ci`` profile.

The runner is a subprocess (``python -m killmatrix.matrix``), as in the tox env ``kill-matrix`` that runs the
whole matrix: it starts its own targets, runs the suite, plain schemathesis (a short budget here) and Locust,
and writes the reports this test reads. Nothing is relaxed for speed except the number of variants and the
schemathesis/Locust budgets: the suite runs its real ``ci`` profile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from killmatrix.variants import VARIANTS

pytestmark = [pytest.mark.killmatrix, pytest.mark.slow]

# One per kind of catch: a schema fault found by generated traffic, a protocol rule (idempotency), an attack on
# authentication (JWT), and a rate-limit fault, which the Locust scenario runs on too.
SUBSET = ("drop-required-field", "idem-key-ignored", "jwt-alg-none", "ratelimit-no-retry-after")
KILLS = ("killed", "killed-other")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    cwd = tmp_path_factory.mktemp("kill-matrix")
    out = cwd / "reports"
    # A relative --out from another directory, as a user would type it: the runner must not depend on its cwd.
    command = [
        sys.executable, "-m", "killmatrix.matrix", "--profiles", "ci", "--variants", ",".join(SUBSET),
        "--jobs", "2", "--st-max-time", "20", "--load-seconds", "8", "--out", "reports",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1500, check=False)
    report = out / "kill-matrix.json"
    assert report.is_file(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    assert (out / "kill-matrix.md").is_file()
    return done.returncode, json.loads(report.read_text(encoding="utf-8")), done.stderr


def _cell(report: dict[str, Any], variant: str, tool: str) -> dict[str, Any]:
    return next(c for c in report["cells"] if c["variant"] == variant and c["tool"] == tool)


def test_the_clean_server_comes_out_clean(matrix: tuple[int, dict[str, Any], str]) -> None:
    _, report, _ = matrix
    clean = _cell(report, "none", "suite-ci")
    assert clean["state"] == "clean", f"the suite fails on the clean reference server: {clean['detail']}"
    assert _cell(report, "none", "load")["state"] == "clean"


@pytest.mark.parametrize("variant", SUBSET)
def test_the_suite_kills_the_variant_with_its_expected_check(
    matrix: tuple[int, dict[str, Any], str], variant: str
) -> None:
    _, report, _ = matrix
    cell = _cell(report, variant, "suite-ci")
    assert cell["state"] == "killed", (
        f"{variant} ({VARIANTS[variant].description}): {cell['state']}, expected {cell['expected']}, "
        f"report said {cell['expected_verdicts']}, new failures {cell['new']}\n{cell['detail']}"
    )


def test_every_tool_gave_a_verdict_and_the_run_passed(matrix: tuple[int, dict[str, Any], str]) -> None:
    code, report, stderr = matrix
    errors = [(c["variant"], c["tool"], c["detail"][:300]) for c in report["cells"] if c["state"] == "error"]
    assert not errors, errors
    assert {c["tool"] for c in report["cells"]} == {"suite-ci", "schemathesis", "load"}
    assert _cell(report, "ratelimit-no-retry-after", "load")["state"] in KILLS
    assert report["summary"]["suite-ci"]["kill_rate"] == 1.0
    assert report["wall_time_s"] > 0
    assert code == 0, stderr[-3000:]
