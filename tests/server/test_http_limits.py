"""The HTTP layer's own limits, over real HTTP on loopback (uvicorn + httptools as cloudnx-reference serves):
oversized request line (414), header block or header count (431), a head or body that stalls (408 / closed),
idle and long-lived keep-alive connections, and every refusal the HTTP layer writes is JSON in the error shape."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from .loopback import address_of, raw_exchange, serve

pytestmark = pytest.mark.server

TIMEOUTS = ("--http-head-timeout", "1", "--http-body-timeout", "1", "--http-keep-alive-timeout", "1")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve("--rate-limit", "100000", *TIMEOUTS, "--http-keep-alive-max-requests", "3") as base:
        yield base


def _head(url: str, extra: bytes = b"", target: bytes = b"/auth/.well-known/jwks.json") -> bytes:
    host = url.split("//", 1)[1].encode()
    return b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + extra


def _status_and_error(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), answer[:200]
    assert b"content-type: application/json" in head.lower(), head
    parsed = json.loads(body)
    assert set(parsed) == {"error"}, parsed
    return int(head[9:12]), parsed


def test_a_request_line_over_the_limit_is_414_json(url: str) -> None:
    answer = raw_exchange(url, _head(url, b"\r\n", b"/auth/.well-known/jwks.json?q=" + b"a" * 131072))
    assert _status_and_error(answer)[0] == 414


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(b"X-Pad: " + b"a" * 131072 + b"\r\n\r\n", id="one-128KiB-header"),
        pytest.param(b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n", id="500-headers"),
        pytest.param(b"X-Pad: " + b"a" * 8_000_000 + b"\r\n\r\n", id="one-8MB-header"),
    ],
)
def test_headers_over_the_limit_are_431_json(url: str, headers: bytes) -> None:
    assert _status_and_error(raw_exchange(url, _head(url, headers)))[0] == 431


_CHUNKED_POST = b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
MALFORMED = {
    "content-length-abc": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "content-length-out-of-range": _CHUNKED_POST + b"Content-Length: 99999999999999999999999\r\n\r\n",
    "content-length-and-chunked": _CHUNKED_POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bad-chunk-size": _CHUNKED_POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "nul-in-header": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "obsolete-line-fold": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
    "bad-method": b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "tls-client-hello": bytes.fromhex("16030100a5010000a10303") + bytes(32) + b"\x00\x00\x02\x00\x2f\x01\x00",
}


@pytest.mark.parametrize("request_bytes", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_request_is_400_json(url: str, request_bytes: bytes) -> None:
    # uvicorn's own answer is text/plain "Invalid HTTP request received."; the server's is the error shape.
    assert _status_and_error(raw_exchange(url, request_bytes))[0] == 400


def _closed_within(url: str, sent: bytes, seconds: float) -> tuple[float, bytes]:
    """Send ``sent``, then nothing: (seconds until the server closed, what it answered)."""
    with socket.create_connection(address_of(url), timeout=seconds + 5) as sock:
        start = time.monotonic()
        sock.sendall(sent)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return time.monotonic() - start, b"".join(chunks)


def test_a_stalled_request_head_is_408_and_closed(url: str) -> None:
    elapsed, answer = _closed_within(url, _head(url, b"X-Slow: 1\r\n"), 1)
    assert elapsed < 4, elapsed
    assert _status_and_error(answer)[0] == 408


def test_a_stalled_body_is_closed(url: str) -> None:
    host = url.split("//", 1)[1].encode()
    head = b"POST /auth/login HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json\r\n"
    elapsed, _ = _closed_within(url, head + b"Content-Length: 100\r\n\r\n{", 1)
    assert elapsed < 4, elapsed


def test_a_silent_connection_is_closed(url: str) -> None:
    elapsed, answer = _closed_within(url, b"", 1)
    assert elapsed < 4, elapsed
    assert answer == b""


def test_keep_alive_is_bounded_in_time_and_requests(url: str) -> None:
    request = _head(url, b"\r\n")
    elapsed, answer = _closed_within(url, request, 1)  # answered, then idle on a kept-alive connection
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert elapsed < 4, elapsed
    _, answer = _closed_within(url, request * 4, 1)
    # The third request on one connection is answered with Connection: close; the fourth is never read.
    assert answer.count(b"HTTP/1.1 200") == 3, answer.count(b"HTTP/1.1 200")
    assert b"connection: close" in answer.split(b"HTTP/1.1 200")[3].lower()


@pytest.mark.parametrize("protocol", [b"websocket", b"h2c"])
def test_an_upgrade_request_is_answered_and_its_connection_still_times_out(url: str, protocol: bytes) -> None:
    # No operation of the spec speaks WebSocket or HTTP/2 over an upgrade: the header is ignored (RFC 9110 §7.8)
    # and the request answered; a WebSocket protocol the app never accepts would hold the connection for ever.
    upgrade = b"Upgrade: " + protocol + b"\r\nConnection: Upgrade\r\n"
    if protocol == b"websocket":
        upgrade += b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    elapsed, answer = _closed_within(url, _head(url, upgrade + b"\r\n"), 1)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert elapsed < 4, elapsed
