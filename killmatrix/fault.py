"""The fault protocol and the ASGI middleware that puts one fault in front of the reference server."""

from __future__ import annotations

from typing import Any, ClassVar

from killmatrix.asgi import ASGIApp, Receive, Scope, Send
from killmatrix.context import Context
from killmatrix.wire import Forward, Request, Response, call_inner, read_body, send_response

__all__ = ["CookieRewrite", "Fault", "FaultMiddleware"]


class Fault:
    """One broken rule. Subclasses override ``handle`` (and/or ``settings`` for the server's own knobs).

    ``catches`` names the conformance check ids expected to fail on this variant (the kill matrix asserts it).
    A ``legal`` variant breaks no rule (``catches`` is empty): the suite must find it conformant.
    """

    name: ClassVar[str] = "none"
    area: ClassVar[str] = "clean"
    description: ClassVar[str] = "the clean reference server"
    catches: ClassVar[tuple[str, ...]] = ()
    legal: ClassVar[bool] = False
    # Reference-server settings overrides (reference_server.settings.Settings field -> value).
    settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def handle(self, request: Request, forward: Forward) -> Response:
        return await forward(request)


class CookieRewrite(Fault):
    """A variant that rewrites each Set-Cookie the server sends: subclasses override ``rewrite``."""

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        cookies = response.headers_named("set-cookie")
        if cookies:
            response.replace_headers("set-cookie", [self.rewrite(c) for c in cookies])
        return response

    def rewrite(self, cookie: str) -> str:
        return cookie


class FaultMiddleware:
    """ASGI middleware: buffer each HTTP exchange, let the fault rewrite it, learn from what passes."""

    def __init__(self, app: ASGIApp, fault: Fault) -> None:
        self.app = app
        self.fault = fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, await read_body(receive))

        async def forward(inner: Request) -> Response:
            response = await call_inner(self.app, inner)
            self.fault.ctx.observe(inner, response)
            return response

        response = await self.fault.handle(request, forward)
        if request.method != "HEAD":
            # A HEAD answer has no body but announces the GET's Content-Length (RFC 9110 §9.3.2): keep it.
            response.finish()
        await send_response(response, send)
