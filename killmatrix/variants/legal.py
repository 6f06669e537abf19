"""Legal variants: servers that differ from the reference only where the contract allows (cloudnx_spec.levels()).

A conformance suite must pass every correct implementation, not only catch the broken ones. Each variant here
changes one thing the spec leaves free — additive response fields, extra or absent optional headers, cookie
lifetimes by Expires, opaque cookie values, a token-bucket limiter, gzip, re-serialised JSON, the seed's 400
where the spec documents 422 — and the suite must still find it conformant (``legal = True``: the kill matrix
counts a pass as specificity, a failure as a false alarm of the suite).
"""

from __future__ import annotations

import gzip
import json
import re
import secrets
import time
from email.utils import formatdate
from typing import Any, ClassVar

import cloudnx_spec
from killmatrix import routes
from killmatrix.fault import CookieRewrite, Fault
from killmatrix.wire import Forward, Request, Response

__all__ = [
    "AdditiveFields",
    "AllLegalAtOnce",
    "ExpiresCookies",
    "ExtraHeaders",
    "GzipResponses",
    "OpaqueCookies",
    "PlainCookies",
    "ReserialisedJson",
    "SeedCodeForUnprocessable",
    "TokenBucketLimiter",
]

_EXTRA_FIELD = "x_cnx_extension"


class _Legal(Fault):
    legal: ClassVar[bool] = True
    area = "legal"


def _json_body(response: Response) -> Any:
    media = (response.header("content-type") or "").split(";")[0].strip().lower()
    return response.json() if media == "application/json" and response.body else None


class AdditiveFields(_Legal):
    name = "legal-additive-fields"
    description = "every response object the spec describes gains a field the spec does not name (errors too)"

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = _json_body(response)
        if data is None:
            return response
        op = routes.match(request.method, request.path)
        schema = _response_schema(op, response.status) if op is not None else None
        if schema is not None:
            _extend(schema, data)
        if isinstance(data, dict) and "error" in data:
            data.setdefault("request_id", "req-legal-variant")  # an Error may carry fields beside `error`
        response.set_json(data)
        return response


def _response_schema(op: cloudnx_spec.Operation, status: int) -> Any:
    responses = op.raw.get("responses", {})
    answer = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if answer is None:
        return None
    media = cloudnx_spec.deref(answer).get("content", {}).get("application/json")
    return None if media is None else media.get("schema")


def _extend(schema: Any, data: Any) -> None:
    """Add a field to every object whose schema lists fixed properties (maps and unions are left alone)."""
    schema = cloudnx_spec.deref(schema)
    if not isinstance(schema, dict):
        return
    if isinstance(data, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            if key in data:
                _extend(sub, data[key])
        data[_EXTRA_FIELD] = "added by a compatible server"
    elif isinstance(data, list) and "items" in schema:
        for item in data:
            _extend(schema["items"], item)


class ExtraHeaders(_Legal):
    name = "legal-extra-headers"
    description = "extra response headers (request id, cache, server) and no optional RateLimit-* headers"

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        for name in cloudnx_spec.rate_limit().headers:  # documented, never required (cloudnx_spec.levels())
            response.set_header(name, None)
        response.set_header("x-request-id", secrets.token_hex(8))
        response.set_header("cache-control", "no-store")
        response.set_header("server", "compatible-cloudnx/1.0")
        response.set_header("strict-transport-security", "max-age=63072000")
        return response


class ExpiresCookies(CookieRewrite, _Legal):
    name = "legal-expires-cookies"
    description = "session cookie lifetimes said by Expires (an HTTP-date) instead of Max-Age"

    def rewrite(self, cookie: str) -> str:
        def expires(match: re.Match[str]) -> str:
            seconds = int(match.group(1))
            when = time.time() + seconds if seconds > 0 else 0.0  # Max-Age=0 clears: a date in the past
            return "Expires=" + formatdate(when, usegmt=True)

        return re.sub(r"Max-Age=(-?\d+)", expires, cookie, flags=re.IGNORECASE)


class PlainCookies(CookieRewrite, _Legal):
    name = "legal-plain-cookies"
    description = "session cookies without Secure and SameSite (only the RECOMMENDED COOKIE-ATTRIBUTES asks for them)"

    def rewrite(self, cookie: str) -> str:
        kept = [p for p in cookie.split(";") if p.strip().split("=", 1)[0].lower() not in ("secure", "samesite")]
        return ";".join(kept)


class OpaqueCookies(_Legal):
    name = "legal-opaque-cookies"
    description = "session cookies hold opaque handles; the server maps them to its JWTs internally"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.handles: dict[str, str] = {}  # opaque handle -> the JWT it stands for

    async def handle(self, request: Request, forward: Forward) -> Response:
        cookie = request.header("cookie")
        if cookie:
            request.set_header("cookie", re.sub(r"(cnx_\w+)=([^;\s]+)", self._resolve, cookie))
        response = await forward(request)
        cookies = response.headers_named("set-cookie")
        if cookies:
            response.replace_headers("set-cookie", [self._hide(c) for c in cookies])
        return response

    def _resolve(self, match: re.Match[str]) -> str:
        return f"{match.group(1)}={self.handles.get(match.group(2), match.group(2))}"

    def _hide(self, cookie: str) -> str:
        name, _, rest = cookie.partition("=")
        value, sep, attributes = rest.partition(";")
        if not name.startswith("cnx_") or not value:
            return cookie
        handle = "h." + secrets.token_urlsafe(24)
        self.handles[handle] = value
        return f"{name}={handle}{sep}{attributes}"


class TokenBucketLimiter(_Legal):
    name = "legal-token-bucket"
    description = (
        f"the reference server's token-bucket limiter (30/s sustained, burst of {cloudnx_spec.RateLimit.KEY})"
    )
    settings: ClassVar[dict[str, Any]] = {"rate_limiter": "token-bucket"}


class GzipResponses(_Legal):
    name = "legal-gzip"
    description = "responses gzip-encoded whenever the client accepts gzip (Content-Encoding, Vary)"

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        accepted = (request.header("accept-encoding") or "").lower()
        if "gzip" in accepted and response.body and response.header("content-encoding") is None:
            response.body = gzip.compress(response.body)
            response.set_header("content-encoding", "gzip")
            response.set_header("vary", "Accept-Encoding")
        return response


class ReserialisedJson(_Legal):
    name = "legal-reserialised-json"
    description = "JSON re-serialised (indented, keys sorted, non-ASCII escaped) with a charset parameter"

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = _json_body(response)
        if data is None:
            return response
        response.body = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()
        response.set_header("content-type", "application/json; charset=utf-8")
        return response


class SeedCodeForUnprocessable(_Legal):
    name = "legal-400-for-422"
    description = "the seed's 400 wherever the reference answers 422 (validation incl. unknown references)"

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 422:
            response.status = 400
        return response


class AllLegalAtOnce(_Legal):
    name = "legal-combined"
    description = "every legal variant above at once (one suite run proves them together)"
    # Innermost first: the status and body changes, then the wire form, gzip last (it encodes the final body).
    parts: ClassVar[tuple[type[_Legal], ...]] = (
        SeedCodeForUnprocessable,
        AdditiveFields,
        ExpiresCookies,
        PlainCookies,
        OpaqueCookies,
        ExtraHeaders,
        ReserialisedJson,
        GzipResponses,
    )
    settings: ClassVar[dict[str, Any]] = dict(TokenBucketLimiter.settings)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.chain = [part(*args) for part in self.parts]

    async def handle(self, request: Request, forward: Forward) -> Response:
        for part in self.chain:
            forward = _wrap(part, forward)
        return await forward(request)


def _wrap(part: Fault, inner: Forward) -> Forward:
    async def call(request: Request) -> Response:
        return await part.handle(request, inner)

    return call
