"""Redocly and Spectral (OWASP) report zero errors on spec/openapi.yaml, through spec/lint/run.sh.

The linters are npm packages (`cd spec/lint && npm ci`). Without them this test skips with the reason, unless
CNX_REQUIRE_LINTERS=1 (CI), where a missing linter is a failure: a green CI must mean the linters ran.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import cloudnx_spec

pytestmark = pytest.mark.spec

LINT_DIR = Path(__file__).resolve().parents[2] / "spec" / "lint"
SAMPLE = Path(__file__).with_name("data") / "sample-openapi.yaml"


def run_linters(spec: Path) -> subprocess.CompletedProcess[str]:
    if not (LINT_DIR / "node_modules" / ".bin" / "spectral").exists():
        reason = f"linters not installed: run `npm ci` in {LINT_DIR}"
        if os.environ.get("CNX_REQUIRE_LINTERS") == "1":
            pytest.fail(f"CNX_REQUIRE_LINTERS=1 but {reason}")
        pytest.skip(reason)
    return subprocess.run(
        ["bash", str(LINT_DIR / "run.sh"), str(spec)], capture_output=True, text=True, timeout=300, check=False
    )


def test_spec_passes_redocly_and_spectral() -> None:
    spec = cloudnx_spec.spec_path()
    assert spec.is_file(), f"no spec at {spec}"
    result = run_linters(spec)
    assert result.returncode == 0, f"spec/lint/run.sh failed:\n{result.stdout}\n{result.stderr}"


def test_linters_accept_the_sample() -> None:
    """The lint configs themselves work: a document written to the house rules lints clean."""
    result = run_linters(SAMPLE)
    assert result.returncode == 0, f"the sample document should lint clean:\n{result.stdout}\n{result.stderr}"


# One error each linter alone reports, so a linter whose failure run.sh swallowed would show here.
BREAKAGES = {
    "redocly operation-summary": "      summary: The current user\n",
    "spectral owasp:api9:2023-inventory-access": "    x-internal: false\n",
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_linters_fail_a_broken_sample(breakage: str, tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert BREAKAGES[breakage] in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(BREAKAGES[breakage], "", 1), encoding="utf-8")
    result = run_linters(broken)
    assert result.returncode != 0, f"{breakage}: the linters passed a broken document:\n{result.stdout}"
    assert breakage.split()[1] in result.stdout, result.stdout
