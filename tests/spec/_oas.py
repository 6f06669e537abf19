"""Walking helpers for the spec tests: resolve local refs, keep JSON pointers, find every schema and example.

Each helper yields `(node, pointer)` so a failing rule can say exactly where in spec/openapi.yaml it looked.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

import cloudnx_spec
from cloudnx_spec import Operation

SPEC_URI = "urn:cloudnx:openapi"
ERROR_REF = "#/components/schemas/Error"
IDEMPOTENCY_REF = "#/components/parameters/IdempotencyKey"

# Subschema keywords of JSON Schema 2020-12: (keyword, kind) where kind says how its value holds schemas.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_SINGLES = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties",
)  # fmt: skip


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def deref(node: Any, pointer: str) -> tuple[Any, str]:
    """Follow `$ref` chains (local only) to the node they name."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise AssertionError(f"{pointer}: circular $ref {ref}")
        seen.add(ref)
        node, pointer = cloudnx_spec.resolve(ref), ref[1:]
    return node, pointer


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    return set(declared) if isinstance(declared, list) else set()


def iter_schema(schema: Any, pointer: str, seen: set[str] | None = None) -> Iterator[tuple[dict[str, Any], str]]:
    """Every (sub)schema under `schema`, following local refs once each."""
    seen = set() if seen is None else seen
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        if ref in seen:
            return
        seen.add(ref)
        yield from iter_schema(cloudnx_spec.resolve(ref), ref[1:], seen)
    yield schema, pointer
    for key in _SCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from iter_schema(sub, f"{pointer}/{key}/{escape(name)}", seen)
    for key in _SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or ()):
            yield from iter_schema(sub, f"{pointer}/{key}/{index}", seen)
    for key in _SCHEMA_SINGLES:
        if isinstance(schema.get(key), dict):
            yield from iter_schema(schema[key], f"{pointer}/{key}", seen)


def parameters(op: Operation) -> list[tuple[dict[str, Any], str]]:
    """Resolved parameters of an operation, path-item ones first; an operation's own override by (name, in)."""
    path_pointer = "/paths/" + escape(op.path)
    merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for index, raw in enumerate(op.path_item_parameters):
        param, pointer = deref(raw, f"{path_pointer}/parameters/{index}")
        merged[(param.get("name", ""), param.get("in", ""))] = (param, pointer)
    for index, raw in enumerate(op.raw.get("parameters") or ()):
        param, pointer = deref(raw, f"{op.pointer}/parameters/{index}")
        merged[(param.get("name", ""), param.get("in", ""))] = (param, pointer)
    return list(merged.values())


def raw_parameter_refs(op: Operation) -> set[str]:
    raws = [*op.path_item_parameters, *(op.raw.get("parameters") or ())]
    return {raw["$ref"] for raw in raws if isinstance(raw, dict) and "$ref" in raw}


def responses(op: Operation) -> dict[str, tuple[dict[str, Any], str]]:
    """Resolved responses keyed by status code (as a string)."""
    return {
        str(code): deref(raw, f"{op.pointer}/responses/{escape(str(code))}")
        for code, raw in (op.raw.get("responses") or {}).items()
    }


def request_body(op: Operation) -> tuple[dict[str, Any], str] | None:
    raw = op.raw.get("requestBody")
    return None if raw is None else deref(raw, f"{op.pointer}/requestBody")


def media_types(container: dict[str, Any], pointer: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    for name, media in (container.get("content") or {}).items():
        yield name, media, f"{pointer}/content/{escape(name)}"


def headers(response: dict[str, Any], pointer: str) -> dict[str, tuple[dict[str, Any], str]]:
    """Resolved response headers keyed by lower-cased name."""
    return {
        name.lower(): deref(raw, f"{pointer}/headers/{escape(name)}")
        for name, raw in (response.get("headers") or {}).items()
    }


def operation_schemas(op: Operation) -> Iterator[tuple[dict[str, Any], str]]:
    """Every schema an operation touches: parameters, request body, responses and their headers."""
    seen: set[str] = set()
    for param, pointer in parameters(op):
        yield from iter_schema(param.get("schema"), f"{pointer}/schema", seen)
    body = request_body(op)
    if body is not None:
        for _, media, pointer in media_types(*body):
            yield from iter_schema(media.get("schema"), f"{pointer}/schema", seen)
    for response, pointer in responses(op).values():
        for _, media, media_pointer in media_types(response, pointer):
            yield from iter_schema(media.get("schema"), f"{media_pointer}/schema", seen)
        for header, header_pointer in headers(response, pointer).values():
            yield from iter_schema(header.get("schema"), f"{header_pointer}/schema", seen)


def examples_of(holder: dict[str, Any], pointer: str) -> Iterator[tuple[Any, str]]:
    """The example values of a media type, parameter or header (`example` and each `examples/*/value`)."""
    if "example" in holder:
        yield holder["example"], f"{pointer}/example"
    for name, raw in (holder.get("examples") or {}).items():
        example, example_pointer = deref(raw, f"{pointer}/examples/{escape(name)}")
        if "value" in example:
            yield example["value"], f"{example_pointer}/value"


def schema_errors(instance: Any, schema_pointer: str) -> list[str]:
    """Draft 2020-12 validation of `instance` against the schema at `schema_pointer` inside the spec."""
    validator = Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{schema_pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


@functools.cache
def _registry() -> Registry[Any]:
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(cloudnx_spec.load()))
