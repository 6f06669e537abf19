"""Match a request to the spec operation it addresses, so a fault can target operations by operationId."""

from __future__ import annotations

import cloudnx_spec
from cloudnx_spec import Operation

__all__ = ["list_key", "match", "service_of"]


def match(method: str, path: str) -> Operation | None:
    return cloudnx_spec.match(method, path)


def operation_id(method: str, path: str) -> str:
    op = match(method, path)
    return op.operation_id if op else ""


def list_key(method: str, path: str) -> str | None:
    op = match(method, path)
    return op.list_key if op else None


def service_of(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def path_of(operation: str) -> str:
    return cloudnx_spec.operation(operation).path


def sigv4_scheme() -> dict[str, object]:
    return cloudnx_spec.sigv4().as_dict()
