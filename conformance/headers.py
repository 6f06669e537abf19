"""Judge a response's headers against what its operation documents for its status (spec components.headers).

A required header must be present; a documented header that is present must match its schema. A header value is
text (RFC 9110 §5.5): an integer schema means the whole value is a decimal integer, so an HTTP-date Retry-After is
off-schema where the spec says integer seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jsonschema_rs

import cloudnx_spec

__all__ = ["header_problems"]

_INTEGER = re.compile(r"-?\d+")


def _value(text: str, schema: Any) -> Any:
    """The header's text as the JSON value its schema describes (None when it cannot be one)."""
    kind = schema.get("type")
    if kind == "integer":
        return int(text) if _INTEGER.fullmatch(text.strip()) else None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return None
    return text


def header_problems(operation: cloudnx_spec.Operation, status: int, headers: Sequence[tuple[str, str]]) -> list[str]:
    """What is wrong with ``headers`` for ``operation`` answering ``status``: missing required, values off-schema."""
    problems = []
    for documented in cloudnx_spec.response_headers(operation, status):
        values = [v for k, v in headers if k.lower() == documented.name.lower()]
        if not values:
            if documented.required:
                problems.append(f"{documented.name} is required on {status} and is missing")
            continue
        for text in values:
            value = _value(text, documented.schema)
            schema = {k: v for k, v in documented.schema.items() if k not in ("examples", "example", "format")}
            valid = value is not None and jsonschema_rs.Draft202012Validator(schema).is_valid(value)
            if not valid:
                problems.append(f"{documented.name}: {text[:60]!r} does not match {schema}")
    return problems
