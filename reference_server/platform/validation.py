"""Request (and, in debug mode, response) validation compiled once from the spec's schemas.

Every schema is compiled with the spec's ``components`` alongside, so local ``#/components/...`` references
resolve; jsonschema-rs keeps the per-request cost low. Messages name the field (``body.email: ...``) as the
spec's BadRequest response promises.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

import cloudnx_spec
from cloudnx_spec import deref

__all__ = ["ParamSpec", "compile_schema", "deref", "first_error"]

_MAX_MESSAGE = 300  # Error.error is at most 1000 characters; a value echoed back must not overflow it.
_INT = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


_SPEC_URI = "urn:cloudnx:spec"


@functools.cache
def _registry() -> jsonschema_rs.Registry:
    # The components live once in a registry; compiling a schema then costs only what it references.
    return jsonschema_rs.Registry([(_SPEC_URI, {"components": cloudnx_spec.load().get("components", {})})])


def _absolute_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (_SPEC_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _absolute_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


def compile_schema(schema: Mapping[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(_absolute_refs(schema), registry=_registry(), validate_formats=True)


def _format_path(location: str, path: list[str | int]) -> str:
    return ".".join([location, *(str(p) for p in path)])


def first_error(validator: jsonschema_rs.Validator, instance: Any, location: str) -> str | None:
    """The first violation as ``location.path: message``, or None when ``instance`` is valid."""
    if validator.is_valid(instance):  # the common case, without building an error iterator
        return None
    for error in validator.iter_errors(instance):
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[:_MAX_MESSAGE] + "..."
        return f"{_format_path(location, list(error.instance_path))}: {message}"
    return None


def _primary_type(schema: Mapping[str, Any]) -> str | None:
    schema = deref(schema)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


@dataclass
class ParamSpec:
    """One parameter of one operation: where it lives, how to coerce it, its compiled schema."""

    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    validator: jsonschema_rs.Validator = field(repr=False)
    kind: str | None = None
    default: Any = None
    has_default: bool = False

    @classmethod
    def from_spec(cls, param: cloudnx_spec.Parameter) -> ParamSpec:
        schema = dict(param.schema)
        resolved = deref(schema)
        return cls(
            name=param.name,
            location=param.location,
            required=param.required,
            schema=schema,
            validator=compile_schema(schema),
            kind=_primary_type(schema),
            default=resolved.get("default"),
            has_default="default" in resolved,
        )

    def coerce(self, raw: str) -> Any:
        # Query, path and header values arrive as text; the schema says what they mean.
        if self.kind == "integer" and _INT.match(raw):
            return int(raw)
        if self.kind == "number" and _NUMBER.match(raw):
            return float(raw)
        if self.kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
        return raw

    def check(self, raw: str | None) -> tuple[Any, str | None]:
        """(value, error): the coerced value with defaults applied, or a message naming the parameter."""
        label = f"{self.location}.{self.name}"
        if raw is None:
            if self.required:
                return None, f"{label}: required {self.location} parameter is missing"
            return (self.default if self.has_default else None), None
        value = self.coerce(raw)
        return value, first_error(self.validator, value, label)
