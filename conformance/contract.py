"""What the suite expects, as a thin view over the typed contract model ``cloudnx_spec`` (never literals).

``Contract.op(operation_id)`` answers the questions a check asks about an operation: method, path template,
documented statuses, list key, IAM action/resource, whether it takes an ``Idempotency-Key``, whether it is
public, and the schema and example of its request body. The typed extensions are properties: ``rate``,
``lifetimes``, ``idempotency``, ``limits``, ``s3``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

import cloudnx_spec

__all__ = ["Contract", "OperationInfo", "contract"]


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
    """The spec seen from the suite: operations by id, URLs, and the contract's typed extensions."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec if spec is not None else cloudnx_spec.load()
        self._ops = {op.operation_id: _info(op) for op in cloudnx_spec.operations()}

    def op(self, operation_id: str) -> OperationInfo:
        try:
            return self._ops[operation_id]
        except KeyError:
            raise KeyError(f"spec/openapi.yaml has no operationId {operation_id!r}") from None

    def operations(self) -> list[OperationInfo]:
        return list(self._ops.values())

    def url(self, operation_id: str, **path_params: str) -> str:
        """The operation's path with its parameters filled in (percent-encoded); relative to the target."""
        self.op(operation_id)
        try:
            return cloudnx_spec.operation(operation_id).template.fill(**path_params)
        except KeyError as exc:
            raise KeyError(f"{operation_id}: {exc.args[0]}") from None

    def match(self, method: str, path: str) -> str | None:
        """The operationId that ``method path`` addresses (the target's own base path is allowed in front)."""
        found = cloudnx_spec.match(method, path, base_path_allowed=True)
        return found.operation_id if found else None

    def ext(self, name: str) -> Any:
        """A root extension as written, e.g. ``ext("rate-limit")``; prefer the typed properties below."""
        return cloudnx_spec.extension(name)

    def schema(self, name: str) -> dict[str, Any]:
        return dict(self.spec["components"]["schemas"][name])

    @property
    def rate(self) -> cloudnx_spec.RateLimit:
        return cloudnx_spec.rate_limit()

    @property
    def lifetimes(self) -> cloudnx_spec.Lifetimes:
        return cloudnx_spec.lifetimes()

    @property
    def idempotency(self) -> cloudnx_spec.Idempotency:
        return cloudnx_spec.idempotency()

    @property
    def limits(self) -> cloudnx_spec.Limits:
        return cloudnx_spec.limits()

    @property
    def s3(self) -> cloudnx_spec.S3DataPlane:
        return cloudnx_spec.s3_data_plane()

    @property
    def rate_limit(self) -> int:
        return cloudnx_spec.rate_limit().requests_per_second

    @property
    def rate_window(self) -> float:
        return cloudnx_spec.rate_limit().window_seconds

    def id_prefixes(self) -> dict[str, str]:
        """Schema name -> id prefix, e.g. ``VpcId`` -> ``vpc-``."""
        return dict(cloudnx_spec.id_prefixes())


def _info(op: cloudnx_spec.Operation) -> OperationInfo:
    return OperationInfo(
        operation_id=op.operation_id,
        method=op.method,
        path=op.path,
        service=op.service,
        tag=op.tags[0] if op.tags else "",
        statuses=op.statuses,
        has_4xx_range=op.has_4xx_range,
        list_key=op.list_key,
        iam=asdict(op.iam) if op.iam else None,
        idempotent=op.idempotent,
        public=op.public,
        path_params=op.path_params,
        request_schema=dict(op.request_schema) if op.request_schema is not None else None,
        request_example=op.request_example,
        links=dict(op.links),
        raw=op.raw,
    )


@functools.cache
def contract() -> Contract:
    """The process-wide contract (the spec is parsed once)."""
    return Contract()
