"""A reference server in a subprocess on a free loopback port, for tests about the HTTP layer itself (uvicorn,
httptools, the connection limits): what an in-process ASGI client cannot see."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

from conformance.loopback import serve_on_loopback

__all__ = ["address_of", "raw_exchange", "serve"]


@contextlib.contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of ``cloudnx-reference --port 0 *args``; the process is stopped afterwards."""
    command = [sys.executable, "-m", "reference_server.cli", "--port", "0", *args]
    with serve_on_loopback(command, env=env) as url:
        yield url


def address_of(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def raw_exchange(base_url: str, request: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read until the server closes (or ``timeout``): for requests no HTTP client would send."""
    with socket.create_connection(address_of(base_url), timeout=timeout) as sock:
        sock.sendall(request)
        chunks: list[bytes] = []
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)
