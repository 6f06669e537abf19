"""Serve a killmatrix variant on a loopback port it binds itself and run chosen protocol checks against it.

Both run as subprocesses: the server (``python -m killmatrix.matrix_serve``) because it is a target like any other,
the suite (pytest with the conformance plugin) because a conformance run owns its pytest session and reports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conformance.loopback import LoopbackError, LoopbackServer

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance" / "suite"
#: Checks the bundled reference server fails today, each with its defect (tests/checks/test_hostile_battery.py
#: expects the failure with a strict xfail; the clean-server test leaves them to it). Empty once the server is fixed.
SERVER_DEFECTS: dict[str, str] = {}
_CHECK = re.compile(r'@check\("([A-Z0-9-]+)"\)\n(?:@.*\n)*def (\w+)')


def check_tests() -> dict[str, list[str]]:
    """Check id -> pytest node ids of the protocol checks that carry it (read from the suite's source)."""
    found: dict[str, list[str]] = {}
    for module in sorted(SUITE.glob("test_*.py")):
        if module.name == "test_properties.py":
            continue
        for check_id, function in _CHECK.findall(module.read_text(encoding="utf-8")):
            found.setdefault(check_id, []).append(f"{module.relative_to(REPO)}::{function}")
    return found


@contextmanager
def serve(variant: str) -> Iterator[str]:
    """A running fault-injected target on a loopback port it bound itself; stopped (by its pid) on exit."""
    command = [sys.executable, "-m", "killmatrix.matrix_serve", "--variant", variant]
    with tempfile.TemporaryDirectory() as tmp:
        server = LoopbackServer(command, log=Path(tmp) / "target.log", cwd=REPO)
        try:
            url = server.start()
        except LoopbackError as exc:
            raise RuntimeError(f"killmatrix variant {variant} did not start: {exc}") from exc
        try:
            yield url
        finally:
            server.stop()


def run_checks(base_url: str, nodes: list[str], report_dir: Path, profile: str = "full") -> dict[str, str]:
    """Check id -> verdict of a conformance run of ``nodes`` against ``base_url``."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(REPO / "conformance" / "suite.ini"),
        "-p",
        "no:randomly",
        "--cnx-target",
        base_url,
        "--cnx-profile",
        profile,
        "--cnx-report-dir",
        str(report_dir),
        "-q",
        "--no-header",
        "-rN",
        *nodes,
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, env=env, check=False)
    report = report_dir / "report.json"
    if not report.is_file():
        raise RuntimeError(
            f"no report from the suite (exit {done.returncode}): {done.stdout[-3000:]}{done.stderr[-2000:]}"
        )
    checks = json.loads(report.read_text(encoding="utf-8"))["checks"]
    return {entry["id"]: entry["verdict"] for entry in checks if entry["tests"]}
