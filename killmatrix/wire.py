"""Buffered request/response exchanges around an inner ASGI app: the seam every fault works on.

A fault sees one whole HTTP exchange (the API carries small JSON bodies; S3 objects in the kit's checks are
small too), may change the request before the inner app runs, skip the inner app, or change the response.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from killmatrix.asgi import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Forward", "Request", "Response", "call_inner", "json_response"]


@dataclass
class Request:
    scope: Scope
    body: bytes

    @property
    def method(self) -> str:
        return str(self.scope["method"]).upper()

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.scope.get("headers", []):
            if key.lower() == wanted:
                return bytes(value).decode("latin-1")
        return None

    def set_header(self, name: str, value: str | None) -> None:
        """Replace (or with None remove) a request header; the scope is copied, never shared."""
        wanted = name.lower().encode()
        headers = [(k, v) for k, v in self.scope.get("headers", []) if k.lower() != wanted]
        if value is not None:
            headers.append((wanted, value.encode("latin-1")))
        self.scope = {**self.scope, "headers": headers}

    def cookie(self, name: str) -> str | None:
        raw = self.header("cookie") or ""
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Response:
    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None

    def headers_named(self, name: str) -> list[str]:
        wanted = name.lower().encode()
        return [v.decode("latin-1") for k, v in self.headers if k.lower() == wanted]

    def set_header(self, name: str, value: str | None) -> None:
        wanted = name.lower().encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        if value is not None:
            self.headers.append((wanted, value.encode("latin-1")))

    def replace_headers(self, name: str, values: list[str]) -> None:
        wanted = name.lower().encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        self.headers.extend((wanted, v.encode("latin-1")) for v in values)

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def set_json(self, data: Any) -> None:
        self.body = json.dumps(data, separators=(",", ":")).encode()

    def finish(self) -> None:
        """Make Content-Length agree with the (possibly rewritten) body."""
        self.set_header("content-length", str(len(self.body)))


Forward = Callable[[Request], Awaitable[Response]]


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    response = Response(status, [(b"content-type", b"application/json")])
    for name, value in (headers or {}).items():
        response.set_header(name, value)
    response.set_json(data)
    return response


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def call_inner(app: ASGIApp, request: Request) -> Response:
    """Run the inner app on a buffered request and buffer its whole response."""
    sent = False
    finished = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent
        if sent:
            # A streaming response (Starlette's) listens for a disconnect while it sends: the buffering client
            # stays until the whole answer is read, so the disconnect comes only after the app returns.
            await finished.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    response = Response(500)
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            response.status = int(message["status"])
            response.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(request.scope, receive, send)
    finally:
        finished.set()
    response.body = b"".join(chunks)
    return response


async def send_response(response: Response, send: Send) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
