"""Match a request to the spec operation it addresses, so a fault can target operations by operationId."""

from __future__ import annotations

import functools
import re

import cloudnx_spec
from cloudnx_spec import Operation

__all__ = ["list_key", "match", "service_of"]


@functools.cache
def _table() -> list[tuple[re.Pattern[str], Operation]]:
    table = []
    for op in cloudnx_spec.operations():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        table.append((re.compile(f"^{pattern}$"), op))
    # Literal segments beat parameters (/auth/iam/users/x vs /auth/iam/exchange-credentials).
    table.sort(key=lambda entry: entry[1].path.count("{"))
    return table


def match(method: str, path: str) -> Operation | None:
    for pattern, op in _table():
        if op.method == method.upper() and pattern.match(path):
            return op
    return None


def operation_id(method: str, path: str) -> str:
    op = match(method, path)
    return op.operation_id if op else ""


def list_key(method: str, path: str) -> str | None:
    op = match(method, path)
    return str(op.raw["x-cloudnx-list-key"]) if op and "x-cloudnx-list-key" in op.raw else None


def service_of(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def path_of(operation: str) -> str:
    for op in cloudnx_spec.operations():
        if op.operation_id == operation:
            return op.path
    raise KeyError(operation)


def sigv4_scheme() -> dict[str, object]:
    scheme = cloudnx_spec.load()["components"]["securitySchemes"]["sigv4"]["x-cloudnx-sigv4"]
    return dict(scheme)
