"""The bundled reference server as a subprocess target (when no --target is given).

The suite never imports ``reference_server``: it starts it like any other implementation, on a free loopback
port, waits until it answers, and stops it afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from conformance.contract import contract
from conformance.errors import KitError

__all__ = ["BundledServer", "free_port"]

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class BundledServer:
    """``with BundledServer(log_path) as url: ...`` — the reference server on 127.0.0.1, over real HTTP."""

    def __init__(self, log_path: Path, startup_timeout: float = 30.0) -> None:
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> str:
        port = free_port()
        self.url = f"http://{HOST}:{port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        command = [sys.executable, "-m", "reference_server.cli", "--host", HOST, "--port", str(port)]
        try:
            self.process = subprocess.Popen(  # noqa: S603 - argv of our own interpreter, no shell
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as exc:
            raise KitError(f"cannot start the bundled reference server: {exc}") from exc
        finally:
            log.close()
        self._wait_ready(self.process)
        return self.url

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        probe = next(o for o in contract().operations() if o.public and o.method == "GET" and not o.path_params)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-1500:]
                raise KitError(
                    f"the bundled reference server exited with {process.returncode}:\n{tail}",
                    hint="run `python -m reference_server.cli --port 8080` to see why",
                )
            try:
                if httpx.get(self.url + probe.path, timeout=1.0).status_code < 500:
                    return
            except httpx.TransportError:
                pass  # not listening yet: poll again
            time.sleep(0.1)
        self.stop()
        raise KitError(
            f"the bundled reference server did not answer within {self.startup_timeout:.0f} s",
            hint=f"see its log in {self.log_path}",
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
