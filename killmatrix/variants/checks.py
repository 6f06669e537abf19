"""Faults that only checks as strong as their rule catch: each one passed the earlier, weaker version of its check.

A kind the old sample never created, a list the old walk never read, a 403 for foreign and missing ids alike, a
crash on hostile input, an audit log missing one kind, a SigV4 verifier blind to the body, leaks of non-Python
stacks: the checks named in ``catches`` must fail on each, while the clean server stays clean.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from killmatrix import routes
from killmatrix.fault import Fault
from killmatrix.sigv4 import parse_authorization, resign
from killmatrix.wire import Forward, Request, Response, json_response

__all__ = [
    "AuditDropsAKind",
    "CreateRejectsValid",
    "DuplicateKeysLastWins",
    "ErrorLeaksOtherStacks",
    "HostileInput500",
    "NotFound403",
    "OversizeAccepted",
    "PageSkipsItems",
    "RateLimitResetDate",
    "SigV4BodyUnsigned",
    "SigV4RejectsBodies",
]


def _text_500() -> Response:
    response = Response(500, [(b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error")
    return response


class CreateRejectsValid(Fault):
    name = "create-rejects-valid"
    area = "status"
    description = "two creates (ASGs, snapshots) refuse valid bodies with 400, as if a validator were too strict"
    catches = ("STATUS-CREATE-201",)
    refused: ClassVar[tuple[str, ...]] = ("asgs_create", "snapshots_create")

    async def handle(self, request: Request, forward: Forward) -> Response:
        if routes.operation_id(request.method, request.path) in self.refused:
            return json_response(400, {"error": "body: request does not match the schema"})
        return await forward(request)


class PageSkipsItems(Fault):
    name = "page-skips-items"
    area = "pagination"
    description = "every list but VPCs drops the first item of each page after the first (an off-by-one cursor)"
    catches = ("PAGE-WALK",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        key = routes.list_key(request.method, request.path)
        data = response.json()
        if key and key != "vpcs" and "cursor" in request.query and isinstance(data, dict) and data.get(key):
            data[key] = data[key][1:]
            response.set_json(data)
        return response


class NotFound403(Fault):
    name = "not-found-403"
    area = "isolation"
    description = "any id that is not the caller's — another account's or nobody's — answers 403 instead of 404"
    catches = ("ISO-FOREIGN-404",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        op = routes.match(request.method, request.path)
        if response.status == 404 and op is not None and "{" in op.path:
            response.status = 403
            response.set_json({"error": "access denied"})
        return response


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _depth(body: bytes) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class HostileInput500(Fault):
    name = "hostile-500"
    area = "hostile"
    description = (
        "JSON nested over 256 deep, a surrogate escape, or a non-ASCII byte in a credential header crash the "
        "server (text/plain 500)"
    )
    catches = ("HOSTILE-DEEP-JSON", "HOSTILE-TEXT-ENCODING", "HOSTILE-AUTH-BYTES")

    async def handle(self, request: Request, forward: Forward) -> Response:
        credentials = [
            v
            for k, v in request.scope.get("headers", [])
            if k.lower().startswith((b"authorization", b"x-amz-", b"cookie"))
        ]
        if any(max(value, default=0) > 0x7F for value in credentials):
            return _text_500()
        if request.body and (_depth(request.body) > 256 or _SURROGATE.search(request.body)):
            return _text_500()
        return await forward(request)


class DuplicateKeysLastWins(Fault):
    name = "duplicate-keys-last-wins"
    area = "hostile"
    description = "a body naming a key twice is taken as its last value (re-serialised before the server sees it)"
    catches = ("HOSTILE-DUPLICATE-KEYS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        duplicated = False

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            nonlocal duplicated
            duplicated = duplicated or len({k for k, _ in items}) != len(items)
            return dict(items)

        try:
            data = json.loads(request.body, object_pairs_hook=pairs) if request.body else None
        except (ValueError, RecursionError):
            data = None
        if duplicated:
            request.body = json.dumps(data).encode()
            request.set_header("content-length", str(len(request.body)))
        return await forward(request)


class OversizeAccepted(Fault):
    name = "oversize-accepted"
    area = "hostile"
    description = "the HTTP layer's header, header-count and request-line limits are lifted to megabytes"
    catches = ("HOSTILE-OVERSIZE",)
    settings: ClassVar[dict[str, Any]] = {
        "http_max_request_line": 4 << 20,
        "http_max_header_bytes": 4 << 20,
        "http_max_headers": 1 << 20,
    }


class AuditDropsAKind(Fault):
    name = "audit-drops-a-kind"
    area = "audit"
    description = "the audit log never shows IAM-user and snapshot events (every other kind is recorded)"
    catches = ("AUDIT-MUTATIONS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        key = routes.list_key(request.method, request.path)
        data = response.json()
        if key and routes.operation_id(request.method, request.path).startswith("audit_") and isinstance(data, dict):
            hidden = (":iam_users_", ":snapshots_")
            data[key] = [e for e in data.get(key) or [] if not any(h in str(e.get("action")) for h in hidden)]
            response.set_json(data)
        return response


class SigV4BodyUnsigned(Fault):
    name = "sigv4-body-unsigned"
    area = "auth"
    description = (
        "a SigV4 signature once accepted is honoured for any body sent with it (the payload is not verified)"
    )
    catches = ("SIGV4-MUTATION",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.accepted: dict[str, tuple[str, str, bytes]] = {}  # signature -> (method, path + query, body)

    async def handle(self, request: Request, forward: Forward) -> Response:
        fields = parse_authorization(request.header("authorization") or "")
        scope = fields.get("Credential", "").split("/")
        target = request.path + "?" + request.scope.get("query_string", b"").decode("latin-1")
        seen = self.accepted.get(fields.get("Signature", ""))
        if seen and seen[:2] == (request.method, target) and seen[2] != request.body and scope[0] in self.ctx.secrets:
            resign(request, scope[0], self.ctx.secrets[scope[0]], region=scope[2], service=scope[3])
        response = await forward(request)
        if fields.get("Signature") and response.status < 300:
            self.accepted[fields["Signature"]] = (request.method, target, request.body)
        return response


class SigV4RejectsBodies(Fault):
    name = "sigv4-rejects-bodies"
    area = "auth"
    description = "SigV4 requests with a body are refused (the verifier hashes an empty payload), bodiless ones pass"
    catches = ("SIGV4-ACCEPTED",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if request.body and parse_authorization(request.header("authorization") or ""):
            return json_response(401, {"error": "SigV4: the signature does not match"})
        return await forward(request)


_GO_PANIC = "\ngoroutine 7 [running]:\nmain.(*api).handle(0xc000134000)\n\t/build/cmd/api/handlers.go:88 +0x1d"
_SQL = ' (pq: SQLSTATE[42P01]: relation "resources" does not exist)'


class ErrorLeaksOtherStacks(Fault):
    name = "error-leaks-other-stacks"
    area = "errors"
    description = "409 errors carry a Go panic trace and 422 errors an SQL error (internals of a non-Python stack)"
    catches = ("ERR-NO-INTERNALS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        leak = {409: _GO_PANIC, 422: _SQL}.get(response.status)
        if leak and isinstance(data, dict) and isinstance(data.get("error"), str):
            response.set_json({"error": data["error"] + leak})
        return response


class RateLimitResetDate(Fault):
    name = "ratelimit-reset-date"
    area = "schema"
    description = "RateLimit-Reset is sent as an HTTP-date on every answer, where the spec documents integer seconds"
    catches = ("SCHEMA-HEADERS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.header("ratelimit-reset") is not None:
            response.set_header("ratelimit-reset", "Tue, 01 Dec 2026 00:00:01 GMT")
        return response
