"""Subprocesses of the kill matrix: a variant target per run, and tools run with a hard timeout.

Every child gets its own session (process group), so a timed-out tool is stopped together with anything it
spawned, and only what this process started is ever signalled. Output goes to files, never to pipes: a chatty
child can never block on a full pipe, and the logs stay next to the run's reports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.loopback import LoopbackError, LoopbackServer

__all__ = ["REPO", "Finished", "TargetError", "run_logged", "variant_target"]

REPO = Path(__file__).resolve().parents[2]
_STOP_GRACE_S = 10.0


class TargetError(RuntimeError):
    """A variant target did not come up (the matrix records it as an error, not as a verdict)."""


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None: killed at the timeout
    seconds: float
    log: Path

    def tail(self, chars: int = 1500) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.is_file() else ""
        return text[-chars:]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The child leads its own session: signal its group, which holds only what it spawned.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_logged(
    command: list[str], log: Path, timeout: float, env: Mapping[str, str] | None = None, cwd: Path = REPO
) -> Finished:
    """Run ``command`` to completion or ``timeout`` seconds, stdout+stderr into ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the command is built by the matrix, never from input
            command,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            _stop(process)
    return Finished(code, time.monotonic() - started, log)


@contextmanager
def variant_target(variant: str, log: Path, startup_timeout: float = 60.0) -> Iterator[str]:
    """A running fault-injected target on a loopback port it bound itself; stopped on exit."""
    command = [sys.executable, "-m", "killmatrix.matrix_serve", "--variant", variant]
    server = LoopbackServer(command, log=log, startup_timeout=startup_timeout, cwd=REPO)
    try:
        url = server.start()
    except LoopbackError as exc:
        raise TargetError(str(exc)) from exc
    try:
        yield url
    finally:
        server.stop()
