"""The route table: one entry per operation of the contract model (``cloudnx_spec``), nothing hand-written.

Matching is ``cloudnx_spec.matcher()``: a dictionary lookup for static paths and a few compiled patterns for
templated ones, so the cost stays flat as the spec grows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from jsonschema_rs import Validator

import cloudnx_spec
from reference_server import errors
from reference_server.platform.validation import ParamSpec, compile_schema

__all__ = ["RouteEntry", "RouteTable"]


@dataclass
class RouteEntry:
    operation: cloudnx_spec.Operation
    params: list[ParamSpec]
    body_schema: Validator | None  # compiled validator of the JSON request body, if the operation takes one
    body_required: bool
    iam: dict[str, str] | None
    public: bool
    security_schemes: frozenset[str]
    idempotent: bool  # takes Idempotency-Key
    list_key: str | None
    responses: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id


def _entry(op: cloudnx_spec.Operation) -> RouteEntry:
    schema = op.request_schema_raw
    return RouteEntry(
        operation=op,
        params=[ParamSpec.from_spec(p) for p in op.parameters],
        body_schema=compile_schema(schema) if schema is not None else None,
        body_required=op.request_body_required,
        iam=asdict(op.iam) if op.iam else None,
        public=op.public,
        security_schemes=op.security_schemes,
        idempotent=op.idempotent,
        list_key=op.list_key,
        responses=dict(op.responses),
    )


class RouteTable:
    def __init__(self) -> None:
        self.entries: dict[str, RouteEntry] = {op.operation_id: _entry(op) for op in cloudnx_spec.operations()}
        self._matcher = cloudnx_spec.matcher()

    def match(self, method: str, path: str) -> tuple[RouteEntry, dict[str, str]]:
        """The operation for ``method path`` and its raw path parameters; 404 / 405 (with Allow) otherwise."""
        found = self._matcher.lookup(path)
        if found is None:
            raise errors.route_not_found(path)
        methods, params = found
        op = methods.get(method)
        if op is None:
            raise errors.method_not_allowed(method, sorted(methods))
        return self.entries[op.operation_id], params
