"""Targets and a Locust runner for the load tests: everything runs in subprocesses on 127.0.0.1.

Locust is never imported here (it gevent-patches the interpreter and claims ``--host``, locust#3227): the tests
start ``locust`` as a subprocess and read the summary it writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.loopback import serve_on_loopback

REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def serving() -> Iterator[Callable[[list[str]], str]]:
    """Start target commands (each binds its own loopback port and prints its URL); stopped at teardown."""
    with contextlib.ExitStack() as stack:

        def start(command: list[str]) -> str:
            return stack.enter_context(serve_on_loopback(command, cwd=REPO_ROOT))

        yield start


REFERENCE = [sys.executable, "-m", "reference_server.cli", "--port", "0"]


def killmatrix(variant: str) -> list[str]:
    return [sys.executable, "-m", "killmatrix.matrix_serve", "--variant", variant]


@dataclass
class LocustRun:
    returncode: int
    output: str
    summary: dict[str, Any]

    def check(self, check_id: str) -> str:
        return next(c["verdict"] for c in self.summary["checks"] if c["id"] == check_id)

    def users(self, kind: str) -> list[dict[str, Any]]:
        return [u for u in self.summary["users"] if u["kind"] == kind]


def locust_command(host: str, report_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "locust", "--config", "load/locust.conf", "--host", host,
        "--cnx-report-dir", str(report_dir), "--csv", str(report_dir / "locust"),
        "--html", str(report_dir / "locust.html"), "--json-file", str(report_dir / "locust"),
        *args,
    ]  # fmt: skip


def run_locust(command: list[str], report_dir: Path, timeout: float = 120.0) -> LocustRun:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    summary_path = report_dir / "summary.json"
    output = done.stdout + done.stderr
    assert summary_path.is_file(), f"no summary written (exit {done.returncode}):\n{output[-4000:]}"
    return LocustRun(done.returncode, output, json.loads(summary_path.read_text()))
