"""The bundled reference server as a subprocess target (when no --target is given).

The suite never imports ``reference_server``: it starts it like any other implementation, on a loopback port the
server binds itself (``--port 0``), waits until it answers, and stops it afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conformance.errors import KitError
from conformance.loopback import HOST, LoopbackError, LoopbackServer

__all__ = ["BundledServer"]


class BundledServer(LoopbackServer):
    """``with BundledServer(log_path) as url: ...`` — the reference server on 127.0.0.1, over real HTTP."""

    def __init__(self, log_path: Path, startup_timeout: float = 30.0) -> None:
        command = [sys.executable, "-m", "reference_server.cli", "--host", HOST, "--port", "0"]
        super().__init__(command, log=log_path, startup_timeout=startup_timeout)
        self.log_path = log_path

    def start(self) -> str:
        try:
            return super().start()
        except LoopbackError as exc:
            raise KitError(
                f"the bundled reference server did not start: {exc}",
                hint=f"run `python -m reference_server.cli --port 8080` to see why; its log is {self.log_path}",
            ) from exc
