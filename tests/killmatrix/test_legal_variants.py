"""Specificity in CI: a server that differs from the reference only where the contract allows must certify.

``legal-combined`` stacks every legal variant (killmatrix/variants/legal.py) on one target: additive response
fields, extra headers without the optional RateLimit-*, Expires cookies, opaque cookie values, gzip,
re-serialised JSON with a charset, the seed's 400 for 422, and the token-bucket limiter. One real ``ci`` run of
the suite must find it conformant (the full matrix runs each variant alone, in ``ci`` and ``core``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from killmatrix.variants import VARIANTS
from tests.checks.harness import REPO, serve

pytestmark = [pytest.mark.killmatrix, pytest.mark.slow]


def test_every_legal_variant_is_in_the_combined_one() -> None:
    legal = {name for name, fault in VARIANTS.items() if fault.legal and name != "legal-combined"}
    combined = VARIANTS["legal-combined"]
    stacked = {part.name for part in combined.parts} | ({"legal-token-bucket"} if combined.settings else set())
    assert stacked == legal


def test_the_suite_certifies_all_legal_variants_at_once_in_ci(tmp_path: Path) -> None:
    with serve("legal-combined") as base:
        command = [
            sys.executable, "-m", "conformance.cli", "run", "--target", base, "--profile", "ci",
            "--seed", "1", "--report-dir", str(tmp_path),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
    report = tmp_path / "report.json"
    assert report.is_file(), f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    data = json.loads(report.read_text(encoding="utf-8"))
    failing = {c["id"]: c["verdict"] for c in data["checks"] if c["in_profile"] and c["verdict"] != "passed"}
    assert (done.returncode, data["verdict"]) == (0, "conformant"), f"a legal server was refused: {failing}"
