"""Limits of the HTTP layer that uvicorn's httptools protocol lacks, added through uvicorn's documented protocol
hook (``Config(http=<protocol class>)``), so the fast stack stays (no second server to maintain):

- request line longer than ``max_request_line`` bytes: 414 (RFC 9110 §15.5.15);
- header block over ``max_header_bytes`` or more than ``max_headers`` fields: 431 (RFC 6585 §5);
- a request head not complete ``head_timeout`` seconds after its first byte (slowloris): 408 and close
  (RFC 9110 §15.5.9); a new connection that sends nothing in that time is closed silently;
- a body that does not arrive at ``body_min_rate`` bytes/s after a ``body_timeout`` grace: the connection is
  closed (the application sees a disconnect; a response is already owed by it, so none is written here);
- a connection beyond ``max_connections``: 503 with Retry-After, then close;
- at most ``keep_alive_max_requests`` requests per connection (the last one answers ``Connection: close``);
  uvicorn's own ``timeout_keep_alive`` closes idle kept-alive connections.

Every refusal written here is ``{"error": "..."}`` as application/json, like the application's own errors,
including the 400 for a request the parser rejects (uvicorn's is text/plain).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["HttpLimits", "limited_protocol"]

_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


@dataclass(frozen=True)
class HttpLimits:
    max_request_line: int = 8192
    max_header_bytes: int = 32768
    max_headers: int = 100
    head_timeout: float = 10.0
    body_timeout: float = 30.0
    body_min_rate: int = 1024
    keep_alive_max_requests: int = 1000
    max_connections: int = 1000


_LINGER_SECONDS = 2.0


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_answer(status: int, message: str, extra: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    body = json.dumps({"error": message}).encode()
    lines = [b"HTTP/1.1 %d %s" % (status, _REASONS[status]), b"content-type: application/json"]
    lines += [b"content-length: %d" % len(body), b"connection: close", *(k + b": " + v for k, v in extra)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    limits: ClassVar[HttpLimits] = HttpLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False  # bytes of a request head are arriving (or the connection awaits one)
        self._head_bytes = 0
        self._requests = 0
        self._body_bytes = 0
        self._body_started = 0.0
        self._lingering = False
        self._head_timer: Any = None
        self._body_timer: Any = None

    # -- connection -----------------------------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._refuse(503, "too many open connections; retry later", ((b"retry-after", b"1"),))
            return
        self._in_head = True
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # refused: what the client still sends is read and dropped until the linger ends
        self._unset_keepalive_if_required()
        if not self._in_head and (self.cycle is None or self.cycle.response_complete) and not self.pipeline:
            self._in_head = True  # the next request on a kept-alive connection
            self._head_bytes = 0
        if self._in_head:
            if self._head_timer is None:
                self._arm_head_timer()
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            refused = exc.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.status, refused.message)
                return
            raise
        except httptools.HttpParserUpgrade:
            # Nothing in the spec speaks WebSocket or h2c (serving.py: ws="none"): the request was dispatched as
            # plain HTTP when its head completed. No warning: any client may send the header, and uvicorn's two
            # lines per request (one of them wrongly blaming a missing library) would let it flood the log.
            return
        except httptools.HttpParserError:
            self._refuse(400, "malformed HTTP request")
            return
        if self._in_head and self._head_bytes > self.limits.max_request_line + self.limits.max_header_bytes:
            # One header value still arriving (httptools buffers it whole before any callback sees it).
            self._refuse(431, f"request header fields exceed {self.limits.max_header_bytes} bytes")

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "malformed HTTP request")

    def _refuse(self, status: int, message: str, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        # A lingering close (as nginx does): answer, send FIN, then read and drop the rest for a moment. Closing
        # at once with unread input makes the kernel send RST, and the client never sees the answer.
        self._cancel_timers()
        if self.transport.is_closing() or self._lingering:
            return
        self._lingering = True
        self.transport.write(error_answer(status, message, extra))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(_LINGER_SECONDS, self.transport.close)

    # -- parser callbacks -----------------------------------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_request_line:
            raise _Refused(414, f"the request target exceeds {self.limits.max_request_line} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        if len(self.headers) > self.limits.max_headers:
            raise _Refused(431, f"more than {self.limits.max_headers} header fields")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._cancel_timers()
        self._requests += 1
        super().on_headers_complete()
        if self._requests >= self.limits.keep_alive_max_requests and self.cycle is not None:
            self.cycle.keep_alive = False
        if any(name in (b"content-length", b"transfer-encoding") for name, _ in self.headers):
            self._body_bytes = 0
            self._body_started = self.loop.time()
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_deadline)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._cancel_timers()
        super().on_message_complete()

    # -- timers ---------------------------------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_deadline)

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    def _head_deadline(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._in_head:
            return
        if self._head_bytes == 0:
            self.transport.close()  # nothing sent at all: nobody to answer
            return
        self._refuse(408, f"the request head did not arrive within {self.limits.head_timeout:g} s")

    def _body_deadline(self) -> None:
        # Like Apache's mod_reqtimeout "body=N,MinRate=R": the grace grows by 1 s per R bytes received, so a
        # large upload at a fair rate goes on while a trickle is cut. A paused read is the server's doing.
        self._body_timer = None
        if self.transport.is_closing():
            return
        allowed = self._body_started + self.limits.body_timeout + self._body_bytes / self.limits.body_min_rate
        now = self.loop.time()
        if now < allowed or self.flow.read_paused:
            self._body_timer = self.loop.call_later(max(allowed - now, 1.0), self._body_deadline)
            return
        self.transport.close()


def limited_protocol(limits: HttpLimits) -> type[LimitedHttpToolsProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` enforcing ``limits``."""
    return type("ReferenceHttpProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
