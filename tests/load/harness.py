"""Targets and a Locust runner for the load tests: everything runs in subprocesses on 127.0.0.1.

Locust is never imported here (it gevent-patches the interpreter and claims ``--host``; brief §6): the tests
start ``locust`` as a subprocess and read the summary it writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"target exited early with {process.returncode}: {url}")
        try:
            if httpx.get(url + "/auth/.well-known/jwks.json", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"target at {url} not ready within {timeout} s")


@contextlib.contextmanager
def serving() -> Iterator[Callable[[list[str]], str]]:
    """Start a target command (``{port}`` substituted) and return its base URL; stopped at teardown."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str]) -> str:
        port = free_port()
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process)
        return url

    try:
        yield start
    finally:
        _stop(processes)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


REFERENCE = [sys.executable, "-m", "reference_server.cli", "--port", "{port}"]


def killmatrix(variant: str) -> list[str]:
    return [sys.executable, "-m", "killmatrix.serve", "--variant", variant, "--port", "{port}"]


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
