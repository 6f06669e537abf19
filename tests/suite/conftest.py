"""Fixtures for the kit's tests of the suite framework: a stub target and the bundled reference server."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.server import BundledServer


class _Stub(http.server.BaseHTTPRequestHandler):
    """Answers every request 200 `{}`: enough for the plugin's reachability probe."""

    def _answer(self) -> None:
        body = json.dumps({"keys": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the stub."""


@pytest.fixture(scope="session")
def stub_target() -> Iterator[str]:
    """A trivial HTTP target on 127.0.0.1."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def reference_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled reference server as a subprocess, exactly as the CLI starts it."""
    log = Path(tmp_path_factory.mktemp("ref")) / "server.log"
    with BundledServer(log) as url:
        yield url
