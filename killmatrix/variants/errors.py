"""Error shape and status-code faults (seed "Request / response shape" and "Status codes")."""

from __future__ import annotations

import re
from typing import ClassVar

from killmatrix import routes
from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response, json_response

__all__ = [
    "ConflictAs400",
    "Create200",
    "ErrorContentType",
    "ErrorShape",
    "ErrorStackTrace",
    "Gone404",
    "IamDeny404",
    "MethodNotAllowedWithoutAllow",
    "OddInput500",
]


class ErrorShape(Fault):
    name = "error-shape"
    area = "errors"
    description = 'every 4xx/5xx body is {"message": ...} instead of the seed\'s {"error": ...}'
    catches = ("ERR-SHAPE",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        if response.status >= 400 and isinstance(data, dict) and "error" in data:
            response.set_json({"message": data["error"]})
        return response


class ErrorContentType(Fault):
    name = "error-content-type"
    area = "errors"
    description = "errors keep their JSON body but are labelled text/plain"
    catches = ("ERR-SHAPE",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status >= 400:
            response.set_header("content-type", "text/plain; charset=utf-8")
        return response


class ErrorStackTrace(Fault):
    name = "error-stack-trace"
    area = "errors"
    description = "validation errors (400) carry a Python traceback in the error string"
    catches = ("ERR-NO-INTERNALS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        if response.status == 400 and isinstance(data, dict) and isinstance(data.get("error"), str):
            trace = (
                "Traceback (most recent call last):\n"
                '  File "/srv/cloudnx/reference_server/validation.py", line 88, in validate\n'
                "jsonschema.exceptions.ValidationError: "
            )
            response.set_json({"error": trace + data["error"]})
        return response


class _StatusRewrite(Fault):
    source: ClassVar[int] = 0
    target: ClassVar[int] = 0

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == self.source:
            response.status = self.target
        return response


class Create200(_StatusRewrite):
    name = "create-200"
    area = "status"
    description = "compute and storage creates answer 200 instead of 201"
    catches = ("STATUS-CREATE-201",)
    source, target = 201, 200

    async def handle(self, request: Request, forward: Forward) -> Response:
        # Auth creates keep 201 so that accounts can still be bootstrapped: the fault is in the services.
        if routes.service_of(request.path) == "auth":
            return await forward(request)
        return await super().handle(request, forward)


class Gone404(_StatusRewrite):
    name = "gone-404"
    area = "status"
    description = "expired invites and pending tokens answer 404 instead of 410"
    catches = ("STATUS-GONE-410",)
    source, target = 410, 404


class ConflictAs400(_StatusRewrite):
    name = "conflict-400"
    area = "status"
    description = "conflicts (unique name, wrong state) answer 400 instead of 409"
    catches = ("STATUS-CONFLICT-409",)
    source, target = 409, 400


class IamDeny404(_StatusRewrite):
    name = "iam-deny-404"
    area = "status"
    description = "an IAM deny answers 404 instead of 403"
    catches = ("STATUS-IAM-DENY-403",)
    source, target = 403, 404


class MethodNotAllowedWithoutAllow(Fault):
    name = "405-no-allow"
    area = "status"
    description = "405 answers without the Allow header (RFC 9110 §15.5.6)"
    catches = ("STATUS-METHOD-NOT-ALLOWED",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 405:
            response.set_header("allow", None)
        return response


_ODD = re.compile(r"\\u0000|\x00|[\U00010000-\U0010FFFF]|\\ud8[0-9a-f]{2}", re.IGNORECASE)


class OddInput500(Fault):
    name = "odd-input-500"
    area = "errors"
    description = "a NUL byte or a non-BMP character anywhere in the body or query crashes the handler (500)"
    catches = ("NO-5XX",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        text = request.body.decode("utf-8", "replace") + request.scope.get("query_string", b"").decode("latin-1")
        if routes.match(request.method, request.path) and (_ODD.search(text) or "%00" in text):
            return json_response(500, {"error": "internal server error"})
        return await forward(request)
