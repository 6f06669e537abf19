"""Exit codes of `cloudnx-conformance`: 0 conformant, 1 the target failed checks, 2 the kit could not run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.suite


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_unreachable_target_exits_2_with_a_message(tmp_path: Path) -> None:
    result = cli("run", "--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "does not answer" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_config_exits_2_with_what_to_fix(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[target]\nurl = "${NOT_SET_ANYWHERE}"\n')
    result = cli("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "NOT_SET_ANYWHERE" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_checks_lists_the_catalogue(tmp_path: Path) -> None:
    result = cli("checks", cwd=tmp_path)
    assert result.returncode == 0
    assert "NO-5XX" in result.stdout


@pytest.mark.slow
def test_conformant_run_against_the_reference_server_exits_0(tmp_path: Path, reference_target: str) -> None:
    # The property part over a slice of operations, over real HTTP: the kit's own plumbing end to end.
    result = cli(
        "run",
        "--target",
        reference_target,
        "--profile",
        "ci",
        "--seed",
        "5",
        "--report-dir",
        str(tmp_path),
        "-k",
        "test_operation and instances",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "report.json").is_file()
    verified = cli("verify", str(tmp_path / "report.json"), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout


@pytest.mark.slow
def test_no_target_starts_and_stops_the_bundled_server(tmp_path: Path) -> None:
    result = cli(
        "run",
        "--profile",
        "ci",
        "--seed",
        "5",
        "--report-dir",
        str(tmp_path),
        "-k",
        "test_operation and auth_jwks",
        cwd=tmp_path,
    )
    assert "started the bundled reference server at http://127.0.0.1:" in result.stdout
    assert result.returncode == 0, result.stdout[-3000:]
