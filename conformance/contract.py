"""What the suite expects, read from the spec (via ``cloudnx_spec``): never from literals in Python.

``Contract.op(operation_id)`` answers the questions a check asks about an operation: method, path template,
documented statuses, list key, IAM action/resource, whether it takes an ``Idempotency-Key``, whether it is
public, and the schema and example of its request body.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import cloudnx_spec

__all__ = ["Contract", "OperationInfo", "contract"]

_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
_PLACEHOLDER = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class OperationInfo:
    operation_id: str
    method: str
    path: str
    service: str
    tag: str
    statuses: frozenset[int]  # explicit codes only; "4XX" is in `has_4xx_range`
    has_4xx_range: bool
    list_key: str | None
    iam: dict[str, str] | None
    idempotent: bool  # takes an Idempotency-Key
    public: bool  # `security: []`
    path_params: tuple[str, ...]
    request_schema: dict[str, Any] | None  # resolved one level (the $ref of the body)
    request_example: Any
    links: dict[str, str]  # link name -> target operationId, from the success response
    raw: dict[str, Any]

    def documents(self, status: int) -> bool:
        """True when the operation documents ``status`` explicitly or through its ``4XX`` range."""
        return status in self.statuses or (self.has_4xx_range and 400 <= status < 500)

    @property
    def success_status(self) -> int:
        return min(code for code in self.statuses if 200 <= code < 300)


class Contract:
    """The spec seen from the suite: operations by id, URLs, and the root ``x-cloudnx-*`` extensions."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec if spec is not None else cloudnx_spec.load()
        self._ops: dict[str, OperationInfo] = {}
        for operation in cloudnx_spec.operations():
            self._ops[operation.operation_id] = _info(operation, self.spec)
        # Literal segments first, so /teams/{team_id} never shadows a literal sibling like /iam/users.
        routes = sorted(self._ops.values(), key=lambda o: o.path.count("{"))
        self._routes = [(_route_regex(o.path), o.method, o.operation_id) for o in routes]

    def op(self, operation_id: str) -> OperationInfo:
        try:
            return self._ops[operation_id]
        except KeyError:
            raise KeyError(f"spec/openapi.yaml has no operationId {operation_id!r}") from None

    def operations(self) -> list[OperationInfo]:
        return list(self._ops.values())

    def url(self, operation_id: str, **path_params: str) -> str:
        """The operation's path with its parameters filled in (percent-encoded); relative to the target."""
        info = self.op(operation_id)
        missing = set(info.path_params) - path_params.keys()
        if missing:
            raise KeyError(f"{operation_id} needs path parameters {sorted(missing)}")
        return _PLACEHOLDER.sub(lambda m: quote(str(path_params[m.group(1)]), safe=""), info.path)

    def match(self, method: str, path: str) -> str | None:
        """The operationId that ``method path`` addresses (the target's own base path is allowed in front)."""
        for regex, op_method, operation_id in self._routes:
            if op_method == method.upper() and regex.search(path):
                return operation_id
        return None

    def ext(self, name: str) -> Any:
        """A root extension, e.g. ``ext("rate-limit")`` or ``ext("x-cloudnx-rate-limit")``."""
        key = name if name.startswith("x-") else f"x-cloudnx-{name}"
        try:
            return self.spec[key]
        except KeyError:
            raise KeyError(f"spec/openapi.yaml has no root extension {key!r}") from None

    def schema(self, name: str) -> dict[str, Any]:
        return dict(self.spec["components"]["schemas"][name])

    @property
    def rate_limit(self) -> int:
        return int(self.ext("rate-limit")["requests_per_second"])

    @property
    def rate_window(self) -> float:
        return float(self.ext("rate-limit").get("window_seconds", 1))

    def id_prefixes(self) -> dict[str, str]:
        """Schema name -> id prefix (``x-cloudnx-id-prefix``), e.g. ``VpcId`` -> ``vpc-``."""
        schemas = self.spec["components"]["schemas"]
        return {name: s["x-cloudnx-id-prefix"] for name, s in schemas.items() if "x-cloudnx-id-prefix" in s}


def _info(operation: cloudnx_spec.Operation, spec: dict[str, Any]) -> OperationInfo:
    raw = operation.raw
    params = [_deref(p) for p in (*operation.path_item_parameters, *raw.get("parameters", ()))]
    codes = raw.get("responses", {})
    statuses = frozenset(int(code) for code in codes if code.isdigit())
    body = (raw.get("requestBody") or {}).get("content", {}).get("application/json", {})
    schema = body.get("schema")
    if isinstance(schema, dict) and "$ref" in schema:
        schema = cloudnx_spec.resolve(schema["$ref"])
    links: dict[str, str] = {}
    for code, response in codes.items():
        if code.startswith("2"):
            for name, link in (_deref(response).get("links") or {}).items():
                links[name] = link.get("operationId", "")
    takes_key = any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in params)
    return OperationInfo(
        operation_id=operation.operation_id,
        method=operation.method,
        path=operation.path,
        service=operation.service,
        tag=operation.tags[0] if operation.tags else "",
        statuses=statuses,
        has_4xx_range="4XX" in codes,
        list_key=raw.get("x-cloudnx-list-key"),
        iam=raw.get("x-cloudnx-iam"),
        idempotent=takes_key and operation.method in _MUTATING and raw.get("x-cloudnx-idempotency") is not False,
        public=raw.get("security", spec.get("security")) == [],
        path_params=tuple(p["name"] for p in params if p.get("in") == "path"),
        request_schema=schema,
        request_example=body.get("example"),
        links=links,
        raw=raw,
    )


def _route_regex(template: str) -> re.Pattern[str]:
    pattern = _PLACEHOLDER.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    return re.compile(pattern + "$")


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = cloudnx_spec.resolve(node["$ref"])
    return node


@functools.cache
def contract() -> Contract:
    """The process-wide contract (the spec is parsed once)."""
    return Contract()
