"""The response headers an operation documents for a status: name, whether required, and the value's schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudnx_spec.loading import deref
from cloudnx_spec.model import Operation

__all__ = ["ResponseHeader", "response_headers"]


@dataclass(frozen=True)
class ResponseHeader:
    name: str  # as the spec writes it, e.g. "Retry-After"
    required: bool
    schema: Mapping[str, Any] = field(repr=False)  # the value's JSON schema, $refs followed at the top


def response_headers(operation: Operation, status: int) -> tuple[ResponseHeader, ...]:
    """The headers ``operation`` documents for ``status``: its explicit response, else its ``4XX``/``5XX`` range."""
    responses = operation.responses
    written = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if written is None:
        return ()
    response = deref(written)
    found = []
    for name, node in (response.get("headers") or {}).items():
        header = deref(node)
        schema = deref(header.get("schema") or {})
        found.append(ResponseHeader(str(name), bool(header.get("required", False)), schema))
    return tuple(found)
