"""Direct handler calls for the compute/storage rule tests: the handler under test without the HTTP pipeline.

Validation, IAM and idempotency belong to the platform and are tested through HTTP elsewhere; here a test
names an operationId, an account and the (already valid) inputs, and reads the status and body it got back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

import cloudnx_spec
import reference_server.compute
import reference_server.storage
from reference_server.errors import ApiError
from reference_server.platform.core import HANDLERS, Call, Principal, Reply, ServerContext
from reference_server.platform.store import MemoryStore
from reference_server.settings import Settings

__all__ = ["Harness", "Result"]

_OPS = {op.operation_id: op for op in cloudnx_spec.operations()}
assert reference_server.compute


@dataclass
class Result:
    status: int
    body: Any

    def __getitem__(self, name: str) -> Any:
        return self.body[name]


def _public(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


class Harness:
    """One server context (store + movable clock) and a way to call any handler as some account."""

    def __init__(self, **settings: Any) -> None:
        self.ctx = ServerContext(Settings(**settings), MemoryStore())

    def advance(self, seconds: float) -> None:
        self.ctx.clock.advance(seconds)

    def call(
        self,
        operation_id: str,
        account: str = "acc-00000000000000aa",
        body: Any = None,
        query: dict[str, Any] | None = None,
        host: str = "127.0.0.1:9",
        **path_params: str,
    ) -> Result:
        op = _OPS[operation_id]
        path = op.path.format(**path_params)
        scope = {
            "type": "http",
            "method": op.method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", host.encode())],
            "scheme": "http",
            "server": ("127.0.0.1", 9),
        }
        principal = Principal(id="usr-" + account[4:], kind="root", account_id=account, auth_method="bearer")
        call = Call(
            ctx=self.ctx,
            operation=op,
            principal=principal,
            request=Request(scope),
            path_params=dict(path_params),
            query={"limit": 100, **(query or {})},
            headers={},
            body=body,
            client_address="127.0.0.1",
        )
        try:
            reply: Reply = asyncio.run(HANDLERS[operation_id](call))
        except ApiError as exc:
            return Result(exc.status, {"error": exc.message})
        return Result(reply.status, _public(reply.body))

    # Small builders the tests share.
    def vpc(self, account: str = "acc-00000000000000aa", cidr: str = "10.0.0.0/16") -> str:
        return str(self.call("vpcs_create", account, {"name": "net", "cidr_block": cidr})["id"])

    def instance(self, vpc_id: str, account: str = "acc-00000000000000aa", **extra: Any) -> str:
        body = {"name": "web", "instance_type": "cnx.small", "image_id": "img-debian-12", "vpc_id": vpc_id, **extra}
        result = self.call("instances_create", account, body)
        assert result.status == 201, result.body
        return str(result["id"])

    def usage(self, account: str = "acc-00000000000000aa") -> dict[str, float]:
        return {r["metric"]: r["quantity"] for r in self.ctx.usage.totals(account)}
