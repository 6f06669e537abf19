"""The route table, built by walking the spec's operations: one entry per operationId, nothing hand-written.

Matching is a dictionary lookup for static paths and a few compiled patterns (grouped by first segment and
segment count) for templated ones, so the cost stays flat as the spec grows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema_rs import Validator

import cloudnx_spec
from reference_server import errors
from reference_server.platform.validation import ParamSpec, compile_schema, deref

__all__ = ["RouteEntry", "RouteTable"]

_IDEMPOTENCY_REF = "#/components/parameters/IdempotencyKey"
_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


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


def _entry(op: cloudnx_spec.Operation, global_security: list[Any]) -> RouteEntry:
    raw_params = [*op.path_item_parameters, *op.raw.get("parameters", [])]
    params = [ParamSpec.from_spec(p) for p in raw_params]
    body = deref(op.raw.get("requestBody")) if op.raw.get("requestBody") else None
    body_schema = None
    if body is not None:
        schema = (body.get("content") or {}).get("application/json", {}).get("schema")
        body_schema = compile_schema(schema) if schema is not None else None
    security = op.raw.get("security", global_security)
    takes_key = any(isinstance(p, dict) and p.get("$ref") == _IDEMPOTENCY_REF for p in raw_params)
    return RouteEntry(
        operation=op,
        params=params,
        body_schema=body_schema,
        body_required=bool(body and body.get("required")),
        iam=op.raw.get("x-cloudnx-iam"),
        public=security == [],
        security_schemes=frozenset(name for requirement in security for name in requirement),
        idempotent=takes_key and op.raw.get("x-cloudnx-idempotency") is not False,
        list_key=op.raw.get("x-cloudnx-list-key"),
        responses=op.raw.get("responses", {}),
    )


class RouteTable:
    def __init__(self) -> None:
        spec = cloudnx_spec.load()
        global_security = list(spec.get("security") or [])
        self.entries: dict[str, RouteEntry] = {}
        self._static: dict[str, dict[str, RouteEntry]] = {}
        self._templated: dict[tuple[str, int], list[tuple[re.Pattern[str], dict[str, RouteEntry]]]] = {}
        by_path: dict[str, dict[str, RouteEntry]] = {}
        for op in cloudnx_spec.operations():
            entry = _entry(op, global_security)
            self.entries[op.operation_id] = entry
            by_path.setdefault(op.path, {})[op.method] = entry
        for path, methods in by_path.items():
            if "{" not in path:
                self._static[path] = methods
                continue
            # _PARAM.split alternates literal text and parameter names.
            parts = _PARAM.split(path)
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
            pattern = re.compile(f"^{regex}$")
            self._templated.setdefault(self._key(path), []).append((pattern, methods))

    @staticmethod
    def _key(path: str) -> tuple[str, int]:
        segments = path.split("/")
        return (segments[1] if len(segments) > 1 else "", len(segments))

    def match(self, method: str, path: str) -> tuple[RouteEntry, dict[str, str]]:
        """The operation for ``method path`` and its raw path parameters; 404 / 405 (with Allow) otherwise."""
        methods = self._static.get(path)
        params: dict[str, str] = {}
        if methods is None:
            for pattern, candidate in self._templated.get(self._key(path), ()):
                found = pattern.match(path)
                if found:
                    methods, params = candidate, found.groupdict()
                    break
        if methods is None:
            raise errors.route_not_found(path)
        entry = methods.get(method)
        if entry is None:
            raise errors.method_not_allowed(method, sorted(methods))
        return entry, params
