"""Serve a target command on a loopback port it binds itself: start, learn its URL, wait until ready, stop.

Picking a free port in the parent and passing it to the child leaves a window in which another process can take
it, and the readiness probe would then talk to somebody else's server. Here the child binds ``127.0.0.1:0``
itself and prints its base URL on stdout (``python -m reference_server.cli --port 0`` and
``python -m killmatrix.matrix_serve`` both do); the parent reads that line, then probes a public GET of the
contract until the target answers. Every child leads its own session, so stopping it signals only what it spawned.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

import cloudnx_spec

__all__ = ["HOST", "LoopbackError", "LoopbackServer", "free_port", "serve_on_loopback"]

HOST = "127.0.0.1"
_URL = re.compile(r"https?://(?:127\.0\.0\.1|\[::1\]|localhost):[0-9]+")
_STOP_GRACE_S = 10.0
_ANNOUNCE_LINES = 50  # a target that prints this many lines without its URL never will


class LoopbackError(RuntimeError):
    """The target did not start, did not announce its URL, or did not answer in time."""


def free_port() -> int:
    """A port free right now, for third-party tools that cannot bind port 0 themselves (Locust's master/web UI);
    our own targets bind their own port through :class:`LoopbackServer` instead."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _probe_path() -> str:
    # The cheapest request every implementation must answer without credentials: a public GET, no parameters.
    return next(
        op.path for op in cloudnx_spec.operations() if op.public and op.method == "GET" and not op.path_params
    )


class LoopbackServer:
    """``with LoopbackServer(command, log=path) as url: ...``; ``command`` must print its base URL on stdout."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        log: Path | None = None,
        startup_timeout: float = 30.0,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = list(command)
        self.log = log
        self.startup_timeout = startup_timeout
        self.cwd = cwd
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._drain: threading.Thread | None = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> str:
        sink: IO[bytes] | int = subprocess.DEVNULL
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self.log.write_bytes(b"")
            # Append mode for the child's stderr and for the stdout copy below: neither overwrites the other.
            sink = self.log.open("ab")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - argv chosen by the kit's own callers, no shell
                self.command, cwd=self.cwd, stdout=subprocess.PIPE, stderr=sink, env=self.env, start_new_session=True
            )
        except OSError as exc:
            raise LoopbackError(f"cannot start {self.command[0]}: {exc}") from exc
        finally:
            if not isinstance(sink, int):
                sink.close()
        try:
            self.url = self._announced_url(self.process)
            self._wait_ready(self.process)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _announced_url(self, process: subprocess.Popen[bytes]) -> str:
        assert process.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
        deadline = time.monotonic() + self.startup_timeout
        for _ in range(_ANNOUNCE_LINES):
            left = deadline - time.monotonic()
            readable, _, _ = select.select([process.stdout], [], [], max(left, 0))
            line = process.stdout.readline().decode(errors="replace") if readable else ""
            if not line:
                break  # timed out, or the child closed stdout (it exited)
            if self.log is not None:
                with self.log.open("a", encoding="utf-8") as out:
                    out.write(line)
            found = _URL.search(line)
            if found:
                # Keep reading what the child prints later, so a chatty target never blocks on a full pipe.
                self._drain = threading.Thread(target=self._copy_stdout, args=(process.stdout,), daemon=True)
                self._drain.start()
                return found.group(0)
        raise LoopbackError(f"target did not announce its URL (exit {process.poll()}): {self.tail()}")

    def _copy_stdout(self, stdout: IO[bytes]) -> None:
        if self.log is None:
            for _ in iter(stdout.readline, b""):
                pass
            return
        with self.log.open("ab") as out:
            for line in iter(stdout.readline, b""):
                out.write(line)
                out.flush()

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        probe = self.url + _probe_path()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LoopbackError(f"target exited with {process.returncode} while starting: {self.tail()}")
            try:
                if httpx.get(probe, timeout=1.0).status_code < 500:
                    return
            except httpx.TransportError:
                pass  # announced but not serving yet: poll again
            time.sleep(0.1)
        raise LoopbackError(f"target {self.url} did not answer within {self.startup_timeout:.0f} s: {self.tail()}")

    def tail(self, chars: int = 1500) -> str:
        if self.log is None or not self.log.is_file():
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            # The child leads its own session: signal its group, which holds only what it spawned.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=_STOP_GRACE_S)
        if self._drain is not None:
            self._drain.join(timeout=_STOP_GRACE_S)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def serve_on_loopback(
    command: Sequence[str],
    *,
    log: Path | None = None,
    startup_timeout: float = 30.0,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The base URL of ``command`` serving on a loopback port it bound itself; stopped on exit."""
    with LoopbackServer(command, log=log, startup_timeout=startup_timeout, cwd=cwd, env=env) as url:
        yield url
