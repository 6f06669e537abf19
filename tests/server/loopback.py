"""A reference server in a subprocess on a free loopback port, for tests about the HTTP layer itself (uvicorn,
httptools, the connection limits): what an in-process ASGI client cannot see."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

__all__ = ["address_of", "raw_exchange", "serve"]


@contextlib.contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of ``cloudnx-reference --port 0 *args``; the process is stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server.cli", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "http://" not in line:
            raise AssertionError(f"server did not announce its URL: {line!r}")
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


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
